//! The organisation: its name, authorized email domains, identity provider.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// Settings of the organisation the server hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSettings {
    /// Display name.
    pub name: String,
    /// Email domains users may have; `*` authorizes every domain.
    pub authorized_domains: Vec<String>,
    /// Whether users sign in through an identity provider.
    pub identity_provider: bool,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: "Example Organisation".to_owned(),
            authorized_domains: vec!["example.com".to_owned()],
            identity_provider: false,
        }
    }
}

impl OrgSettings {
    /// Whether `email` is one plain address ([`roster_proto::email`]) whose domain is
    /// authorized (`*` authorizes all).
    pub fn domain_authorized(&self, email: &str) -> bool {
        roster_proto::email::parse(email).is_ok_and(|a| self.authorizes(a.domain))
    }

    fn authorizes(&self, domain: &str) -> bool {
        self.authorized_domains
            .iter()
            .any(|d| d == "*" || d.eq_ignore_ascii_case(domain))
    }

    /// Refuses (400 invalidValue) a user doc whose `userName` (when it looks like an
    /// email address, i.e. has an `@`) or any `emails[].value` is not one plain
    /// address, or is outside the authorized domains.
    pub fn check_user_domains(&self, doc: &Value) -> ApiResult<()> {
        let user_name = doc["userName"].as_str().unwrap_or_default();
        let user_name_email = user_name
            .contains('@')
            .then_some(("userName", user_name.trim_matches(' ')));
        let emails = doc["emails"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["value"].as_str())
            .map(|v| ("emails.value", v));
        for (attr, address) in user_name_email.into_iter().chain(emails) {
            // `{:?}` keeps what the client sent on one line of the answer (and of
            // any log that quotes it).
            let parsed = roster_proto::email::parse(address).map_err(|e| {
                ApiError::invalid_value(format!(
                    "{attr} {address:?} is not one plain email address: {e}"
                ))
            })?;
            if !self.authorizes(parsed.domain) {
                return Err(ApiError::invalid_value(format!(
                    "{address}: the domain is not authorized for this organisation (authorized: {})",
                    self.authorized_domains.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Id of the single organisation row.
const ORG_ID: &str = "organisation";

/// Stores `settings` (creating the row on first start).
pub fn save(conn: &Connection, settings: &OrgSettings, now: &str) -> rusqlite::Result<()> {
    let domains = serde_json::to_string(&settings.authorized_domains).unwrap_or_default();
    conn.execute(
        "INSERT INTO organisation (id, name, authorized_domains, identity_provider, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT(id) DO UPDATE SET name = ?2, authorized_domains = ?3,
             identity_provider = ?4, last_modified = ?5",
        params![ORG_ID, settings.name, domains, settings.identity_provider, now],
    )?;
    Ok(())
}

/// The stored settings, if the organisation was set up.
pub fn load(conn: &Connection) -> ApiResult<Option<OrgSettings>> {
    let row = conn
        .query_row(
            "SELECT name, authorized_domains, identity_provider FROM organisation WHERE id = ?1",
            [ORG_ID],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row.map(|(name, domains, identity_provider)| OrgSettings {
        name,
        authorized_domains: serde_json::from_str(&domains).unwrap_or_default(),
        identity_provider,
    }))
}

/// The `/Organisation` resource.
pub fn render(conn: &Connection, base: &str) -> ApiResult<Value> {
    let (created, modified): (String, String) = conn.query_row(
        "SELECT created, last_modified FROM organisation WHERE id = ?1",
        [ORG_ID],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let org = load(conn)?.unwrap_or_default();
    Ok(json!({
        "schemas": [roster_proto::urn::ORGANISATION],
        "id": ORG_ID,
        "name": org.name,
        "authorizedDomains": org.authorized_domains,
        "identityProviderConfigured": org.identity_provider,
        "meta": {
            "resourceType": "Organisation",
            "created": created,
            "lastModified": modified,
            "location": format!("{base}/Organisation"),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_matched_exactly_and_case_insensitively() {
        let org = OrgSettings {
            authorized_domains: vec!["northwind.example".into()],
            ..OrgSettings::default()
        };
        assert!(org.domain_authorized("Ann@NorthWind.Example"));
        assert!(!org.domain_authorized("ann@evil-northwind.example"));
        assert!(!org.domain_authorized("ann@sub.northwind.example"));
        assert!(!org.domain_authorized("no-at-sign"));
        let any = OrgSettings {
            authorized_domains: vec!["*".into()],
            ..OrgSettings::default()
        };
        assert!(any.domain_authorized("x@anything.test"));
        // Every domain authorized still means one plain address.
        assert!(!any.domain_authorized("x@evil.example@chaos.example"));
        assert!(!any.domain_authorized("Evil <evil@evil.example>"));
    }

    #[test]
    fn user_doc_checks_user_name_and_every_email() {
        let org = OrgSettings::default();
        let ok = json!({"userName": "a@example.com", "emails": [{"value": "a@example.com"}]});
        assert!(org.check_user_domains(&ok).is_ok());
        let bad = json!({"userName": "a@example.com", "emails": [{"value": "a@other.test"}]});
        let err = org.check_user_domains(&bad).unwrap_err();
        assert!(err.detail.contains("a@other.test"), "{}", err.detail);
        // A userName that is not an email (conformance testers send UUIDs) is allowed.
        assert!(
            org.check_user_domains(&json!({"userName": "3f2c-uuid"}))
                .is_ok()
        );
    }
}
