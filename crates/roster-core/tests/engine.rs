//! The sync engine against a real roster-server on 127.0.0.1: cache, full and delta
//! sync, the outbox through stops, restarts and crashes, conflicts and the role.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use roster_core::actions::paths;
use roster_core::client::{ApiClient, Profile, Token};
use roster_core::engine::{self, BatchId, Command, EngineConfig, EngineHandle, Event, Source};
use roster_core::model::{Change, Email, NewUser};
use roster_core::store::{OutboxState, Store};
use roster_proto::PatchOp;
use roster_server::{Server, ServerConfig, seed};
use serde_json::json;

const DOMAIN: &str = "lumen-analytics.example";

/// A demo-organisation server whose database outlives it, so it can be restarted.
struct Org {
    dir: tempfile::TempDir,
    server: Option<Server>,
    addr: SocketAddr,
    token: String,
}

impl Org {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = boot(
            &dir.path().join("server.db"),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await;
        let token = server
            .db()
            .write(|c| seed::token_for(c, seed::DEMO_ADMIN, "engine test"))
            .await
            .unwrap();
        Self {
            addr: server.addr(),
            server: Some(server),
            dir,
            token,
        }
    }

    fn profile(&self, token: &str) -> Profile {
        Profile {
            name: "acme".into(),
            base_url: format!("http://{}/scim/v2", self.addr),
            token: Token::new(token),
            ca_certificate_pem: None,
        }
    }

    fn client(&self) -> ApiClient {
        ApiClient::new(&self.profile(&self.token)).unwrap()
    }

    async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
    }

    async fn restart(&mut self) {
        self.server = Some(boot(&self.dir.path().join("server.db"), self.addr).await);
    }

    fn store_path(&self) -> PathBuf {
        self.dir.path().join("client.db")
    }
}

async fn boot(db: &Path, addr: SocketAddr) -> Server {
    let mut config = ServerConfig::local(db);
    config.bind = addr;
    config.seed_demo = true;
    Server::start(config).await.expect("server starts")
}

fn start_engine(org: &Org, store: Arc<Store>, token: &str) -> EngineHandle {
    let mut config = EngineConfig::new(org.profile(token), store);
    config.reconnect_after = Duration::from_millis(200);
    engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).unwrap()
}

/// Waits for an event `want` accepts; fails after 30 s.
async fn wait_for(handle: &EngineHandle, what: &str, want: impl Fn(&Event) -> bool) -> Event {
    support::wait_for(handle, what, Duration::from_secs(30), want).await
}

/// Queues `changes` as one batch (the app's only way to submit), with a fresh id.
fn submit(handle: &EngineHandle, changes: Vec<Change>, delay: Option<Duration>) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let batch = BatchId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    handle.send(Command::SubmitBatch {
        batch,
        changes,
        delay,
    });
}

fn new_user(local: &str) -> NewUser {
    NewUser {
        email: Email::parse(&format!("{local}@{DOMAIN}")).unwrap(),
        given_name: "Engine".into(),
        family_name: local.into(),
        admin: false,
        local_login: false,
        licenses: vec![],
        groups: vec![],
    }
}

