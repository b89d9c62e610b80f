//! `roster import check|run|list|resume` against a real roster-server on 127.0.0.1,
//! with its own data directory (ROSTER_DATA_DIR) in a temp dir.

#[path = "common/cli.rs"]
mod cli_run;

use std::path::{Path, PathBuf};
use std::process::Output;

use roster_server::{Server, ServerConfig, seed};

const DOMAIN: &str = "lumen-analytics.example";

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

fn corpus(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name)
        .display()
        .to_string()
}

async fn demo_server(dir: &Path) -> (Server, String) {
    let mut config = ServerConfig::local(dir.join("server.db"));
    config.seed_demo = true;
    let server = Server::start(config).await.unwrap();
    let token = server.issue_token(seed::DEMO_ADMIN).await.unwrap();
    (server, token)
}

async fn user_names(server: &Server, token: &str, filter: &str) -> Vec<String> {
    let url = format!(
        "{}/Users?count=1000&attributes=userName,groups&filter={}",
        server.base_url(),
        filter
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    );
    let body: serde_json::Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

fn add_profile(cli: &Cli, url: &str, token: &str) {
    let out = cli.run(
        &["profile", "add", "acme", "--url", url, "--token-file"],
        Some(&format!("{token}\n")),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// The sorted names in `v[key]` of `roster users show --format json` (only the
/// direct ones with `direct`, not those a group gives).
fn names(v: &serde_json::Value, key: &str, direct: bool) -> Vec<String> {
    let mut n: Vec<String> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| !direct || x["via_group"].is_null())
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_prints_each_row_and_fails_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = demo_server(dir.path()).await;
    let cli = Cli::new();
    tokio::task::block_in_place(|| add_profile(&cli, &server.base_url(), &token));

    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["import", "check", &corpus("basic.csv"), "--profile", "acme"],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("3 rows: 3 ready, 0 already exist"),
        "{stdout}"
    );

    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "check",
                &corpus("duplicates_case.csv"),
                "--profile",
                "acme",
            ],
            None,
        )
    });
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("line      2  error"), "{stdout}");
    assert!(stdout.contains("also on line 4"), "{stdout}");
    assert!(stdout.contains("1 ready, 0 already exist (will be skipped), 2 with errors"));
    assert!(
        text(&out.stderr).contains("2 rows have errors"),
        "{}",
        text(&out.stderr)
    );

    // A file of the wrong shape: one message naming the line and the fix.
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "check",
                &corpus("semicolons.csv"),
                "--profile",
                "acme",
            ],
            None,
        )
    });
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Line 1 separates its fields with semicolons"));

    // The optional columns: good cells pass, bad ones are errors naming the value.
    let check = |name: &str| {
        tokio::task::block_in_place(|| {
            cli.run(
                &["import", "check", &corpus(name), "--profile", "acme"],
                None,
            )
        })
    };
    let out = check("columns_good.csv");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 ready, 1 already exists"),
        "{}",
        text(&out.stdout)
    );
    let out = check("columns_bad_boolean.csv");
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("line      2  error"), "{stdout}");
    assert!(stdout.contains("admin is \"maybe\""), "{stdout}");
    assert!(stdout.contains("local_login is \"oui\""), "{stdout}");
    let out = check("columns_unknown_names.csv");
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("no license \"Photoshop\"") && stdout.contains("no group \"Nowhere\""),
        "{stdout}"
    );
    assert!(stdout.contains("1 ready, 0 already exist (will be skipped), 2 with errors"));

    // Offline, from the local copy, saying how old it is.
    server.stop().await;
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "check",
                &corpus("existing_users.csv"),
                "--profile",
                "acme",
            ],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("offline") && stderr.contains("Checked against"),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("1 ready, 1 already exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_imports_with_options_writes_the_report_and_lists_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = demo_server(dir.path()).await;
    let cli = Cli::new();
    tokio::task::block_in_place(|| add_profile(&cli, &server.base_url(), &token));
    let report = cli.data.path().join("report.csv");
    let file = dir.path().join("mixed.csv");
    std::fs::write(
        &file,
        format!(
            "email,first_name,last_name\n\
             cli.one@{DOMAIN},Cli,One\n\
             camille.laurent@{DOMAIN},Camille,Laurent\n\
             outsider@gmail.example,Out,Sider\n\
             cli.two@{DOMAIN},=SUM(A1),Two\n"
        ),
    )
    .unwrap();
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "run",
                file.to_str().unwrap(),
                "--profile",
                "acme",
                "--group",
                "no such group",
            ],
            None,
        )
    });
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no group \"no such group\"; the organisation has:"));

    let group = {
        let list = tokio::task::block_in_place(|| {
            cli.run(
                &["users", "list", "--profile", "acme", "--format", "json"],
                None,
            )
        });
        let users: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        users
            .as_array()
            .unwrap()
            .iter()
            .find_map(|u| {
                u["groups"]
                    .as_str()
                    .filter(|g| !g.is_empty())
                    .map(|g| g.split(", ").next().unwrap().to_owned())
            })
            .expect("a group")
    };
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "run",
                file.to_str().unwrap(),
                "--profile",
                "acme",
                "--group",
                &group,
                "--local-login",
                "--report",
                report.to_str().unwrap(),
            ],
            None,
        )
    });
    // One row failed validation: the run reports it and exits non-zero.
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("2 created, 1 skipped, 1 failed"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("outsider@gmail.example  failed: the domain gmail.example"));
    let names = user_names(&server, &token, "userName sw \"cli.\"").await;
    assert_eq!(names.len(), 2, "{names:?}");
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.starts_with("line,email,first_name,last_name,result,reason,user_id\n"));
    assert!(csv.contains("'=SUM(A1)"), "{csv}");
    assert_eq!(csv.lines().count(), 5);

    let out =
        tokio::task::block_in_place(|| cli.run(&["import", "list", "--profile", "acme"], None));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("finished") && listed.contains("mixed.csv"),
        "{listed}"
    );

    // Running the same file again creates nobody twice.
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &["import", "run", file.to_str().unwrap(), "--profile", "acme"],
            None,
        )
    });
    assert!(
        text(&out.stdout).contains("0 created, 3 skipped, 1 failed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        user_names(&server, &token, "userName sw \"cli.\"")
            .await
            .len(),
        2
    );

    // Resuming a finished import is harmless.
    let id = listed.split_whitespace().next().unwrap().to_owned();
    let out = tokio::task::block_in_place(|| {
        cli.run(&["import", "resume", &id, "--profile", "acme"], None)
    });
    assert!(
        text(&out.stdout).contains("2 created, 1 skipped, 1 failed"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_gives_each_row_its_own_columns_on_top_of_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = demo_server(dir.path()).await;
    let cli = Cli::new();
    tokio::task::block_in_place(|| add_profile(&cli, &server.base_url(), &token));
    let out = tokio::task::block_in_place(|| {
        cli.run(
            &[
                "import",
                "run",
                &corpus("columns_good.csv"),
                "--profile",
                "acme",
                "--group",
                "Leadership",
            ],
            None,
        )
    });
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 created"),
        "{}",
        text(&out.stdout)
    );
    let show = |email: &str| -> serde_json::Value {
        let out = tokio::task::block_in_place(|| {
            cli.run(
                &[
                    "users",
                    "show",
                    email,
                    "--profile",
                    "acme",
                    "--format",
                    "json",
                ],
                None,
            )
        });
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let ines = show(&format!("ines.moreau.import@{DOMAIN}"));
    assert_eq!(ines["organisation_administrator"], true, "{ines}");
    assert_eq!(ines["local_login"], false, "{ines}");
    assert_eq!(names(&ines, "licenses", true), ["Office Suite"]);
    assert_eq!(names(&ines, "groups", false), ["Leadership"]);
    let jon = show(&format!("jon.berg@{DOMAIN}"));
    assert_eq!(jon["organisation_administrator"], false, "{jon}");
    assert_eq!(jon["local_login"], true, "{jon}");
    assert_eq!(
        names(&jon, "licenses", true),
        ["Analytics Pro", "Office Suite"]
    );
    assert_eq!(names(&jon, "groups", false), ["Finance", "Leadership"]);
    let kim = show("kim.park@lumen.example");
    assert_eq!(kim["organisation_administrator"], false, "{kim}");
    assert!(names(&kim, "licenses", true).is_empty(), "{kim}");
    assert_eq!(names(&kim, "groups", false), ["Leadership"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_existing_is_checked_dry_then_run_as_one_edit_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let (server, token) = demo_server(dir.path()).await;
    let cli = Cli::new();
    tokio::task::block_in_place(|| add_profile(&cli, &server.base_url(), &token));
    let run = |args: &[&str]| tokio::task::block_in_place(|| cli.run(args, None));
    let email = format!("nora.update@{DOMAIN}");
    let out = run(&[
        "users",
        "invite",
        &email,
        "--first-name",
        "Nora",
        "--last-name",
        "Update",
        "--license",
        "Office Suite",
        "--group",
        "Finance",
        "--profile",
        "acme",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let show = || -> serde_json::Value {
        let out = run(&[
            "users",
            "show",
            &email,
            "--profile",
            "acme",
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let before = show();
    let file = dir.path().join("update.csv");
    std::fs::write(
        &file,
        format!(
            "email,first_name,last_name,admin,licenses,groups\n\
             {email},Nora,Updated,yes,Analytics Pro,Leadership\n\
             nora.new@{DOMAIN},Nora,New,,,\n"
        ),
    )
    .unwrap();
    let file = file.display().to_string();

    // Without the option the existing user is skipped, as before.
    let out = run(&["import", "check", &file, "--profile", "acme"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("will be skipped"), "{stdout}");
    assert!(
        stdout.contains("2 rows: 1 ready, 1 already exists (will be skipped)"),
        "{stdout}"
    );

    // `roster import VERB FILE` with the option on.
    let updating = |verb: &str, file: &str| {
        run(&[
            "import",
            verb,
            file,
            "--profile",
            "acme",
            "--update-existing",
        ])
    };
    // With it, the check says what would change, and changes nothing.
    let out = updating("check", &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("nora.update@"))
        .unwrap_or_default();
    assert!(line.contains("will update"), "{stdout}");
    assert!(
        line.ends_with(
            "nora.update@lumen-analytics.example  last name to Updated; role to administrator; \
             + license Analytics Pro; − license Office Suite; + group Leadership; \
             − group Finance"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 ready, 1 to update, 0 already exist"),
        "{stdout}"
    );
    assert_eq!(show(), before, "a check sends nothing");

    let out = updating("run", &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("nora.update@lumen-analytics.example  updated: last name to Updated;"),
        "{stdout}"
    );
    assert!(
        stdout.contains(": 1 created, 1 updated, 0 skipped, 0 failed"),
        "{stdout}"
    );
    let after = show();
    assert_eq!(after["last_name"], "Updated", "{after}");
    assert_eq!(after["organisation_administrator"], true, "{after}");
    assert_eq!(names(&after, "licenses", true), ["Analytics Pro"]);
    assert_eq!(names(&after, "groups", false), ["Leadership"]);

    // Run again: the user is as the file says now.
    let out = updating("check", &file);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("no change"), "{stdout}");
    assert!(stdout.contains("0 to update, 2 already exist"), "{stdout}");

    // Not your own role, though: the token's user is Camille.
    let own = dir.path().join("own.csv");
    std::fs::write(
        &own,
        format!(
            "email,first_name,last_name,admin\n{},Camille,Laurent,no\n",
            seed::DEMO_ADMIN
        ),
    )
    .unwrap();
    let own = own.display().to_string();
    let out = updating("check", &own);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("this is your own account"), "{stdout}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_or_local_login_on_a_server_without_the_extension_is_a_row_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("server.db"));
    config.seed_demo = true;
    config.switches.no_roster_extension = true;
    let server = Server::start(config).await.unwrap();
    let token = server.issue_token(seed::DEMO_ADMIN).await.unwrap();
    let cli = Cli::new();
    tokio::task::block_in_place(|| add_profile(&cli, &server.base_url(), &token));
    let file = dir.path().join("plain.csv");
    std::fs::write(
        &file,
        format!(
            "email,first_name,last_name,admin,local_login\n\
             p.admin@{DOMAIN},P,Admin,yes,\n\
             p.local@{DOMAIN},P,Local,,yes\n\
             p.plain@{DOMAIN},P,Plain,no,no\n"
        ),
    )
    .unwrap();
    let file = file.display().to_string();
    let out = tokio::task::block_in_place(|| {
        cli.run(&["import", "check", &file, "--profile", "acme"], None)
    });
    assert!(!out.status.success(), "errors fail the check");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("admin is yes, but this server does not have Roster's extension"),
        "{stdout}"
    );
    assert!(
        stdout.contains("local_login is yes, but this server"),
        "{stdout}"
    );
    assert!(stdout.contains("1 ready"), "{stdout}");
    // Run: only the plain row is created; the others fail with the reason.
    let out = tokio::task::block_in_place(|| {
        cli.run(&["import", "run", &file, "--profile", "acme"], None)
    });
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 created, 0 skipped, 2 failed"),
        "{stdout}"
    );
    for (who, created) in [("p.admin", false), ("p.local", false), ("p.plain", true)] {
        let found = user_names(&server, &token, &format!("userName eq \"{who}@{DOMAIN}\"")).await;
        assert_eq!(found.len(), usize::from(created), "{who}");
    }
    server.stop().await;
}
