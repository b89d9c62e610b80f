//! Actions on many users at once, checked before anything is queued: seats,
//! deleting yourself, locking every administrator out.

use std::collections::HashSet;

use roster_proto::PatchOp;
use serde_json::json;

use super::paths;
use crate::model::{
    Change, GroupId, InvitationStatus, License, LicenseId, Organisation, User, UserId,
};
use crate::words;

/// Why a bulk action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkError {
    /// Licenses without enough free seats.
    #[error("{}", seats_message(.0))]
    Seats(Vec<SeatShortage>),
    /// The administrator's own account is in the selection of a delete.
    #[error("You cannot delete your own account ({0}). Remove it from the selection.")]
    DeletingYourself(String),
}

/// A license that lacks seats for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatShortage {
    /// The license's name.
    pub license: String,
    /// Seats the action needs.
    pub needed: u64,
    /// Seats free.
    pub left: u64,
}

fn seats_message(shortages: &[SeatShortage]) -> String {
    let parts: Vec<String> = shortages
        .iter()
        .map(|s| {
            format!(
                "{} needs {} but only {} free",
                s.license,
                words::count(s.needed, "seat", "seats"),
                if s.left == 1 {
                    "1 is".to_owned()
                } else {
                    format!("{} are", s.left)
                }
            )
        })
        .collect();
    format!("Not enough seats: {}.", parts.join("; "))
}

fn holds(user: &User, license: &LicenseId) -> bool {
    user.licenses.iter().any(|g| &g.license == license)
}

/// Assigns `licenses` directly to `users`. Refused as a whole when a license has
/// fewer free seats than users who do not hold it yet (through a group or directly).
pub fn add_licenses(
    users: &[&User],
    licenses: &[LicenseId],
    all: &[License],
) -> Result<Vec<Change>, BulkError> {
    let shortages: Vec<SeatShortage> = licenses
        .iter()
        .filter_map(|id| {
            let license = all.iter().find(|l| &l.id == id)?;
            let needed = users.iter().filter(|u| !holds(u, id)).count() as u64;
            (needed > license.seats_left()).then(|| SeatShortage {
                license: license.name.clone(),
                needed,
                left: license.seats_left(),
            })
        })
        .collect();
    if !shortages.is_empty() {
        return Err(BulkError::Seats(shortages));
    }
    Ok(users
        .iter()
        .filter_map(|user| {
            let direct: HashSet<&LicenseId> = user.direct_licenses().collect();
            let values: Vec<_> = licenses
                .iter()
                .filter(|l| !direct.contains(l))
                .map(|l| json!({ "value": l.as_str() }))
                .collect();
            (!values.is_empty()).then(|| Change::PatchUser {
                id: user.id.clone(),
                ops: vec![PatchOp::add(paths::ENTITLEMENTS, json!(values))],
                // Adding a license gives the same result whatever changed meanwhile.
                if_match: None,
            })
        })
        .collect())
}

/// Removes the directly assigned `licenses` from `users` (those inherited from a
/// group stay: they follow the group).
pub fn remove_licenses(users: &[&User], licenses: &[LicenseId]) -> Vec<Change> {
    users
        .iter()
        .filter_map(|user| {
            let ops: Vec<PatchOp> = user
                .direct_licenses()
                .filter(|l| licenses.contains(l))
                .map(|l| PatchOp::remove(paths::entitlement(l.as_str())))
                .collect();
            (!ops.is_empty()).then(|| Change::PatchUser {
                id: user.id.clone(),
                ops,
                if_match: None,
            })
        })
        .collect()
}

/// Removes every directly assigned license ("remove licenses instead" of deleting).
pub fn remove_all_licenses(users: &[&User]) -> Vec<Change> {
    users
        .iter()
        .filter(|u| u.direct_licenses().next().is_some())
        .map(|user| Change::PatchUser {
            id: user.id.clone(),
            ops: vec![PatchOp::remove(paths::ENTITLEMENTS)],
            if_match: None,
        })
        .collect()
}

/// Adds `users` to each of `groups` (one change per group, members already in it
/// left out).
pub fn add_to_groups(users: &[&User], groups: &[GroupId]) -> Vec<Change> {
    groups
        .iter()
        .filter_map(|group| {
            let add: Vec<UserId> = users
                .iter()
                .filter(|u| !u.groups.contains(group))
                .map(|u| u.id.clone())
                .collect();
            (!add.is_empty()).then(|| Change::GroupMembers {
                group: group.clone(),
                add,
                remove: Vec::new(),
            })
        })
        .collect()
}

