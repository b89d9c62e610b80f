//! `roster sync` benchmark (issue 14): the real binary, as a child process, against
//! roster-server seeded with 10k, 100k and 1M users on 127.0.0.1.
//!
//! For each size, in rounds (3, and 1 from 1M users; `ROSTER_BENCH_ROUNDS` sets it):
//! a sequential raw fetch of the same user pages (reqwest, one connection, bodies
//! read and discarded) as the yardstick, then `roster sync` on an empty data
//! directory (the first full load); the medians of the rounds are compared. Then
//! `roster sync` again with nothing changed (a delta on top of the cached copy,
//! process start and cache load included). The child's wall time, CPU time (user +
//! system) and peak resident set are read from outside, by GNU time
//! (`/usr/bin/time`), which forks it; the cached snapshot's size is the store file
//! (and its WAL) after the first sync.
//!
//! Then an engine in this process on the same store, with the copy loaded, refreshes
//! with nothing changed (what the window does every minute).
//!
//! `cargo bench --bench sync` does the full run; `ROSTER_BENCH_SIZES=10000,100000`
//! picks the sizes, `ROSTER_BENCH_BIN` another `roster` binary to measure. `cargo test --benches` (and `--all-targets`) runs a small smoke
//! version (500 users) without checking the targets.
//!
//! Seeding is slow at 1M users, so each seeded server database is kept under
//! `CARGO_TARGET_TMPDIR/sync-bench/` and copied for every run (seeding is not timed).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roster_core::client::{ApiClient, Profile, Token};
use roster_server::{Server, ServerConfig};

/// What one `roster` child used, measured from outside.
#[derive(Debug, Clone, Copy)]
struct Usage {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
}

struct Row {
    users: usize,
    /// Rounds of raw fetch + first sync; `sync` and `raw` are their medians.
    rounds: usize,
    sync: Usage,
    raw: Duration,
    snapshot_bytes: u64,
    delta: Usage,
    engine_delta: Duration,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("ROSTER_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if full {
                vec![10_000, 100_000, 1_000_000]
            } else {
                vec![500]
            }
        });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "roster sync bench: `roster sync` as a child process against roster-server on 127.0.0.1{}",
        if full {
            ""
        } else {
            " (smoke run: targets not checked)"
        }
    );
    let mut rows = Vec::new();
    for &n in &sizes {
        rows.push(run_size(&runtime, n));
    }
    // ROSTER_BENCH_IMPORT=N: rows of the end-to-end import (0 leaves it out).
    let import_rows = std::env::var("ROSTER_BENCH_IMPORT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if full { 100_000 } else { 300 });
    let import = (import_rows > 0).then(|| import_end_to_end(&runtime, import_rows));
    println!();
    println!(
        "| users | rounds | sync wall (median) | raw fetch wall (median) | ratio | client CPU s / 100k users | peak RSS | snapshot on disk | `roster sync` again, nothing changed: wall | its peak RSS | engine refresh, nothing changed |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.2} s | {:.2} s | {:.2}x | {:.2} s | {:.0} MB | {:.0} MB | {:.2} s | {:.0} MB | {:.3} s |",
            r.users,
            r.rounds,
            r.sync.wall.as_secs_f64(),
            r.raw.as_secs_f64(),
            r.sync.wall.as_secs_f64() / r.raw.as_secs_f64(),
            r.sync.cpu.as_secs_f64() * 100_000.0 / r.users.max(1) as f64,
            mb(r.sync.peak_rss_kib * 1024),
            mb(r.snapshot_bytes),
            r.delta.wall.as_secs_f64(),
            mb(r.delta.peak_rss_kib * 1024),
            r.engine_delta.as_secs_f64(),
        );
    }
    println!(
        "targets: peak RSS < 150 MB at 100k and < 1 GB at 1M; sync within 1.1x of the raw fetch; delta at 1M < 1 s"
    );
    if let Some(i) = &import {
        println!();
        println!(
            "import of {} new users into an organisation of {} (`roster import check`, then `roster import run --report`):",
            i.rows, i.org_users
        );
        println!("| step | wall | CPU | peak RSS |");
        println!("|---|---:|---:|---:|");
        for (name, u) in [("check", &i.check), ("run (send + report)", &i.run)] {
            println!(
                "| {name} | {:.2} s | {:.2} s | {:.0} MB |",
                u.wall.as_secs_f64(),
                u.cpu.as_secs_f64(),
                mb(u.peak_rss_kib * 1024)
            );
        }
        println!(
            "  the server then holds {} more users; the report has {} rows",
            i.created, i.reported
        );
    }
    if full {
        for r in &rows {
            let rss_target = match r.users {
                n if n >= 1_000_000 => Some(1024.0),
                n if n >= 100_000 => Some(150.0),
                _ => None,
            };
            let ratio = r.sync.wall.as_secs_f64() / r.raw.as_secs_f64();
            let mut verdicts = vec![format!(
                "ratio {}",
                if ratio <= 1.1 { "met" } else { "NOT met" }
            )];
            if let Some(t) = rss_target {
                let rss = mb(r.sync.peak_rss_kib * 1024);
                verdicts.push(format!(
                    "peak RSS {}",
                    if rss < t { "met" } else { "NOT met" }
                ));
            }
            if r.users >= 1_000_000 {
                verdicts.push(format!(
                    "delta {}",
                    if r.engine_delta < Duration::from_secs(1) {
                        "met"
                    } else {
                        "NOT met"
                    }
                ));
            }
            println!("  {} users: {}", r.users, verdicts.join(", "));
        }
    }
}

