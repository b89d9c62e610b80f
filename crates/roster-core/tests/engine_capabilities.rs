//! What the server supports, learnt from discovery and from its answers: the engine
//! against a real roster-server started with the switches that make it behave like
//! servers seen in the wild (no filtering, a refused `meta.lastModified` filter, a
//! PATCH form answered 501, DELETE as deactivation, no PATCH, no ETags, users
//! without groups; see docs/api.md). Each downgrade is remembered per profile, and a
//! re-check forgets it.
//!
//! A few faults roster-server cannot be made to produce (it is an honest server:
//! what it advertises it does) go through the proxy of `support/quirks.rs`: a server
//! that claims to filter but answers every filter with nothing, one that refuses
//! reads, one without `/Me`, one that advertises PATCH and answers it 501, and one
//! with `meta.version` but no ETags. Each of those tests says so.

#[path = "support/quirks.rs"]
mod quirks;
mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use quirks::{QuirkProxy, Quirks};
use roster_core::CoreError;
use roster_core::actions::UserEdit;
use roster_core::client::{Feature, FeatureState};
use roster_core::engine::{
    self, BatchId, Command, EngineConfig, EngineHandle, Event, RefreshKind, Source,
};
use roster_core::model::{Change, GroupId, UserId};
use roster_core::store::{Snapshot, Store};
use roster_server::switches::Switches;
use serde_json::json;
use support::{DEMO_DOMAIN, TestServer, profile};

const PROFILE: &str = "test";

struct Setup {
    server: TestServer,
    /// Between the engine and the server, for the faults the server cannot produce.
    proxy: Option<QuirkProxy>,
    dir: tempfile::TempDir,
}

