//! The organisation as the window shows it, kept up to date from engine events.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use roster_core::model::{Group, License, LicenseId, Organisation, User, UserId};
use roster_core::store::Snapshot;

use crate::users::rows::{Names, Row};
use crate::users::user_index::UserIndex;

/// Users, groups and licenses with their grid rows.
#[derive(Default)]
pub struct OrgState {
    /// The users, in load order.
    pub users: Vec<User>,
    /// One pre-formatted row per user, same order. Shared with the thread that
    /// computes large views; changed in place when nobody else holds it.
    pub rows: Arc<Vec<Row>>,
    /// Group and license names.
    pub names: Names,
    /// Groups.
    pub groups: Vec<Group>,
    /// Licenses.
    pub licenses: Vec<License>,
    /// The organisation, when the server has the Roster extension.
    pub organisation: Option<Organisation>,
    /// When the data was last synced with the server.
    pub synced_at: Option<DateTime<Utc>>,
    /// Bumped on every change, so views know to recompute.
    pub revision: u64,
    /// The figures of the side panel, recomputed on every change (not every frame:
    /// they read every user).
    pub stats: OrgStats,
    index: UserIndex,
}

/// The organisation at a glance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgStats {
    /// Users.
    pub users: usize,
    /// Organisation Administrators.
    pub administrators: usize,
    /// Users last connected more than 90 days ago.
    pub inactive_90_days: usize,
    /// Users who never connected.
    pub never_connected: usize,
    /// (license name, seats assigned, seats).
    pub seats: Vec<(String, u64, u64)>,
}

impl OrgState {
    /// Whether any data is loaded.
    pub fn is_loaded(&self) -> bool {
        self.synced_at.is_some()
    }

    /// Replaces everything with `snapshot`.
    pub fn load(&mut self, snapshot: &Snapshot) {
        self.take(snapshot.clone());
    }

    /// Replaces everything with `snapshot`, without copying it when nobody else holds
    /// it (the engine hands its snapshot over: at 100k users a copy is a third of the
    /// cold start).
    pub fn load_shared(&mut self, snapshot: Arc<Snapshot>) {
        self.take(Arc::try_unwrap(snapshot).unwrap_or_else(|shared| (*shared).clone()));
    }

    fn take(&mut self, snapshot: Snapshot) {
        self.users = snapshot.users;
        self.groups = snapshot.groups;
        self.licenses = snapshot.licenses;
        self.organisation = snapshot.organisation;
        self.synced_at = Some(snapshot.synced_at);
        self.rebuild();
    }

    /// Takes the place of this copy with `built` (made off the UI thread), keeping
    /// the revision rising so that views know to recompute.
    pub fn replace_with(&mut self, mut built: OrgState) {
        built.revision = self.revision.max(built.revision) + 1;
        *self = built;
    }

    /// Applies changed and deleted users (and a new directory, when given).
    pub fn apply(
        &mut self,
        changed: Vec<User>,
        deleted: &[UserId],
        groups: Option<Vec<Group>>,
        licenses: Option<Vec<License>>,
        organisation: Option<Organisation>,
        synced_at: DateTime<Utc>,
    ) {
        // The server's seat counts, when given, replace the ones moved here.
        let seats_given = licenses.is_some();
        if let Some(g) = groups {
            self.groups = g;
        }
        if let Some(l) = licenses {
            self.licenses = l;
        }
        if organisation.is_some() {
            self.organisation = organisation;
        }
        self.synced_at = Some(synced_at);
        let names = Names::of(&self.groups, &self.licenses);
        if names != self.names {
            // A group or license was renamed, added or removed: every row's text
            // may change, so all are rebuilt once. (Seat counts alone, re-read after
            // most changes, do not come here: at 1M users a rebuild takes seconds.)
            self.names = names;
            for user in changed {
                match self.index.get(&self.users, &user.id) {
                    Some(i) => self.users[i] = user,
                    None => self.users.push(user),
                }
            }
            let gone: std::collections::HashSet<&UserId> = deleted.iter().collect();
            self.users.retain(|u| !gone.contains(&u.id));
            self.rebuild();
            return;
        }
        // Seats follow the confirmed change at once; the engine re-reads the
        // server's counts right after it.
        if !seats_given {
            self.move_seats(&changed, deleted);
        }
        // A deletion moves the last user into the gap: O(1) each, so a bulk delete
        // confirmed one user at a time never rebuilds 100k rows per user.
        for id in deleted {
            let Some(i) = self.index.get(&self.users, id) else {
                continue;
            };
            self.index.remove(&self.users, i);
            self.users.swap_remove(i);
            Arc::make_mut(&mut self.rows).swap_remove(i);
            if let Some(moved) = self.users.get(i) {
                // It was the last one.
                self.index.moved(&moved.id, self.users.len(), i);
            }
        }
        // Copies the rows only while a view is computed from them in the background.
        if !changed.is_empty() {
            self.put(changed);
        }
        self.changed();
    }