fn run_size(runtime: &tokio::runtime::Runtime, users: usize) -> Row {
    println!();
    let seeded = seeded_db(runtime, users);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", seeded.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", db.display())).expect("copy seeded db");
        }
    }
    let (server, token) = runtime.block_on(async {
        let server = Server::start(ServerConfig::local(&db))
            .await
            .expect("server");
        let token = server.issue_admin_token("bench").await.expect("token");
        (server, token)
    });
    let url = server.base_url();
    println!("{users} users on {url}");

    // The machine is shared: each round fetches raw, then syncs into a fresh data
    // dir, so that noise hits both alike; the medians are compared.
    let rounds = rounds(users);
    let mut raws = Vec::with_capacity(rounds);
    let mut syncs = Vec::with_capacity(rounds);
    let data_of = |round: usize| dir.path().join(format!("client-{round}"));
    for round in 1..=rounds {
        let raw = runtime.block_on(raw_fetch(&url, &token));
        if round > 1 {
            // Only the last round's copy is used below; a 1M copy is ~200 MB.
            std::fs::remove_dir_all(data_of(round - 1)).expect("remove the previous round's data");
        }
        let sync = first_sync(&data_of(round), &url, &token);
        println!(
            "  round {round}/{rounds}: raw sequential fetch {:.2} s; first full sync {:.2} s wall, \
             {:.2} s CPU, peak RSS {:.0} MB  ({})",
            raw.as_secs_f64(),
            sync.usage.wall.as_secs_f64(),
            sync.usage.cpu.as_secs_f64(),
            mb(sync.usage.peak_rss_kib * 1024),
            sync.stdout.trim()
        );
        raws.push(raw);
        syncs.push(sync.usage);
    }
    raws.sort();
    syncs.sort_by_key(|u| u.wall);
    let (raw, sync) = (raws[rounds / 2], syncs[rounds / 2]);
    let data = data_of(rounds);
    let snapshot_bytes = ["roster.db", "roster.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.join(f)).ok())
        .map(|m| m.len())
        .sum();

    let engine_delta = engine_delta(runtime, &data, &url, &token);
    println!(
        "  engine refresh, nothing changed (copy already loaded): {:.3} s",
        engine_delta.as_secs_f64()
    );

    // Nothing changed: the best of two runs.
    let mut delta: Option<Usage> = None;
    for _ in 0..2 {
        let run = roster(&data, &["sync", "--profile", "bench"]).run();
        assert!(run.ok, "delta sync failed: {}", run.stderr);
        println!(
            "  sync, nothing changed: {:.2} s wall, {:.2} s CPU, peak RSS {:.0} MB",
            run.usage.wall.as_secs_f64(),
            run.usage.cpu.as_secs_f64(),
            mb(run.usage.peak_rss_kib * 1024),
        );
        if delta.is_none_or(|d| run.usage.wall < d.wall) {
            delta = Some(run.usage);
        }
    }
    runtime.block_on(server.stop());
    Row {
        users,
        rounds,
        sync,
        raw,
        snapshot_bytes,
        delta: delta.expect("ran twice"),
        engine_delta,
    }
}