impl Setup {
    /// The demo organisation on roster-server started with `switches`, the engine
    /// talking to it directly.
    async fn switched(switches: Switches) -> Self {
        Self {
            server: TestServer::demo_with(switches).await,
            proxy: None,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The demo organisation on a plain roster-server, the engine talking to it
    /// through the quirk proxy.
    async fn proxied() -> Self {
        let server = TestServer::demo().await;
        let proxy = QuirkProxy::start(&server.server.base_url()).await;
        Self {
            server,
            proxy: Some(proxy),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn quirks(&self) -> &Quirks {
        &self.proxy.as_ref().expect("a proxied setup").quirks
    }

    /// Where the engine connects: the proxy when there is one.
    fn base_url(&self) -> String {
        match &self.proxy {
            Some(proxy) => proxy.base_url(),
            None => self.server.server.base_url(),
        }
    }

    fn store(&self) -> Arc<Store> {
        Arc::new(Store::open(self.dir.path().join(roster_core::store::DB_FILE_NAME)).unwrap())
    }

    fn engine(&self, store: Arc<Store>) -> EngineHandle {
        let mut config = EngineConfig::new(profile(&self.base_url(), &self.server.token), store);
        config.reconnect_after = Duration::from_millis(100);
        engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).unwrap()
    }

    /// Creates a user directly on the server (an outside change).
    async fn outside_create(&self, local: &str) -> String {
        let email = format!("{local}@{DEMO_DOMAIN}");
        let (status, body) = self
            .server
            .raw(
                "POST",
                "/Users",
                Some(&json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": email,
                    "name": {"givenName": "Out", "familyName": "Side"},
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        email
    }
}

/// Waits for an event `want` accepts; fails after 30 s.
async fn wait_for(handle: &EngineHandle, what: &str, want: impl Fn(&Event) -> bool) -> Event {
    support::wait_for(handle, what, Duration::from_secs(30), want).await
}

/// Events until the next `Refreshed` or `Stale`, that one included.
async fn until_refreshed(handle: &EngineHandle) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        while let Some(event) = handle.try_recv() {
            let last = matches!(event, Event::Refreshed { .. } | Event::Stale { .. });
            seen.push(event);
            if last {
                return seen;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for a refresh: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn how(events: &[Event]) -> Option<RefreshKind> {
    events.iter().find_map(|e| match e {
        Event::Refreshed { how, .. } => Some(*how),
        _ => None,
    })
}

fn copy(store: &Store) -> Snapshot {
    store.load_snapshot(PROFILE).unwrap().expect("a copy")
}

fn has_user(snapshot: &Snapshot, user_name: &str) -> bool {
    snapshot
        .users
        .iter()
        .any(|u| u.user_name.eq_ignore_ascii_case(user_name))
}

fn switches(set: impl FnOnce(&mut Switches)) -> Switches {
    let mut switches = Switches::default();
    set(&mut switches);
    switches
}

/// The number in a `meta.version` (`W/"3"` → 3).
fn version_number(version: &serde_json::Value) -> u64 {
    version
        .as_str()
        .map(|v| v.trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a meta.version: {version}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_last_modified_filter_downgrades_delta_sync_and_the_copy_stays_right() {
    let mut setup = Setup::switched(switches(|s| s.refuse_last_modified_filter = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    let first = until_refreshed(&handle).await;
    assert_eq!(how(&first), Some(RefreshKind::Full));

    let created = setup.outside_create("outside.one").await;
    handle.send(Command::Refresh);
    let events = until_refreshed(&handle).await;
    // Not a read error, not "offline": the feature is downgraded and every user listed.
    assert_eq!(how(&events), Some(RefreshKind::Full), "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(
            e,
            Event::Error(_) | Event::Stale { .. } | Event::Offline { .. }
        )),
        "{events:?}"
    );
    let caps = events.iter().find_map(|e| match e {
        Event::Capabilities(c) => Some(c.clone()),
        _ => None,
    });
    let caps = caps.expect("the downgrade is announced");
    match caps.state(Feature::DeltaSync) {
        FeatureState::Downgraded(reason) => {
            assert!(
                reason.contains("Unknown attribute: meta.lastModified"),
                "{reason}"
            )
        }
        other => panic!("delta sync is {other:?}"),
    }
    assert!(
        has_user(&copy(&store), &created),
        "the new user is in the copy"
    );
    assert!(
        store
            .downgrades(PROFILE)
            .unwrap()
            .contains_key(&Feature::DeltaSync),
        "remembered for the profile"
    );
    handle.send(Command::Shutdown);
    drop(handle);

    // The next start remembers: no delta is tried.
    let again = setup.engine(Arc::clone(&store));
    let events = until_refreshed(&again).await;
    assert_ne!(how(&events), Some(RefreshKind::Delta), "{events:?}");
    again.send(Command::Shutdown);
    drop(again);

    // The server is fixed (restarted without the switch, same address and data): a
    // re-check forgets the downgrade, discovers again, and refreshes are deltas.
    setup.server = setup.server.restart_with(Switches::default()).await;
    let again = setup.engine(Arc::clone(&store));
    until_refreshed(&again).await;
    again.send(Command::Recheck);
    wait_for(&again, "reconnected", |e| matches!(e, Event::Connected(_))).await;
    until_refreshed(&again).await;
    handle_refresh_is_delta(&again).await;
    assert!(store.downgrades(PROFILE).unwrap().is_empty());
    again.send(Command::Shutdown);
}

/// Proxy: roster-server always serves `/Me`; this is a server without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_me_answered_501_is_asked_once_not_on_the_next_start_and_again_after_a_re_check() {
    let setup = Setup::proxied().await;
    let q = setup.quirks();
    q.no_me.store(true, Ordering::Relaxed);
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    let Event::Connected(info) =
        wait_for(&handle, "connected", |e| matches!(e, Event::Connected(_))).await
    else {
        unreachable!()
    };
    assert!(info.me.is_none());
    until_refreshed(&handle).await;
    assert_eq!(q.me_requests.load(Ordering::Relaxed), 1);
    handle.send(Command::Shutdown);
    drop(handle);
    let again = setup.engine(Arc::clone(&store));
    until_refreshed(&again).await;
    assert_eq!(
        q.me_requests.load(Ordering::Relaxed),
        1,
        "/Me not asked again"
    );
    // A re-check forgets and discovers again: /Me is asked.
    q.no_me.store(false, Ordering::Relaxed);
    again.send(Command::Recheck);
    let Event::Connected(info) =
        wait_for(&again, "reconnected", |e| matches!(e, Event::Connected(_))).await
    else {
        unreachable!()
    };
    assert!(info.me.is_some(), "/Me asked again after the re-check");
    assert_eq!(q.me_requests.load(Ordering::Relaxed), 2);
    again.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_start_knows_what_the_server_supported_and_lacked() {
    let setup = Setup::switched(switches(|s| s.refuse_last_modified_filter = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    handle.send(Command::Refresh);
    until_refreshed(&handle).await;
    handle.send(Command::Shutdown);
    drop(handle);
    let mut config = EngineConfig::new(
        profile("http://127.0.0.1:9/scim/v2", &setup.server.token),
        Arc::clone(&store),
    );
    config.reconnect_after = Duration::from_secs(60);
    let offline =
        engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).unwrap();
    let Event::Capabilities(caps) = wait_for(&offline, "remembered capabilities", |e| {
        matches!(e, Event::Capabilities(_))
    })
    .await
    else {
        unreachable!()
    };
    assert!(caps.has(Feature::RosterExtension) && caps.has(Feature::Licenses));
    assert!(matches!(
        caps.state(Feature::DeltaSync),
        FeatureState::Downgraded(_)
    ));
    wait_for(&offline, "offline", |e| matches!(e, Event::Offline { .. })).await;
    offline.send(Command::Shutdown);
}

/// After a re-check on a server that filters properly, refreshes are deltas.
async fn handle_refresh_is_delta(handle: &EngineHandle) {
    handle.send(Command::Refresh);
    let events = until_refreshed(handle).await;
    assert_eq!(how(&events), Some(RefreshKind::Delta), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_filtering_gets_full_refreshes_and_nothing_is_downgraded() {
    let setup = Setup::switched(switches(|s| s.no_filter = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    let Event::Connected(info) =
        wait_for(&handle, "connected", |e| matches!(e, Event::Connected(_))).await
    else {
        unreachable!()
    };
    // Discovery said so: nothing to find out by trying.
    assert_eq!(
        info.capabilities.state(Feature::DeltaSync),
        FeatureState::NotAdvertised
    );
    assert_eq!(
        info.capabilities.state(Feature::Filter),
        FeatureState::NotAdvertised
    );
    until_refreshed(&handle).await;
    let created = setup.outside_create("outside.three").await;
    handle.send(Command::Refresh);
    let events = until_refreshed(&handle).await;
    assert_eq!(how(&events), Some(RefreshKind::Full), "{events:?}");
    assert!(has_user(&copy(&store), &created), "not silently stale");
    assert_eq!(copy(&store).users.len(), 301);
    assert!(store.downgrades(PROFILE).unwrap().is_empty());
    handle.send(Command::Shutdown);
}

/// Proxy: roster-server either filters or says it does not (`--no-filter`); this is
/// a server that claims to filter and answers every filter with nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_that_silently_match_nothing_are_caught_before_any_delta() {
    let setup = Setup::proxied().await;
    setup
        .quirks()
        .filters_match_nothing
        .store(true, Ordering::Relaxed);
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    let created = setup.outside_create("outside.two").await;
    handle.send(Command::Refresh);
    let events = until_refreshed(&handle).await;
    assert_eq!(how(&events), Some(RefreshKind::Full), "{events:?}");
    assert!(has_user(&copy(&store), &created), "not silently stale");
    let reason = store
        .downgrades(PROFILE)
        .unwrap()
        .get(&Feature::DeltaSync)
        .cloned()
        .expect("delta sync downgraded");
    assert!(reason.contains("does not filter"), "{reason}");
    handle.send(Command::Shutdown);
}

/// Proxy: roster-server has no switch to refuse reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_read_keeps_the_copy_and_says_it_is_stale() {
    let setup = Setup::proxied().await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    setup
        .quirks()
        .refuse_user_reads
        .store(true, Ordering::Relaxed);
    handle.send(Command::Refresh);
    let events = until_refreshed(&handle).await;
    let Some(Event::Stale { error, last_sync }) = events.last() else {
        panic!("{events:?}")
    };
    assert!(
        matches!(error, CoreError::ReadRefused { status: 400, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(!text.contains("refused the change"), "{text}");
    assert!(text.contains("listing users is refused today"), "{text}");
    assert!(last_sync.is_some());
    assert!(!events.iter().any(|e| matches!(e, Event::Offline { .. })));
    assert_eq!(copy(&store).users.len(), 300, "the copy is kept");
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_removal_form_answered_501_is_sent_the_other_way_and_not_retried() {
    let setup = Setup::switched(switches(|s| s.refuse_value_path_remove = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    let snapshot = copy(&store);
    let (group, members): (GroupId, Vec<UserId>) = snapshot
        .groups
        .iter()
        .map(|g| {
            let members: Vec<UserId> = snapshot
                .users
                .iter()
                .filter(|u| u.groups.contains(&g.id))
                .map(|u| u.id.clone())
                .take(2)
                .collect();
            (g.id.clone(), members)
        })
        .find(|(_, m)| m.len() == 2)
        .expect("a group with two members");
    let version = |body: &serde_json::Value| version_number(&body["meta"]["version"]);
    let before = version(&setup.server.get(&format!("/Groups/{group}")).await);
    let mut announced = 0;
    for (batch, member) in members.iter().enumerate() {
        handle.send(Command::SubmitBatch {
            batch: BatchId(batch as u64),
            changes: vec![Change::GroupMembers {
                group: group.clone(),
                add: vec![],
                remove: vec![member.clone()],
            }],
            delay: None,
        });
        // Every event until the answer: a downgrade is announced once, with the reason.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let done = loop {
            match handle.try_recv() {
                Some(e @ (Event::Applied { .. } | Event::Failed { .. })) => break e,
                Some(Event::Capabilities(caps)) => {
                    if let FeatureState::Downgraded(reason) = caps.state(Feature::PatchMemberFilter)
                    {
                        assert!(reason.contains("501"), "{reason}");
                        announced += 1;
                    }
                }
                Some(_) => {}
                None => {
                    assert!(tokio::time::Instant::now() < deadline, "no answer");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        };
        assert!(matches!(done, Event::Applied { .. }), "{done:?}");
    }
    let body = setup.server.get(&format!("/Groups/{group}")).await;
    let left: Vec<&str> = body["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str())
        .collect();
    for member in &members {
        assert!(!left.contains(&member.as_str()), "{member} removed");
    }
    // Refused once: downgraded at the first removal, and the second went the other
    // way at once. (With no proxy counting requests, what shows it is one downgrade
    // announced and the group changed by exactly the two removals.)
    assert_eq!(announced, 1, "one downgrade");
    assert_eq!(version(&body), before + 2);
    assert!(
        setup.server.get(&format!("/Groups/{group}")).await["members"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "the other members are kept"
    );
    assert!(
        store
            .downgrades(PROFILE)
            .unwrap()
            .contains_key(&Feature::PatchMemberFilter)
    );
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_the_server_answers_by_deactivating_is_reported_as_such() {
    let setup = Setup::switched(switches(|s| s.delete_deactivates = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    let Event::Loaded { snapshot, .. } = wait_for(&handle, "load", |e| {
        matches!(
            e,
            Event::Loaded {
                source: Source::Server,
                ..
            }
        )
    })
    .await
    else {
        unreachable!()
    };
    let target = snapshot.users.iter().find(|u| !u.admin).unwrap().clone();
    handle.send(Command::SubmitBatch {
        batch: BatchId(1),
        changes: vec![Change::DeleteUser {
            id: target.id.clone(),
            if_match: None,
        }],
        delay: None,
    });
    let Event::Deactivated { user, .. } = wait_for(&handle, "deactivated", |e| {
        matches!(e, Event::Deactivated { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(user.id, target.id);
    assert!(!user.active);
    wait_for(&handle, "applied", |e| matches!(e, Event::Applied { .. })).await;
    let kept = copy(&store)
        .users
        .into_iter()
        .find(|u| u.id == target.id)
        .expect("still in the copy");
    assert!(!kept.active, "shown as inactive, not as a normal user");
    handle.send(Command::Shutdown);
}

/// Submits `changes` and returns the answers (one per change: applied, failed or
/// in conflict).
async fn submit(handle: &EngineHandle, batch: u64, changes: Vec<Change>) -> Vec<Event> {
    let n = changes.len();
    handle.send(Command::SubmitBatch {
        batch: BatchId(batch),
        changes,
        delay: None,
    });
    let mut answers = Vec::new();
    for _ in 0..n {
        answers.push(
            wait_for(handle, "answer", |e| {
                matches!(
                    e,
                    Event::Applied { .. } | Event::Failed { .. } | Event::Conflict { .. }
                )
            })
            .await,
        );
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_without_patch_puts_the_freshly_read_user_back_with_nothing_lost() {
    let setup = Setup::switched(switches(|s| s.no_patch = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    let Event::Connected(info) =
        wait_for(&handle, "connected", |e| matches!(e, Event::Connected(_))).await
    else {
        unreachable!()
    };
    assert_eq!(
        info.capabilities.state(Feature::Patch),
        FeatureState::NotAdvertised
    );
    until_refreshed(&handle).await;
    let (before, after) = edit_by_put(&setup, &handle, &store).await;
    // One write (the PUT): PATCH was never tried, so nothing is downgraded either.
    assert_eq!(
        version_number(&after["meta"]["version"]),
        version_number(&before["meta"]["version"]) + 1
    );
    assert!(store.downgrades(PROFILE).unwrap().is_empty());
    handle.send(Command::Shutdown);
}

/// Edits a user in a group (last name and role) through the engine and checks that
/// the PUT sent for it changed those and kept the rest; the server's user before
/// and after.
async fn edit_by_put(
    setup: &Setup,
    handle: &EngineHandle,
    store: &Store,
) -> (serde_json::Value, serde_json::Value) {
    let user = copy(store)
        .users
        .into_iter()
        .find(|u| !u.admin && !u.groups.is_empty())
        .expect("a user in a group");
    let before = setup.server.get(&format!("/Users/{}", user.id)).await;
    let mut edit = UserEdit::of(&user);
    edit.family_name = "Put-Back".into();
    edit.admin = true;
    let answers = submit(handle, 1, edit.changes(&user)).await;
    assert!(matches!(answers[0], Event::Applied { .. }), "{answers:?}");
    let after = setup.server.get(&format!("/Users/{}", user.id)).await;
    assert_eq!(after["name"]["familyName"], "Put-Back");
    let ext = roster_proto::urn::ROSTER_USER;
    assert_eq!(after[ext]["organisationAdministrator"], true);
    // An empty list and no list say the same.
    let norm = |v: &serde_json::Value| match v {
        serde_json::Value::Array(a) if a.is_empty() => serde_json::Value::Null,
        other => other.clone(),
    };
    for key in ["userName", "emails", "entitlements", "active", "groups"] {
        assert_eq!(
            norm(&after[key]),
            norm(&before[key]),
            "{key} kept by the PUT"
        );
    }
    assert_eq!(after[ext]["localLogin"], before[ext]["localLogin"]);
    (before, after)
}

/// Proxy: roster-server with `--no-patch` says so in discovery; this is a server
/// that advertises PATCH and answers it 501 for users.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_answered_501_for_patch_is_put_back_and_patch_is_downgraded() {
    let setup = Setup::proxied().await;
    let q = setup.quirks();
    q.no_user_patch.store(true, Ordering::Relaxed);
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    edit_by_put(&setup, &handle, &store).await;
    assert_eq!(q.user_puts.load(Ordering::Relaxed), 1);
    assert!(
        store
            .downgrades(PROFILE)
            .unwrap()
            .contains_key(&Feature::Patch)
    );
    handle.send(Command::Shutdown);
}

/// Proxy: roster-server with `--no-etag` has no `meta.version` either; this is a
/// server that has versions but no ETag header nor `If-Match`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_etags_a_change_made_meanwhile_is_found_by_re_reading_the_version() {
    let setup = Setup::proxied().await;
    let q = setup.quirks();
    q.no_etag.store(true, Ordering::Relaxed);
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    let user = copy(&store).users.into_iter().find(|u| !u.admin).unwrap();
    // Someone else renames the user after Roster read it.
    let (status, _) = setup
        .server
        .raw(
            "PATCH",
            &format!("/Users/{}", user.id),
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "name.givenName", "value": "Theirs"}]
            })),
        )
        .await;
    assert_eq!(status, 200);
    let mut edit = UserEdit::of(&user);
    edit.family_name = "Mine".into();
    let answers = submit(&handle, 1, edit.changes(&user)).await;
    assert!(matches!(answers[0], Event::Conflict { .. }), "{answers:?}");
    let now = setup.server.get(&format!("/Users/{}", user.id)).await;
    assert_eq!(now["name"]["givenName"], "Theirs");
    assert_ne!(now["name"]["familyName"], "Mine", "nothing overwritten");
    // A delete against the version Roster saw is refused the same way.
    let answers = submit(
        &handle,
        2,
        vec![Change::DeleteUser {
            id: user.id.clone(),
            if_match: user.version.clone(),
        }],
    )
    .await;
    assert!(matches!(answers[0], Event::Conflict { .. }), "{answers:?}");
    assert_eq!(
        setup
            .server
            .raw("GET", &format!("/Users/{}", user.id), None)
            .await
            .0,
        200
    );
    assert_eq!(
        q.if_match_seen.load(Ordering::Relaxed),
        0,
        "no If-Match to a server without ETags"
    );
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_versions_the_last_change_time_tells_that_someone_changed_the_user() {
    // No ETag header, no meta.version, If-Match ignored.
    let setup = Setup::switched(switches(|s| s.no_etag = true)).await;
    let store = setup.store();
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    let user = copy(&store).users.into_iter().find(|u| !u.admin).unwrap();
    assert_eq!(user.version, None);
    assert!(user.last_modified.is_some());
    // A change of our own goes through (nothing changed meanwhile).
    let mut edit = UserEdit::of(&user);
    edit.family_name = "First".into();
    let answers = submit(&handle, 1, edit.changes(&user)).await;
    assert!(matches!(answers[0], Event::Applied { .. }), "{answers:?}");
    // Then one made against that same, now old, copy is a conflict.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mut late = UserEdit::of(&user);
    late.given_name = "Late".into();
    let answers = submit(&handle, 2, late.changes(&user)).await;
    assert!(matches!(answers[0], Event::Conflict { .. }), "{answers:?}");
    let now = setup.server.get(&format!("/Users/{}", user.id)).await;
    assert_eq!(now["name"]["familyName"], "First");
    assert_ne!(now["name"]["givenName"], "Late");
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memberships_come_from_groups_when_users_carry_none_and_edits_change_only_real_differences()
{
    let mut setup = Setup::switched(Switches::default()).await;
    // The copy as roster-server's users say it, to compare with.
    let truth = {
        let store = setup.store();
        let handle = setup.engine(Arc::clone(&store));
        until_refreshed(&handle).await;
        handle.send(Command::Shutdown);
        copy(&store)
    };
    // The same server and data, restarted with users that carry no groups.
    setup.server = setup
        .server
        .restart_with(switches(|s| s.users_without_groups = true))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path().join("other.db")).unwrap());
    let handle = setup.engine(Arc::clone(&store));
    until_refreshed(&handle).await;
    let seen = copy(&store);
    let mut members = 0;
    for user in &truth.users {
        let mine = seen.users.iter().find(|u| u.id == user.id).expect("listed");
        let (mut a, mut b) = (mine.groups.clone(), user.groups.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "groups of {}", user.user_name);
        members += b.len();
    }
    assert!(members > 0);
    assert!(
        store
            .downgrades(PROFILE)
            .unwrap()
            .contains_key(&Feature::UserGroups)
    );
    // The edit dialog starts from the real memberships: ticking what is already so
    // changes nothing; leaving one group is one change.
    let user = seen.users.iter().find(|u| !u.groups.is_empty()).unwrap();
    let mut edit = UserEdit::of(user);
    assert!(edit.changes(user).is_empty());
    let left = edit.groups.iter().next().cloned().unwrap();
    edit.groups.remove(&left);
    let changes = edit.changes(user);
    assert_eq!(
        changes,
        vec![Change::GroupMembers {
            group: left.clone(),
            add: vec![],
            remove: vec![user.id.clone()],
        }]
    );
    let answers = submit(&handle, 1, changes).await;
    assert!(matches!(answers[0], Event::Applied { .. }), "{answers:?}");
    handle.send(Command::Refresh);
    until_refreshed(&handle).await;
    let after = copy(&store);
    let mine = after.users.iter().find(|u| u.id == user.id).unwrap();
    assert!(!mine.groups.contains(&left), "the copy shows the removal");
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_periodic_reconciliation_lists_every_user_even_where_deltas_work() {
    let setup = Setup::switched(Switches::default()).await;
    let store = setup.store();
    let mut config = EngineConfig::new(
        profile(&setup.base_url(), &setup.server.token),
        Arc::clone(&store),
    );
    config.reconcile_every = Duration::ZERO;
    let handle =
        engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).unwrap();
    until_refreshed(&handle).await;
    handle.send(Command::Refresh);
    let events = until_refreshed(&handle).await;
    assert_eq!(how(&events), Some(RefreshKind::Reconciled), "{events:?}");
    handle.send(Command::Shutdown);
}
