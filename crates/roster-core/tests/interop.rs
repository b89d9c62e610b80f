//! Roster against SCIM servers we did not write, end to end through the engine: full
//! sync, a refresh after outside changes (rename, delete, create made directly over
//! HTTP), groups shown and edited, invite, edit (nothing lost on the server: the raw
//! resource is re-read and compared), import and re-import (nothing twice), delete,
//! and the cached copy listed offline.
//!
//! The servers run on 127.0.0.1, started by `scripts/interop.sh`, which sets:
//! - `ROSTER_INTEROP_SCIM2_URL` (+ `ROSTER_INTEROP_SCIM2_TOKEN`): `scim2-server` (PyPI);
//! - `ROSTER_INTEROP_SCIMMY_URL` (+ `ROSTER_INTEROP_SCIMMY_TOKEN`): SCIMMY with the
//!   glue in `tests/interop/scimmy/`.
//!
//! Without them each test prints why it did nothing and passes.

use std::sync::Arc;
use std::time::Duration;

use roster_core::actions::UserEdit;
use roster_core::client::{Feature, Profile, Token};
use roster_core::engine::{self, BatchId, Command, EngineConfig, EngineHandle, Event, Source};
use roster_core::import::{ImportCounts, ImportId, ImportOptions, ImportRow, PreparedImport};
use roster_core::model::{Change, Email, GroupId, NewUser, User};
use roster_core::store::{Snapshot, Store};
use serde_json::{Value, json};

const DOMAIN: &str = "interop.example";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim2_server_python() {
    let Some(server) = Outside::from_env("SCIM2") else {
        return;
    };
    suite(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scimmy_node() {
    let Some(server) = Outside::from_env("SCIMMY") else {
        return;
    };
    suite(server).await;
}

/// An outside server, and raw HTTP to it that bypasses Roster.
struct Outside {
    name: &'static str,
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Outside {
    fn from_env(which: &'static str) -> Option<Self> {
        let Ok(url) = std::env::var(format!("ROSTER_INTEROP_{which}_URL")) else {
            eprintln!(
                "interop test skipped: ROSTER_INTEROP_{which}_URL is not set \
                 (scripts/interop.sh starts the outside servers and sets it)"
            );
            return None;
        };
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "interop servers run on loopback only, not {url}"
        );
        let token = std::env::var(format!("ROSTER_INTEROP_{which}_TOKEN"))
            .unwrap_or_else(|_| "interop".to_owned());
        Some(Self {
            name: which,
            url: url.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        })
    }

    fn profile(&self, name: &str) -> Profile {
        Profile {
            name: name.into(),
            base_url: self.url.clone(),
            token: Token::new(&self.token),
            ca_certificate_pem: None,
        }
    }

    /// A request straight to the server: (status, JSON body or Null).
    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method: reqwest::Method = method.parse().expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .header("accept", "application/scim+json");
        if let Some(b) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn create_user(&self, local: &str, given: &str, family: &str) -> String {
        let email = format!("{local}@{DOMAIN}");
        let (status, body) = self
            .raw(
                "POST",
                "/Users",
                Some(json!({
                    "schemas": [USER_SCHEMA], "userName": email,
                    "name": {"givenName": given, "familyName": family},
                    "displayName": format!("{given} {family}"),
                    "title": "Kept by every write",
                    "emails": [{"value": email, "type": "work", "primary": true}],
                })),
            )
            .await;
        assert_eq!(status, 201, "{}: create {local}: {body}", self.name);
        id_of(&body)
    }

    async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let (status, body) = self
            .raw(
                "POST",
                "/Groups",
                Some(json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members})),
            )
            .await;
        assert_eq!(status, 201, "{}: create group {name}: {body}", self.name);
        id_of(&body)
    }

    async fn user(&self, id: &str) -> (u16, Value) {
        self.raw("GET", &format!("/Users/{id}"), None).await
    }

    async fn group_members(&self, id: &str) -> Vec<String> {
        let (status, body) = self.raw("GET", &format!("/Groups/{id}"), None).await;
        assert_eq!(status, 200, "{body}");
        body["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["value"].as_str().map(str::to_owned))
            .collect()
    }

    async fn count_user_name(&self, user_name: &str) -> usize {
        // Listed whole and compared here: not every server filters.
        let (status, body) = self.raw("GET", "/Users?count=1000", None).await;
        assert_eq!(status, 200, "{body}");
        body["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| {
                u["userName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
            })
            .count()
    }
}

fn id_of(body: &Value) -> String {
    match &body["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("no id in {other}"),
    }
}

fn start(store: Arc<Store>, profile: Profile) -> EngineHandle {
    let mut config = EngineConfig::new(profile, store);
    config.reconnect_after = Duration::from_millis(200);
    engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).expect("engine")
}

