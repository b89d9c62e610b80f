//! The `roster` command line remembers the profile last used: without `--profile`
//! every command opens it (as the README says), not the demo organisation.
//! Against a real roster-server on 127.0.0.1, with its own data directory.

#[path = "common/cli.rs"]
mod cli_run;

use roster_server::{Server, ServerConfig, seed};

use cli_run::{run, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_without_profile_use_the_last_profile_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("server.db"));
    config.seed_demo = true;
    let server = Server::start(config).await.unwrap();
    let token = server
        .db()
        .write(|c| seed::token_for(c, seed::DEMO_ADMIN, "cli test"))
        .await
        .unwrap();
    // One user more than the built-in demo organisation has, to tell them apart.
    let client = reqwest::Client::new();
    let status = client
        .post(format!("{}/Users", server.base_url()))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "one.more@lumen-analytics.example",
                "name": {"givenName": "One", "familyName": "More"},
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 201);
    let data = tempfile::tempdir().unwrap();
    let url = server.base_url();
    let out = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &["profile", "add", "acme", "--url", &url, "--token-file"],
            Some(&format!("{token}\n")),
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Used once by name, then the default of the next command.
    let out = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &["users", "list", "--profile", "acme", "--format", "csv"],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tokio::task::block_in_place(|| run(data.path(), &["profile", "list"], None));
    let listed = text(&out.stdout);
    let acme = listed.lines().find(|l| l.starts_with("acme")).unwrap_or("");
    assert!(acme.contains("(last used)"), "{listed}");
    let out = tokio::task::block_in_place(|| {
        run(data.path(), &["users", "list", "--format", "csv"], None)
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert_eq!(
        csv.lines().count(),
        302,
        "acme's 301 users, not the demo's 300"
    );
    assert!(csv.contains("one.more@lumen-analytics.example"));

    // The same connection pointed at an address that answers, but not as SCIM: the
    // read fails for good (not offline); the copy is printed with its age, exit 0.
    let wrong = format!("{url}/not-scim");
    let out = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &[
                "profile",
                "add",
                "acme",
                "--url",
                &wrong,
                "--token-file",
                "--no-verify",
            ],
            Some(&format!("{token}\n")),
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tokio::task::block_in_place(|| {
        run(data.path(), &["users", "list", "--format", "csv"], None)
    });
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(text(&out.stdout).lines().count(), 302, "{err}");
    assert!(err.contains("showing the local copy from"), "{err}");
    assert!(err.contains("old)"), "{err}");
    assert!(!err.contains("refused the change"), "{err}");
    server.stop().await;
}
