//! The `roster` command line against a real roster-server on 127.0.0.1, with its own
//! data directory (ROSTER_DATA_DIR) in a temp dir.

#[path = "common/cli.rs"]
mod cli_run;

use std::process::Output;

use roster_server::{Server, ServerConfig, seed};

struct Cli {
    data: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        cli_run::run(self.data.path(), args, stdin)
    }
}

use cli_run::text;

async fn demo_server(dir: &std::path::Path) -> (Server, String) {
    let mut config = ServerConfig::local(dir.join("server.db"));
    config.seed_demo = true;
    let server = Server::start(config).await.unwrap();
    let token = server.issue_token(seed::DEMO_ADMIN).await.unwrap();
    (server, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_add_list_users_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = demo_server(dir.path()).await;
    let url = server.base_url();
    let cli = Cli::new();

    // Without a keyring the CLI says so and names the explicit alternative.
    let out = tokio::task::block_in_place(|| {
        cli.run(&["profile", "add", "acme", "--url", &url], Some(&token))
    });
    if !out.status.success() {
        let err = text(&out.stderr);
        assert!(
            err.contains("--token-file") && err.contains("keyring"),
            "{err}"
        );
    }
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["profile", "add", "acme", "--url", &url, "--token-file"],
            Some(&format!("{token}\n")),
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("connected to Lumen Analytics"),
        "{}",
        text(&out.stderr)
    );
    let token_file = cli.data.path().join("tokens/acme.token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let out = tokio::task::block_in_place(|| cli.run(&["profile", "list"], None));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("acme") && listed.contains(&url) && listed.contains("file"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "the token is never printed");

    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["users", "list", "--profile", "acme", "--format", "json"],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 300);

    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["users", "list", "--profile", "acme", "--format", "csv"],
            None,
        )
    });
    let csv = text(&out.stdout);
    assert!(csv.starts_with(
        "email,name,organisation_administrator,last_connection,local_login,active,licenses,groups\n"
    ));
    assert_eq!(csv.lines().count(), 301);

    let out = tokio::task::block_in_place(|| cli.run(&["sync", "--profile", "acme"], None));
    assert!(
        text(&out.stdout).contains("300 users, 6 groups, 5 licenses"),
        "{}",
        text(&out.stdout)
    );

    // Offline: the server stops; the local copy is listed with a warning.
    server.stop().await;
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["users", "list", "--profile", "acme", "--format", "csv"],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("offline"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout).lines().count(), 301);

    let out = tokio::task::block_in_place(|| cli.run(&["profile", "remove", "acme"], None));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!token_file.exists());
    let out =
        tokio::task::block_in_place(|| cli.run(&["users", "list", "--profile", "acme"], None));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("There is no connection named \"acme\""),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_url_and_wrong_token_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _token) = demo_server(dir.path()).await;
    let cli = Cli::new();
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "profile",
                "add",
                "x",
                "--url",
                "http://127.0.0.1:9/scim/v2",
                "--token-file",
            ],
            Some("t\n"),
        )
    });
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Cannot reach the server"),
        "{}",
        text(&out.stderr)
    );
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "profile",
                "add",
                "x",
                "--url",
                &server.base_url(),
                "--token-file",
            ],
            Some("wrong-token\n"),
        )
    });
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("did not accept the API token"), "{err}");
    assert!(
        !err.contains("wrong-token"),
        "the token is never printed: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_prints_what_the_server_does_not_say_as_unknown_not_as_no() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("server.db"));
    config.seed_demo = true;
    config.switches.no_roster_extension = true;
    let server = Server::start(config).await.unwrap();
    let token = server.issue_token(seed::DEMO_ADMIN).await.unwrap();
    let url = server.base_url();
    let cli = Cli::new();
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["profile", "add", "plain", "--url", &url, "--token-file"],
            Some(&format!("{token}\n")),
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["users", "list", "--profile", "plain", "--format", "json"],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &users[0];
    for field in [
        "organisation_administrator",
        "local_login",
        "last_connection",
    ] {
        assert!(first[field].is_null(), "{field} shown as a fact: {first}");
    }
    assert_eq!(first["active"], true);
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["users", "list", "--profile", "plain", "--format", "table"],
            None,
        )
    });
    let table = text(&out.stdout);
    let row = table.lines().nth(1).unwrap_or_default();
    assert!(
        row.contains(" — ") && !row.contains(" no "),
        "unknown printed as a fact: {row}"
    );
    server.stop().await;
}