    /// Replaces or adds `changed` users and their rows.
    fn put(&mut self, changed: Vec<User>) {
        let rows = Arc::make_mut(&mut self.rows);
        for user in changed {
            let row = Row::new(&user, &self.names);
            match self.index.get(&self.users, &user.id) {
                Some(i) => {
                    self.users[i] = user;
                    rows[i] = row;
                }
                None => {
                    self.users.push(user);
                    rows.push(row);
                    self.index.insert(&self.users, self.users.len() - 1);
                }
            }
        }
    }

    fn rebuild(&mut self) {
        self.names = Names::of(&self.groups, &self.licenses);
        self.rows = Arc::new(Row::build_all(&self.users, &self.names));
        self.index = UserIndex::of(&self.users);
        self.changed();
    }

    /// Counts the seats that `changed` and `deleted` users take or free against each
    /// license's assigned seats (a user holds a seat once, however many grants).
    fn move_seats(&mut self, changed: &[User], deleted: &[UserId]) {
        if self.licenses.is_empty() {
            return;
        }
        let held = |user: &User| -> BTreeSet<LicenseId> {
            user.licenses.iter().map(|g| g.license.clone()).collect()
        };
        let mut delta: HashMap<LicenseId, i64> = HashMap::new();
        let mut count = |licenses: &BTreeSet<LicenseId>, by: i64| {
            for license in licenses {
                *delta.entry(license.clone()).or_default() += by;
            }
        };
        for user in changed {
            let before = self.user(&user.id).map(held).unwrap_or_default();
            let after = held(user);
            count(&after.difference(&before).cloned().collect(), 1);
            count(&before.difference(&after).cloned().collect(), -1);
        }
        for id in deleted {
            if let Some(user) = self.user(id) {
                count(&held(user), -1);
            }
        }
        for license in &mut self.licenses {
            if let Some(by) = delta.get(&license.id) {
                license.seats_assigned = license.seats_assigned.saturating_add_signed(*by);
            }
        }
    }

    /// The user with id `id`.
    pub fn user(&self, id: &UserId) -> Option<&User> {
        self.index.get(&self.users, id).map(|i| &self.users[i])
    }

    fn changed(&mut self) {
        self.revision += 1;
        self.stats = self.compute_stats(Utc::now());
    }