/// Removes `users` from each of `groups`.
pub fn remove_from_groups(users: &[&User], groups: &[GroupId]) -> Vec<Change> {
    groups
        .iter()
        .filter_map(|group| {
            let remove: Vec<UserId> = users
                .iter()
                .filter(|u| u.groups.contains(group))
                .map(|u| u.id.clone())
                .collect();
            (!remove.is_empty()).then(|| Change::GroupMembers {
                group: group.clone(),
                add: Vec::new(),
                remove,
            })
        })
        .collect()
}

/// `changes` with the group membership changes of each group merged into one (the
/// per-user edits of many users each join or leave the same groups: one PATCH per
/// group instead of one per user and group). Other changes keep their order, first.
pub fn merge_group_changes(changes: Vec<Change>) -> Vec<Change> {
    let mut others = Vec::new();
    let mut groups: Vec<(GroupId, Vec<UserId>, Vec<UserId>)> = Vec::new();
    for change in changes {
        match change {
            Change::GroupMembers { group, add, remove } => {
                match groups.iter_mut().find(|(g, _, _)| *g == group) {
                    Some((_, a, r)) => {
                        a.extend(add);
                        r.extend(remove);
                    }
                    None => groups.push((group, add, remove)),
                }
            }
            other => others.push(other),
        }
    }
    others.extend(groups.into_iter().flat_map(|(group, add, remove)| {
        // Joining and leaving are separate changes, as the edit dialog sends them.
        let join = (!add.is_empty()).then(|| Change::GroupMembers {
            group: group.clone(),
            add,
            remove: Vec::new(),
        });
        let leave = (!remove.is_empty()).then(|| Change::GroupMembers {
            group,
            add: Vec::new(),
            remove,
        });
        join.into_iter().chain(leave)
    }));
    others
}

/// Deletes `users`, each against the version the administrator saw. Refused when
/// `me` (the administrator's own account) is among them.
pub fn delete(users: &[&User], me: Option<&UserId>) -> Result<Vec<Change>, BulkError> {
    if let Some(me) = me
        && let Some(own) = users.iter().find(|u| &u.id == me)
    {
        return Err(BulkError::DeletingYourself(own.user_name.clone()));
    }
    Ok(users
        .iter()
        .map(|u| Change::DeleteUser {
            id: u.id.clone(),
            if_match: u.write_guard(),
        })
        .collect())
}

/// Sends the invitation again to the users whose invitation is pending; the others
/// are left out.
pub fn resend_invitations(users: &[&User]) -> Vec<Change> {
    users
        .iter()
        .filter(|u| matches!(u.invitation, InvitationStatus::Pending(_)))
        .map(|u| Change::ResendInvitation { id: u.id.clone() })
        .collect()
}

/// What "Allow / Disable Local Login" on a selection would do.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalLoginPlan {
    /// One change per user whose setting changes.
    pub changes: Vec<Change>,
    /// Users already in the asked state (left alone).
    pub already: Vec<UserId>,
    /// Disabling would leave no administrator able to log in (no identity provider,
    /// and no other administrator with local login).
    pub locks_out_administrators: bool,
}

