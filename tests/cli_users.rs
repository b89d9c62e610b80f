//! `roster users show|invite|edit|delete|local-login|resend-invitation` against a
//! real roster-server on 127.0.0.1 (the demo organisation), through the real binary
//! with its own data directory: what the server holds after each command, `--dry-run`
//! changing nothing, the window's protections, exit codes, and the outbox offline.

#[path = "common/cli.rs"]
mod cli_run;

use cli_run::{CliOrg, text};
use roster_proto::urn::ROSTER_USER;
use roster_server::seed::DEMO_ADMIN;
use serde_json::Value;

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exited")
}

fn says(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn flag(user: &Value, name: &str) -> bool {
    user[ROSTER_USER][name].as_bool().unwrap_or(false)
}

fn licenses(user: &Value) -> Vec<String> {
    let mut out: Vec<String> = user["entitlements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["value"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

fn groups(user: &Value) -> Vec<String> {
    let mut out: Vec<String> = user["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["display"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// userNames of the demo users that `keep` keeps (in the server's order).
fn pick(org: &CliOrg, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    org.users()
        .iter()
        .filter(|u| u["userName"].as_str() != Some(DEMO_ADMIN) && keep(u))
        .filter_map(|u| u["userName"].as_str().map(str::to_owned))
        .collect()
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", says(out)))
}

#[test]
fn show_prints_one_user_and_an_unknown_email_is_refused() {
    let org = CliOrg::start();
    let out = org.run(&["users", "show", DEMO_ADMIN, "--format", "json"], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    let shown = json(&out);
    assert_eq!(shown["email"], DEMO_ADMIN);
    assert_eq!(shown["organisation_administrator"], true);
    assert_eq!(shown["you"], true, "{shown}");
    let out = org.run(&["users", "show", &DEMO_ADMIN.to_uppercase()], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    let table = text(&out.stdout);
    assert!(
        table.contains("(you)") && table.contains("Administrator    yes"),
        "{table}"
    );

    let out = org.run(&["users", "show", "nobody@lumen.example"], None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("no user with the email"),
        "{}",
        says(&out)
    );
}

#[test]
fn invite_checks_like_the_dialog_and_dry_run_sends_nothing() {
    let org = CliOrg::start();
    let email = "new.person@lumen.example";
    let args = [
        "users",
        "invite",
        email,
        "--first-name",
        "New",
        "--last-name",
        "Person",
        "--local-login",
        "--license",
        "CRM Enterprise",
        "--group",
        "sales",
    ];
    let dry: Vec<&str> = args.iter().copied().chain(["--dry-run"]).collect();
    let out = org.run(&dry, None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(text(&out.stdout).contains("planned"), "{}", says(&out));
    assert!(org.user(email).is_none(), "--dry-run created the user");

    let out = org.run(&args, None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(text(&out.stdout).contains("done"), "{}", says(&out));
    let user = org.user(email).expect("invited");
    assert_eq!(user["name"]["givenName"], "New");
    assert!(flag(&user, "localLogin") && !flag(&user, "organisationAdministrator"));
    assert_eq!(licenses(&user), ["crm"]);
    assert_eq!(groups(&user), ["Sales"]);

    // The dialog's checks: exists already, outside the authorized domains, names.
    let out = org.run(&args, None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        says(&out)
    );
    let out = org.run(
        &[
            "users",
            "invite",
            "someone@elsewhere.example",
            "--first-name",
            " ",
            "--last-name",
            "X",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", says(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("not an authorized domain") && err.contains("First name is required"),
        "{err}"
    );
    assert!(org.user("someone@elsewhere.example").is_none());
    let out = org.run(
        &["users", "invite", "a@lumen.example", "--group", "Nope"],
        None,
    );
    assert_eq!(code(&out), 2, "usage: {}", says(&out));
}

#[test]
fn edit_sends_only_what_changes_and_keeps_the_administrators() {
    let org = CliOrg::start();
    let target = pick(&org, |u| !flag(u, "organisationAdministrator"))
        .into_iter()
        .next()
        .expect("a non-administrator");
    let before = org.user(&target).expect("exists");

    let edit = [
        "users",
        "edit",
        &target,
        "--last-name",
        "Renamed",
        "--admin",
        "true",
        "--add-license",
        "design",
        "--add-group",
        "Finance",
    ];
    let out = org.run(
        &[&edit[..], &["--dry-run", "--format", "json"]].concat(),
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    let plan = json(&out);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["counts"]["planned"], 2, "one PATCH, one group: {plan}");
    assert_eq!(
        org.user(&target),
        Some(before.clone()),
        "--dry-run changed the user"
    );

    let out = org.run(&edit, None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    let after = org.user(&target).expect("exists");
    assert_eq!(after["name"]["familyName"], "Renamed");
    assert_eq!(after["name"]["givenName"], before["name"]["givenName"]);
    assert!(flag(&after, "organisationAdministrator"));
    assert!(licenses(&after).contains(&"design".to_owned()));
    assert!(groups(&after).contains(&"Finance".to_owned()));

    // Removing a role asks; without a terminal it needs --yes.
    let out = org.run(&["users", "edit", &target, "--admin", "false"], None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(text(&out.stderr).contains("--yes"), "{}", says(&out));
    assert!(flag(
        &org.user(&target).unwrap(),
        "organisationAdministrator"
    ));
    let out = org.run(
        &["users", "edit", &target, "--admin", "false", "--yes"],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(!flag(
        &org.user(&target).unwrap(),
        "organisationAdministrator"
    ));

    // Your own role: the consequence is named, and even --dry-run says it needs --yes.
    let out = org.run(&["users", "edit", DEMO_ADMIN, "--admin", "false"], None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("your own account") && err.contains("Only another administrator"),
        "{err}"
    );
    assert!(flag(
        &org.user(DEMO_ADMIN).unwrap(),
        "organisationAdministrator"
    ));

    // Every administrator at once: the last one keeps the role, nothing is sent.
    let out = org.run(
        &[
            "users", "edit", "--filter", "admins", "--admin", "false", "--yes",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("without an Organisation Administrator"),
        "{}",
        says(&out)
    );
    assert!(flag(
        &org.user(DEMO_ADMIN).unwrap(),
        "organisationAdministrator"
    ));

    // Seats: Design Studio for everyone does not fit.
    let out = org.run(
        &[
            "users",
            "edit",
            "--where",
            "lumen",
            "--add-license",
            "Design Studio",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("Not enough seats"),
        "{}",
        says(&out)
    );

    // Usage: nothing asked, names for many users.
    let out = org.run(&["users", "edit", &target], None);
    assert_eq!(code(&out), 2, "{}", says(&out));
    let out = org.run(
        &["users", "edit", "--filter", "admins", "--first-name", "X"],
        None,
    );
    assert_eq!(code(&out), 2, "{}", says(&out));
}

#[test]
fn delete_asks_refuses_yourself_and_deletes_with_yes() {
    let org = CliOrg::start();
    let victims: Vec<String> = pick(&org, |u| !flag(u, "organisationAdministrator"))
        .into_iter()
        .take(2)
        .collect();
    let count = org.users().len();

    let out = org.run(&["users", "delete", &victims[0], "--dry-run"], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(text(&out.stdout).contains("planned"), "{}", says(&out));
    assert_eq!(org.users().len(), count, "--dry-run deleted");

    // Not a terminal: refused without --yes, saying what deleting does.
    let out = org.run(&["users", "delete", &victims[0]], None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("permanently deleted") && err.contains("--yes"),
        "{err}"
    );
    assert!(org.user(&victims[0]).is_some());

    // Yourself, even among others and with --yes: refused as a whole.
    let out = org.run(&["users", "delete", &victims[0], DEMO_ADMIN, "--yes"], None);
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("your own account"),
        "{}",
        says(&out)
    );
    assert!(org.user(&victims[0]).is_some() && org.user(DEMO_ADMIN).is_some());

    // An email nobody has: refused as a whole too.
    let out = org.run(
        &[
            "users",
            "delete",
            &victims[0],
            "gone@lumen.example",
            "--yes",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(org.user(&victims[0]).is_some());

    // From a file on stdin, with an explicit email: both go.
    let list = format!("# leavers\n{}\n\n", victims[1]);
    let out = org.run(
        &[
            "users",
            "delete",
            &victims[0],
            "--from",
            "-",
            "--yes",
            "--format",
            "json",
        ],
        Some(&list),
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert_eq!(json(&out)["counts"]["done"], 2);
    assert!(org.user(&victims[0]).is_none() && org.user(&victims[1]).is_none());
    assert_eq!(org.users().len(), count - 2);

    // Usage: nobody named.
    let out = org.run(&["users", "delete", "--yes"], None);
    assert_eq!(code(&out), 2, "{}", says(&out));
}

#[test]
fn local_login_and_resend_select_by_search_filter_and_file() {
    let org = CliOrg::start();
    let on: Vec<String> = pick(&org, |u| {
        flag(u, "localLogin") && !flag(u, "organisationAdministrator")
    })
    .into_iter()
    .take(3)
    .collect();
    let file = org.dir.path().join("emails.txt");
    std::fs::write(&file, on.join("\n")).unwrap();
    let file = file.display().to_string();

    let out = org.run(
        &[
            "users",
            "local-login",
            "disable",
            "--from",
            &file,
            "--dry-run",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(on.iter().all(|e| flag(&org.user(e).unwrap(), "localLogin")));
    let out = org.run(&["users", "local-login", "disable", "--from", &file], None);
    assert_eq!(code(&out), 1, "needs --yes: {}", says(&out));
    let out = org.run(
        &["users", "local-login", "disable", "--from", &file, "--yes"],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(
        on.iter()
            .all(|e| !flag(&org.user(e).unwrap(), "localLogin"))
    );
    // Ending the command does not cut the engine mid-call (it would log a warning).
    assert!(!text(&out.stderr).contains("WARN"), "{}", says(&out));

    // Allowing needs no confirmation; those already allowed are left alone.
    let out = org.run(
        &[
            "users",
            "local-login",
            "allow",
            &on[0],
            DEMO_ADMIN,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    let report = json(&out);
    assert_eq!(report["counts"]["done"], 1, "{report}");
    assert_eq!(report["skipped"][0]["user"], DEMO_ADMIN, "{report}");
    assert!(flag(&org.user(&on[0]).unwrap(), "localLogin"));

    // Every administrator without password sign-in and no identity provider: refused.
    let out = org.run(
        &[
            "users",
            "local-login",
            "disable",
            "--filter",
            "admins",
            "--yes",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", says(&out));
    assert!(
        text(&out.stderr).contains("No administrator could sign in"),
        "{}",
        says(&out)
    );
    assert!(flag(&org.user(DEMO_ADMIN).unwrap(), "localLogin"));

    // --where and --filter narrow each other, as in the window.
    let pending = pick(&org, |u| {
        u[ROSTER_USER]["invitation"]["status"].as_str() == Some("pending")
    });
    assert!(!pending.is_empty());
    let out = org.run(
        &[
            "users",
            "resend-invitation",
            "--filter",
            "pending",
            "--dry-run",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert_eq!(json(&out)["counts"]["planned"], pending.len());
    let out = org.run(
        &[
            "users",
            "resend-invitation",
            "--filter",
            "pending",
            "--where",
            &pending[0],
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", says(&out));
    let report = json(&out);
    assert_eq!(report["counts"]["done"], 1, "{report}");
    assert_eq!(report["changes"][0]["users"][0], pending[0].as_str());
    // Someone who joined already: nothing to resend.
    let out = org.run(&["users", "resend-invitation", DEMO_ADMIN], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(
        text(&out.stdout).contains("no invitation pending"),
        "{}",
        says(&out)
    );
}

#[test]
fn offline_changes_wait_in_the_outbox_until_sync() {
    let mut org = CliOrg::start();
    let target = pick(&org, |u| {
        !flag(u, "localLogin") && !flag(u, "organisationAdministrator")
    })
    .into_iter()
    .next()
    .expect("a user without local login");
    // A first run keeps the local copy the offline run plans on.
    let out = org.run(&["users", "list", "--profile", "acme"], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    org.stop();
    let out = org.run(&["users", "local-login", "allow", &target], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(text(&out.stdout).contains("queued"), "{}", says(&out));
    assert!(
        text(&out.stderr).contains("offline: 1 change waits in the outbox; it is sent"),
        "{}",
        says(&out)
    );
    org.restart();
    assert!(
        !flag(&org.user(&target).unwrap(), "localLogin"),
        "sent while offline?"
    );
    let out = org.run(&["sync"], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    assert!(
        text(&out.stdout).contains("0 changes not yet confirmed"),
        "{}",
        says(&out)
    );
    assert!(flag(&org.user(&target).unwrap(), "localLogin"));
}

#[test]
fn completions_and_the_man_page_come_from_the_definitions() {
    let data = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = cli_run::run(data.path(), &["completions", shell], None);
        assert_eq!(code(&out), 0, "{shell}: {}", says(&out));
        let script = text(&out.stdout);
        for word in ["users", "local-login", "resend-invitation", "dry-run"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = cli_run::run(data.path(), &["completions", "tcsh"], None);
    assert_eq!(code(&out), 2, "{}", says(&out));

    let out = cli_run::run(data.path(), &["man"], None);
    assert_eq!(code(&out), 0, "{}", says(&out));
    let page = text(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{page:.200}"
    );
    for part in [
        "ROSTER USERS DELETE",
        "ROSTER USERS LOCAL-LOGIN",
        "Exit codes",
    ] {
        assert!(page.contains(part), "the man page lacks {part}");
    }
    // The page the .deb installs is this one (regenerate: roster man >
    // packaging/linux/roster.1).
    let packaged = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/linux/roster.1"),
    )
    .expect("packaging/linux/roster.1");
    assert!(
        packaged == page,
        "packaging/linux/roster.1 is out of date: run `roster man > packaging/linux/roster.1`"
    );
}
