//! Imports that meet faults (issue 15 and 12): a resume after a lost `/Bulk`
//! answer looks rows up many per request and journals each chunk as found; a
//! server without `/Bulk` gets single creates at a bounded pace; an import through
//! the fault-injecting proxy creates every row once.
//!
//! The engine tests run against a real roster-server behind the proxy of
//! `support/proxy.rs`; the `/Bulk` fallback runs against the mini SCIM server of
//! `support/mini_scim.rs`, because roster-server cannot answer `/Bulk` 404 or 501.

mod support;

use std::sync::Arc;
use std::time::Duration;

use roster_core::client::{ApiClient, Capabilities};
use roster_core::engine::{self, Command, EngineConfig, EngineHandle, Event, ImportRun, Source};
use roster_core::import::{ImportCounts, ImportId, ImportOptions, ImportRow, PreparedImport};
use roster_core::store::Store;
use support::mini_scim::{Bulk, MiniScim};
use support::proxy::{ALL_FAULTS, FaultProxy};
use support::{DEMO_DOMAIN, TestServer, fast_options, new_user, profile};

fn rows(n: usize, prefix: &str) -> Vec<ImportRow> {
    (0..n)
        .map(|i| ImportRow {
            line: i as u64 + 2,
            email: format!("{prefix}{i:04}@{DEMO_DOMAIN}"),
            first_name: "Gen".into(),
            last_name: format!("User{i}"),
            excluded: false,
        })
        .collect()
}

fn prepared(rows: Vec<ImportRow>) -> PreparedImport {
    PreparedImport {
        id: None,
        name: "faults.csv".into(),
        rows,
        options: ImportOptions::default(),
        ignored_columns: vec![],
    }
}

fn start_engine(base_url: &str, token: &str, store: Arc<Store>, batch: usize) -> EngineHandle {
    let mut config = EngineConfig::new(profile(base_url, token), store);
    config.reconnect_after = Duration::from_millis(50);
    config.import_batch = batch;
    engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).expect("engine")
}

/// Waits for an event `want` accepts; fails after 120 s.
async fn wait_for(handle: &EngineHandle, what: &str, want: impl Fn(&Event) -> bool) -> Event {
    support::wait_for(handle, what, Duration::from_secs(120), want).await
}

async fn loaded(handle: &EngineHandle) {
    wait_for(handle, "full load", |e| {
        matches!(
            e,
            Event::Loaded {
                source: Source::Server,
                ..
            }
        )
    })
    .await;
}

async fn import_ends(
    handle: &EngineHandle,
    id: ImportId,
    want: fn(&ImportRun) -> bool,
) -> ImportCounts {
    match wait_for(
        handle,
        "import progress",
        |e| matches!(e, Event::Import(p) if p.id == id && want(&p.run)),
    )
    .await
    {
        Event::Import(p) => p.counts,
        _ => unreachable!(),
    }
}

/// Finding 5: after a `/Bulk` whose answer was lost, the batch was completed with
/// one GET per row and its outcomes written only at the end, so an import killed
/// (or cut off) again during that made no progress. Now the rows are looked up 50
/// per request, each chunk journaled as it is found, and none is sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_after_a_lost_bulk_answer_looks_up_many_rows_per_request_and_keeps_each_chunk() {
    let t = TestServer::demo().await;
    let proxy = FaultProxy::start(t.server.addr(), 0, 1).await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Store::open(dir.path().join("client.db")).expect("store"));
    let rows = rows(120, "lost.answer");
    let id = store
        .save_import("test", &prepared(rows.clone()))
        .expect("saved");
    // As if a batch went out and the app died before the answer: the journal says
    // "attempted", and the server created every row.
    store.begin_import(id, &[]).expect("begun");
    store
        .mark_import_attempt(id, &(0..rows.len()).collect::<Vec<_>>())
        .expect("marked");
    let direct = t.connected().await;
    for r in &rows {
        direct
            .create_user(&new_user(&r.email, &r.first_name, &r.last_name))
            .await
            .expect("created");
    }
    let before = t.user_count().await;

    let handle = start_engine(&proxy.base_url(), &t.token, Arc::clone(&store), 500);
    loaded(&handle).await;
    // The server goes away after answering one lookup.
    proxy.break_after_lookups(1);
    handle.send(Command::SubmitImport(id));
    import_ends(&handle, id, |r| matches!(r, ImportRun::Waiting { .. })).await;
    let counts = store.import_counts(id).expect("counts");
    assert_eq!(
        (counts.created, counts.pending),
        (50, 70),
        "the chunk found before the server went away is journaled"
    );

    proxy.heal();
    let counts = import_ends(&handle, id, |r| *r == ImportRun::Finished).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 120,
            skipped: 0,
            failed: 0,
            pending: 0,
            updated: 0,
        }
    );
    assert_eq!(proxy.stats().lookups(), 3, "120 rows in 3 lookups");
    assert_eq!(proxy.stats().bulk_requests(), 0, "nothing sent again");
    assert_eq!(t.user_count().await, before);
    handle.send(Command::Shutdown);
}

