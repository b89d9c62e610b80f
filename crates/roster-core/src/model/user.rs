//! Users.

use chrono::{DateTime, Utc};
use roster_proto::resources::{InvitationState, UserResource};
use serde::{Deserialize, Serialize};

use super::{Email, GroupId, LicenseId, UserId};

/// Where a user's license comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LicenseOrigin {
    /// Assigned to the user directly.
    Direct,
    /// Inherited from membership of a group.
    Group(GroupId),
}

/// A license a user holds, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LicenseGrant {
    /// The license.
    pub license: LicenseId,
    /// Direct or through a group.
    pub origin: LicenseOrigin,
}

/// Whether an invited user has joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    /// Invited and never connected; when the last invitation was sent, if known.
    Pending(Option<DateTime<Utc>>),
    /// Has connected at least once.
    Accepted,
    /// The server does not say (a SCIM server without the Roster extension).
    Unknown,
}

/// A user of the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Server id.
    pub id: UserId,
    /// The login name; for Roster, the email address.
    pub user_name: String,
    /// The user's email: the userName when it is an address, else the primary email.
    pub email: Option<Email>,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Whether the account is active (`active: false` from the server: deactivated,
    /// e.g. by a DELETE the server answers by deactivating). Absent means active.
    pub active: bool,
    /// Organisation Administrator role (`false` also when the server does not say:
    /// see [`User::unknown`] and [`User::admin_fact`]).
    pub admin: bool,
    /// May sign in with a local password (`false` also when the server does not say:
    /// see [`User::unknown`] and [`User::local_login_fact`]).
    pub local_login: bool,
    /// Last connection, if any (`None` is "never" only when
    /// [`User::last_connection_fact`] is `Some`).
    pub last_connection: Option<DateTime<Utc>>,
    /// Licenses held, direct and inherited.
    pub licenses: Vec<LicenseGrant>,
    /// Groups the user belongs to.
    pub groups: Vec<GroupId>,
    /// Invitation state.
    pub invitation: InvitationStatus,
    /// The server's version of this user (ETag), for `If-Match`.
    pub version: Option<String>,
    /// When the server last changed it.
    pub last_modified: Option<DateTime<Utc>>,
    /// Which of the facts above the server did not give (a SCIM server without the
    /// Roster extension): the UI shows those as unknown ("—"), not as ✗ or "never".
    /// `Default` = everything was given.
    pub unknown: Unknown,
}

/// The prefix of a [`User::write_guard`] made of the last change's time.
pub const LAST_MODIFIED_GUARD: &str = "lastModified:";

/// The facts of a [`User`] the server did not report (each `true` = unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unknown {
    /// Organisation Administrator was not given.
    pub admin: bool,
    /// Local login was not given.
    pub local_login: bool,
    /// Last connection was not given (no "never" either).
    pub last_connection: bool,
}

impl Unknown {
    /// Nothing is known: a server without the Roster extension.
    pub const ALL: Self = Self {
        admin: true,
        local_login: true,
        last_connection: true,
    };

    /// Whether anything is unknown.
    pub fn any(&self) -> bool {
        self.admin || self.local_login || self.last_connection
    }
}

impl User {
    /// "First Last", or the userName when the names are empty.
    pub fn full_name(&self) -> String {
        let name = format!("{} {}", self.given_name, self.family_name);
        let name = name.trim();
        if name.is_empty() {
            self.user_name.clone()
        } else {
            name.to_owned()
        }
    }

    /// The administrator flag, or `None` when the server does not say.
    pub fn admin_fact(&self) -> Option<bool> {
        (!self.unknown.admin).then_some(self.admin)
    }

    /// The local-login flag, or `None` when the server does not say.
    pub fn local_login_fact(&self) -> Option<bool> {
        (!self.unknown.local_login).then_some(self.local_login)
    }

