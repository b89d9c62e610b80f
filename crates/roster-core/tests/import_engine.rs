//! Imports through the engine against a real roster-server on 127.0.0.1: a full
//! import with its report, imports interrupted (server stopped, send cut off,
//! cancelled and restarted) and resumed with nobody created twice, preparation
//! offline from the cache, and a file whose rows carry their own role, licenses and
//! groups.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use roster_core::client::{ApiClient, Profile, Token};
use roster_core::engine::{self, Command, EngineConfig, EngineHandle, Event, ImportRun, Source};
use roster_core::import::{
    ImportCounts, ImportId, ImportOptions, ImportRow, ImportState, PreparedImport, RowOutcome,
    RowStatus, SkipReason, ValidationContext, validate,
};
use roster_core::model::{Email, GroupId, LicenseId, LicenseOrigin, NewUser};
use roster_core::store::{Snapshot, Store};
use roster_server::{Server, ServerConfig, seed};

const DOMAIN: &str = "lumen-analytics.example";
const PROFILE: &str = "acme";

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
            .write(|c| seed::token_for(c, seed::DEMO_ADMIN, "import test"))
            .await
            .unwrap();
        Self {
            addr: server.addr(),
            server: Some(server),
            dir,
            token,
        }
    }

    fn profile(&self) -> Profile {
        Profile {
            name: PROFILE.into(),
            base_url: format!("http://{}/scim/v2", self.addr),
            token: Token::new(&self.token),
            ca_certificate_pem: None,
        }
    }

    async fn client(&self) -> ApiClient {
        let c = ApiClient::new(&self.profile()).unwrap();
        c.connect().await.unwrap();
        c
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

    async fn user_count(&self) -> usize {
        self.client().await.user_ids().await.unwrap().len()
    }
}

async fn boot(db: &Path, addr: SocketAddr) -> Server {
    let mut config = ServerConfig::local(db);
    config.bind = addr;
    config.seed_demo = true;
    Server::start(config).await.expect("server starts")
}

fn start_engine(org: &Org, store: Arc<Store>, batch: usize) -> EngineHandle {
    let mut config = EngineConfig::new(org.profile(), store);
    config.reconnect_after = Duration::from_millis(100);
    config.import_batch = batch;
    engine::start(&tokio::runtime::Handle::current(), config, Arc::new(|| {})).unwrap()
}

/// Waits for an event `want` accepts; fails after 60 s.
async fn wait_for(handle: &EngineHandle, what: &str, want: impl Fn(&Event) -> bool) -> Event {
    support::wait_for(handle, what, Duration::from_secs(60), want).await
}

async fn loaded(handle: &EngineHandle) -> Arc<Snapshot> {
    match wait_for(handle, "full load", |e| {
        matches!(
            e,
            Event::Loaded {
                source: Source::Server,
                ..
            }
        )
    })
    .await
    {
        Event::Loaded { snapshot, .. } => snapshot,
        _ => unreachable!(),
    }
}

fn import_run(id: ImportId, want: fn(&ImportRun) -> bool) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Import(p) if p.id == id && want(&p.run))
}

