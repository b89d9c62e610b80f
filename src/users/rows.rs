//! Grid rows: every cell pre-formatted once per data change, never per frame.

use hashbrown::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use roster_core::model::{Group, GroupId, License, LicenseId, LicenseOrigin, User, UserId};

/// Names of groups and licenses, to show ids as words. The maps hash with foldhash
/// (randomly seeded) rather than SipHash: every row looks its groups and licenses
/// up here, and SipHash showed in a million-user cold start's profile.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Names {
    /// Group id → group name.
    pub groups: HashMap<GroupId, String>,
    /// License id → license name.
    pub licenses: HashMap<LicenseId, String>,
}

impl Names {
    /// The names in `snapshot`.
    pub fn from_snapshot(snapshot: &roster_core::store::Snapshot) -> Self {
        Self::of(&snapshot.groups, &snapshot.licenses)
    }

    /// The names of `groups` and `licenses`.
    pub fn of(groups: &[Group], licenses: &[License]) -> Self {
        Self {
            groups: groups
                .iter()
                .map(|g| (g.id.clone(), g.name.clone()))
                .collect(),
            licenses: licenses
                .iter()
                .map(|l| (l.id.clone(), l.name.clone()))
                .collect(),
        }
    }

    fn group<'a>(&'a self, id: &'a GroupId) -> &'a str {
        self.groups.get(id).map_or(id.as_str(), String::as_str)
    }
    fn license<'a>(&'a self, id: &'a LicenseId) -> &'a str {
        self.licenses.get(id).map_or(id.as_str(), String::as_str)
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
    /// Whether the server says anything about the role (else the grid shows "—").
    pub admin_known: bool,
    /// Whether the server says anything about local login (else "—").
    pub local_login_known: bool,
    /// When, for sorting and the inactivity filters (`None`: never, or unknown).
    pub last_connection_at: Option<DateTime<Utc>>,
    /// Whether the server says anything about the last connection (else "—").
    pub last_connection_known: bool,
    /// "Office Suite, CRM Enterprise via Sales": shared between the rows that hold
    /// the same licenses (a few distinct texts for a million users).
    pub licenses: Arc<str>,
    /// Whether the user holds no license at all.
    pub no_license: bool,
    /// "Sales, Support", shared like `licenses`.
    pub groups: Arc<str>,
    /// Invitation sent, never connected.
    pub invitation_pending: bool,
    /// Whether the account is active (the server may deactivate instead of delete).
    pub active: bool,
}

impl Row {
    /// Formats every user, on as many threads as there are cores (formatting 100k
    /// rows is most of a cold start).
    pub fn build_all(users: &[User], names: &Names) -> Vec<Row> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if threads < 2 || users.len() < 4096 {
            let mut shared = Shared::default();
            return users
                .iter()
                .map(|u| Row::with(u, names, &mut shared))
                .collect();
        }
        let chunk = users.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = users
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut shared = Shared::default();
                        part.iter()
                            .map(|u| Row::with(u, names, &mut shared))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut rows = Vec::with_capacity(users.len());
            for part in parts {
                match part.join() {
                    Ok(mut built) => rows.append(&mut built),
                    // A formatting panic is a bug; surface it on this thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            rows
        })
    }

    /// Formats `user` for the grid.
    pub fn new(user: &User, names: &Names) -> Self {
        Self::with(user, names, &mut Shared::default())
    }

    fn with(user: &User, names: &Names, shared: &mut Shared) -> Self {
        let email = user
            .email
            .as_ref()
            .map_or_else(|| user.user_name.clone(), |e| e.as_str().to_owned());
        let name = user.full_name();
        // Written into one buffer and looked up: most rows repeat a text already
        // kept, and then nothing is allocated for it.
        let licenses = shared.joined(user.licenses.iter().map(|grant| match &grant.origin {
            LicenseOrigin::Direct => [names.license(&grant.license), "", ""],
            LicenseOrigin::Group(g) => [names.license(&grant.license), " via ", names.group(g)],
        }));
        let groups = shared.joined(user.groups.iter().map(|g| [names.group(g), "", ""]));
        Self {
            id: user.id.clone(),
            no_license: user.licenses.is_empty(),
            invitation_pending: matches!(
                user.invitation,
                roster_core::model::InvitationStatus::Pending(_)
            ),
            active: user.active,
            email,
            name,
            admin: user.admin,
            local_login: user.local_login,
            admin_known: user.admin_fact().is_some(),
            local_login_known: user.local_login_fact().is_some(),
            last_connection_at: user.last_connection,
            last_connection_known: user.last_connection_fact().is_some(),
            licenses,
            groups,
        }
    }

    /// The last connection as shown: local time, "never" only where the server
    /// says so, "—" where it says nothing. Formatted when drawn (a screenful of
    /// rows), not kept for every row.
    pub fn last_connection(&self) -> String {
        match (self.last_connection_at, self.last_connection_known) {
            (Some(t), _) => t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
            (None, true) => "never".to_owned(),
            (None, false) => "—".to_owned(),
        }
    }

    /// Appends the text the search box searches, in lower case: email, name, groups
    /// and licenses, one per line. Written into one buffer for all rows, so that the
    /// rows do not each keep a copy.
    pub fn search_text(&self, out: &mut Vec<u8>) {
        let parts: [&str; 4] = [&self.email, &self.name, &self.groups, &self.licenses];
        for (at, part) in parts.into_iter().enumerate() {
            if at > 0 {
                out.push(b'\n');
            }
            if part.is_ascii() {
                out.extend(part.bytes().map(|b| b.to_ascii_lowercase()));
            } else {
                out.extend_from_slice(part.to_lowercase().as_bytes());
            }
        }
    }
}

/// Texts that many rows share, kept once.
#[derive(Default)]
struct Shared {
    // Hashed as in `Names`.
    texts: HashMap<String, Arc<str>>,
    buffer: String,
}

impl Shared {
    /// The items joined with ", " (each item written from its parts), shared.
    fn joined<'a>(&mut self, items: impl Iterator<Item = [&'a str; 3]>) -> Arc<str> {
        self.buffer.clear();
        for (at, parts) in items.enumerate() {
            if at > 0 {
                self.buffer.push_str(", ");
            }
            parts.iter().for_each(|p| self.buffer.push_str(p));
        }
        if let Some(kept) = self.texts.get(self.buffer.as_str()) {
            return Arc::clone(kept);
        }
        let kept: Arc<str> = Arc::from(self.buffer.as_str());
        self.texts.insert(self.buffer.clone(), Arc::clone(&kept));
        kept
    }
}