async fn count_user_name(client: &ApiClient, user_name: &str) -> usize {
    usize::from(
        client
            .find_user_by_user_name(user_name)
            .await
            .unwrap()
            .is_some(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_from_server_then_starts_offline_from_cache_and_comes_back_online() {
    let mut org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    wait_for(&handle, "progress", |e| matches!(e, Event::Progress { .. })).await;
    let Event::Loaded { snapshot, source } =
        wait_for(&handle, "full load", |e| matches!(e, Event::Loaded { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(source, Source::Server);
    assert_eq!(snapshot.users.len(), 300);
    assert_eq!(snapshot.groups.len(), 6);
    assert_eq!(snapshot.licenses.len(), 5);
    handle.send(Command::Shutdown);

    // The server goes away; a new engine shows the cache and says it is offline.
    org.stop().await;
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    let Event::Loaded { snapshot, source } =
        wait_for(&handle, "cache", |e| matches!(e, Event::Loaded { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(source, Source::Cache);
    assert_eq!(snapshot.users.len(), 300);
    let Event::Offline { last_sync, .. } =
        wait_for(&handle, "offline", |e| matches!(e, Event::Offline { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(last_sync, Some(snapshot.synced_at));

    // A change made offline waits in the outbox.
    submit(
        &handle,
        vec![Change::CreateUser(new_user("offline.invitee"))],
        None,
    );
    wait_for(&handle, "queued", |e| {
        matches!(e, Event::BatchQueued { .. })
    })
    .await;
    assert_eq!(store.outstanding("acme").unwrap().len(), 1);

    // Back online by itself; the change is sent once.
    org.restart().await;
    wait_for(&handle, "online", |e| matches!(e, Event::Online)).await;
    wait_for(&handle, "applied", |e| matches!(e, Event::Applied { .. })).await;
    assert_eq!(
        count_user_name(&org.client(), &format!("offline.invitee@{DOMAIN}")).await,
        1
    );
    assert!(store.outstanding("acme").unwrap().is_empty());
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_sees_creates_changes_and_deletes_made_elsewhere() {
    let org = Org::start().await;
    let store = Arc::new(Store::in_memory().unwrap());
    let handle = start_engine(&org, store, &org.token);
    wait_for(&handle, "full load", |e| {
        matches!(
            e,
            Event::Loaded {
                source: Source::Server,
                ..
            }
        )
    })
    .await;
    let client = org.client();
    client.connect().await.unwrap();
    let created = client.create_user(&new_user("elsewhere")).await.unwrap();
    let victim = client.load_users(|_, _| {}).await.unwrap()[5].clone();
    client.delete_user(&victim.id, None).await.unwrap();
    let changed = client.load_users(|_, _| {}).await.unwrap()[7].clone();
    client
        .patch_user(
            &changed.id,
            &[PatchOp::replace("name.givenName", json!("Renamed"))],
            None,
        )
        .await
        .unwrap();
    handle.send(Command::Refresh);
    let Event::Changed { users, deleted, groups, .. } = wait_for(&handle, "delta", |e| {
        matches!(e, Event::Changed { users, .. } if users.iter().any(|u| u.given_name == "Renamed"))
    })
    .await
    else {
        unreachable!()
    };
    assert!(users.iter().any(|u| u.id == created.id));
    assert_eq!(deleted, vec![victim.id]);
    assert_eq!(groups.map(|g| g.len()), Some(6));
    // Nothing changed: an empty delta.
    handle.send(Command::Refresh);
    let Event::Changed { users, deleted, .. } = wait_for(&handle, "empty delta", |e| {
        matches!(e, Event::Changed { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert!(deleted.is_empty());
    assert!(
        users.is_empty(),
        "users the overlap window re-reads unchanged are not reported: {}",
        users.len()
    );
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutations_conflicts_and_undo() {
    let org = Org::start().await;
    let store = Arc::new(Store::in_memory().unwrap());
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    let Event::Loaded { snapshot, .. } =
        wait_for(&handle, "load", |e| matches!(e, Event::Loaded { .. })).await
    else {
        unreachable!()
    };
    let client = org.client();
    let target = snapshot.users.iter().find(|u| !u.admin).unwrap().clone();

    // Edit with the version the administrator saw.
    submit(
        &handle,
        vec![Change::PatchUser {
            id: target.id.clone(),
            ops: vec![PatchOp::replace(paths::FAMILY_NAME, json!("Edited"))],
            if_match: target.version.clone(),
        }],
        None,
    );
    wait_for(&handle, "edit applied", |e| {
        matches!(e, Event::Applied { .. })
    })
    .await;
    assert_eq!(
        client.get_user(&target.id).await.unwrap().family_name,
        "Edited"
    );

    // The same stale version again: a conflict, with the server's current user.
    submit(
        &handle,
        vec![Change::PatchUser {
            id: target.id.clone(),
            ops: vec![PatchOp::replace(paths::FAMILY_NAME, json!("Stale"))],
            if_match: target.version.clone(),
        }],
        None,
    );
    let Event::Conflict { current, entry } =
        wait_for(&handle, "conflict", |e| matches!(e, Event::Conflict { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(current.map(|u| u.family_name), Some("Edited".to_owned()));
    assert!(matches!(
        store.entry(entry.id).unwrap().unwrap().state,
        OutboxState::Failed(_)
    ));
    assert_eq!(
        client.get_user(&target.id).await.unwrap().family_name,
        "Edited"
    );
    handle.send(Command::Discard(entry.id));

    // A delete waits; undone within its window, nothing is deleted.
    submit(
        &handle,
        vec![Change::DeleteUser {
            id: target.id.clone(),
            if_match: None,
        }],
        Some(Duration::from_secs(2)),
    );
    let Event::BatchQueued { entries, .. } = wait_for(&handle, "queued delete", |e| {
        matches!(e, Event::BatchQueued { .. })
    })
    .await
    else {
        unreachable!()
    };
    handle.send(Command::Discard(entries[0].id));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        client.get_user(&target.id).await.is_ok(),
        "undone delete was not sent"
    );

    // Not undone: deleted after the window.
    submit(
        &handle,
        vec![Change::DeleteUser {
            id: target.id.clone(),
            if_match: None,
        }],
        Some(Duration::from_millis(300)),
    );
    let Event::Changed { deleted, .. } = wait_for(
        &handle,
        "deleted",
        |e| matches!(e, Event::Changed { deleted, .. } if !deleted.is_empty()),
    )
    .await
    else {
        unreachable!()
    };
    assert_eq!(deleted, vec![target.id.clone()]);
    assert!(client.get_user(&target.id).await.is_err());

    // A refused change is reported in words and kept as failed.
    let mut outsider = new_user("x");
    outsider.email = Email::parse("someone@elsewhere.example").unwrap();
    submit(&handle, vec![Change::CreateUser(outsider)], None);
    let Event::Failed { error, .. } =
        wait_for(&handle, "refused", |e| matches!(e, Event::Failed { .. })).await
    else {
        unreachable!()
    };
    assert!(error.to_string().contains("not authorized"), "{error}");
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_interrupted_after_it_reached_the_server_is_not_duplicated() {
    let org = Org::start().await;
    let client = org.client();
    client.connect().await.unwrap();
    let path = org.store_path();
    let invitee = new_user("crash.invitee");
    {
        // The app wrote the change, sent it, and was killed before recording the answer.
        let store = Store::open(&path).unwrap();
        let entry = store
            .enqueue("acme", &Change::CreateUser(invitee.clone()))
            .unwrap();
        store.mark_sending(entry.id).unwrap();
        client.create_user(&invitee).await.unwrap();
    }
    let store = Arc::new(Store::open(&path).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    wait_for(&handle, "replayed", |e| matches!(e, Event::Applied { .. })).await;
    assert_eq!(count_user_name(&client, invitee.email.as_str()).await, 1);
    assert!(store.outstanding("acme").unwrap().is_empty());
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_administrator_role_is_told_so() {
    let org = Org::start().await;
    let plain = org
        .server
        .as_ref()
        .unwrap()
        .db()
        .write(|c| {
            let sql = format!(
                "SELECT user_name FROM users WHERE json_extract(doc, '$.\"{}\".{}') = 0 LIMIT 1",
                roster_proto::urn::ROSTER_USER,
                paths::EXT_ADMIN
            );
            let id: String = c.query_row(&sql, [], |r| r.get(0))?;
            seed::token_for(c, &id, "plain")
        })
        .await
        .unwrap();
    let handle = start_engine(&org, Arc::new(Store::in_memory().unwrap()), &plain);
    wait_for(&handle, "not administrator", |e| {
        matches!(e, Event::NotAdministrator)
    })
    .await;
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stopping_mid_run_loses_and_duplicates_nothing() {
    let mut org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    wait_for(&handle, "load", |e| matches!(e, Event::Loaded { .. })).await;
    let invitees: Vec<NewUser> = (0..100).map(|i| new_user(&format!("midrun{i}"))).collect();
    for u in &invitees {
        submit(&handle, vec![Change::CreateUser(u.clone())], None);
    }
    // Stop the server while the outbox is being sent.
    wait_for(&handle, "first applied", |e| {
        matches!(e, Event::Applied { .. })
    })
    .await;
    org.stop().await;
    wait_for(&handle, "offline", |e| matches!(e, Event::Offline { .. })).await;
    let waiting = store.outstanding("acme").unwrap().len();
    assert!(waiting > 0, "some changes wait for the server");
    org.restart().await;
    wait_for(&handle, "online", |e| matches!(e, Event::Online)).await;
    // Done when the outbox is empty *and* every invitee exists: Submit commands still
    // in the engine's channel are not in the outbox yet, so an empty outbox alone can
    // be a moment between two of them.
    let client = org.client();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let flushed = store.outstanding("acme").unwrap().is_empty();
        let mut created = 0;
        if flushed {
            for u in &invitees {
                created += count_user_name(&client, u.email.as_str()).await;
            }
        }
        if flushed && created == invitees.len() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox not flushed ({} waiting, {created} of {} created)",
            store.outstanding("acme").unwrap().len(),
            invitees.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for u in &invitees {
        assert_eq!(
            count_user_name(&client, u.email.as_str()).await,
            1,
            "{}",
            u.email
        );
    }
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_can_be_cancelled_while_it_is_being_sent() {
    let org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), &org.token);
    wait_for(&handle, "connected", |e| matches!(e, Event::Connected(_))).await;

    // A delayed batch taken back before it is due: nothing is sent.
    let batch = engine::BatchId(1);
    let changes: Vec<Change> = (0..3)
        .map(|i| Change::CreateUser(new_user(&format!("undo{i}"))))
        .collect();
    handle.send(Command::SubmitBatch {
        batch,
        changes,
        delay: Some(Duration::from_secs(30)),
    });
    let Event::BatchQueued { entries, .. } = wait_for(
        &handle,
        "queued",
        |e| matches!(e, Event::BatchQueued { batch: b, .. } if *b == batch),
    )
    .await
    else {
        unreachable!()
    };
    handle.cancel(entries.iter().map(|e| e.id).collect());
    let Event::Cancelled(ids) =
        wait_for(&handle, "cancelled", |e| matches!(e, Event::Cancelled(_))).await
    else {
        unreachable!()
    };
    assert_eq!(ids.len(), 3);
    let client = org.client();
    assert_eq!(
        count_user_name(&client, &format!("undo0@{DOMAIN}")).await,
        0
    );

    // A long batch cancelled after its first change: the rest is never sent, and
    // every change is accounted for exactly once.
    let batch = engine::BatchId(2);
    let n = 40;
    let changes: Vec<Change> = (0..n)
        .map(|i| Change::CreateUser(new_user(&format!("bulk{i}"))))
        .collect();
    handle.send(Command::SubmitBatch {
        batch,
        changes,
        delay: None,
    });
    let Event::BatchQueued { entries, .. } = wait_for(
        &handle,
        "queued",
        |e| matches!(e, Event::BatchQueued { batch: b, .. } if *b == batch),
    )
    .await
    else {
        unreachable!()
    };
    wait_for(&handle, "the first sent", |e| {
        matches!(e, Event::Applied { .. })
    })
    .await;
    handle.cancel(entries.iter().map(|e| e.id).collect());
    let Event::Cancelled(cancelled) =
        wait_for(&handle, "cancelled", |e| matches!(e, Event::Cancelled(_))).await
    else {
        unreachable!()
    };
    assert!(
        !cancelled.is_empty() && cancelled.len() < n,
        "{} cancelled",
        cancelled.len()
    );
    // The change in flight when the cancel came finishes on its own.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !store.outstanding("acme").unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox never emptied"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut created = 0;
    for i in 0..n {
        created += count_user_name(&client, &format!("bulk{i}@{DOMAIN}")).await;
    }
    assert_eq!(created + cancelled.len(), n, "sent or cancelled, each once");
}