/// Plans allowing (`allow`) or disabling local login for `users`, out of `everyone`.
pub fn set_local_login(
    users: &[&User],
    allow: bool,
    everyone: &[User],
    organisation: Option<&Organisation>,
) -> LocalLoginPlan {
    let (already, changing): (Vec<&User>, Vec<&User>) =
        users.iter().partition(|u| u.local_login == allow);
    let changing_ids: HashSet<&UserId> = changing.iter().map(|u| &u.id).collect();
    let identity_provider = organisation.is_some_and(|o| o.identity_provider);
    let locks_out_administrators = !allow
        && !identity_provider
        && !changing.is_empty()
        && !everyone
            .iter()
            .any(|u| u.admin && u.local_login && !changing_ids.contains(&u.id));
    LocalLoginPlan {
        changes: changing
            .iter()
            .map(|u| Change::PatchUser {
                id: u.id.clone(),
                ops: vec![PatchOp::replace(paths::local_login(), json!(allow))],
                if_match: None,
            })
            .collect(),
        already: already.iter().map(|u| u.id.clone()).collect(),
        locks_out_administrators,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LicenseGrant, LicenseOrigin};

    fn user(id: &str, admin: bool, local_login: bool, licenses: &[(&str, Option<&str>)]) -> User {
        User {
            id: id.into(),
            user_name: format!("{id}@lumen.example"),
            email: None,
            given_name: id.into(),
            family_name: "X".into(),
            active: true,
            admin,
            local_login,
            last_connection: None,
            licenses: licenses
                .iter()
                .map(|(l, g)| LicenseGrant {
                    license: (*l).into(),
                    origin: g.map_or(LicenseOrigin::Direct, |g| LicenseOrigin::Group(g.into())),
                })
                .collect(),
            groups: vec!["sales".into()],
            invitation: InvitationStatus::Pending(None),
            version: Some(format!("v-{id}")),
            last_modified: None,
            unknown: Default::default(),
        }
    }

    fn crm(seats: u64, assigned: u64) -> License {
        License {
            id: "crm".into(),
            name: "CRM".into(),
            seats,
            seats_assigned: assigned,
        }
    }

    #[test]
    fn seats_are_counted_for_users_who_lack_the_license() {
        let a = user("a", false, false, &[("crm", Some("sales"))]);
        let b = user("b", false, false, &[]);
        let c = user("c", false, false, &[]);
        let users = [&a, &b, &c];
        let err = add_licenses(&users, &["crm".into()], &[crm(10, 9)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Not enough seats: CRM needs 2 seats but only 1 is free."
        );
        // Two free seats suffice: `a` holds it through a group (and gets it directly
        // too, which takes no seat).
        let changes = add_licenses(&users, &["crm".into()], &[crm(10, 8)]).unwrap();
        assert_eq!(changes.len(), 3);
    }

    #[test]
    fn removing_licenses_touches_only_direct_holders() {
        let a = user("a", false, false, &[("crm", None)]);
        let b = user("b", false, false, &[("crm", Some("sales"))]);
        let changes = remove_licenses(&[&a, &b], &["crm".into()]);
        assert_eq!(changes.len(), 1);
        assert_eq!(remove_all_licenses(&[&a, &b]).len(), 1);
    }

    #[test]
    fn groups_skip_members_already_in_or_out() {
        let a = user("a", false, false, &[]);
        let mut b = user("b", false, false, &[]);
        b.groups.clear();
        assert_eq!(
            add_to_groups(&[&a, &b], &["sales".into()]),
            [Change::GroupMembers {
                group: "sales".into(),
                add: vec!["b".into()],
                remove: vec![]
            }]
        );
        assert_eq!(remove_from_groups(&[&b], &["sales".into()]), []);
    }

    #[test]
    fn group_changes_of_many_users_merge_per_group() {
        let join = |u: &str, g: &str| Change::GroupMembers {
            group: g.into(),
            add: vec![u.into()],
            remove: vec![],
        };
        let leave = |u: &str, g: &str| Change::GroupMembers {
            group: g.into(),
            add: vec![],
            remove: vec![u.into()],
        };
        let patch = Change::ResendInvitation { id: "a".into() };
        let merged = merge_group_changes(vec![
            join("a", "sales"),
            patch.clone(),
            leave("a", "support"),
            join("b", "sales"),
            leave("b", "support"),
        ]);
        assert_eq!(
            merged,
            [
                patch,
                Change::GroupMembers {
                    group: "sales".into(),
                    add: vec!["a".into(), "b".into()],
                    remove: vec![]
                },
                Change::GroupMembers {
                    group: "support".into(),
                    add: vec![],
                    remove: vec!["a".into(), "b".into()]
                },
            ]
        );
    }

    #[test]
    fn deleting_yourself_is_refused() {
        let a = user("a", true, true, &[]);
        let b = user("b", false, false, &[]);
        let err = delete(&[&a, &b], Some(&"a".into())).unwrap_err();
        assert!(err.to_string().contains("a@lumen.example"), "{err}");
        let ok = delete(&[&b], Some(&"a".into())).unwrap();
        assert_eq!(
            ok,
            [Change::DeleteUser {
                id: "b".into(),
                if_match: Some("v-b".into())
            }]
        );
    }

    #[test]
    fn disabling_the_last_local_admin_warns_without_an_identity_provider() {
        let admin = user("admin", true, true, &[]);
        let other = user("other", false, true, &[]);
        let off = user("off", false, false, &[]);
        let everyone = vec![admin.clone(), other.clone(), off.clone()];
        let org = Organisation {
            name: "L".into(),
            authorized_domains: vec![],
            identity_provider: false,
        };
        let plan = set_local_login(&[&admin, &off], false, &everyone, Some(&org));
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.already, [UserId::from("off")]);
        assert!(plan.locks_out_administrators);
        let with_idp = Organisation {
            identity_provider: true,
            ..org.clone()
        };
        assert!(
            !set_local_login(&[&admin], false, &everyone, Some(&with_idp)).locks_out_administrators
        );
        assert!(!set_local_login(&[&other], false, &everyone, Some(&org)).locks_out_administrators);
        let allow = set_local_login(&[&admin, &off], true, &everyone, Some(&org));
        assert_eq!(allow.changes.len(), 1);
        assert!(!allow.locks_out_administrators);
    }

    #[test]
    fn resend_only_to_pending_invitations() {
        let a = user("a", false, false, &[]);
        let mut b = user("b", false, false, &[]);
        b.invitation = InvitationStatus::Accepted;
        assert_eq!(resend_invitations(&[&a, &b]).len(), 1);
    }
}