    /// Figures for the side panel, in one pass over the users (at a million, each
    /// pass reads some 300 MB).
    fn compute_stats(&self, now: DateTime<Utc>) -> OrgStats {
        let (mut administrators, mut inactive_90_days, mut never_connected) = (0, 0, 0);
        for user in &self.users {
            administrators += usize::from(user.admin);
            match user.last_connection {
                Some(t) => inactive_90_days += usize::from(now - t > Duration::days(90)),
                None => never_connected += 1,
            }
        }
        OrgStats {
            users: self.users.len(),
            administrators,
            inactive_90_days,
            never_connected,
            seats: self
                .licenses
                .iter()
                .map(|l| (l.name.clone(), l.seats_assigned, l.seats))
                .collect(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use roster_core::model::InvitationStatus;

    /// A plain user with id `id`, for tests.
    pub(crate) fn user(id: &str) -> User {
        User {
            id: UserId::from(id),
            user_name: format!("{id}@lumen.example"),
            email: None,
            given_name: id.into(),
            family_name: "X".into(),
            active: true,
            admin: false,
            local_login: false,
            last_connection: None,
            licenses: vec![],
            groups: vec![],
            invitation: InvitationStatus::Unknown,
            version: None,
            last_modified: None,
            unknown: Default::default(),
        }
    }

    /// An organisation of `ids`, for tests.
    pub(crate) fn org_of(ids: &[&str]) -> OrgState {
        let mut org = OrgState::default();
        org.load(&Snapshot {
            users: ids.iter().map(|id| user(id)).collect(),
            groups: vec![],
            licenses: vec![],
            organisation: None,
            synced_at: Utc::now(),
            max_last_modified: None,
        });
        org
    }

    #[test]
    fn deletions_and_changes_keep_users_rows_and_index_in_step() {
        let mut org = org_of(&["a", "b", "c", "d"]);
        let mut changed = user("c");
        changed.given_name = "Cee".into();
        org.apply(
            vec![changed, user("e")],
            &[UserId::from("a"), UserId::from("zz")],
            None,
            None,
            None,
            Utc::now(),
        );
        assert_eq!(org.users.len(), 4);
        assert!(org.user(&UserId::from("a")).is_none());
        for (i, u) in org.users.iter().enumerate() {
            assert_eq!(org.rows[i].id, u.id);
            assert_eq!(org.user(&u.id).map(|x| &x.id), Some(&u.id));
        }
        assert_eq!(org.user(&UserId::from("c")).unwrap().given_name, "Cee");
        assert_eq!(org.stats.users, 4);
    }

    #[test]
    fn seats_follow_confirmed_changes_at_once() {
        use roster_core::model::{LicenseGrant, LicenseOrigin};
        let grant = |id: &str, origin| LicenseGrant {
            license: LicenseId::from(id),
            origin,
        };
        let mut a = user("a");
        a.licenses = vec![grant("crm", LicenseOrigin::Direct)];
        let mut org = OrgState::default();
        org.load(&Snapshot {
            users: vec![a, user("b")],
            groups: vec![],
            licenses: vec![License {
                id: LicenseId::from("crm"),
                name: "CRM".into(),
                seats: 10,
                seats_assigned: 1,
            }],
            organisation: None,
            synced_at: Utc::now(),
            max_last_modified: None,
        });
        // b gets the license twice (directly and through a group): one seat.
        let mut b = user("b");
        b.licenses = vec![
            grant("crm", LicenseOrigin::Direct),
            grant(
                "crm",
                LicenseOrigin::Group(roster_core::model::GroupId::from("sales")),
            ),
        ];
        org.apply(vec![b], &[], None, None, None, Utc::now());
        assert_eq!(org.licenses[0].seats_assigned, 2);
        assert_eq!(org.stats.seats, [("CRM".to_owned(), 2, 10)]);
        org.apply(vec![], &[UserId::from("a")], None, None, None, Utc::now());
        assert_eq!(org.licenses[0].seats_assigned, 1, "a deleted frees a seat");
        org.apply(vec![user("b")], &[], None, None, None, Utc::now());
        assert_eq!(org.licenses[0].seats_assigned, 0, "b's licenses removed");

        // The server's counts, re-read after a change, are taken as they are (not
        // moved once more), and a rename reaches the rows.
        let mut b = user("b");
        b.licenses = vec![grant("crm", LicenseOrigin::Direct)];
        let counted = |name: &str, assigned| License {
            id: LicenseId::from("crm"),
            name: name.into(),
            seats: 10,
            seats_assigned: assigned,
        };
        org.apply(
            vec![b.clone()],
            &[],
            None,
            Some(vec![counted("CRM", 7)]),
            None,
            Utc::now(),
        );
        assert_eq!(org.licenses[0].seats_assigned, 7);
        let row = |org: &OrgState| {
            org.rows[org.users.iter().position(|u| u.id == b.id).unwrap()]
                .licenses
                .to_string()
        };
        assert_eq!(row(&org), "CRM");
        org.apply(
            vec![],
            &[],
            None,
            Some(vec![counted("CRM Plus", 7)]),
            None,
            Utc::now(),
        );
        assert_eq!(row(&org), "CRM Plus");
    }
}
