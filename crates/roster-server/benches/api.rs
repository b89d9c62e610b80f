//! roster-server benchmark (issue 14): seeding and 1000-user pages at 10k, 100k and
//! 1M users, over HTTP on 127.0.0.1, with a temp SQLite file. Release build.
//!
//! Prints one table, a row per size: the seeding time (`--seed-users N` as the
//! binary does it: open, migrate, seed), the median and maximum time of
//! `GET /Users?startIndex=…&count=1000` for the first, a middle and the last page
//! (request sent to body received), the same for the attribute set Roster's client
//! asks for (middle page), one `GET /Users/{id}` (median), and the peak RSS
//! (`VmHWM` of /proc/self/status). Each size runs in its own child process, so that
//! the peak RSS is that size's alone.
//!
//! `cargo bench -p roster-server --bench api` does the full run;
//! `ROSTER_BENCH_SIZES=10000,100000` overrides the sizes. `cargo test --benches`
//! (and `--all-targets`) runs the binary without `--bench`: a smoke run with 2,000
//! users and a few requests.

use std::process::Command as Process;
use std::time::{Duration, Instant};

use roster_server::{Server, ServerConfig};

/// Set in a child: the number of users it measures.
const CHILD_ENV: &str = "ROSTER_BENCH_API_CHILD";
/// Set in a child: how many times each page is fetched.
const ROUNDS_ENV: &str = "ROSTER_BENCH_API_ROUNDS";
/// What Roster's client asks for when it lists users (roster-core's user_attributes).
const CLIENT_ATTRIBUTES: &str = "userName,name,displayName,emails,active,groups,entitlements,meta,\
urn:roster:params:scim:schemas:extension:organisation:2.0:User:organisationAdministrator,\
urn:roster:params:scim:schemas:extension:organisation:2.0:User:localLogin,\
urn:roster:params:scim:schemas:extension:organisation:2.0:User:lastConnection,\
urn:roster:params:scim:schemas:extension:organisation:2.0:User:inheritedLicenses,\
urn:roster:params:scim:schemas:extension:organisation:2.0:User:invitation";
const PAGE: usize = 1000;