    /// The last connection: `Some(None)` is "never", `None` is "the server does not
    /// say".
    pub fn last_connection_fact(&self) -> Option<Option<DateTime<Utc>>> {
        (!self.unknown.last_connection).then_some(self.last_connection)
    }

    /// What a change made against this version of the user carries to detect a
    /// change on the server meanwhile (`Change::PatchUser::if_match`): the version
    /// (ETag), else `lastModified:` and the time of the last change, which the client
    /// compares on a re-read (never sent as `If-Match`); `None` when the server gives
    /// neither.
    pub fn write_guard(&self) -> Option<String> {
        self.version.clone().or_else(|| {
            self.last_modified
                .map(|t| format!("{LAST_MODIFIED_GUARD}{}", t.to_rfc3339()))
        })
    }

    /// Licenses assigned directly.
    pub fn direct_licenses(&self) -> impl Iterator<Item = &LicenseId> {
        self.licenses
            .iter()
            .filter(|g| g.origin == LicenseOrigin::Direct)
            .map(|g| &g.license)
    }

    /// Every license the user holds, once each (direct or inherited).
    pub fn effective_licenses(&self) -> Vec<&LicenseId> {
        let mut out: Vec<&LicenseId> = Vec::new();
        for grant in &self.licenses {
            if !out.contains(&&grant.license) {
                out.push(&grant.license);
            }
        }
        out
    }

    /// Reads a SCIM User resource.
    pub fn from_resource(r: UserResource) -> Self {
        let primary_email = r
            .emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| r.emails.first())
            .and_then(|e| Email::parse(&e.value).ok());
        let email = Email::parse(&r.user_name).ok().or(primary_email);
        let name = r.name.unwrap_or_default();
        let (given_name, family_name) = names(&name, r.display_name.as_deref());
        let unknown = match &r.roster {
            None => Unknown::ALL,
            Some(ext) => Unknown {
                admin: ext.organisation_administrator.is_none(),
                local_login: ext.local_login.is_none(),
                // The Roster extension always says it (absent = never connected).
                last_connection: false,
            },
        };
        let ext = r.roster.unwrap_or_default();
        let mut licenses: Vec<LicenseGrant> = r
            .entitlements
            .iter()
            .map(|e| LicenseGrant {
                license: LicenseId::from(e.value.as_str()),
                origin: LicenseOrigin::Direct,
            })
            .collect();
        licenses.extend(ext.inherited_licenses.iter().map(|l| LicenseGrant {
            license: LicenseId::from(l.value.as_str()),
            origin: LicenseOrigin::Group(GroupId::from(l.group.value.as_str())),
        }));
        let invitation = match (&ext.invitation, ext.last_connection) {
            (_, Some(_)) => InvitationStatus::Accepted,
            (Some(inv), None) => match inv.status {
                InvitationState::Pending => InvitationStatus::Pending(inv.sent_at),
                InvitationState::Accepted => InvitationStatus::Accepted,
            },
            (None, None) => InvitationStatus::Unknown,
        };
        let meta = r.meta.unwrap_or_default();
        Self {
            id: UserId::from(r.id),
            user_name: r.user_name,
            email,
            given_name,
            family_name,
            active: r.active.unwrap_or(true),
            admin: ext.organisation_administrator.unwrap_or(false),
            local_login: ext.local_login.unwrap_or(false),
            last_connection: ext.last_connection,
            licenses,
            groups: r
                .groups
                .into_iter()
                .map(|g| GroupId::from(g.value))
                .collect(),
            invitation,
            version: meta.version,
            last_modified: meta.last_modified,
            unknown,
        }
    }
}

