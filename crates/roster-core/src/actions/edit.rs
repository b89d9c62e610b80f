//! The edit dialog: what the administrator changed, as the fewest outbox changes, and
//! how to re-apply it on top of a newer version of the user (after a 412 conflict).

use std::collections::BTreeSet;

use roster_proto::PatchOp;
use serde_json::json;

use super::paths;
use crate::model::{Change, Group, GroupId, License, LicenseId, User};

/// The editable part of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdit {
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Organisation Administrator.
    pub admin: bool,
    /// Directly assigned licenses (inherited ones come from groups and are not edited
    /// here).
    pub licenses: BTreeSet<LicenseId>,
    /// Groups.
    pub groups: BTreeSet<GroupId>,
}

impl UserEdit {
    /// The user as it is now.
    pub fn of(user: &User) -> Self {
        Self {
            given_name: user.given_name.clone(),
            family_name: user.family_name.clone(),
            admin: user.admin,
            licenses: user.direct_licenses().cloned().collect(),
            groups: user.groups.iter().cloned().collect(),
        }
    }

    /// What is wrong with the edit, if anything.
    pub fn problem(&self) -> Option<&'static str> {
        if self.given_name.trim().is_empty() || self.family_name.trim().is_empty() {
            Some("First and last name are required.")
        } else if (self.given_name.chars().chain(self.family_name.chars())).any(char::is_control) {
            Some("Names cannot contain control characters.")
        } else {
            None
        }
    }

    /// The changes that turn `original` into this edit: one PATCH with only the
    /// attributes that changed (made against `original`'s version), and one group
    /// membership change per group joined or left. Empty when nothing changed.
    pub fn changes(&self, original: &User) -> Vec<Change> {
        let before = Self::of(original);
        let mut ops = Vec::new();
        let given = self.given_name.trim();
        if given != before.given_name {
            ops.push(PatchOp::replace(paths::GIVEN_NAME, json!(given)));
        }
        let family = self.family_name.trim();
        if family != before.family_name {
            ops.push(PatchOp::replace(paths::FAMILY_NAME, json!(family)));
        }
        if self.admin != before.admin {
            ops.push(PatchOp::replace(paths::admin(), json!(self.admin)));
        }
        let added: Vec<_> = self
            .licenses
            .difference(&before.licenses)
            .map(|l| json!({ "value": l.as_str() }))
            .collect();
        if !added.is_empty() {
            ops.push(PatchOp::add(paths::ENTITLEMENTS, json!(added)));
        }
        for removed in before.licenses.difference(&self.licenses) {
            ops.push(PatchOp::remove(paths::entitlement(removed.as_str())));
        }
        let mut changes = Vec::new();
        if !ops.is_empty() {
            changes.push(Change::PatchUser {
                id: original.id.clone(),
                ops,
                if_match: original.write_guard(),
            });
        }
        for group in self.groups.difference(&before.groups) {
            changes.push(Change::GroupMembers {
                group: group.clone(),
                add: vec![original.id.clone()],
                remove: Vec::new(),
            });
        }
        for group in before.groups.difference(&self.groups) {
            changes.push(Change::GroupMembers {
                group: group.clone(),
                add: Vec::new(),
                remove: vec![original.id.clone()],
            });
        }
        changes
    }

    /// The fields this edit changes that the server cannot hold, each with the
    /// feature it lacks: the dialog disables them (saying why) instead of sending a
    /// change the server refuses (400 invalidPath) while the rest of the edit lands.
    pub fn unsupported(
        &self,
        original: &User,
        capabilities: &crate::client::Capabilities,
    ) -> Vec<(&'static str, crate::client::Feature)> {
        use crate::client::Feature;
        let before = Self::of(original);
        let mut out = Vec::new();
        if self.admin != before.admin && !capabilities.has(Feature::RosterExtension) {
            out.push(("Administrator", Feature::RosterExtension));
        }
        if self.licenses != before.licenses && !capabilities.has(Feature::Licenses) {
            out.push(("Licenses", Feature::Licenses));
        }
        out
    }

    /// This edit (made against `original`) re-applied on `current`: the fields the
    /// administrator changed take their new values, every other field keeps what the
    /// server has now; licenses and groups added or removed stay added or removed.
    pub fn rebased(&self, original: &User, current: &User) -> Self {
        let before = Self::of(original);
        let mut out = Self::of(current);
        if self.given_name.trim() != before.given_name {
            out.given_name = self.given_name.trim().to_owned();
        }
        if self.family_name.trim() != before.family_name {
            out.family_name = self.family_name.trim().to_owned();
        }
        if self.admin != before.admin {
            out.admin = self.admin;
        }
        for added in self.licenses.difference(&before.licenses) {
            out.licenses.insert(added.clone());
        }
        for removed in before.licenses.difference(&self.licenses) {
            out.licenses.remove(removed);
        }
        for added in self.groups.difference(&before.groups) {
            out.groups.insert(added.clone());
        }
        for removed in before.groups.difference(&self.groups) {
            out.groups.remove(removed);
        }
        out
    }
}

