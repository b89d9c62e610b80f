//! From HTTP statuses, SCIM error bodies and transport failures to [`CoreError`].

use roster_proto::ScimType;
use serde_json::Value;

use crate::CoreError;

/// The longest piece of a non-SCIM error body quoted in a message.
const SNIPPET: usize = 300;

/// The error for a response with a non-success `status` and `body`.
///
/// - 401 → `Unauthorized`, 403 → `NotAdministrator`
/// - 400 `invalidValue` whose detail says the domain is not authorized →
///   `DomainNotAuthorized`
/// - 404 → `NotFound`, 409 → `AlreadyExists`, 412 → `Conflict`
/// - other 4xx, and 501 Not Implemented → `Rejected`: a permanent refusal, never
///   retried (405 and 501 also downgrade the feature, see `client::features`)
/// - 429 and the other 5xx → `Server` (transient)
/// - 3xx (redirects are not followed) → `Config`, anything else → `Protocol`
pub(crate) fn from_status(status: u16, body: &[u8], location: Option<&str>) -> CoreError {
    // Read loosely: servers send `status` as a number, leave out `schemas` or
    // `scimType`, or put the text in `message`.
    let scim: Option<Value> = serde_json::from_slice(body).ok().filter(Value::is_object);
    let scim_type = scim
        .as_ref()
        .and_then(|e| serde_json::from_value::<ScimType>(e["scimType"].clone()).ok());
    let detail = scim
        .as_ref()
        .and_then(|e| {
            ["detail", "message", "error"]
                .iter()
                .find_map(|k| e[*k].as_str().filter(|d| !d.trim().is_empty()))
        })
        .map(shorten)
        .unwrap_or_else(|| fallback_detail(status, body));
    match status {
        401 => CoreError::Unauthorized,
        403 => CoreError::NotAdministrator,
        404 => CoreError::NotFound { detail },
        409 => CoreError::AlreadyExists { detail },
        412 => CoreError::Conflict,
        400 if scim_type == Some(ScimType::InvalidValue) && is_domain_refusal(&detail) => {
            CoreError::DomainNotAuthorized { detail }
        }
        429 | 500 | 502..=599 => CoreError::Server { status, detail },
        501 => CoreError::Rejected {
            status,
            scim_type,
            detail,
        },
        400..=499 => CoreError::Rejected {
            status,
            scim_type,
            detail,
        },
        300..=399 => CoreError::Config {
            detail: format!(
                "the server redirects (HTTP {status}) to {}: enter that address instead",
                location
                    .map(super::profile::redact_url)
                    .unwrap_or_else(|| "another address".to_owned())
            ),
        },
        _ => CoreError::Protocol {
            detail: format!("unexpected HTTP status {status}"),
        },
    }
}

/// Whether a 400 invalidValue detail is the server refusing an email's domain.
fn is_domain_refusal(detail: &str) -> bool {
    let d = detail.to_lowercase();
    d.contains("domain") && (d.contains("not authorized") || d.contains("not authorised"))
}

/// A detail for an error body that is not SCIM: its text, shortened, or the reason
/// phrase of the status.
fn fallback_detail(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no explanation given")
            .to_owned();
    }
    shorten(text)
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SNIPPET) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The error for a body that should be SCIM JSON and is not.
pub(crate) fn protocol(what: &str, err: impl std::fmt::Display) -> CoreError {
    CoreError::Protocol {
        detail: format!("{what}: {err}"),
    }
}

/// When the connection failed because the server's certificate is not trusted (or
/// not valid for its name): the message for `CoreError::Config`. A settings
/// problem, not a network one, so it is neither retried nor shown as "offline".
pub(crate) fn certificate_problem(e: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(
            err @ (rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented),
        ) = rustls_error(s)
        {
            return Some(format!(
                "the server's TLS certificate is not trusted ({err}). If the server uses a \
                 private certificate authority, add that authority's certificate (PEM) to the \
                 connection"
            ));
        }
        source = s.source();
    }
    None
}

