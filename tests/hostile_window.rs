//! The window against a SCIM server that lies or stalls (issue 15, findings 1, 3
//! and 4), driven through egui_kittest on the real app: its engine, store and
//! views.
//!
//! The server is the small hostile one of `crates/roster-hostile` (the engine's
//! tests use the same), not roster-server: a mock, allowed here only because the
//! real server cannot be made to repeat an id, give two users one userName, lie
//! about its `totalResults` or trickle its answers. It answers like a plain SCIM
//! server (`roster_hostile::plain_directory`) except for `/Users`.

#[path = "common/cli.rs"]
mod cli_run;
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{click, harness_with, save_profile, secrets, step_until};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use roster::app::{RosterApp, StartMode};
use roster::connection::Link;
use roster_core::client::ClientOptions;
use roster_hostile::{Gate, HostileServer, Reply, Request, list, plain_directory, user};
use serde_json::Value;

/// A hostile server (on its own runtime, kept with it) and the window opened on it
/// as profile "acme".
struct Bench {
    h: Harness<'static, RosterApp>,
    server: HostileServer,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// A plain SCIM server whose `/Users` answers with `users`, on its own runtime.
fn serve(
    users: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> (tokio::runtime::Runtime, HostileServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(HostileServer::start(move |r| {
        plain_directory(r).unwrap_or_else(|| users(r))
    }));
    (runtime, server)
}

/// Starts a server answering `/Users` with `users` and opens the window on it; a
/// slow answer is reported after `slow_notice`.
fn open_on(
    users: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    slow_notice: Duration,
) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, server) = serve(users);
    let secrets = secrets(dir.path());
    save_profile(dir.path(), &secrets, "acme", &server.base_url(), "token");
    let options = ClientOptions {
        slow_notice,
        ..ClientOptions::default()
    };
    let h = harness_with(
        dir.path(),
        secrets,
        StartMode::Profile("acme".into()),
        options,
    );
    Bench {
        h,
        server,
        _runtime: runtime,
        _dir: dir,
    }
}

/// What a node says: its label, or a text label's value (AccessKit keeps a
/// label's text there).
fn words(node: &egui_kittest::Node<'_>) -> String {
    let node = node.accesskit_node();
    node.label().or_else(|| node.value()).unwrap_or_default()
}

/// The log's lines.
fn log_lines(app: &RosterApp) -> Vec<String> {
    app.shell.log.entries().map(|e| e.text.clone()).collect()
}

/// Finding 4: eight users, one more returned five times under one id (with one
/// userName), and two users sharing one userName but for its case. The grid shows
/// each user once, a warning toast says what happened, and the log (and its
/// window) holds both warnings.
#[test]
fn repeated_users_are_shown_once_and_the_window_says_so() {
    let mut b = open_on(
        |r| {
            let mut page: Vec<Value> = (1..=8)
                .map(|i| user(&format!("u{i}"), &format!("user{i}@hostile.example")))
                .collect();
            page.extend((0..5).map(|_| user("same", "repeated@hostile.example")));
            page.push(user("a", "twin@hostile.example"));
            page.push(user("b", "TWIN@hostile.example"));
            list(page.len() as u64, r.number("startIndex", 1), page)
        },
        ClientOptions::default().slow_notice,
    );
    let h = &mut b.h;
    step_until(h, "the listing's warnings", |app| {
        app.org.is_loaded()
            && log_lines(app)
                .iter()
                .any(|l| l.contains("with the userName of another"))
    });
    // The toast, as the accessibility tree (and a screen reader) has it.
    let toast = h.get_by_role(Role::Alert);
    let said = words(&toast);
    assert!(
        said.starts_with(
            "The server's listing has 2 problems (see Log): the server returned 4 users twice"
        ),
        "{said}"
    );
    // Each user once: 8, the repeated one, and both twins (two ids, two users).
    assert_eq!(h.state().org.users.len(), 11);
    h.get_by_label_contains("11 users");
    assert_eq!(
        h.query_all_by_label("repeated@hostile.example").count(),
        1,
        "the user returned five times is one row"
    );
    h.get_by_label("twin@hostile.example");
    h.get_by_label("TWIN@hostile.example");
    // The log has both warnings, and its window shows them.
    let lines = log_lines(h.state());
    for wanted in [
        "the server returned 4 users twice (the same id, e.g. \"same\"); Roster shows each once",
        "the server returned 1 user with the userName of another",
    ] {
        assert!(lines.iter().any(|l| l.contains(wanted)), "{lines:#?}");
    }
    click(h, "Log");
    for wanted in [
        "returned 4 users twice",
        "1 user with the userName of another",
    ] {
        let in_log_window = h
            .query_all_by_label_contains(wanted)
            .filter(|n| n.accesskit_node().role() == Role::Label)
            .count();
        assert_eq!(in_log_window, 1, "{wanted}");
    }
}

