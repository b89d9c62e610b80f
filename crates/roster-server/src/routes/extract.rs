//! Request extractors: the API base URL, SCIM JSON bodies, list parameters.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::projection::Projection;
use crate::schema::ResourceDef;

/// The absolute URL of the API root, for `location`s: the server's public URL
/// (a request extension set at start), never the request's `Host` header.
#[derive(Debug, Clone)]
pub struct Base(pub String);

/// The API root the server announces (see [`crate::ServerConfig::public_url`]).
#[derive(Debug, Clone)]
pub struct PublicBase(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<PublicBase>() {
            Some(base) => Ok(Self(base.0.clone())),
            None => Err(ApiError::internal(
                "the router runs without a PublicBase extension",
            )),
        }
    }
}

/// The `If-Match` header, if any.
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(IF_MATCH)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// How long a request may take to send its body (a request extension the server
/// sets from [`crate::serve::Limits`]).
#[derive(Debug, Clone, Copy)]
pub struct BodyReadTimeout(pub Duration);

/// A JSON request body; malformed JSON is a SCIM 400 invalidSyntax, a body over
/// the size limit a SCIM 413, and one that does not arrive within the
/// [`BodyReadTimeout`] a SCIM 408.
#[derive(Debug, Clone)]
pub struct ScimBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_media_type(req.headers().get(CONTENT_TYPE))?;
        let limit = req
            .extensions()
            .get::<BodyReadTimeout>()
            .map_or(crate::serve::Limits::default().body_read_timeout, |t| t.0);
        let read = tokio::time::timeout(limit, Bytes::from_request(req, state))
            .await
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    None,
                    format!(
                        "the request body did not arrive within {} s",
                        limit.as_secs_f32()
                    ),
                )
            })?;
        let bytes = read.map_err(|rejection| {
            if rejection.status().as_u16() == 413 {
                ApiError::too_large("the request body is larger than this server accepts")
            } else {
                ApiError::invalid_syntax(format!("could not read the request body: {rejection}"))
            }
        })?;
        serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            ApiError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
        })
    }
}

/// Refuses (415) a body declared as anything but JSON: `application/scim+json`
/// (RFC 7644 §3.1), `application/json` (clients send it), or any `+json` type. A
/// body without a Content-Type is read as JSON, as most SCIM services do.
fn check_media_type(value: Option<&axum::http::HeaderValue>) -> Result<(), ApiError> {
    let Some(value) = value else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
        format!(
            "the request body must be {} (or application/json), not {:?}",
            roster_proto::SCIM_MEDIA_TYPE,
            value.to_str().unwrap_or("(not text)")
        ),
    ))
}

/// Query parameters of a listing (RFC 7644 §3.4.2), also the body of `/.search`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub start_index: Option<i64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub count: Option<i64>,
    #[serde(default, deserialize_with = "comma_list")]
    pub attributes: Option<String>,
    #[serde(default, deserialize_with = "comma_list")]
    pub excluded_attributes: Option<String>,
}

/// Numbers arrive as strings in a query and as numbers in a `/.search` body.
fn lenient_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("not an integer")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not an integer"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other} is not an integer"
        ))),
    }
}

/// Attribute lists arrive comma-separated in a query and as arrays in `/.search`.
fn comma_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Array(items)) => Ok(Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        )),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other} is not an attribute list"
        ))),
    }
}

/// Largest page the server returns (advertised as `filter.maxResults`).
pub const MAX_PAGE: u64 = 1000;
/// Page size when the client names none.
pub const DEFAULT_PAGE: u64 = 100;

/// A listing request, checked.
pub struct ListQuery {
    pub filter: Option<roster_proto::filter::Filter>,
    pub sort: Option<String>,
    pub start_index: u64,
    pub count: u64,
    pub projection: Projection,
}

impl ListParams {
    /// Checks the parameters for `resource`.
    pub fn check(
        &self,
        resource: &ResourceDef,
        order_by: impl Fn(&str) -> Result<String, ApiError>,
    ) -> Result<ListQuery, ApiError> {
        let filter = match self.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse().map_err(|e| {
                ApiError::invalid_filter(format!("the filter {text:?} is not valid: {e}"))
            })?),
        };
        let sort = match self.sort_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(path) => {
                let direction = match self
                    .sort_order
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    None | Some("") | Some("ascending") => "ASC NULLS LAST",
                    Some("descending") => "DESC NULLS LAST",
                    Some(other) => {
                        return Err(ApiError::invalid_value(format!(
                            "sortOrder {other:?}: expected ascending or descending"
                        )));
                    }
                };
                Some(format!("{} {direction}", order_by(path)?))
            }
        };
        // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1, a negative count as 0.
        let start_index = self.start_index.unwrap_or(1).max(1) as u64;
        let count = self
            .count
            .map(|c| c.max(0) as u64)
            .unwrap_or(DEFAULT_PAGE)
            .min(MAX_PAGE);
        let projection = Projection::parse(
            resource,
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
        )?;
        Ok(ListQuery {
            filter,
            sort,
            start_index,
            count,
            projection,
        })
    }
}

/// `attributes` / `excludedAttributes` on a single-resource request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionParams {
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ProjectionParams {
    /// The projection for `resource`.
    pub fn projection(&self, resource: &ResourceDef) -> Result<Projection, ApiError> {
        Projection::parse(
            resource,
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
        )
    }
}

/// Query parameters; a malformed query is a SCIM 400 invalidValue.
#[derive(Debug, Clone)]
pub struct ScimQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for ScimQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::invalid_value(format!("invalid query parameters: {e}")))
    }
}