fn main() {
    if let Ok(users) = std::env::var(CHILD_ENV) {
        let users = users.parse().unwrap_or(2_000);
        let rounds = std::env::var(ROUNDS_ENV)
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(3);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let row = runtime.block_on(measure(users, rounds));
        println!("{}", row.line());
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` runs a smoke version.
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("ROSTER_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if full {
                vec![10_000, 100_000, 1_000_000]
            } else {
                vec![2_000]
            }
        });
    let rounds = if full { 21 } else { 3 };
    let exe = std::env::current_exe().expect("own executable");
    println!(
        "roster-server bench: pages of {PAGE} users over HTTP on 127.0.0.1, {rounds} requests per page, \
         times in ms (median/max)"
    );
    println!(
        "{:>9} | {:>9} | {:>13} | {:>13} | {:>13} | {:>13} | {:>8} | {:>8}",
        "users",
        "seed",
        "first page",
        "middle page",
        "last page",
        "client attrs",
        "GET one",
        "peak RSS"
    );
    // None until a 1M row was measured.
    let mut met: Option<bool> = None;
    for users in sizes {
        let out = Process::new(&exe)
            .env(CHILD_ENV, users.to_string())
            .env(ROUNDS_ENV, rounds.to_string())
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(row) = text.lines().last().and_then(Row::parse) else {
            eprintln!(
                "{users} users: the child failed ({}):\n{text}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            std::process::exit(1);
        };
        println!(
            "{:>9} | {:>7.1} s | {:>13} | {:>13} | {:>13} | {:>13} | {:>8.2} | {:>5} MB",
            users,
            row.seed,
            pair(row.pages[0]),
            pair(row.pages[1]),
            pair(row.pages[2]),
            pair(row.pages[3]),
            row.get_one,
            row.peak_kb / 1024
        );
        if users >= 1_000_000 {
            let this = row.seed < 60.0 && row.pages[..3].iter().all(|(_, max)| *max < 30.0);
            met = Some(met.unwrap_or(true) && this);
        }
    }
    println!(
        "targets at 1M users: seed < 60 s, every default page (max) < 30 ms -> {}",
        match met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured",
        }
    );
}

fn pair((median, max): (f64, f64)) -> String {
    format!("{median:.1}/{max:.1}")
}

/// What a child measured for one size.
struct Row {
    /// Seconds.
    seed: f64,
    /// (median, max) ms of the first, middle and last default page and of the
    /// middle page with the client's attributes.
    pages: [(f64, f64); 4],
    /// Median ms of a single GET.
    get_one: f64,
    /// VmHWM in kB.
    peak_kb: u64,
}

impl Row {
    fn line(&self) -> String {
        let mut parts = vec![format!("{}", self.seed)];
        for (median, max) in self.pages {
            parts.push(format!("{median}"));
            parts.push(format!("{max}"));
        }
        parts.push(format!("{}", self.get_one));
        parts.push(format!("{}", self.peak_kb));
        format!("ROW {}", parts.join(" "))
    }

    fn parse(line: &str) -> Option<Self> {
        let nums: Vec<f64> = line
            .strip_prefix("ROW ")?
            .split(' ')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [seed, a, b, c, d, e, f, g, h, get_one, peak] = nums[..] else {
            return None;
        };
        Some(Self {
            seed,
            pages: [(a, b), (c, d), (e, f), (g, h)],
            get_one,
            peak_kb: peak as u64,
        })
    }
}

async fn measure(users: usize, rounds: usize) -> Row {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::local(dir.path().join("bench.db"));
    config.seed_users = Some(users);
    let started = Instant::now();
    let server = Server::start(config).await.expect("server starts");
    let seed = started.elapsed().as_secs_f64();
    let token = server.issue_admin_token("bench").await.expect("token");
    let base = server.base_url();
    let client = reqwest::Client::new();
    let last_start = (users.saturating_sub(1) / PAGE) * PAGE + 1;
    let middle_start = (users / 2 / PAGE) * PAGE + 1;
    let mut pages = [(0.0, 0.0); 4];
    let plans = [
        (1, None),
        (middle_start, None),
        (last_start, None),
        (middle_start, Some(CLIENT_ATTRIBUTES)),
    ];
    let mut some_id = String::new();
    for (slot, (start, attributes)) in plans.into_iter().enumerate() {
        let mut url = format!("{base}/Users?startIndex={start}&count={PAGE}");
        if let Some(a) = attributes {
            url.push_str("&attributes=");
            url.push_str(a);
        }
        let mut times = Vec::with_capacity(rounds);
        // One request first, not counted: the connection and SQLite's cache warm up
        // as they would in a client that has already connected.
        let body = get(&client, &url, &token).await;
        if some_id.is_empty() {
            some_id = first_id(&body);
        }
        for _ in 0..rounds {
            let started = Instant::now();
            let body = get(&client, &url, &token).await;
            times.push(started.elapsed());
            assert!(body.len() > 100, "a page of users: {url}");
        }
        pages[slot] = median_max(&mut times);
    }
    let url = format!("{base}/Users/{some_id}");
    let mut times = Vec::with_capacity(rounds * 10);
    for _ in 0..rounds * 10 {
        let started = Instant::now();
        get(&client, &url, &token).await;
        times.push(started.elapsed());
    }
    let (get_one, _) = median_max(&mut times);
    server.stop().await;
    Row {
        seed,
        pages,
        get_one,
        peak_kb: peak_rss_kb(),
    }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Vec<u8> {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.expect("body").to_vec()
}

fn first_id(body: &[u8]) -> String {
    let page: serde_json::Value = serde_json::from_slice(body).expect("JSON page");
    page["Resources"][0]["id"]
        .as_str()
        .expect("a user id")
        .to_owned()
}

/// (median, max) in ms.
fn median_max(times: &mut [Duration]) -> (f64, f64) {
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    match times {
        [] => (0.0, 0.0),
        _ => (ms(times[times.len() / 2]), ms(times[times.len() - 1])),
    }
}

/// The peak resident set size of this process (kB), from /proc/self/status.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
