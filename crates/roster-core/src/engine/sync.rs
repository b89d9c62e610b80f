//! Full load, full listing compared with the copy, and delta refresh.
//!
//! Which one runs is the worker's choice (see `Worker::refresh`): a delta only where
//! filtering on `meta.lastModified` is advertised, proven by a probe, and not
//! contradicted by the server's count; otherwise (and periodically even where deltas
//! work) every user is listed and compared with the copy by id and version.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::client::{ApiClient, Capabilities, Expected, Feature, ListWarning, UserListing};
use crate::error::CoreError;
use crate::model::{Group, GroupId, License, Organisation, User, UserId};
use crate::store::Snapshot;

/// Overlap of successive delta windows: two changes within the same millisecond, or
/// a clock step on the server, must not slip between two refreshes. Re-reading a
/// few users is harmless.
const DELTA_OVERLAP_SECONDS: i64 = 2;

/// A user a delta returns that changed this long before the window began shows the
/// server ignored the filter.
const IGNORED_FILTER_SLACK_SECONDS: i64 = 60;

/// What the copy knows of each user to tell whether the server's is different: a
/// 128-bit fingerprint of version, last change and memberships (memberships read
/// from `/Groups` do not move a user's version). A fingerprint, not the text: at a
/// million users the text marks took ~80 MB more and a second to build.
pub(super) type Marks = HashMap<UserId, u128>;