async fn finished(handle: &EngineHandle, id: ImportId) -> ImportCounts {
    match wait_for(
        handle,
        "import finished",
        import_run(id, |r| *r == ImportRun::Finished),
    )
    .await
    {
        Event::Import(p) => p.counts,
        _ => unreachable!(),
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

fn generated(n: usize, prefix: &str) -> Vec<ImportRow> {
    (0..n)
        .map(|i| {
            row(
                i as u64 + 2,
                &format!("{prefix}{i:05}@{DOMAIN}"),
                "Gen",
                &format!("User{i}"),
            )
        })
        .collect()
}

fn prepared(rows: Vec<ImportRow>, options: ImportOptions) -> PreparedImport {
    PreparedImport {
        id: None,
        name: "test.csv".into(),
        rows,
        options,
        ignored_columns: vec![],
    }
}

/// The outcome the report gives the row on `line` (there must be one).
fn outcome_of(report: &roster_core::import::ImportReport, line: u64) -> RowOutcome {
    report
        .rows
        .iter()
        .find(|r| r.line == line)
        .unwrap_or_else(|| panic!("no row at line {line}"))
        .outcome
        .clone()
        .unwrap_or_else(|| panic!("line {line} has no outcome"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_import_creates_ready_rows_with_options_and_reports_every_row() {
    let org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), 500);
    let snapshot = loaded(&handle).await;
    let group = snapshot.groups[0].clone();
    let license = snapshot
        .licenses
        .iter()
        .max_by_key(|l| l.seats_left())
        .unwrap()
        .clone();
    // Created on the server after the cache was taken: the server's 409 says so.
    org.client()
        .await
        .create_user(&NewUser {
            email: Email::parse(&format!("late.comer@{DOMAIN}")).unwrap(),
            given_name: "Late".into(),
            family_name: "Comer".into(),
            admin: false,
            local_login: false,
            licenses: vec![],
            groups: vec![],
        })
        .await
        .unwrap();
    let before = org.user_count().await;
    let mut rows = vec![
        row(2, &format!("new.one@{DOMAIN}"), "New", "One"),
        row(
            3,
            &format!("Camille.Laurent@{DOMAIN}"),
            "Camille",
            "Laurent",
        ),
        row(4, "outsider@gmail.example", "Out", "Sider"),
        row(5, &format!("new.two+tag@{DOMAIN}"), "Zoë", "Ñúñez"),
        row(6, &format!("left.out@{DOMAIN}"), "Left", "Out"),
        row(7, &format!("late.comer@{DOMAIN}"), "Late", "Comer"),
        row(8, &format!("=cmd@{DOMAIN}"), "=HYPERLINK(\"x\")", "Formula"),
    ];
    rows[4].excluded = true;
    let options = ImportOptions {
        licenses: vec![license.id.clone()],
        groups: vec![group.id.clone()],
        local_login: true,
        ..ImportOptions::default()
    };
    let id = store
        .save_import(PROFILE, &prepared(rows, options))
        .unwrap();
    assert_eq!(store.import_state(id).unwrap(), ImportState::Prepared);
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 3,
            skipped: 3,
            failed: 1,
            pending: 0,
            updated: 0,
        }
    );
    assert_eq!(org.user_count().await, before + 3);
    assert_eq!(store.import_state(id).unwrap(), ImportState::Finished);

    let report = store.import_report(id).unwrap();
    let outcome = |line: u64| outcome_of(&report, line);
    assert!(matches!(outcome(2), RowOutcome::Created(_)));
    assert!(matches!(outcome(3), RowOutcome::Skipped(r) if r.contains("already")));
    assert!(matches!(outcome(4), RowOutcome::Failed(r) if r.contains("gmail.example")));
    assert!(matches!(outcome(6), RowOutcome::Skipped(r) if r == "excluded"));
    assert!(matches!(outcome(7), RowOutcome::Skipped(r) if r.contains("on the server")));

    // The options reached the server.
    let RowOutcome::Created(new_id) = outcome(2) else {
        unreachable!()
    };
    let created = org.client().await.get_user(&new_id).await.unwrap();
    assert!(created.local_login);
    assert!(created.groups.contains(&group.id));
    assert!(created.licenses.iter().any(|g| g.license == license.id));

    // The report exports with formula cells neutralised.
    let mut csv = Vec::new();
    report.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("line,email,first_name,last_name,result,reason,user_id\n"));
    assert!(csv.contains("'=cmd@"), "{csv}");
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert_eq!(csv.lines().count(), 8);

    // The created users are in the local copy at once.
    let cached = store.load_snapshot(PROFILE).unwrap().unwrap();
    assert!(cached.users.iter().any(|u| u.id == new_id));
    let listed = store.list_imports(PROFILE).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].counts, counts);
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_get_exactly_their_own_role_licenses_and_groups() {
    let org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), 500);
    let snapshot = loaded(&handle).await;
    let license = |name: &str| {
        snapshot
            .licenses
            .iter()
            .find(|l| l.name == name)
            .unwrap()
            .id
            .clone()
    };
    let group = |name: &str| {
        snapshot
            .groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
            .id
            .clone()
    };
    // Names in any case, ids too, `;` between them; empty cells take the options.
    let csv = format!(
        "email,first_name,last_name,admin,local_login,licenses,groups\n\
         row.admin@{DOMAIN},Row,Admin,YES,,Office Suite,\n\
         row.design@{DOMAIN},Row,Design,no,true,design studio; {crm},Finance\n\
         row.group@{DOMAIN},Row,Group,,0,,engineering\n\
         row.plain@{DOMAIN},Row,Plain,,,,\n\
         row.maybe@{DOMAIN},Row,Maybe,maybe,,,\n\
         row.nogroup@{DOMAIN},Row,NoGroup,,,,Finance;Nope\n",
        crm = license("CRM Enterprise").as_str()
    );
    let file = roster_core::import::read_file(csv.as_bytes()).unwrap();
    let mut import = PreparedImport::from_file("columns.csv", file);
    // The import's own options: every row gets Security Awareness.
    import.options.licenses = vec![license("Security Awareness")];
    let ctx = ValidationContext::from_snapshot(&snapshot);
    let statuses = roster_core::import::validate_import(&import.rows, &import.options, &ctx);
    let ready = statuses.iter().filter(|s| **s == RowStatus::Ready).count();
    assert_eq!(ready, 4, "{statuses:?}");
    assert!(
        roster_core::import::import_seat_shortfalls(
            &import.options,
            &import.rows,
            &statuses,
            &snapshot.groups,
            &snapshot.licenses
        )
        .is_empty()
    );
    let before = org.user_count().await;
    let id = store.save_import(PROFILE, &import).unwrap();
    // Kept through the store with the rows' cells.
    let stored = store.load_import(id).unwrap().unwrap();
    assert_eq!(stored.import.options, import.options);
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!((counts.created, counts.failed), (4, 2), "{counts:?}");
    assert_eq!(org.user_count().await, before + 4);
    let report = store.import_report(id).unwrap();
    let outcome = |line: u64| outcome_of(&report, line);
    assert!(
        matches!(outcome(6), RowOutcome::Failed(r) if r.contains("admin is \"maybe\"")),
        "{:?}",
        outcome(6)
    );
    assert!(
        matches!(outcome(7), RowOutcome::Failed(r) if r.contains("no group \"Nope\"")),
        "{:?}",
        outcome(7)
    );
    let client = org.client().await;
    let security = license("Security Awareness");
    // (line, admin, local_login, direct licenses besides the option's, groups)
    type Want = (u64, bool, bool, Vec<LicenseId>, Vec<GroupId>);
    let expected: [Want; 4] = [
        (2, true, false, vec![license("Office Suite")], vec![]),
        (
            3,
            false,
            true,
            vec![license("Design Studio"), license("CRM Enterprise")],
            vec![group("Finance")],
        ),
        (4, false, false, vec![], vec![group("Engineering")]),
        (5, false, false, vec![], vec![]),
    ];
    for (line, admin, local_login, licenses, groups) in expected {
        let RowOutcome::Created(user_id) = outcome(line) else {
            panic!("line {line}: {:?}", outcome(line));
        };
        let user = client.get_user(&user_id).await.unwrap();
        assert_eq!(
            (user.admin, user.local_login),
            (admin, local_login),
            "line {line}"
        );
        let mut direct: Vec<LicenseId> = user
            .licenses
            .iter()
            .filter(|g| g.origin == LicenseOrigin::Direct)
            .map(|g| g.license.clone())
            .collect();
        direct.sort();
        let mut want: Vec<LicenseId> = licenses.into_iter().chain([security.clone()]).collect();
        want.sort();
        assert_eq!(direct, want, "line {line}");
        let mut got_groups = user.groups.clone();
        got_groups.sort();
        let mut want_groups = groups.clone();
        want_groups.sort();
        assert_eq!(got_groups, want_groups, "line {line}");
        // Licenses through groups come from the row's own groups only.
        let inherited: Vec<&GroupId> = user
            .licenses
            .iter()
            .filter_map(|g| match &g.origin {
                LicenseOrigin::Group(from) => Some(from),
                LicenseOrigin::Direct => None,
            })
            .collect();
        assert!(inherited.iter().all(|g| groups.contains(g)), "line {line}");
    }
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_stopped_mid_import_then_back_resumes_by_itself_without_duplicates() {
    let mut org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let handle = start_engine(&org, Arc::clone(&store), 100);
    loaded(&handle).await;
    let before = org.user_count().await;
    let id = store
        .save_import(
            PROFILE,
            &prepared(generated(1500, "resume.a"), ImportOptions::default()),
        )
        .unwrap();
    handle.send(Command::SubmitImport(id));
    wait_for(
        &handle,
        "first batches",
        |e| matches!(e, Event::Import(p) if p.counts.created >= 200),
    )
    .await;
    org.stop().await;
    let waiting = wait_for(
        &handle,
        "waiting",
        import_run(id, |r| matches!(r, ImportRun::Waiting { .. })),
    )
    .await;
    let Event::Import(p) = waiting else {
        unreachable!()
    };
    assert!(p.counts.pending > 0, "{:?}", p.counts);
    org.restart().await;
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 1500,
            skipped: 0,
            failed: 0,
            pending: 0,
            updated: 0,
        }
    );
    assert_eq!(org.user_count().await, before + 1500);
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_while_offline_then_resumed_after_a_restart() {
    let mut org = Org::start().await;
    let path = org.store_path();
    let before;
    let id;
    {
        let store = Arc::new(Store::open(&path).unwrap());
        let handle = start_engine(&org, Arc::clone(&store), 100);
        loaded(&handle).await;
        before = org.user_count().await;
        id = store
            .save_import(
                PROFILE,
                &prepared(generated(800, "resume.b"), ImportOptions::default()),
            )
            .unwrap();
        handle.send(Command::SubmitImport(id));
        wait_for(
            &handle,
            "first batch",
            |e| matches!(e, Event::Import(p) if p.counts.created >= 100),
        )
        .await;
        org.stop().await;
        wait_for(
            &handle,
            "waiting",
            import_run(id, |r| matches!(r, ImportRun::Waiting { .. })),
        )
        .await;
        handle.send(Command::CancelImport(id));
        let Event::Import(p) = wait_for(
            &handle,
            "cancelled",
            import_run(id, |r| *r == ImportRun::Cancelled),
        )
        .await
        else {
            unreachable!()
        };
        // What was sent stays; the rest is pending.
        assert!(
            p.counts.created >= 100 && p.counts.pending > 0,
            "{:?}",
            p.counts
        );
        assert_eq!(p.counts.total(), 800);
        assert_eq!(store.import_state(id).unwrap(), ImportState::Cancelled);
        handle.send(Command::Shutdown);
    }
    // The app is started again, with the server back.
    org.restart().await;
    let store = Arc::new(Store::open(&path).unwrap());
    assert_eq!(
        store.list_imports(PROFILE).unwrap()[0].state,
        ImportState::Cancelled
    );
    let handle = start_engine(&org, Arc::clone(&store), 100);
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 800,
            skipped: 0,
            failed: 0,
            pending: 0,
            updated: 0,
        }
    );
    assert_eq!(org.user_count().await, before + 800);
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_a_cut_off_send_created_are_completed_not_reported_as_existing() {
    let org = Org::start().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    let group = {
        let handle = start_engine(&org, Arc::clone(&store), 100);
        let snapshot = loaded(&handle).await;
        handle.send(Command::Shutdown);
        snapshot.groups[1].clone()
    };
    let before = org.user_count().await;
    let options = ImportOptions {
        groups: vec![group.id.clone()],
        ..Default::default()
    };
    let rows = generated(50, "cutoff");
    let id = store
        .save_import(PROFILE, &prepared(rows.clone(), options))
        .unwrap();
    // As if a batch was sent and the app died before the answer: the journal says
    // "attempted", and the server created the first 20 (without their group).
    store.begin_import(id, &[]).unwrap();
    store
        .mark_import_attempt(id, &(0..50).collect::<Vec<_>>())
        .unwrap();
    let client = org.client().await;
    for r in &rows[..20] {
        client
            .create_user(&NewUser {
                email: Email::parse(&r.email).unwrap(),
                given_name: r.first_name.clone(),
                family_name: r.last_name.clone(),
                admin: false,
                local_login: false,
                licenses: vec![],
                groups: vec![],
            })
            .await
            .unwrap();
    }
    let handle = start_engine(&org, Arc::clone(&store), 100);
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 50,
            skipped: 0,
            failed: 0,
            pending: 0,
            updated: 0,
        }
    );
    assert_eq!(org.user_count().await, before + 50);
    // The completed ones got their group too.
    let first = client
        .find_user_by_user_name(&rows[0].email)
        .await
        .unwrap()
        .unwrap();
    assert!(first.groups.contains(&group.id));
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_offline_from_the_cache_and_submitted_when_the_server_returns() {
    let mut org = Org::start().await;
    let path = org.store_path();
    {
        let store = Arc::new(Store::open(&path).unwrap());
        let handle = start_engine(&org, Arc::clone(&store), 100);
        loaded(&handle).await;
        handle.send(Command::Shutdown);
    }
    org.stop().await;
    // Offline: validation runs against the cached organisation and says how old it is.
    let store = Arc::new(Store::open(&path).unwrap());
    let snapshot = store.load_snapshot(PROFILE).unwrap().unwrap();
    let ctx = ValidationContext::from_snapshot(&snapshot);
    let text = ctx.describe_age(chrono::Utc::now());
    assert!(
        text.contains("just synced") || text.contains("minute"),
        "{text}"
    );
    let rows = vec![
        row(2, &format!("helpdesk.one@{DOMAIN}"), "Help", "One"),
        row(
            3,
            &format!("CAMILLE.LAURENT@{DOMAIN}"),
            "Camille",
            "Laurent",
        ),
        row(4, "x@elsewhere.example", "X", "Y"),
        row(5, "helpdesk.two@lumen.example", "Help", "Two"),
    ];
    let statuses = validate(&rows, &ctx);
    assert_eq!(statuses[0], RowStatus::Ready);
    assert_eq!(statuses[1], RowStatus::WillSkip(SkipReason::AlreadyExists));
    assert!(matches!(statuses[2], RowStatus::Error(_)));
    assert_eq!(statuses[3], RowStatus::Ready);
    let mut import = prepared(rows, ImportOptions::default());
    let id = store.save_import(PROFILE, &import).unwrap();
    // Fixed later, still offline: saved again under the same id.
    import.id = Some(id);
    import.rows[2].email = format!("x@{DOMAIN}");
    store.save_import(PROFILE, &import).unwrap();
    assert_eq!(
        store.load_import(id).unwrap().unwrap().import.rows[2].email,
        format!("x@{DOMAIN}")
    );

    // Submitted while still offline: it waits, then goes when the server returns.
    let handle = start_engine(&org, Arc::clone(&store), 100);
    handle.send(Command::SubmitImport(id));
    wait_for(
        &handle,
        "waiting",
        import_run(id, |r| matches!(r, ImportRun::Waiting { .. })),
    )
    .await;
    org.restart().await;
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 3,
            skipped: 1,
            failed: 0,
            pending: 0,
            updated: 0,
        }
    );
    // Once sent, it can no longer be edited.
    assert!(store.save_import(PROFILE, &import).is_err());
    handle.send(Command::Shutdown);
}

