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
    /// Whether the account is active.
    pub active: bool,
    /// Organisation Administrator role.
    pub admin: bool,
    /// May sign in with a local password.
    pub local_login: bool,
    /// Last connection, if any.
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
        let ext = r.roster.unwrap_or_default();
        let mut licenses: Vec<LicenseGrant> = r
            .entitlements
            .iter()
            .map(|e| LicenseGrant {
                license: LicenseId(e.value.clone()),
                origin: LicenseOrigin::Direct,
            })
            .collect();
        licenses.extend(ext.inherited_licenses.iter().map(|l| LicenseGrant {
            license: LicenseId(l.value.clone()),
            origin: LicenseOrigin::Group(GroupId(l.group.value.clone())),
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
            id: UserId(r.id),
            user_name: r.user_name,
            email,
            given_name: name.given_name.unwrap_or_default(),
            family_name: name.family_name.unwrap_or_default(),
            active: r.active.unwrap_or(true),
            admin: ext.organisation_administrator.unwrap_or(false),
            local_login: ext.local_login.unwrap_or(false),
            last_connection: ext.last_connection,
            licenses,
            groups: r.groups.into_iter().map(|g| GroupId(g.value)).collect(),
            invitation,
            version: meta.version,
            last_modified: meta.last_modified,
        }
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
    }
}