/// The mark of `user` (see [`Marks`]). Marks live in memory only, so the hasher's
/// fixed keys need not be stable across versions.
pub(super) fn mark(user: &User) -> u128 {
    let mut groups: Vec<&str> = user.groups.iter().map(GroupId::as_str).collect();
    if groups.len() > 1 {
        groups.sort_unstable();
    }
    let half = |seed: u8| {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        user.version.hash(&mut h);
        user.last_modified.hash(&mut h);
        groups.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// The marks of `users`.
pub(super) fn marks(users: &[User]) -> Marks {
    let mut out = HashMap::with_capacity(users.len());
    out.extend(users.iter().map(|u| (u.id.clone(), mark(u))));
    out
}

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
    let licenses = if !capabilities.has(Feature::Licenses) {
        Some(Vec::new())
    } else if seats_unchanged(&groups) {
        None
    } else {
        Some(client.licenses().await?)
    };
    let organisation = if capabilities.has(Feature::RosterExtension) {
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

/// Where users do not carry `groups` (none of them has any, or it was seen before)
/// but `/Groups` lists members: each user's groups from the members. Seeing it the
/// first time downgrades [`Feature::UserGroups`].
pub(super) async fn fill_memberships(
    client: &ApiClient,
    users: &mut [User],
    groups: &[Group],
) -> Result<(), CoreError> {
    let known_missing = !client.has(Feature::UserGroups);
    let looks_missing = !groups.is_empty() && users.iter().all(|u| u.groups.is_empty());
    if !known_missing && !looks_missing {
        return Ok(());
    }
    let with_members = client.load_groups_with_members().await?;
    let mut of: HashMap<&UserId, Vec<GroupId>> = HashMap::new();
    for group in &with_members {
        for member in &group.members {
            of.entry(member).or_default().push(group.id.clone());
        }
    }
    if of.is_empty() {
        return Ok(());
    }
    client.downgrade(
        Feature::UserGroups,
        "users carry no `groups` while /Groups lists members",
    );
    for user in users.iter_mut() {
        user.groups = of.get(&user.id).cloned().unwrap_or_default();
    }
    Ok(())
}

/// The newest `last_modified` among `users`: the server-clock mark of the next delta.
pub(super) fn high_water_mark<'a>(users: impl Iterator<Item = &'a User>) -> Option<DateTime<Utc>> {
    users.filter_map(|u| u.last_modified).max()
}

/// Loads everything; with what was wrong in the listing of users.
pub(super) async fn full(
    client: &ApiClient,
    capabilities: &Capabilities,
    progress: impl Fn(usize, usize) + Send + Sync,
) -> Result<(Arc<Snapshot>, Vec<ListWarning>), CoreError> {
    // The directory is read while the users' pages come: its few requests (the
    // licenses' seat counts are the server's slowest) need not wait for them.
    // Asked beside the first page: with the count, the next pages need not wait
    // for it (a page's round trip, a tenth of a 10k-user load).
    let (listing, dir) = tokio::try_join!(
        client.load_users_expecting(Expected::Ask, progress),
        directory(client, capabilities, |_| false)
    )?;
    let UserListing {
        mut users,
        warnings,
    } = listing;
    fill_memberships(client, &mut users, &dir.groups).await?;
    let max_last_modified = high_water_mark(users.iter());
    let snapshot = Arc::new(Snapshot {
        users,
        groups: dir.groups,
        licenses: dir.licenses.unwrap_or_default(),
        organisation: dir.organisation,
        synced_at: Utc::now(),
        max_last_modified,
    });
    Ok((snapshot, warnings))
}

/// What changed since the last sync.
pub(super) struct Delta {
    pub changed: Vec<User>,
    pub deleted: Vec<UserId>,
    pub directory: Directory,
    pub max_last_modified: Option<DateTime<Utc>>,
    /// What was wrong in the listing of users (a full listing only).
    pub warnings: Vec<ListWarning>,
}

/// Every user listed and compared with the copy (`known`): changed where the mark
/// differs, deleted where the id is gone. Right on any server, filter or not.
pub(super) async fn listing(
    client: &ApiClient,
    capabilities: &Capabilities,
    known: &Marks,
    previous_groups: &[Group],
) -> Result<Delta, CoreError> {
    let UserListing {
        mut users,
        warnings,
    } = client
        .load_users_expecting(Expected::About(known.len() as u64), |_, _| {})
        .await?;
    let listed: HashSet<&UserId> = users.iter().map(|u| &u.id).collect();
    let deleted: Vec<UserId> = known
        .keys()
        .filter(|id| !listed.contains(id))
        .cloned()
        .collect();
    drop(listed);
    let max_last_modified = high_water_mark(users.iter());
    // Any user's licenses may have moved seats: the licenses are read again.
    let _ = previous_groups;
    let directory = directory(client, capabilities, |_| false).await?;
    fill_memberships(client, &mut users, &directory.groups).await?;
    users.retain(|u| known.get(&u.id) != Some(&mark(u)));
    Ok(Delta {
        changed: users,
        deleted,
        directory,
        max_last_modified,
        warnings,
    })
}

/// Users changed after `since`, users deleted (compared with `known`), and the
/// directory. Deletions are looked for only when the server's count says some
/// happened: every user is either known or changed, so the count tells.
///
/// `Ok(None)`: the server refused the filter or answered implausibly (it does not
/// filter on `meta.lastModified` after all); delta sync is downgraded and the caller
/// lists every user instead.
pub(super) async fn delta(
    client: &ApiClient,
    capabilities: &Capabilities,
    known: &Marks,
    previous_groups: &[Group],
    since: DateTime<Utc>,
) -> Result<Option<Delta>, CoreError> {
    let window = since - Duration::seconds(DELTA_OVERLAP_SECONDS);
    let mut changed = match client.users_changed_since(window).await {
        Ok(changed) => changed,
        Err(CoreError::Rejected { status, detail, .. }) => {
            client.downgrade(
                Feature::DeltaSync,
                format!("the meta.lastModified filter was refused (HTTP {status}: {detail})"),
            );
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let stale = Duration::seconds(IGNORED_FILTER_SLACK_SECONDS);
    if let Some(old) = changed
        .iter()
        .find(|u| u.last_modified.is_some_and(|t| t < window - stale))
    {
        client.downgrade(
            Feature::DeltaSync,
            format!(
                "a meta.lastModified gt filter returned user {} last changed before it",
                old.id
            ),
        );
        return Ok(None);
    }
    let total = client.user_count().await?;
    let mut present: HashSet<&UserId> = known.keys().collect();
    present.extend(changed.iter().map(|u| &u.id));
    if (present.len() as u64) < total {
        // Users the copy lacks that the delta did not return: it missed creations.
        client.downgrade(
            Feature::DeltaSync,
            format!(
                "a delta returned {} changed users, but the server counts {total} users and \
                 the copy knows {}",
                changed.len(),
                known.len()
            ),
        );
        return Ok(None);
    }
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
    changed.retain(|u| known.get(&u.id) != Some(&mark(u)));
    let quiet = changed.is_empty() && deleted.is_empty();
    let directory = directory(client, capabilities, |groups| {
        quiet && groups == previous_groups
    })
    .await?;
    let max_last_modified = high_water_mark(changed.iter()).max(Some(since));
    Ok(Some(Delta {
        changed,
        deleted,
        directory,
        max_last_modified,
        warnings: Vec::new(),
    }))
}
