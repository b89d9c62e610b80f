//! roster-server benchmark: 100k users on 127.0.0.1, release build.
//!
//! Prints: seeding time, full listing of every user through paging, single GET
//! latency (p50/p99), and 1000 creates through /Bulk. Run with `cargo bench -p
//! roster-server --bench api` (ROSTER_BENCH_USERS overrides the 100k).

use std::time::{Duration, Instant};

use roster_server::{Server, ServerConfig, seed};
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs bench binaries with no arguments as a smoke test;
    // `cargo bench` passes --bench. Only the latter does the full run.
    let full = std::env::args().any(|a| a == "--bench");
    let users: usize = std::env::var("ROSTER_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::local(dir.path().join("bench.db"));
    config.seed_users = Some(users);
    let started = Instant::now();
    let server = Server::start(config).await.expect("server starts");
    let seeding = started.elapsed();
    let token = server
        .db()
        .write(|c| {
            let admin = seed::ensure_admin(c)?;
            seed::token_for(c, &admin, "bench")
        })
        .await
        .expect("token");
    let base = server.base_url();
    let client = reqwest::Client::new();
    println!("roster-server bench: {users} users on {base}");
    println!("  seed {users} users:           {:>8.1} ms", ms(seeding));

    // Full listing through paging, pages of 1000 in order, as a plain client would.
    let started = Instant::now();
    let mut listed = 0usize;
    let mut start = 1usize;
    let mut ids = Vec::new();
    loop {
        let page: Value = client
            .get(format!("{base}/Users?startIndex={start}&count=1000"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        let resources = page["Resources"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if resources.is_empty() {
            break;
        }
        for r in resources {
            if ids.len() < 5000 {
                ids.push(r["id"].as_str().unwrap_or_default().to_owned());
            }
        }
        listed += resources.len();
        start += resources.len();
    }
    let listing = started.elapsed();
    assert!(listed >= users, "listed {listed} of {users}");
    println!(
        "  list all {listed} (pages of 1000): {:>8.1} ms",
        ms(listing)
    );

    // The same listing as Roster's client does it: the first page gives the total,
    // then the other pages are fetched 4 at a time.
    let started = Instant::now();
    let concurrent = list_concurrently(&client, &base, &token).await;
    let listing_concurrent = started.elapsed();
    assert_eq!(concurrent, listed);
    println!(
        "  list all {listed} (pages of 1000, 4 in flight): {:>8.1} ms",
        ms(listing_concurrent)
    );

    // Single GET latency.
    let mut latencies = Vec::with_capacity(2000);
    for i in 0..2000 {
        let id = &ids[(i * 7919) % ids.len()];
        let started = Instant::now();
        let response = client
            .get(format!("{base}/Users/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        let _ = response.bytes().await.expect("body");
        latencies.push(started.elapsed());
    }
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "  GET /Users/{{id}} x2000:       p50 {:.3} ms, p99 {:.3} ms",
        ms(pct(0.50)),
        ms(pct(0.99))
    );

    // 1000 creates through one /Bulk request.
    let ops: Vec<Value> = (0..1000)
        .map(|i| {
            let email = format!("bulk.bench.{i}@lumen-analytics.example");
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": {
                "userName": email,
                "name": {"givenName": "Bulk", "familyName": format!("Bench {i}")},
                "emails": [{"value": email, "type": "work", "primary": true}],
            }})
        })
        .collect();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
    let started = Instant::now();
    let result: Value = client
        .post(format!("{base}/Bulk"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("bulk")
        .json()
        .await
        .expect("json");
    let bulk = started.elapsed();
    let created = result["Operations"]
        .as_array()
        .map(|ops| ops.iter().filter(|o| o["status"] == "201").count())
        .unwrap_or(0);
    assert_eq!(created, 1000, "bulk created {created}: {result}");
    println!("  POST /Bulk 1000 creates:      {:>8.1} ms", ms(bulk));
    println!(
        "  targets: list < 1500 ms, GET p50 < 1 ms, bulk < 1000 ms -> {}",
        if listing.min(listing_concurrent) < Duration::from_millis(1500)
            && pct(0.5) < Duration::from_millis(1)
            && bulk < Duration::from_millis(1000)
        {
            "met"
        } else {
            "NOT met"
        }
    );
    server.stop().await;
}

/// Lists every user with pages fetched concurrently; returns how many were listed.
async fn list_concurrently(client: &reqwest::Client, base: &str, token: &str) -> usize {
    let page = |start: usize| {
        let request = client
            .get(format!("{base}/Users?startIndex={start}&count=1000"))
            .bearer_auth(token);
        async move {
            let page: Value = request
                .send()
                .await
                .expect("page")
                .json()
                .await
                .expect("json");
            page
        }
    };
    let first = page(1).await;
    let total = first["totalResults"].as_u64().unwrap_or(0) as usize;
    let mut listed = first["Resources"].as_array().map_or(0, Vec::len);
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = tokio::task::JoinSet::new();
    for start in (listed + 1..=total).step_by(1000) {
        let limit = std::sync::Arc::clone(&limit);
        let fetch = page(start);
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore");
            fetch.await["Resources"].as_array().map_or(0, Vec::len)
        });
    }
    while let Some(n) = tasks.join_next().await {
        listed += n.expect("page task");
    }
    listed
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
