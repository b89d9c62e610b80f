//! "Update users who already exist": what an import row changes on a user the
//! organisation has, computed against a version of that user (the local copy for the
//! preview, the server's current one when it is sent), and the one edit that does it.
//!
//! Only what the file says is changed: the names (always in the file), and `admin`,
//! `local_login`, `licenses` and `groups` when the row fills that cell. A filled
//! `licenses` (or `groups`) cell is the user's whole list of direct licenses (or
//! groups): those missing are added, the others removed. An empty cell, or a column
//! the file does not have, changes nothing. The import's options (licenses, groups,
//! local authentication for everyone) are for the users it creates, not these.

use std::fmt;

use roster_proto::PatchOp;
use serde_json::json;

use super::columns::{Catalog, Extra, RowValues};
use super::{ImportOptions, ImportRow};
use crate::actions::{UserEdit, paths};
use crate::model::{Change, GroupId, LicenseId, User, UserId};

/// A license or group with the name the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named<T> {
    /// Its id.
    pub id: T,
    /// Its name (the id when the organisation's are not known).
    pub name: String,
}

/// What one row changes on an existing user. Empty when the user already matches the
/// row ("no change").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    /// The user.
    pub user: UserId,
    /// The new first name, when it changes.
    pub given_name: Option<String>,
    /// The new last name, when it changes.
    pub family_name: Option<String>,
    /// The new Organisation Administrator role, when it changes.
    pub admin: Option<bool>,
    /// The new local login, when it changes.
    pub local_login: Option<bool>,
    /// Licenses assigned directly that the user gets.
    pub licenses_added: Vec<Named<LicenseId>>,
    /// Licenses assigned directly that the user loses.
    pub licenses_removed: Vec<Named<LicenseId>>,
    /// Groups the user joins.
    pub groups_added: Vec<Named<GroupId>>,
    /// Groups the user leaves.
    pub groups_removed: Vec<Named<GroupId>>,
}

impl UserUpdate {
    /// What `row` (with its own `values`, resolved against the organisation) changes
    /// on `user`; `options` says which optional columns the file has.
    pub fn plan(
        user: &User,
        row: &ImportRow,
        values: &RowValues,
        options: &ImportOptions,
        catalog: Option<&Catalog>,
    ) -> Self {
        let present = |c: Extra| options.columns.present.contains(&c);
        let filled = |c: Extra| present(c) && !options.columns.cell(row.line, c).is_empty();
        let mut out = Self {
            user: user.id.clone(),
            given_name: None,
            family_name: None,
            admin: None,
            local_login: None,
            licenses_added: Vec::new(),
            licenses_removed: Vec::new(),
            groups_added: Vec::new(),
            groups_removed: Vec::new(),
        };
        let first = row.first_name.trim();
        if first != user.given_name {
            out.given_name = Some(first.to_owned());
        }
        let last = row.last_name.trim();
        if last != user.family_name {
            out.family_name = Some(last.to_owned());
        }
        if let Some(admin) = values.admin.filter(|a| *a != user.admin) {
            out.admin = Some(admin);
        }
        if let Some(local) = values.local_login.filter(|l| *l != user.local_login) {
            out.local_login = Some(local);
        }
        let license_name = |id: &LicenseId| Named {
            id: id.clone(),
            name: catalog
                .and_then(|c| c.licenses.iter().find(|l| l.id == *id))
                .map_or_else(|| id.to_string(), |l| l.name.clone()),
        };
        let group_name = |id: &GroupId| Named {
            id: id.clone(),
            name: catalog
                .and_then(|c| c.groups.iter().find(|g| g.id == *id))
                .map_or_else(|| id.to_string(), |g| g.name.clone()),
        };
        if filled(Extra::Licenses) {
            let held: Vec<&LicenseId> = user.direct_licenses().collect();
            out.licenses_added = values
                .licenses
                .iter()
                .filter(|l| !held.contains(l))
                .map(license_name)
                .collect();
            out.licenses_removed = held
                .into_iter()
                .filter(|l| !values.licenses.contains(l))
                .map(license_name)
                .collect();
        }
        if filled(Extra::Groups) {
            out.groups_added = values
                .groups
                .iter()
                .filter(|g| !user.groups.contains(g))
                .map(group_name)
                .collect();
            out.groups_removed = user
                .groups
                .iter()
                .filter(|g| !values.groups.contains(g))
                .map(group_name)
                .collect();
        }
        out
    }

    /// Whether the user already matches the row.
    pub fn is_empty(&self) -> bool {
        self.given_name.is_none()
            && self.family_name.is_none()
            && self.admin.is_none()
            && self.local_login.is_none()
            && self.licenses_added.is_empty()
            && self.licenses_removed.is_empty()
            && self.groups_added.is_empty()
            && self.groups_removed.is_empty()
    }

    /// The edit dialog's edit of `user` that this update makes.
    pub fn edit(&self, user: &User) -> UserEdit {
        let mut edit = UserEdit::of(user);
        if let Some(g) = &self.given_name {
            edit.given_name = g.clone();
        }
        if let Some(f) = &self.family_name {
            edit.family_name = f.clone();
        }
        if let Some(a) = self.admin {
            edit.admin = a;
        }
        for l in &self.licenses_added {
            edit.licenses.insert(l.id.clone());
        }
        for l in &self.licenses_removed {
            edit.licenses.remove(&l.id);
        }
        for g in &self.groups_added {
            edit.groups.insert(g.id.clone());
        }
        for g in &self.groups_removed {
            edit.groups.remove(&g.id);
        }
        edit
    }

    /// The changes that make this update of `user`, planned as the edit dialog plans
    /// an edit ([`UserEdit::changes`]): one PATCH of the user (names, role, licenses,
    /// and local login, which the dialog leaves to its own action) made against
    /// `user`'s version, then one membership change per group joined or left.
    pub fn changes(&self, user: &User) -> Vec<Change> {
        let mut changes = self.edit(user).changes(user);
        if let Some(local) = self.local_login {
            let op = PatchOp::replace(paths::local_login(), json!(local));
            match changes.first_mut() {
                Some(Change::PatchUser { ops, .. }) => ops.push(op),
                _ => changes.insert(
                    0,
                    Change::PatchUser {
                        id: user.id.clone(),
                        ops: vec![op],
                        if_match: user.write_guard(),
                    },
                ),
            }
        }
        changes
    }
}

impl fmt::Display for UserUpdate {
    /// "first name to Ann; role to administrator; + license Pro; − group Sales", or
    /// "no change".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(g) = &self.given_name {
            parts.push(format!("first name to {g}"));
        }
        if let Some(l) = &self.family_name {
            parts.push(format!("last name to {l}"));
        }
        if let Some(a) = self.admin {
            parts.push(
                if a {
                    "role to administrator"
                } else {
                    "role to member (not an administrator)"
                }
                .to_owned(),
            );
        }
        if let Some(l) = self.local_login {
            parts.push(format!("local login {}", if l { "on" } else { "off" }));
        }
        parts.extend(
            self.licenses_added
                .iter()
                .map(|l| format!("+ license {}", l.name)),
        );
        parts.extend(
            self.licenses_removed
                .iter()
                .map(|l| format!("− license {}", l.name)),
        );
        parts.extend(
            self.groups_added
                .iter()
                .map(|g| format!("+ group {}", g.name)),
        );
        parts.extend(
            self.groups_removed
                .iter()
                .map(|g| format!("− group {}", g.name)),
        );
        if parts.is_empty() {
            f.write_str("no change")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}