/// The import held under faults (503, 429, resets before and after the server
/// acted): through the engine, every row is created exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_through_a_faulty_proxy_creates_every_row_once() {
    let t = TestServer::demo().await;
    let proxy = FaultProxy::start(t.server.addr(), 0, 7).await;
    proxy.set_fault_kinds(&ALL_FAULTS);
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Store::open(dir.path().join("client.db")).expect("store"));
    let before = t.user_count().await;
    let rows = rows(300, "faulty");
    let id = store
        .save_import("test", &prepared(rows.clone()))
        .expect("saved");
    let handle = start_engine(&proxy.base_url(), &t.token, Arc::clone(&store), 60);
    loaded(&handle).await;
    proxy.set_fault_percent(20);
    handle.send(Command::SubmitImport(id));
    let counts = import_ends(&handle, id, |r| *r == ImportRun::Finished).await;
    proxy.set_fault_percent(0);
    assert_eq!(
        counts,
        ImportCounts {
            created: 300,
            skipped: 0,
            failed: 0,
            pending: 0,
            updated: 0,
        },
        "{} faults",
        proxy.stats().faults()
    );
    assert!(proxy.stats().faults() > 0);
    assert_eq!(t.user_count().await, before + 300, "no row created twice");
    let names = t.user_names("userName sw \"faulty\"").await;
    assert_eq!(names.len(), 300);
    handle.send(Command::Shutdown);
}

fn capabilities(bulk: Option<(usize, usize)>) -> Capabilities {
    Capabilities {
        bulk,
        filter: true,
        max_page: 100,
        ..Capabilities::minimal()
    }
}

fn users(n: usize, prefix: &str) -> Vec<roster_core::model::NewUser> {
    (0..n)
        .map(|i| new_user(&format!("{prefix}{i}@x.example"), "Given", "Family"))
        .collect()
}

fn mini_client(server: &MiniScim, bulk: Option<(usize, usize)>) -> ApiClient {
    let client = ApiClient::with_options(&profile(&server.server.base_url(), "t"), fast_options())
        .expect("client");
    client.set_capabilities(capabilities(bulk));
    client
}

/// Issue 12: a server that advertises `/Bulk` but answers it 404 or 501 got every
/// user failed as "server problem, try later", forever. Now the client creates
/// them one by one, a bounded few at a time, and stops asking `/Bulk`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_answered_404_or_501_falls_back_to_single_creates_at_a_bounded_pace() {
    for status in [404, 501] {
        let server = MiniScim::start(Bulk::Absent(status), Duration::from_millis(20)).await;
        let client = mini_client(&server, Some((1000, 1 << 20)));
        let results = client.create_users(&users(40, "single")).await;
        assert!(results.iter().all(Result::is_ok), "{status}: {results:?}");
        assert_eq!(server.user_names().len(), 40);
        assert_eq!(server.user_posts(), 40, "each user posted once");
        let in_flight = server.server.max_in_flight();
        assert!((2..=16).contains(&in_flight), "{in_flight} in flight");
        // The next import does not try /Bulk again.
        let more = client.create_users(&users(3, "more")).await;
        assert!(more.iter().all(Result::is_ok));
        assert!(client.capabilities().is_some_and(|c| c.bulk.is_none()));
        // Counted apart: a create may also look the user up (replay checks).
        assert_eq!(server.bulk_posts(), 1, "{status}: /Bulk asked once");
    }
}

/// A server that says it has no `/Bulk` gets single creates only.
#[tokio::test]
async fn without_bulk_in_the_capabilities_users_are_posted_one_by_one() {
    let server = MiniScim::start(Bulk::Present, Duration::ZERO).await;
    let client = mini_client(&server, None);
    let results = client.create_users(&users(10, "plain")).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(server.bulk_requests().is_empty());
    assert_eq!(server.user_posts(), 10);
}

/// `bulk.maxOperations` and `bulk.maxPayloadSize` split the batches.
#[tokio::test]
async fn bulk_batches_honour_max_operations_and_max_payload_size() {
    let server = MiniScim::start(Bulk::Present, Duration::ZERO).await;
    let client = mini_client(&server, Some((7, 1 << 20)));
    let results = client.create_users(&users(30, "ops")).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let sizes: Vec<usize> = server.bulk_requests().iter().map(|(n, _)| *n).collect();
    assert_eq!(sizes, [7, 7, 7, 7, 2]);

    let server = MiniScim::start(Bulk::Present, Duration::ZERO).await;
    let client = mini_client(&server, Some((1000, 2000)));
    let results = client.create_users(&users(30, "payload")).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let requests = server.bulk_requests();
    assert!(requests.len() > 1, "{requests:?}");
    assert!(
        requests.iter().all(|(_, bytes)| *bytes <= 2000),
        "{requests:?}"
    );
    assert_eq!(requests.iter().map(|(n, _)| n).sum::<usize>(), 30);
}

/// Rows are looked up many per request, but never more than a page holds: a
/// server with a small maximum would leave the others out of its answer.
#[tokio::test]
async fn lookups_by_user_name_stay_within_the_page_size() {
    let server = MiniScim::start(Bulk::Present, Duration::ZERO).await;
    let client = mini_client(&server, Some((1000, 1 << 20)));
    let created = client.create_users(&users(25, "look")).await;
    assert!(created.iter().all(Result::is_ok), "{created:?}");
    let mut caps = capabilities(None);
    caps.max_page = 10;
    client.set_capabilities(caps);
    let before = server.server.requests();
    let mut names: Vec<String> = (0..25).map(|i| format!("LOOK{i}@x.example")).collect();
    names.push("absent@x.example".into());
    let found = client
        .find_users_by_user_names(&names)
        .await
        .expect("looked up");
    assert_eq!(found.len(), 25);
    assert!(found.contains_key("look7@x.example"));
    assert_eq!(
        server.server.requests() - before,
        3,
        "26 names, 10 a request"
    );
}
