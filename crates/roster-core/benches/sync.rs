//! roster-core benchmark against roster-server seeded with 100k users on 127.0.0.1.
//!
//! Prints: initial full sync into the store (engine: load + save), cold load of the
//! cached snapshot (in a fresh process), empty delta refresh, memory of the loaded
//! model (resident set of that fresh process), and, when `SCIM2_CLI` names the
//! Python `scim2` command (scripts/bench sets it), the same full listing through it,
//! with the ratio. `cargo test --benches` runs a small smoke version.

use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roster_core::client::{Profile, Token};
use roster_core::engine::{self, Command, EngineConfig, Event, Source};
use roster_core::store::Store;
use roster_server::{Server, ServerConfig};

const COLD_LOAD_ENV: &str = "ROSTER_BENCH_COLD_LOAD";

fn main() {
    if let Ok(path) = std::env::var(COLD_LOAD_ENV) {
        cold_load_child(&path);
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let users: usize = std::env::var("ROSTER_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, token) = runtime.block_on(async {
        let mut config = ServerConfig::local(dir.path().join("server.db"));
        config.seed_users = Some(users);
        let server = Server::start(config).await.expect("server");
        let token = server.issue_admin_token("bench").await.expect("token");
        (server, token)
    });
    let base = server.base_url();
    println!("roster-core bench: {users} users on {base}");
    let store_path = dir.path().join("client.db");
    let store = Arc::new(Store::open(&store_path).expect("store"));
    let profile = Profile {
        name: "bench".into(),
        base_url: base.clone(),
        token: Token::new(token.clone()),
        ca_certificate_pem: None,
    };

    let started = Instant::now();
    let handle = engine::start(
        runtime.handle(),
        EngineConfig::new(profile, Arc::clone(&store)),
        Arc::new(|| {}),
    )
    .expect("engine");
    let loaded = loop {
        match handle
            .recv_timeout(Duration::from_secs(300))
            .expect("event")
        {
            Event::Loaded {
                snapshot,
                source: Source::Server,
            } => break snapshot.users.len(),
            Event::Error(e) => panic!("sync failed: {e}"),
            _ => {}
        }
    };
    let sync = started.elapsed();
    assert!(loaded >= users);
    println!(
        "  full sync into the store:     {:>8.1} ms  ({loaded} users)",
        ms(sync)
    );

    // Empty delta: nothing changed on the server.
    let mut deltas = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        handle.send(Command::Refresh);
        loop {
            if let Event::Changed { .. } =
                handle.recv_timeout(Duration::from_secs(60)).expect("event")
            {
                break;
            }
        }
        deltas.push(started.elapsed());
    }
    deltas.sort_unstable();
    println!(
        "  empty delta refresh (median): {:>8.1} ms",
        ms(deltas[deltas.len() / 2])
    );
    handle.send(Command::Shutdown);
    drop(store);

    // Cold load and memory, in a fresh process that only opens the store.
    let out = Process::new(std::env::current_exe().expect("self"))
        .env(COLD_LOAD_ENV, &store_path)
        .output()
        .expect("cold load child");
    print!("{}", String::from_utf8_lossy(&out.stdout));

    if let Some(cli) = std::env::var_os("SCIM2_CLI") {
        let started = Instant::now();
        let mut listed = 0usize;
        let mut start = 1usize;
        loop {
            let out = Process::new(&cli)
                .args([
                    "--url",
                    &base,
                    "-h",
                    &format!("Authorization: Bearer {token}"),
                ])
                .args([
                    "query",
                    "user",
                    "--start-index",
                    &start.to_string(),
                    "--count",
                    "1000",
                ])
                .output()
                .expect("scim2 runs");
            let page: serde_json::Value = serde_json::from_slice(&out.stdout).expect("scim2 JSON");
            let n = page["Resources"].as_array().map_or(0, Vec::len);
            if n == 0 {
                break;
            }
            listed += n;
            start += n;
        }
        let python = started.elapsed();
        println!(
            "  scim2-cli full listing:       {:>8.1} ms  ({listed} users, one `scim2 query user` per page of 1000)",
            ms(python)
        );
        println!(
            "  ratio scim2-cli / Roster full sync: {:.1}x",
            python.as_secs_f64() / sync.as_secs_f64()
        );
    } else {
        println!("  scim2-cli comparison: skipped (set SCIM2_CLI, as scripts/bench does)");
    }
    println!("  targets: sync < 3000 ms, cold load < 500 ms, empty delta < 100 ms, model < 200 MB");
    runtime.block_on(server.stop());
}

fn cold_load_child(path: &str) {
    let before = resident_kib();
    let started = Instant::now();
    let store = Store::open(path).expect("store");
    let snapshot = store
        .load_snapshot("bench")
        .expect("load")
        .expect("snapshot");
    let load = started.elapsed();
    let after = resident_kib();
    println!(
        "  cold load of the snapshot:    {:>8.1} ms  ({} users)",
        ms(load),
        snapshot.users.len()
    );
    println!(
        "  memory of the loaded model:   {:>8.1} MB resident ({:.1} MB before loading)",
        after as f64 / 1024.0,
        before as f64 / 1024.0
    );
    std::hint::black_box(&snapshot);
}

/// Resident set size of this process in KiB (Linux; 0 elsewhere).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
