//! Import benchmark: reading and validating a generated 100k-row CSV (about 5 MB)
//! against an organisation of 100k cached users, and submitting 10k users to
//! roster-server on 127.0.0.1 through the engine (journaled `/Bulk` batches).
//!
//! Targets on a 2-core machine: validation < 300 ms, 10k import < 10 s.
//! `cargo bench -p roster-core --bench import` runs it in full; `cargo test --benches`
//! runs a small smoke version.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roster_core::client::{Profile, Token};
use roster_core::engine::{self, Command, EngineConfig, Event, ImportRun};
use roster_core::import::{self, ImportOptions, PreparedImport, StatusCounts, ValidationContext};
use roster_core::model::{Email, InvitationStatus, Organisation, User, UserId};
use roster_core::store::Store;
use roster_server::{OrgSettings, Server, ServerConfig};

const DOMAIN: &str = "bench.example";

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rows, org_users, submit) = if full {
        (100_000, 100_000, 10_000)
    } else {
        (2_000, 2_000, 300)
    };
    validation(rows, org_users);
    large_file(if full { 100 } else { 2 });
    submission(submit);
}

/// Peak resident memory of this process so far, from /proc (Linux only).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Streams a file of about `mb` MB from disk.
fn large_file(mb: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("large.csv");
    {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("file"));
        writeln!(out, "email,first_name,last_name,department").expect("write");
        let mut written = 0usize;
        let mut i = 0usize;
        while written < mb * 1_000_000 {
            let line = format!("person.{i:08}@{DOMAIN},Firstname,Lastname{i},Engineering\n");
            written += line.len();
            out.write_all(line.as_bytes()).expect("write");
            i += 1;
        }
        out.flush().expect("flush");
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let before = peak_rss_mb();
    let t = Instant::now();
    let file = import::read_path(&path).expect("reads");
    let elapsed = t.elapsed();
    println!(
        "large file: {:.0} MB, {} rows read in {} (peak RSS {} MB before, {} MB after)",
        size as f64 / 1e6,
        file.rows.len(),
        ms(elapsed),
        before.map_or("?".into(), |m| format!("{m:.0}")),
        peak_rss_mb().map_or("?".into(), |m| format!("{m:.0}")),
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A CSV of `rows` rows; every tenth address belongs to an existing user, one row
/// in a thousand has an error.
fn csv(rows: usize) -> String {
    let mut text = String::with_capacity(rows * 52);
    text.push_str("email,first_name,last_name\n");
    for i in 0..rows {
        if i % 1000 == 999 {
            let _ = writeln!(text, "broken.address.{i},First{i},Last{i}");
        } else if i % 10 == 0 {
            let _ = writeln!(text, "existing.{i:06}@{DOMAIN},Existing,User{i}");
        } else {
            let _ = writeln!(text, "new.user.{i:06}@{DOMAIN},Firstname,Lastname{i}");
        }
    }
    text
}

fn org(users: usize) -> (Organisation, Vec<User>) {
    let organisation = Organisation {
        name: "Bench".into(),
        authorized_domains: vec![DOMAIN.into()],
        identity_provider: false,
    };
    let users = (0..users)
        .map(|i| {
            let user_name = format!("existing.{i:06}@{DOMAIN}");
            User {
                id: UserId::from(format!("u{i}")),
                email: Email::parse(&user_name).ok(),
                user_name,
                given_name: "Existing".into(),
                family_name: format!("User{i}"),
                active: true,
                admin: false,
                local_login: false,
                last_connection: None,
                licenses: vec![],
                groups: vec![],
                invitation: InvitationStatus::Accepted,
                version: None,
                last_modified: None,
                unknown: Default::default(),
            }
        })
        .collect();
    (organisation, users)
}

fn validation(rows: usize, org_users: usize) {
    let text = csv(rows);
    let (organisation, users) = org(org_users);
    println!(
        "import validation: {rows} rows ({:.1} MB) against {org_users} cached users",
        text.len() as f64 / 1e6
    );
    let runs = 7;
    let (mut read, mut context, mut validate, mut total) = (vec![], vec![], vec![], vec![]);
    let mut counts = StatusCounts::default();
    for _ in 0..runs {
        let t0 = Instant::now();
        let file = import::read_file(text.as_bytes()).expect("reads");
        let t1 = Instant::now();
        let ctx = ValidationContext::from_parts(Some(&organisation), &users, None);
        let t2 = Instant::now();
        let statuses = import::validate(&file.rows, &ctx);
        let t3 = Instant::now();
        counts = StatusCounts::of(&statuses);
        read.push(t1 - t0);
        context.push(t2 - t1);
        validate.push(t3 - t2);
        total.push(t3 - t0);
    }
    println!(
        "  rows: {} ready, {} existing, {} errors",
        counts.ready, counts.existing, counts.errors
    );
    println!(
        "  read CSV (median of {runs}):          {}",
        ms(median(read))
    );
    println!(
        "  index cached users (median):        {}",
        ms(median(context))
    );
    println!(
        "  validate rows (median):             {}",
        ms(median(validate))
    );
    println!(
        "  read + index + validate (median):   {}   (target < 300 ms)",
        ms(median(total))
    );
}

fn submission(n: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, token) = runtime.block_on(async {
        let mut config = ServerConfig::local(dir.path().join("server.db"));
        config.organisation = Some(OrgSettings {
            name: "Bench".into(),
            authorized_domains: vec![DOMAIN.into()],
            identity_provider: false,
        });
        let server = Server::start(config).await.expect("server");
        let token = server.issue_admin_token("bench").await.expect("token");
        (server, token)
    });
    let store = Arc::new(Store::open(dir.path().join("client.db")).expect("store"));
    let profile = Profile {
        name: "bench".into(),
        base_url: server.base_url(),
        token: Token::new(token),
        ca_certificate_pem: None,
    };
    let handle = engine::start(
        runtime.handle(),
        EngineConfig::new(profile, Arc::clone(&store)),
        Arc::new(|| {}),
    )
    .expect("engine");
    // Wait for the first load, so the import does not race it.
    loop {
        match handle
            .recv_timeout(Duration::from_secs(120))
            .expect("event")
        {
            Event::Loaded { .. } => break,
            Event::Error(e) => panic!("load failed: {e}"),
            _ => {}
        }
    }
    let text = {
        let mut t = String::from("email,first_name,last_name\n");
        for i in 0..n {
            let _ = writeln!(t, "imported.{i:06}@{DOMAIN},Imported,User{i}");
        }
        t
    };
    let file = import::read_file(text.as_bytes()).expect("reads");
    let mut prepared = PreparedImport::from_file("bench.csv", file);
    prepared.options = ImportOptions::default();
    let started = Instant::now();
    let id = store.save_import("bench", &prepared).expect("saved");
    let saved = started.elapsed();
    handle.send(Command::SubmitImport(id));
    let counts = loop {
        match handle
            .recv_timeout(Duration::from_secs(300))
            .expect("event")
        {
            Event::Import(p) if p.run == ImportRun::Finished => break p.counts,
            Event::Import(p) => {
                if let ImportRun::Failed(e) = p.run {
                    panic!("import failed: {e}");
                }
            }
            _ => {}
        }
    };
    let elapsed = started.elapsed();
    assert_eq!(counts.created, n, "{counts}");
    println!("import submission: {n} users to roster-server on 127.0.0.1, batches of 500");
    println!("  save prepared import:               {}", ms(saved));
    println!(
        "  save + submit until finished:       {}   (target < 10 s; {:.0} users/s)",
        ms(elapsed),
        n as f64 / elapsed.as_secs_f64()
    );
    handle.send(Command::Shutdown);
    runtime.block_on(server.stop());
}