/// The rustls error inside `e`, looking through nested `io::Error`s.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_error(inner)
}

/// A description of a transport failure for `Offline { reason }`: the innermost
/// cause (e.g. "Connection refused (os error 111)"), never the URL nor a header.
pub(crate) fn describe_transport(e: &reqwest::Error) -> String {
    let mut cause: Option<String> = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = Some(s.to_string());
        source = s.source();
    }
    let cause = cause.unwrap_or_else(|| "connection failed".to_owned());
    if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        format!("could not connect: {cause}")
    } else {
        format!("connection lost: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(status: u16, scim_type: Option<&str>, detail: &str) -> Vec<u8> {
        let mut v = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.to_string(), "detail": detail,
        });
        if let Some(t) = scim_type {
            v["scimType"] = json!(t);
        }
        v.to_string().into_bytes()
    }

    #[test]
    fn statuses_and_scim_bodies_map_to_core_errors() {
        let domain = body(
            400,
            Some("invalidValue"),
            "x@evil.example: the domain is not authorized for this organisation (authorized: a.example)",
        );
        assert!(matches!(
            from_status(400, &domain, None),
            CoreError::DomainNotAuthorized { detail } if detail.contains("evil.example")
        ));
        let seats = body(400, Some("invalidValue"), "license crm: no seats left");
        assert!(matches!(
            from_status(400, &seats, None),
            CoreError::Rejected {
                status: 400,
                scim_type: Some(ScimType::InvalidValue),
                ..
            }
        ));
        assert_eq!(from_status(401, b"", None), CoreError::Unauthorized);
        assert_eq!(from_status(403, b"", None), CoreError::NotAdministrator);
        assert_eq!(from_status(412, b"", None), CoreError::Conflict);
        assert!(matches!(
            from_status(409, &body(409, Some("uniqueness"), "userName taken"), None),
            CoreError::AlreadyExists { detail } if detail == "userName taken"
        ));
        assert!(matches!(
            from_status(404, b"", None),
            CoreError::NotFound { detail } if detail == "Not Found"
        ));
        assert!(matches!(
            from_status(502, b"<html>bad gateway</html>", None),
            CoreError::Server { status: 502, detail } if detail == "Bad Gateway"
        ));
        assert!(matches!(
            from_status(429, b"slow down", None),
            CoreError::Server { status: 429, detail } if detail == "slow down"
        ));
        assert!(matches!(
            from_status(301, b"", Some("https://tok@x.example/")),
            CoreError::Config { detail } if detail.contains("https://****@x.example/")
        ));
        assert!(matches!(
            from_status(413, b"", None),
            CoreError::Rejected { status: 413, .. }
        ));
    }
}

#[cfg(test)]
mod lenient_tests {
    use super::*;

    #[test]
    fn not_implemented_and_not_allowed_are_permanent_refusals() {
        for status in [501, 405] {
            let err = from_status(status, br#"{"detail":"PATCH is not implemented"}"#, None);
            assert!(
                matches!(&err, CoreError::Rejected { status: s, detail, .. }
                    if *s == status && detail == "PATCH is not implemented"),
                "{err:?}"
            );
            assert!(!err.is_transient(), "{status} is not retried as offline");
        }
    }

    #[test]
    fn a_numeric_status_without_scim_type_or_schemas_is_read() {
        let err = from_status(
            400,
            br#"{"status": 400, "detail": "Unknown attribute: meta.lastModified"}"#,
            None,
        );
        assert!(
            matches!(&err, CoreError::Rejected { status: 400, scim_type: None, detail }
                if detail == "Unknown attribute: meta.lastModified"),
            "{err:?}"
        );
        let typed = from_status(
            400,
            br#"{"status": 400, "scimType": "invalidFilter", "detail": "no"}"#,
            None,
        );
        assert!(matches!(
            typed,
            CoreError::Rejected {
                scim_type: Some(ScimType::InvalidFilter),
                ..
            }
        ));
    }
}
