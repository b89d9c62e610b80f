//! Full load and delta refresh.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::client::{ApiClient, Capabilities};
use crate::error::CoreError;
use crate::model::{Group, License, Organisation, User, UserId};
use crate::store::Snapshot;

/// Overlap of successive delta windows: two changes within the same millisecond, or
/// a clock step on the server, must not slip between two refreshes. Re-reading a
/// few users is harmless.
const DELTA_OVERLAP_SECONDS: i64 = 2;

/// Everything besides users: small, so reloaded whole.
pub(super) struct Directory {
    pub groups: Vec<Group>,
    /// `None` when nothing that moves seats changed (the server counts seats over
    /// every user, the costliest part of an otherwise empty refresh).
    pub licenses: Option<Vec<License>>,
    pub organisation: Option<Organisation>,
}

/// Groups and the organisation, and the licenses unless `seats_unchanged` says,
/// given the groups just read, that no seat count can have moved.
pub(super) async fn directory(
    client: &ApiClient,
    capabilities: &Capabilities,
    seats_unchanged: impl FnOnce(&[Group]) -> bool,
) -> Result<Directory, CoreError> {
    let groups = client.load_groups().await?;
    let licenses = if !capabilities.licenses {
        Some(Vec::new())
    } else if seats_unchanged(&groups) {
        None
    } else {
        Some(client.licenses().await?)
    };
    let organisation = if capabilities.roster_extension {
        client.organisation().await?
    } else {
        None
    };
    Ok(Directory {
        groups,
        licenses,
        organisation,
    })
}

/// The newest `last_modified` among `users`: the server-clock mark of the next delta.
pub(super) fn high_water_mark<'a>(users: impl Iterator<Item = &'a User>) -> Option<DateTime<Utc>> {
    users.filter_map(|u| u.last_modified).max()
}

/// Loads everything.
pub(super) async fn full(
    client: &ApiClient,
    capabilities: &Capabilities,
    progress: impl Fn(usize, usize) + Send + Sync,
) -> Result<Arc<Snapshot>, CoreError> {
    let users = client.load_users(progress).await?;
    let dir = directory(client, capabilities, |_| false).await?;
    let max_last_modified = high_water_mark(users.iter());
    Ok(Arc::new(Snapshot {
        users,
        groups: dir.groups,
        licenses: dir.licenses.unwrap_or_default(),
        organisation: dir.organisation,
        synced_at: Utc::now(),
        max_last_modified,
    }))
}

/// What changed since the last sync.
pub(super) struct Delta {
    pub changed: Vec<User>,
    pub deleted: Vec<UserId>,
    pub directory: Directory,
    pub max_last_modified: Option<DateTime<Utc>>,
}

/// Users changed after `since`, users deleted (compared with `known`), and the
/// directory. Deletions are looked for only when the server's count says some
/// happened: every user is either known or changed, so the count tells.
pub(super) async fn delta(
    client: &ApiClient,
    capabilities: &Capabilities,
    known: &HashMap<UserId, Option<String>>,
    previous_groups: &[Group],
    since: DateTime<Utc>,
) -> Result<Delta, CoreError> {
    let mut changed = client
        .users_changed_since(since - Duration::seconds(DELTA_OVERLAP_SECONDS))
        .await?;
    let total = client.user_count().await?;
    let mut present: HashSet<&UserId> = known.keys().collect();
    present.extend(changed.iter().map(|u| &u.id));
    let deleted = if present.len() as u64 == total {
        Vec::new()
    } else {
        let ids = client.user_ids().await?;
        known
            .keys()
            .filter(|id| !ids.contains(*id))
            .cloned()
            .collect()
    };
    // The overlap window re-reads users the copy already holds at that version.
    changed.retain(|u| u.version.is_none() || known.get(&u.id) != Some(&u.version));
    let quiet = changed.is_empty() && deleted.is_empty();
    let directory = directory(client, capabilities, |groups| {
        quiet && groups == previous_groups
    })
    .await?;
    let max_last_modified = high_water_mark(changed.iter()).max(Some(since));
    Ok(Delta {
        changed,
        deleted,
        directory,
        max_last_modified,
    })
}