/// The direct licenses and the groups of a user, sorted, as the server has them.
fn holdings(user: &roster_core::model::User) -> (Vec<LicenseId>, Vec<GroupId>) {
    let mut licenses: Vec<LicenseId> = user.direct_licenses().cloned().collect();
    licenses.sort();
    let mut groups = user.groups.clone();
    groups.sort();
    (licenses, groups)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_users_are_skipped_by_default_and_updated_with_the_option() {
    let org = Org::start().await;
    let client = org.client().await;
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    // The catalog first, to give the users to update something to lose.
    let handle = start_engine(&org, Arc::clone(&store), 500);
    let (a, b, g1, g2) = {
        let snapshot = loaded(&handle).await;
        let mut licenses = snapshot.licenses.clone();
        licenses.sort_by_key(|l| std::cmp::Reverse(l.seats_left()));
        // Groups without licenses first: their seats are not in question here.
        let mut groups = snapshot.groups.clone();
        groups.sort_by_key(|g| g.licenses.len());
        (
            licenses[0].clone(),
            licenses[1].clone(),
            groups[0].clone(),
            groups[1].clone(),
        )
    };
    let new = |email: &str, first: &str, last: &str| NewUser {
        email: Email::parse(email).unwrap(),
        given_name: first.into(),
        family_name: last.into(),
        admin: false,
        local_login: false,
        licenses: vec![a.id.clone()],
        groups: vec![g1.id.clone()],
    };
    let one = client
        .create_user(&new(&format!("upd.one@{DOMAIN}"), "Upd", "One"))
        .await
        .unwrap();
    let two = client
        .create_user(&new(&format!("upd.two@{DOMAIN}"), "Upd", "Two"))
        .await
        .unwrap();
    let same = client
        .create_user(&new(&format!("upd.same@{DOMAIN}"), "Upd", "Same"))
        .await
        .unwrap();
    // The local copy learns of them.
    handle.send(Command::Reload);
    let cached = loaded(&handle).await;
    assert!(cached.users.iter().any(|u| u.id == same.id));

    // One: renamed, made an administrator, license A → B, group G1 → G2.
    // Two: only its group cell is filled (G1 and G2): joins G2, keeps its license.
    // Same: says what it has: no change. New: created.
    let csv = format!(
        "email,first_name,last_name,admin,licenses,groups\n\
         UPD.ONE@{DOMAIN},Upd,Renamed,yes,{b},{g2}\n\
         upd.two@{DOMAIN},Upd,Two,,,{g1};{g2}\n\
         upd.same@{DOMAIN},Upd,Same,no,{a},{g1}\n\
         upd.new@{DOMAIN},Upd,New,,,\n",
        a = a.name,
        b = b.name.to_uppercase(),
        g1 = g1.name,
        g2 = g2.name,
    );
    let read = |name: &str| {
        PreparedImport::from_file(
            name,
            roster_core::import::read_file(csv.as_bytes()).unwrap(),
        )
    };

    // Off (the default): the existing users are skipped and stay as they were.
    let off = read("off.csv");
    assert!(!off.options.update_existing);
    let id = store.save_import(PROFILE, &off).unwrap();
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!((counts.created, counts.updated, counts.skipped), (1, 0, 3));
    let still = client.get_user(&one.id).await.unwrap();
    assert_eq!(still.family_name, "One");
    assert!(!still.admin);
    assert_eq!(holdings(&still), holdings(&one));

    // On: the preview's changes, computed against the local copy.
    let mut on = read("on.csv");
    on.options.update_existing = true;
    let ctx = ValidationContext::from_snapshot(&store.load_snapshot(PROFILE).unwrap().unwrap());
    let statuses = roster_core::import::validate_import(&on.rows, &on.options, &ctx);
    let RowStatus::WillUpdate(plan) = &statuses[0] else {
        panic!("{statuses:?}");
    };
    assert_eq!(
        plan.to_string(),
        format!(
            "last name to Renamed; role to administrator; + license {}; − license {}; \
             + group {}; − group {}",
            b.name, a.name, g2.name, g1.name
        )
    );
    assert!(
        matches!(&statuses[1], RowStatus::WillUpdate(u) if u.to_string() == format!("+ group {}", g2.name))
    );
    assert_eq!(statuses[2], RowStatus::WillSkip(SkipReason::NoChange));
    // Created by the first import, and as the file says.
    assert_eq!(statuses[3], RowStatus::WillSkip(SkipReason::NoChange));

    let id = store.save_import(PROFILE, &on).unwrap();
    // Kept with the saved import.
    assert!(
        store
            .load_import(id)
            .unwrap()
            .unwrap()
            .import
            .options
            .update_existing
    );
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!(
        counts,
        ImportCounts {
            created: 0,
            updated: 2,
            skipped: 2,
            failed: 0,
            pending: 0,
        }
    );
    assert_eq!(
        counts.to_string(),
        "0 created, 2 updated, 2 skipped, 0 failed"
    );

    // What the server holds now.
    let one_now = client.get_user(&one.id).await.unwrap();
    assert_eq!(one_now.given_name, "Upd");
    assert_eq!(one_now.family_name, "Renamed");
    assert!(one_now.admin);
    assert_eq!(
        holdings(&one_now),
        (vec![b.id.clone()], vec![g2.id.clone()])
    );
    let two_now = client.get_user(&two.id).await.unwrap();
    let mut both = vec![g1.id.clone(), g2.id.clone()];
    both.sort();
    assert_eq!(holdings(&two_now), (vec![a.id.clone()], both));
    assert!(!two_now.admin);
    let same_now = client.get_user(&same.id).await.unwrap();
    assert_eq!(holdings(&same_now), holdings(&same));
    assert_eq!(same_now.version, same.version, "nothing was sent for it");

    // The report says "updated" with what changed; the list counts them.
    let report = store.import_report(id).unwrap();
    let Some(RowOutcome::Updated(user, what)) = &report.rows[0].outcome else {
        panic!("{:?}", report.rows[0]);
    };
    assert_eq!(user, &one.id);
    assert!(what.contains("role to administrator"), "{what}");
    assert!(what.contains(&format!("− group {}", g1.name)), "{what}");
    assert!(
        matches!(&report.rows[2].outcome, Some(RowOutcome::Skipped(r)) if r.contains("no change"))
    );
    let mut out = Vec::new();
    report.write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(",updated,last name to Renamed;"), "{text}");
    let listed = store.list_imports(PROFILE).unwrap();
    assert_eq!(listed[0].counts.updated, 2);
    // The local copy has the changes at once.
    let cached = store.load_snapshot(PROFILE).unwrap().unwrap();
    let cached_one = cached.users.iter().find(|u| u.id == one.id).unwrap();
    assert!(cached_one.admin);
    assert_eq!(cached_one.family_name, "Renamed");

    // The signed-in administrator's own role is not taken away by an import.
    let mut own = prepared(
        vec![row(2, seed::DEMO_ADMIN, "Camille", "Laurent")],
        ImportOptions {
            update_existing: true,
            ..ImportOptions::default()
        },
    );
    own.options.columns.present = vec![roster_core::import::Extra::Admin];
    own.options.columns.cells.insert(
        2,
        roster_core::import::RowCells {
            admin: "no".into(),
            ..Default::default()
        },
    );
    let id = store.save_import(PROFILE, &own).unwrap();
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!((counts.failed, counts.updated), (1, 0));
    let report = store.import_report(id).unwrap();
    assert!(
        matches!(&report.rows[0].outcome, Some(RowOutcome::Failed(r)) if r.contains("your own account")),
        "{:?}",
        report.rows[0]
    );
    let me = client
        .find_user_by_user_name(seed::DEMO_ADMIN)
        .await
        .unwrap()
        .unwrap();
    assert!(me.admin);
    handle.send(Command::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_interrupted_before_its_outcome_is_finished_on_resume_not_created() {
    let org = Org::start().await;
    let client = org.client().await;
    let user = client
        .create_user(&NewUser {
            email: Email::parse(&format!("upd.resume@{DOMAIN}")).unwrap(),
            given_name: "Upd".into(),
            family_name: "Resume".into(),
            admin: false,
            local_login: false,
            licenses: vec![],
            groups: vec![],
        })
        .await
        .unwrap();
    let store = Arc::new(Store::open(org.store_path()).unwrap());
    {
        let handle = start_engine(&org, Arc::clone(&store), 100);
        loaded(&handle).await;
        handle.send(Command::Shutdown);
    }
    let mut import = prepared(
        vec![row(2, &format!("upd.resume@{DOMAIN}"), "Upd", "Resumed")],
        ImportOptions {
            update_existing: true,
            ..ImportOptions::default()
        },
    );
    import.name = "resume.csv".into();
    let id = store.save_import(PROFILE, &import).unwrap();
    // As if the app died after the import began (the row marked as an update of
    // this user, in the journal) and before the row was sent.
    store
        .begin_import_with_updates(id, &[], &[(0, user.id.clone())])
        .unwrap();
    let pending = store.pending_import_rows(id, 10).unwrap();
    assert_eq!(pending[0].update.as_ref(), Some(&user.id));
    let before = org.user_count().await;
    let handle = start_engine(&org, Arc::clone(&store), 100);
    handle.send(Command::SubmitImport(id));
    let counts = finished(&handle, id).await;
    assert_eq!((counts.updated, counts.created, counts.failed), (1, 0, 0));
    assert_eq!(org.user_count().await, before);
    let now = client.get_user(&user.id).await.unwrap();
    assert_eq!(now.family_name, "Resumed");
    let report = store.import_report(id).unwrap();
    assert_eq!(
        report.rows[0].outcome,
        Some(RowOutcome::Updated(
            user.id.clone(),
            "last name to Resumed".into()
        ))
    );
    handle.send(Command::Shutdown);
}