/// First and last name: `givenName`/`familyName` when either is given, else
/// `name.formatted`, else `displayName`, split before the last word ("Ada King
/// Lovelace" → "Ada King" + "Lovelace"; one word stays whole as the first name).
fn names(name: &roster_proto::resources::Name, display_name: Option<&str>) -> (String, String) {
    let given = name.given_name.as_deref().map(str::trim).unwrap_or("");
    let family = name.family_name.as_deref().map(str::trim).unwrap_or("");
    if !given.is_empty() || !family.is_empty() {
        return (given.to_owned(), family.to_owned());
    }
    let whole = [name.formatted.as_deref(), display_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let words: Vec<&str> = whole.split_whitespace().collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => (rest.join(" "), (*last).to_owned()),
        _ => (words.join(" "), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_roster_user_with_direct_and_inherited_licenses() {
        let r: UserResource = serde_json::from_value(json!({
            "id": "u1", "userName": "Ann@Corp.example",
            "name": {"givenName": "Ann", "familyName": "Smith"},
            "entitlements": [{"value": "office"}],
            "groups": [{"value": "g1", "display": "Sales"}],
            "urn:roster:params:scim:schemas:extension:organisation:2.0:User": {
                "organisationAdministrator": true, "localLogin": false,
                "inheritedLicenses": [{"value": "crm", "group": {"value": "g1"}},
                                      {"value": "office", "group": {"value": "g1"}}],
                "invitation": {"status": "pending", "sentAt": "2026-01-01T00:00:00Z"}
            },
            "meta": {"version": "W/\"3\""}
        }))
        .unwrap();
        let u = User::from_resource(r);
        assert_eq!(u.email.as_ref().map(Email::key), Some("ann@corp.example"));
        assert!(u.admin && !u.local_login);
        assert_eq!(
            u.direct_licenses()
                .map(LicenseId::as_str)
                .collect::<Vec<_>>(),
            ["office"]
        );
        let effective: Vec<&str> = u
            .effective_licenses()
            .into_iter()
            .map(LicenseId::as_str)
            .collect();
        assert_eq!(effective, ["office", "crm"]);
        assert!(matches!(u.invitation, InvitationStatus::Pending(Some(_))));
        assert_eq!(u.version.as_deref(), Some("W/\"3\""));
        assert_eq!(u.full_name(), "Ann Smith");
    }

    #[test]
    fn a_plain_scim_user_without_the_extension_still_reads() {
        let r: UserResource = serde_json::from_value(json!({
            "id": "u2", "userName": "not-an-email",
            "emails": [{"value": "x@y.example", "primary": true}]
        }))
        .unwrap();
        let u = User::from_resource(r);
        assert_eq!(u.email.as_ref().map(Email::as_str), Some("x@y.example"));
        assert_eq!(u.invitation, InvitationStatus::Unknown);
        assert!(!u.admin);
        assert_eq!(u.full_name(), "not-an-email");
        assert_eq!(u.unknown, Unknown::ALL);
        assert_eq!(u.admin_fact(), None);
        assert_eq!(u.last_connection_fact(), None);
    }

    #[test]
    fn names_come_from_formatted_then_display_name() {
        let read = |v: serde_json::Value| User::from_resource(serde_json::from_value(v).unwrap());
        let u = read(json!({"id": 7, "userName": "a@b.example",
            "name": {"formatted": "Ada King Lovelace"}, "displayName": "Ignored"}));
        assert_eq!(u.id.as_str(), "7", "an integer id is read");
        assert_eq!(
            (u.given_name.as_str(), u.family_name.as_str()),
            ("Ada King", "Lovelace")
        );
        let u = read(json!({"id": "x", "userName": "a@b.example", "displayName": "Grace Hopper"}));
        assert_eq!(
            (u.given_name.as_str(), u.family_name.as_str()),
            ("Grace", "Hopper")
        );
        let u = read(json!({"id": "x", "userName": "a@b.example", "displayName": "Cher"}));
        assert_eq!(u.full_name(), "Cher");
        let u = read(
            json!({"id": "x", "userName": "a@b.example", "active": false,
            "name": {"familyName": "Only"}, "displayName": "Not Used"}),
        );
        assert_eq!(u.full_name(), "Only");
        assert!(!u.active, "active: false is read");
    }
}