/// One attribute that differs between two versions of a user, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The attribute, as the dialog labels it.
    pub field: &'static str,
    /// Its value before.
    pub before: String,
    /// Its value after.
    pub after: String,
}

/// What differs between `before` and `after` (e.g. what changed on the server since
/// the administrator opened the dialog), with group and license names.
pub fn differences(
    before: &User,
    after: &User,
    groups: &[Group],
    licenses: &[License],
) -> Vec<FieldChange> {
    let license_names = |u: &User| {
        let mut names: Vec<String> = u
            .licenses
            .iter()
            .map(|g| {
                let name = licenses
                    .iter()
                    .find(|l| l.id == g.license)
                    .map_or_else(|| g.license.to_string(), |l| l.name.clone());
                match &g.origin {
                    crate::model::LicenseOrigin::Direct => name,
                    crate::model::LicenseOrigin::Group(id) => {
                        format!("{name} via {}", group_name(groups, id))
                    }
                }
            })
            .collect();
        names.sort();
        names.join(", ")
    };
    let group_names = |u: &User| {
        let mut names: Vec<String> = u.groups.iter().map(|g| group_name(groups, g)).collect();
        names.sort();
        names.join(", ")
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let pairs = [
        (
            "First name",
            before.given_name.clone(),
            after.given_name.clone(),
        ),
        (
            "Last name",
            before.family_name.clone(),
            after.family_name.clone(),
        ),
        ("Administrator", yes_no(before.admin), yes_no(after.admin)),
        (
            "Local login",
            yes_no(before.local_login),
            yes_no(after.local_login),
        ),
        ("Licenses", license_names(before), license_names(after)),
        ("Groups", group_names(before), group_names(after)),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange {
            field,
            before,
            after,
        })
        .collect()
}

fn group_name(groups: &[Group], id: &GroupId) -> String {
    groups
        .iter()
        .find(|g| &g.id == id)
        .map_or_else(|| id.to_string(), |g| g.name.clone())
}

#[cfg(test)]
mod unsupported_tests {
    use super::*;
    use crate::client::{Capabilities, Feature};
    use crate::model::{InvitationStatus, UserId};

    #[test]
    fn fields_a_plain_scim_server_cannot_hold_are_named() {
        let user = User {
            id: UserId::from("u"),
            user_name: "a@b.example".into(),
            email: None,
            given_name: "A".into(),
            family_name: "B".into(),
            active: true,
            admin: false,
            local_login: false,
            last_connection: None,
            licenses: vec![],
            groups: vec![],
            invitation: InvitationStatus::Unknown,
            version: None,
            last_modified: None,
            unknown: crate::model::Unknown::ALL,
        };
        let mut edit = UserEdit::of(&user);
        edit.family_name = "C".into();
        let plain = Capabilities::minimal();
        assert!(
            edit.unsupported(&user, &plain).is_empty(),
            "names are core SCIM"
        );
        edit.admin = true;
        edit.licenses.insert("crm".into());
        assert_eq!(
            edit.unsupported(&user, &plain),
            [
                ("Administrator", Feature::RosterExtension),
                ("Licenses", Feature::Licenses)
            ]
        );
        let mut roster = Capabilities::minimal();
        roster.roster_extension = true;
        roster.licenses = true;
        assert!(edit.unsupported(&user, &roster).is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InvitationStatus, LicenseGrant, LicenseOrigin, UserId};

    fn user() -> User {
        User {
            id: UserId::from("u1"),
            user_name: "ada@lumen.example".into(),
            email: None,
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            active: true,
            admin: false,
            local_login: false,
            last_connection: None,
            licenses: vec![
                LicenseGrant {
                    license: "office".into(),
                    origin: LicenseOrigin::Direct,
                },
                LicenseGrant {
                    license: "crm".into(),
                    origin: LicenseOrigin::Group("sales".into()),
                },
            ],
            groups: vec!["sales".into()],
            invitation: InvitationStatus::Accepted,
            version: Some("W/\"1\"".into()),
            last_modified: None,
            unknown: Default::default(),
        }
    }

    #[test]
    fn nothing_changed_sends_nothing() {
        let u = user();
        assert!(UserEdit::of(&u).changes(&u).is_empty());
    }

    #[test]
    fn only_what_changed_is_sent() {
        let u = user();
        let mut edit = UserEdit::of(&u);
        edit.family_name = " Byron ".into();
        edit.licenses.remove(&LicenseId::from("office"));
        edit.licenses.insert("design".into());
        edit.groups.remove(&GroupId::from("sales"));
        edit.groups.insert("support".into());
        let changes = edit.changes(&u);
        let Change::PatchUser { ops, if_match, .. } = &changes[0] else {
            panic!("a PATCH first: {changes:?}")
        };
        assert_eq!(if_match.as_deref(), Some("W/\"1\""));
        let ops = serde_json::to_value(ops).unwrap();
        assert_eq!(
            ops,
            json!([
                {"op": "replace", "path": "name.familyName", "value": "Byron"},
                {"op": "add", "path": "entitlements", "value": [{"value": "design"}]},
                {"op": "remove", "path": "entitlements[value eq \"office\"]"}
            ])
        );
        assert_eq!(
            changes[1..],
            [
                Change::GroupMembers {
                    group: "support".into(),
                    add: vec!["u1".into()],
                    remove: vec![]
                },
                Change::GroupMembers {
                    group: "sales".into(),
                    add: vec![],
                    remove: vec!["u1".into()]
                },
            ]
        );
    }

    #[test]
    fn a_rebased_edit_keeps_the_servers_other_changes() {
        let original = user();
        let mut mine = UserEdit::of(&original);
        mine.given_name = "Augusta".into();
        mine.licenses.insert("design".into());
        let mut current = user();
        current.family_name = "King".into();
        current.admin = true;
        current.version = Some("W/\"2\"".into());
        let rebased = mine.rebased(&original, &current);
        assert_eq!(rebased.given_name, "Augusta");
        assert_eq!(rebased.family_name, "King");
        assert!(rebased.admin);
        assert!(rebased.licenses.contains(&LicenseId::from("design")));
        let changes = rebased.changes(&current);
        let Change::PatchUser { if_match, ops, .. } = &changes[0] else {
            panic!()
        };
        assert_eq!(if_match.as_deref(), Some("W/\"2\""));
        assert_eq!(ops.len(), 2);
    }

    #[test]
    fn differences_name_fields_and_values() {
        let before = user();
        let mut after = user();
        after.family_name = "King".into();
        after.groups.clear();
        let groups = [Group {
            id: "sales".into(),
            name: "Sales".into(),
            members: vec![],
            licenses: vec![],
            version: None,
        }];
        let d = differences(&before, &after, &groups, &[]);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "Last name");
        assert_eq!(d[1].before, "Sales");
        assert_eq!(d[1].after, "");
    }
}
