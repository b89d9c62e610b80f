//! Users.

use chrono::{DateTime, Utc};
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
        // One allocation in the usual case (nothing to trim): the grid makes this
        // for every user of a loaded copy.
        let mut name = String::with_capacity(self.given_name.len() + 1 + self.family_name.len());
        name.push_str(&self.given_name);
        name.push(' ');
        name.push_str(&self.family_name);
        let trimmed = name.trim();
        if trimmed.is_empty() {
            self.user_name.clone()
        } else if trimmed.len() == name.len() {
            name
        } else {
            trimmed.to_owned()
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
}

#[cfg(test)]
mod tests {
    use crate::model::UserReply;

    #[test]
    fn the_full_name_is_both_names_trimmed_else_the_user_name() {
        // A user read as from a server; only the names are set by hand (the reader
        // trims them, and `full_name` must cope with untrimmed ones too).
        let user = |given: &str, family: &str| {
            let json = serde_json::json!({"id": "u1", "userName": "login"});
            let mut user = serde_json::from_value::<UserReply>(json).expect("a user").0;
            user.given_name = given.to_owned();
            user.family_name = family.to_owned();
            user
        };
        for (given, family, full) in [
            ("Ann", "Lee", "Ann Lee"),
            ("Ann", "", "Ann"),
            ("", "Lee", "Lee"),
            (" Ann ", " Lee ", "Ann   Lee"),
            ("", "", "login"),
            ("  ", "\t", "login"),
        ] {
            assert_eq!(
                user(given, family).full_name(),
                full,
                "{given:?} {family:?}"
            );
        }
    }
}