async fn wait_for(handle: &EngineHandle, what: &str, want: impl Fn(&Event) -> bool) -> Event {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        while let Some(event) = handle.try_recv() {
            if let Event::Failed { entry, error } = &event {
                panic!("{} failed: {error}", entry.change.describe());
            }
            if want(&event) {
                return event;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Submits `changes` as one batch and waits until the server confirmed each.
async fn apply(handle: &EngineHandle, batch: u64, changes: Vec<Change>) {
    let n = changes.len();
    handle.send(Command::SubmitBatch {
        batch: BatchId(batch),
        changes,
        delay: None,
    });
    for i in 0..n {
        wait_for(
            handle,
            &format!("change {i} of batch {batch} applied"),
            |e| matches!(e, Event::Applied { .. }),
        )
        .await;
    }
}

/// Refreshes and returns the copy as the store now holds it.
async fn refreshed(handle: &EngineHandle, store: &Store, profile: &str) -> Snapshot {
    // A refresh already under way (after a change) may answer first: only one that
    // ended after this request counts.
    let asked = chrono::Utc::now();
    handle.send(Command::Refresh);
    let how = wait_for(
        handle,
        "refreshed",
        |e| matches!(e, Event::Refreshed { at, .. } if *at >= asked),
    )
    .await;
    eprintln!("refresh: {how:?}");
    store
        .load_snapshot(profile)
        .expect("store")
        .expect("a copy")
}

fn find<'a>(snapshot: &'a Snapshot, user_name: &str) -> Option<&'a User> {
    snapshot
        .users
        .iter()
        .find(|u| u.user_name.eq_ignore_ascii_case(user_name))
}

fn email(local: &str) -> String {
    format!("{local}@{DOMAIN}")
}

async fn suite(server: Outside) {
    let run = uuid_like();
    let profile = format!("interop-{}", server.name.to_lowercase());
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path().join(roster_core::store::DB_FILE_NAME)).unwrap());

    // What the organisation holds before Roster looks.
    let ann = server
        .create_user(&format!("ann.{run}"), "Ann", "Archer")
        .await;
    let bob = server
        .create_user(&format!("bob.{run}"), "Bob", "Baker")
        .await;
    let cid = server
        .create_user(&format!("cid.{run}"), "Cid", "Cole")
        .await;
    let sales = server.create_group(&format!("Sales {run}"), &[&ann]).await;
    let ops = server.create_group(&format!("Ops {run}"), &[]).await;

    // Full sync: names, and memberships even where users do not carry `groups`.
    let handle = start(Arc::clone(&store), server.profile(&profile));
    let Event::Loaded { snapshot, .. } = wait_for(&handle, "full load", |e| {
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
    let a = find(&snapshot, &email(&format!("ann.{run}"))).expect("ann listed");
    assert_eq!(a.full_name(), "Ann Archer");
    assert_eq!(a.groups, vec![GroupId::from(sales.as_str())], "ann's group");
    assert!(
        a.unknown.admin,
        "no Roster extension: administrator is unknown"
    );
    assert!(find(&snapshot, &email(&format!("cid.{run}"))).is_some());
    wait_for(&handle, "first refresh", |e| {
        matches!(e, Event::Refreshed { .. })
    })
    .await;

    // Outside changes: a rename, a delete, a create.
    let (status, body) = server
        .raw(
            "PATCH",
            &format!("/Users/{bob}"),
            Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [
                {"op": "replace", "path": "name.familyName", "value": "Renamed"}]})),
        )
        .await;
    assert!(status == 200 || status == 204, "rename: {status} {body}");
    let (status, _) = server.raw("DELETE", &format!("/Users/{cid}"), None).await;
    assert_eq!(status, 204);
    server
        .create_user(&format!("dee.{run}"), "Dee", "Dunn")
        .await;
    // A change within the same second as the copy must not slip through the delta.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let copy = refreshed(&handle, &store, &profile).await;
    let b = find(&copy, &email(&format!("bob.{run}"))).expect("bob still listed");
    assert_eq!(b.family_name, "Renamed", "the outside rename is seen");
    assert!(
        find(&copy, &email(&format!("cid.{run}"))).is_none(),
        "the outside delete is seen"
    );
    assert!(
        find(&copy, &email(&format!("dee.{run}"))).is_some(),
        "the outside create is seen"
    );

    // Invite, into a group.
    let invitee = email(&format!("eve.{run}"));
    apply(
        &handle,
        1,
        vec![Change::CreateUser(NewUser {
            email: Email::parse(&invitee).unwrap(),
            given_name: "Eve".into(),
            family_name: "Evans".into(),
            admin: false,
            local_login: false,
            licenses: vec![],
            groups: vec![GroupId::from(ops.as_str())],
        })],
    )
    .await;
    assert_eq!(server.count_user_name(&invitee).await, 1);
    let copy = refreshed(&handle, &store, &profile).await;
    let eve = find(&copy, &invitee).expect("eve in the copy").clone();
    assert!(
        server
            .group_members(&ops)
            .await
            .contains(&eve.id.to_string())
    );
    assert_eq!(eve.groups, vec![GroupId::from(ops.as_str())]);

    // Edit: the name, and groups (leave Sales, join Ops); nothing else lost.
    let a = find(&copy, &email(&format!("ann.{run}"))).unwrap().clone();
    let (_, before) = server.user(a.id.as_str()).await;
    let mut edit = UserEdit::of(&a);
    edit.family_name = "Archer-Smith".into();
    edit.groups.remove(&GroupId::from(sales.as_str()));
    edit.groups.insert(GroupId::from(ops.as_str()));
    let changes = edit.changes(&a);
    assert_eq!(changes.len(), 3, "one PATCH and two membership changes");
    apply(&handle, 2, changes).await;
    let (_, after) = server.user(a.id.as_str()).await;
    assert_eq!(after["name"]["familyName"], "Archer-Smith");
    assert_eq!(after["name"]["givenName"], "Ann");
    assert_eq!(
        after["displayName"], "Ann Archer-Smith",
        "displayName kept in step"
    );
    for key in ["userName", "emails", "title", "active"] {
        assert_eq!(after[key], before[key], "{key} kept by the edit");
    }
    assert!(
        !server
            .group_members(&sales)
            .await
            .contains(&a.id.to_string())
    );
    assert!(server.group_members(&ops).await.contains(&a.id.to_string()));
    let copy = refreshed(&handle, &store, &profile).await;
    let a = find(&copy, &email(&format!("ann.{run}"))).unwrap();
    assert_eq!(a.groups, vec![GroupId::from(ops.as_str())]);
    // Ticking what is already so changes nothing.
    assert!(UserEdit::of(a).changes(a).is_empty());

    // Import, then the same file again: nobody twice.
    let rows = vec![
        row(2, &email(&format!("imp1.{run}")), "Imp", "One"),
        row(3, &email(&format!("imp2.{run}")), "Imp", "Two"),
        row(4, &email(&format!("bob.{run}")), "Bob", "Baker"),
    ];
    let first = import(&handle, &store, &profile, rows.clone()).await;
    assert_eq!((first.created, first.skipped, first.failed), (2, 1, 0));
    refreshed(&handle, &store, &profile).await;
    let again = import(&handle, &store, &profile, rows).await;
    assert_eq!((again.created, again.failed), (0, 0), "{again:?}");
    for local in ["imp1", "imp2", "bob"] {
        assert_eq!(
            server
                .count_user_name(&email(&format!("{local}.{run}")))
                .await,
            1
        );
    }

    // Delete.
    let copy = refreshed(&handle, &store, &profile).await;
    let d = find(&copy, &email(&format!("dee.{run}"))).unwrap().clone();
    apply(
        &handle,
        3,
        vec![Change::DeleteUser {
            id: d.id.clone(),
            if_match: d.version.clone(),
        }],
    )
    .await;
    assert_eq!(server.user(d.id.as_str()).await.0, 404);
    let copy = refreshed(&handle, &store, &profile).await;
    assert!(find(&copy, &email(&format!("dee.{run}"))).is_none());
    let capabilities = store.downgrades(&profile).unwrap();
    eprintln!("{}: downgraded {capabilities:?}", server.name);
    handle.send(Command::Shutdown);
    drop(handle);

    // Offline: the same profile at an address nobody answers lists the copy.
    let mut unreachable = server.profile(&profile);
    unreachable.base_url = "http://127.0.0.1:9/scim/v2".into();
    let handle = start(Arc::clone(&store), unreachable);
    let Event::Loaded { snapshot, source } = wait_for(&handle, "cached copy", |e| {
        matches!(e, Event::Loaded { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(source, Source::Cache);
    assert_eq!(snapshot.users.len(), copy.users.len());
    wait_for(&handle, "offline", |e| matches!(e, Event::Offline { .. })).await;
    handle.send(Command::Shutdown);
    // What the server lacks is remembered for the profile.
    if server.name == "SCIMMY" {
        assert!(
            capabilities.contains_key(&Feature::UserGroups),
            "{capabilities:?}"
        );
    }
}

fn row(line: u64, email: &str, first: &str, last: &str) -> ImportRow {
    ImportRow {
        line,
        email: email.into(),
        first_name: first.into(),
        last_name: last.into(),
        excluded: false,
    }
}

async fn import(
    handle: &EngineHandle,
    store: &Store,
    profile: &str,
    rows: Vec<ImportRow>,
) -> ImportCounts {
    let id: ImportId = store
        .save_import(
            profile,
            &PreparedImport {
                id: None,
                name: "interop.csv".into(),
                rows,
                options: ImportOptions {
                    licenses: vec![],
                    groups: vec![],
                    local_login: false,
                    ..ImportOptions::default()
                },
                ignored_columns: vec![],
            },
        )
        .expect("saved");
    handle.send(Command::SubmitImport(id));
    match wait_for(
        handle,
        "import finished",
        |e| matches!(e, Event::Import(p) if p.id == id && p.run == engine::ImportRun::Finished),
    )
    .await
    {
        Event::Import(p) => p.counts,
        _ => unreachable!(),
    }
}

/// A short tag unique to this run, so that runs against a long-lived server do not
/// collide.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}", nanos % 0xff_ffff_ffff)
}
