//! Grid rows: every cell pre-formatted once per data change, never per frame.

use std::collections::HashMap;

use chrono::{DateTime, Local, Utc};
use roster_core::model::{GroupId, LicenseId, LicenseOrigin, User, UserId};

/// Names of groups and licenses, to show ids as words.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Group id → group name.
    pub groups: HashMap<GroupId, String>,
    /// License id → license name.
    pub licenses: HashMap<LicenseId, String>,
}

impl Names {
    /// The names in `snapshot`.
    pub fn from_snapshot(snapshot: &roster_core::store::Snapshot) -> Self {
        Self {
            groups: snapshot
                .groups
                .iter()
                .map(|g| (g.id.clone(), g.name.clone()))
                .collect(),
            licenses: snapshot
                .licenses
                .iter()
                .map(|l| (l.id.clone(), l.name.clone()))
                .collect(),
        }
    }

    fn group(&self, id: &GroupId) -> String {
        self.groups
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn license(&self, id: &LicenseId) -> String {
        self.licenses
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// One user, as the grid shows it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The user.
    pub id: UserId,
    /// Email (or userName).
    pub email: String,
    /// "First Last".
    pub name: String,
    /// Organisation Administrator.
    pub admin: bool,
    /// Local login allowed.
    pub local_login: bool,
    /// Last connection, in local time, or "never".
    pub last_connection: String,
    /// When, for sorting and the inactivity filters.
    pub last_connection_at: Option<DateTime<Utc>>,
    /// "Office Suite, CRM Enterprise via Sales".
    pub licenses: String,
    /// Whether the user holds no license at all.
    pub no_license: bool,
    /// "Sales, Support".
    pub groups: String,
    /// Invitation sent, never connected.
    pub invitation_pending: bool,
    /// Lower-case text searched by the search box: email, name, groups, licenses.
    pub haystack: String,
}

impl Row {
    /// Formats `user` for the grid.
    pub fn new(user: &User, names: &Names) -> Self {
        let email = user
            .email
            .as_ref()
            .map_or_else(|| user.user_name.clone(), |e| e.as_str().to_owned());
        let name = user.full_name();
        let licenses = user
            .licenses
            .iter()
            .map(|grant| match &grant.origin {
                LicenseOrigin::Direct => names.license(&grant.license),
                LicenseOrigin::Group(g) => {
                    format!("{} via {}", names.license(&grant.license), names.group(g))
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let groups = user
            .groups
            .iter()
            .map(|g| names.group(g))
            .collect::<Vec<_>>()
            .join(", ");
        let last_connection = user.last_connection.map_or_else(
            || "never".to_owned(),
            |t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
        );
        let haystack = format!("{email}\n{name}\n{groups}\n{licenses}").to_lowercase();
        Self {
            id: user.id.clone(),
            no_license: user.licenses.is_empty(),
            invitation_pending: matches!(
                user.invitation,
                roster_core::model::InvitationStatus::Pending(_)
            ),
            email,
            name,
            admin: user.admin,
            local_login: user.local_login,
            last_connection,
            last_connection_at: user.last_connection,
            licenses,
            groups,
            haystack,
        }
    }
}