/// Rounds of raw fetch + first sync at `users` (`ROSTER_BENCH_ROUNDS`, default 3,
/// and 1 from 1M users, where one round takes about a minute).
fn rounds(users: usize) -> usize {
    std::env::var("ROSTER_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if users >= 1_000_000 { 1 } else { 3 })
        .max(1)
}

/// A profile "bench" for `url` in the client data dir `data`, and its first
/// `roster sync`.
fn first_sync(data: &Path, url: &str, token: &str) -> Ran {
    std::fs::create_dir_all(data).expect("data dir");
    let added = roster(
        data,
        &["profile", "add", "bench", "--url", url, "--token-file"],
    )
    .stdin_text(&format!("{token}\n"))
    .run();
    assert!(added.ok, "profile add failed: {}", added.stderr);
    let sync = roster(data, &["sync", "--profile", "bench"]).run();
    assert!(sync.ok, "sync failed: {}", sync.stderr);
    sync
}

/// An import measured from outside, step by step.
struct Import {
    rows: usize,
    org_users: usize,
    check: Usage,
    run: Usage,
    /// How many more users the server holds afterwards.
    created: usize,
    /// Data rows in the report file.
    reported: usize,
}

/// A CSV of `rows` new users imported end to end by the real `roster` against
/// roster-server: synced first (the check compares with the local copy), then
/// `import check` and `import run --report`, each under GNU time.
fn import_end_to_end(runtime: &tokio::runtime::Runtime, rows: usize) -> Import {
    println!();
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, token) = runtime.block_on(async {
        // The demo organisation: its 300 users, licenses and authorized domains.
        let mut config = ServerConfig::local(dir.path().join("server.db"));
        config.seed_demo = true;
        let server = Server::start(config).await.expect("server");
        let token = server.issue_admin_token("bench").await.expect("token");
        (server, token)
    });
    let url = server.base_url();
    let count = |runtime: &tokio::runtime::Runtime| {
        runtime.block_on(async {
            let body = reqwest::Client::new()
                .get(format!("{url}/Users?count=1"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("count request")
                .bytes()
                .await
                .expect("count answer");
            total_results(&body)
        })
    };
    let before = count(runtime);
    let data = dir.path().join("client");
    first_sync(&data, &url, &token);

    let csv = dir.path().join("new-users.csv");
    let mut text = String::from("email,first_name,last_name\n");
    for i in 0..rows {
        text.push_str(&format!(
            "import.{i}@lumen-analytics.example,Imported,Person {i}\n"
        ));
    }
    std::fs::write(&csv, text).expect("write the CSV");
    let csv = csv.to_string_lossy().into_owned();
    let report = dir.path().join("report.csv");
    let report_arg = report.to_string_lossy().into_owned();
    println!("import of {rows} rows into {before} users on {url}");
    let check = roster(&data, &["import", "check", &csv, "--profile", "bench"]).run();
    assert!(
        check.ok,
        "import check failed: {}\n{}",
        check.stdout, check.stderr
    );
    println!(
        "  check: {:.2} s wall, {:.2} s CPU, peak RSS {:.0} MB",
        check.usage.wall.as_secs_f64(),
        check.usage.cpu.as_secs_f64(),
        mb(check.usage.peak_rss_kib * 1024)
    );
    let run = roster(
        &data,
        &[
            "import",
            "run",
            &csv,
            "--profile",
            "bench",
            "--report",
            &report_arg,
        ],
    )
    .run();
    assert!(run.ok, "import run failed: {}\n{}", run.stdout, run.stderr);
    println!(
        "  run: {:.2} s wall, {:.2} s CPU, peak RSS {:.0} MB ({})",
        run.usage.wall.as_secs_f64(),
        run.usage.cpu.as_secs_f64(),
        mb(run.usage.peak_rss_kib * 1024),
        run.stdout.lines().last().unwrap_or("").trim()
    );
    let created = count(runtime) - before;
    let reported = std::fs::read_to_string(&report)
        .map(|r| r.lines().count().saturating_sub(1))
        .unwrap_or(0);
    assert_eq!(created, rows, "every row created once");
    runtime.block_on(server.stop());
    Import {
        rows,
        org_users: before,
        check: check.usage,
        run: run.usage,
        created,
        reported,
    }
}

/// The engine's own refresh when nothing changed, with the copy already in memory
/// (what the window does every minute): an engine on the store the CLI filled, its
/// first refresh (which also proves delta sync) awaited, then the best of three
/// `Command::Refresh`es.
fn engine_delta(
    runtime: &tokio::runtime::Runtime,
    data: &Path,
    url: &str,
    token: &str,
) -> Duration {
    use roster_core::engine::{self, Command as EngineCommand, EngineConfig, Event};
    use roster_core::store::{DB_FILE_NAME, Store};
    use std::sync::Arc;
    let store = Arc::new(Store::open(data.join(DB_FILE_NAME)).expect("client store"));
    let profile = Profile {
        name: "bench".into(),
        base_url: url.to_owned(),
        token: Token::new(token.to_owned()),
        ca_certificate_pem: None,
    };
    let handle = engine::start(
        runtime.handle(),
        EngineConfig::new(profile, Arc::clone(&store)),
        Arc::new(|| {}),
    )
    .expect("engine");
    let refreshed = |what: &str| loop {
        match handle.recv_timeout(Duration::from_secs(600)) {
            Some(Event::Refreshed { .. }) => break,
            Some(Event::Error(e)) => panic!("{what}: {e}"),
            Some(_) => {}
            None => panic!("{what}: no answer"),
        }
    };
    refreshed("first refresh");
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        handle.send(EngineCommand::Refresh);
        refreshed("refresh");
        best = best.min(started.elapsed());
    }
    handle.send(EngineCommand::Shutdown);
    // Let the engine close the store before the next `roster` opens it.
    std::thread::sleep(Duration::from_millis(200));
    best
}

/// A server database seeded with `users` generated users, made once and kept.
fn seeded_db(runtime: &tokio::runtime::Runtime, users: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sync-bench");
    std::fs::create_dir_all(&dir).expect("cache dir");
    let path = dir.join(format!("users-{users}.db"));
    if path.exists() {
        return path;
    }
    let making = dir.join(format!("users-{users}.seeding.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", making.display()));
    }
    let started = Instant::now();
    runtime.block_on(async {
        let mut config = ServerConfig::local(&making);
        config.seed_users = Some(users);
        let server = Server::start(config).await.expect("seeding server");
        server.stop().await;
    });
    println!(
        "  seeded {users} users in {:.1} s (once; kept in {})",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    // A WAL left behind by the seeding server travels with the file.
    for suffix in ["-wal", "-shm"] {
        let from = format!("{}{suffix}", making.display());
        if Path::new(&from).exists() {
            std::fs::rename(&from, format!("{}{suffix}", path.display())).expect("keep seeded wal");
        }
    }
    std::fs::rename(&making, &path).expect("keep seeded db");
    path
}

/// Every user page the client would fetch, one after the other on one connection,
/// with the same query; bodies are read and dropped.
async fn raw_fetch(url: &str, token: &str) -> Duration {
    let client = ApiClient::new(&Profile {
        name: "raw".into(),
        base_url: url.to_owned(),
        token: Token::new(token.to_owned()),
        ca_certificate_pem: None,
    })
    .expect("client");
    let info = client.connect().await.expect("discovery");
    let page = info.capabilities.max_page.clamp(1, 1000);
    let attributes = client.user_attributes();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("http");
    let started = Instant::now();
    let mut start = 1usize;
    loop {
        let mut page_url = reqwest::Url::parse(&format!("{url}/Users")).expect("url");
        page_url
            .query_pairs_mut()
            .append_pair("attributes", &attributes)
            .append_pair("startIndex", &start.to_string())
            .append_pair("count", &page.to_string());
        let response = http
            .get(page_url)
            .bearer_auth(token)
            .send()
            .await
            .expect("page");
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.bytes().await.expect("body");
        // Only the total is looked at, without decoding the resources.
        let total = total_results(&body);
        start += page;
        if start > total {
            break;
        }
    }
    started.elapsed()
}

/// `totalResults` of a ListResponse, read from its text (the bodies stay undecoded).
fn total_results(body: &[u8]) -> usize {
    let key = b"\"totalResults\":";
    body.windows(key.len())
        .position(|w| w == key)
        .map(|at| {
            body[at + key.len()..]
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .take_while(|b| b.is_ascii_digit())
                .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'))
        })
        .unwrap_or(0)
}

/// GNU time: measures the child from outside (see `Child::run`).
const TIME: &str = "/usr/bin/time";

struct Child {
    command: Command,
    stdin: Option<String>,
}

struct Ran {
    ok: bool,
    usage: Usage,
    stdout: String,
    stderr: String,
}

fn roster(data: &Path, args: &[&str]) -> Child {
    // ROSTER_BENCH_BIN: another build of `roster` to measure (e.g. an older one).
    let bin = std::env::var_os("ROSTER_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_roster")),
        PathBuf::from,
    );
    let mut command = Command::new(bin);
    command
        .args(args)
        .env("ROSTER_DATA_DIR", data)
        // No desktop session: the token lives in a file (`--token-file`).
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    Child {
        command,
        stdin: None,
    }
}