/// Finding 3: a listing that trickles in. While it does, the loading screen and
/// the status bar show the request, how long it has taken and how much came; once
/// it is complete the words go. The same on a refresh, in the status bar over the
/// grid. (The slow-answer notice is shortened to 100 ms; the server holds back
/// its answer's last byte until the test lets it go, so nothing depends on time.)
#[test]
fn a_trickling_answer_shows_in_the_window_until_it_completes() {
    let gate = Arc::new(Mutex::new(Gate::new()));
    let serving = Arc::clone(&gate);
    let page: Vec<Value> = (1..=3)
        .map(|i| user(&format!("u{i}"), &format!("slow{i}@hostile.example")))
        .collect();
    let Reply::Json(_, body) = list(3, 1, page) else {
        unreachable!("list answers JSON")
    };
    let length = body.to_string().len();
    let mut b = open_on(
        move |_| Reply::Trickled {
            body: body.clone(),
            head: 300,
            pause: Duration::from_millis(20),
            gate: serving.lock().map(|g| g.clone()).unwrap_or_default(),
        },
        Duration::from_millis(100),
    );
    let h = &mut b.h;
    let slow = "The server answers slowly: GET /scim/v2/Users (";
    step_until(h, "the slow answer on the loading screen", |app| {
        app.conn.waiting.is_some()
    });
    h.run_steps(2);
    assert!(!h.state().org.is_loaded(), "still loading");
    let shown: Vec<String> = h
        .query_all_by_label_contains(slow)
        .map(|n| words(&n))
        .collect();
    // The loading screen and the status bar.
    assert_eq!(shown.len(), 2, "{shown:?}");
    let arrived = bytes_so_far(&shown[0]);
    assert!((300..length).contains(&arrived), "{} of {length}", shown[0]);
    assert!(shown[0].contains(" s, "), "how long: {}", shown[0]);
    gate.lock().unwrap().open();
    step_until(h, "the load", |app| app.org.is_loaded());
    assert_eq!(h.state().org.users.len(), 3);
    assert!(
        h.query_by_label_contains("answers slowly").is_none(),
        "gone once the answer is complete"
    );
    h.get_by_label_contains("Online — synced");
    let logged = log_lines(h.state());
    assert!(logged.iter().any(|l| l.starts_with(slow)), "{logged:#?}");

    // A refresh that trickles: the status bar over the grid says it.
    *gate.lock().unwrap() = Gate::new();
    let before = b.server.requests();
    click(h, "Refresh");
    step_until(h, "the slow refresh", |app| app.conn.waiting.is_some());
    assert!(b.server.requests() > before);
    h.get_by_label_contains(slow);
    h.get_by_label("slow1@hostile.example");
    gate.lock().unwrap().open();
    step_until(h, "the refresh", |app| {
        app.conn.waiting.is_none() && app.conn.refreshed.is_some()
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("answers slowly").is_none());
    h.get_by_label_contains("Online — synced");
}

/// "… (0.4 s, 312 bytes so far)" → 312.
fn bytes_so_far(text: &str) -> usize {
    text.rsplit(", ")
        .next()
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in {text:?}"))
}

/// A listing of one user that claims u64::MAX of them.
fn lying_total(r: &Request) -> Reply {
    let start = r.number("startIndex", 1);
    let page = if start == 1 {
        vec![user("u1", "one@hostile.example")]
    } else {
        Vec::new()
    };
    list(u64::MAX, start, page)
}

/// Findings 1 and 2: a `totalResults` of u64::MAX with one user used to panic the
/// client ("capacity overflow"). The window now says, instead of the grid, that
/// the users could not be loaded and why, and offers to try again.
#[test]
fn a_lying_total_is_a_clear_message_in_the_window() {
    let mut b = open_on(lying_total, ClientOptions::default().slow_notice);
    let h = &mut b.h;
    step_until(h, "the failed load", |app| {
        app.conn.link == Link::Online && app.conn.stale.is_some()
    });
    h.get_by_label("The users of acme could not be loaded");
    let message =
        words(&h.get_by_label_contains("The server's answer does not add up, so Roster stopped"));
    assert!(
        message.contains(&format!("counts {} users", u64::MAX)),
        "{message}"
    );
    h.get_by_label("Try again");
    assert!(!h.state().org.is_loaded());
    assert!(h.query_by_label("Select all shown").is_none(), "no grid");
    assert!(
        b.server.requests() < 20,
        "{} requests: planned from what arrived, not from the total",
        b.server.requests()
    );
    let logged = log_lines(h.state());
    assert!(
        logged.iter().any(|l| l.contains("does not add up")),
        "{logged:#?}"
    );
}

/// A hostile server answering `/Users` with `users` (on its own runtime, kept with
/// it) and a data directory for `roster` with a profile "acme" pointing at it.
struct CliOn {
    data: tempfile::TempDir,
    _server: HostileServer,
    _runtime: tokio::runtime::Runtime,
}

fn cli_on(users: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> CliOn {
    let (runtime, server) = serve(users);
    let data = tempfile::tempdir().unwrap();
    let url = server.base_url();
    let added = cli_run::run(
        data.path(),
        &["profile", "add", "acme", "--url", &url, "--token-file"],
        Some("token\n"),
    );
    assert!(added.status.success(), "{}", cli_run::text(&added.stderr));
    CliOn {
        data,
        _server: server,
        _runtime: runtime,
    }
}

/// Finding 1, from the command line: `roster users list` and `roster sync` on the
/// same lying total exited 134 ("capacity overflow"). Now each ends with an exit
/// code and the reason on stderr.
#[test]
fn the_command_line_says_a_lying_total_instead_of_aborting() {
    let on = cli_on(lying_total);
    let data = &on.data;
    for args in [&["users", "list"][..], &["sync"][..]] {
        let out = cli_run::run(data.path(), args, None);
        let stderr = cli_run::text(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?}: {:?}, {stderr}",
            out.status
        );
        assert!(stderr.contains("does not add up"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("counts {} users", u64::MAX)),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Finding 3, the limit on an answer's size: a page larger than the limit fails
/// with the reason and names the setting that raises it; with the setting raised
/// the same page is read; a setting that is no size is said, not ignored.
#[test]
fn the_answer_limit_is_set_from_the_environment_and_named_when_reached() {
    // About 1.6 MiB in one page: 400 users whose display names take 4000 bytes each
    // (under the 4 KiB cap on one attribute).
    let on = cli_on(|r| {
        let start = r.number("startIndex", 1);
        let page: Vec<Value> = if start == 1 {
            (0..400)
                .map(|i| {
                    let mut u = user(&format!("u{i}"), &format!("u{i}@hostile.example"));
                    u["displayName"] = Value::String("n".repeat(4000));
                    u
                })
                .collect()
        } else {
            Vec::new()
        };
        list(400, start, page)
    });
    let data = &on.data;
    let list_with = |limit: &str| {
        cli_run::run_with_env(
            data.path(),
            &["users", "list", "--format", "json"],
            None,
            &[("ROSTER_MAX_RESPONSE_MB", limit)],
        )
    };

    let small = list_with("1");
    let stderr = cli_run::text(&small.stderr);
    assert_eq!(small.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than 1 MiB"), "{stderr}");
    assert!(stderr.contains("ROSTER_MAX_RESPONSE_MB=<MiB>"), "{stderr}");

    let raised = list_with("8");
    let stdout = cli_run::text(&raised.stdout);
    assert!(raised.status.success(), "{}", cli_run::text(&raised.stderr));
    let listed: Value = serde_json::from_str(&stdout).expect("a JSON listing");
    assert_eq!(listed.as_array().map(Vec::len), Some(400), "{stdout:.300}");

    let nonsense = list_with("lots");
    let stderr = cli_run::text(&nonsense.stderr);
    assert_eq!(nonsense.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ROSTER_MAX_RESPONSE_MB=\"lots\" is not a size"),
        "{stderr}"
    );
}