impl Child {
    fn stdin_text(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_owned());
        self
    }

    /// Runs the child and reaps it with `wait4`, which returns its rusage.
    /// Runs the child under GNU time, which forks it and reads its rusage.
    ///
    /// Not `wait4` on a child of this process: Linux carries the spawning process's
    /// peak resident set into the child's `ru_maxrss` (the child starts as a copy
    /// or a `vfork` of this process, and exec keeps the old peak), and this process
    /// holds a server with a million users. `time` is small, and forks `roster`.
    fn run(self) -> Ran {
        use std::io::{Read, Seek, Write};
        let out = tempfile::tempfile().expect("stdout file");
        let err = tempfile::tempfile().expect("stderr file");
        let usage_file = tempfile::NamedTempFile::new().expect("usage file");
        // Without GNU time (a minimal CI image) the smoke run still runs, unmeasured.
        let measured = Path::new(TIME).exists();
        let mut timed = if measured {
            let mut timed = Command::new(TIME);
            timed
                .arg("-f")
                .arg("%M %U %S")
                .arg("-o")
                .arg(usage_file.path())
                .arg(self.command.get_program())
                .args(self.command.get_args());
            for (key, value) in self.command.get_envs() {
                match value {
                    Some(value) => timed.env(key, value),
                    None => timed.env_remove(key),
                };
            }
            timed
        } else {
            println!("  ({TIME} not found: CPU and memory not measured)");
            self.command
        };
        timed
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::from(out.try_clone().expect("dup")))
            .stderr(Stdio::from(err.try_clone().expect("dup")));
        let started = Instant::now();
        let mut child = timed
            .spawn()
            .unwrap_or_else(|e| panic!("{TIME} (GNU time) runs roster: {e}"));
        if let Some(text) = &self.stdin
            && let Some(mut input) = child.stdin.take()
        {
            input.write_all(text.as_bytes()).expect("stdin");
        }
        drop(child.stdin.take());
        let status = child.wait().expect("roster ends");
        let wall = started.elapsed();
        let read = |mut f: File| {
            let mut s = String::new();
            f.rewind().expect("rewind");
            f.read_to_string(&mut s).expect("read");
            s
        };
        // `time` writes "Command exited with non-zero status N" first on failure.
        let usage = if measured {
            std::fs::read_to_string(usage_file.path()).expect("usage")
        } else {
            "0 0 0".to_owned()
        };
        let fields: Vec<f64> = usage
            .lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        let [rss_kib, user, system] = fields[..] else {
            panic!("unreadable usage from {TIME}: {usage:?}");
        };
        Ran {
            ok: status.success(),
            usage: Usage {
                wall,
                cpu: Duration::from_secs_f64(user + system),
                peak_rss_kib: rss_kib as u64,
            },
            stdout: read(out),
            stderr: read(err),
        }
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
