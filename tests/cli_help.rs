//! `roster --version`, `roster --help` and the crash report, through the real binary
//! with its own data directory (ROSTER_DATA_DIR) in a temp dir and no display.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn roster(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roster"));
    cmd.args(args)
        .env("ROSTER_DATA_DIR", data)
        // Headless: no dialog can be shown, stderr is the only way to tell.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("ROSTER_DELIBERATE_PANIC")
        .env_remove("RUST_LOG");
    cmd
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("roster runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// The visible subcommands the CLI defines (so a new one is checked without editing
/// this test), each with its own visible subcommands.
fn subcommands() -> Vec<(String, Vec<String>)> {
    use clap::Subcommand;
    let cli = roster::cli::Command::augment_subcommands(clap::Command::new("roster"));
    cli.get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| {
            let inner = c
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_owned())
                .collect();
            (c.get_name().to_owned(), inner)
        })
        .collect()
}

#[test]
fn version_prints_the_package_version_and_touches_nothing() {
    let data = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(&mut roster(data.path(), &["--version"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("roster {}", env!("CARGO_PKG_VERSION"))
    );
    let created: Vec<_> = std::fs::read_dir(data.path()).unwrap().collect();
    assert!(created.is_empty(), "--version created {created:?}");
}

#[test]
fn help_lists_every_subcommand_and_hides_the_deliberate_panic() {
    let data = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(&mut roster(data.path(), &["--help"]));
    assert!(out.status.success(), "{stderr}");
    let commands = subcommands();
    assert!(commands.len() >= 3, "{commands:?}");
    for (name, _) in &commands {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(name.as_str())),
            "`{name}` missing from --help:\n{stdout}"
        );
    }
    for option in ["--demo", "--version", "--help"] {
        assert!(stdout.contains(option), "{option} missing:\n{stdout}");
    }
    assert!(!stdout.to_lowercase().contains("panic"), "{stdout}");
}

#[test]
fn each_subcommand_has_help_listing_its_own_subcommands() {
    let data = tempfile::tempdir().unwrap();
    for (name, inner) in subcommands() {
        let (out, stdout, stderr) = run(&mut roster(data.path(), &[name.as_str(), "--help"]));
        assert!(out.status.success(), "roster {name} --help: {stderr}");
        for sub in inner {
            assert!(
                stdout
                    .lines()
                    .any(|l| l.trim_start().starts_with(sub.as_str())),
                "`{sub}` missing from roster {name} --help:\n{stdout}"
            );
        }
    }
}

/// The path stderr names as the crash report.
fn report_named_in(stderr: &str) -> PathBuf {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("roster: crash report written to "))
        .unwrap_or_else(|| panic!("no crash report named on stderr:\n{stderr}"));
    PathBuf::from(line.trim())
}

fn assert_crash_reported(data: &Path, out: &Output, stderr: &str) {
    assert!(!out.status.success(), "a panic must not exit 0");
    let report = report_named_in(stderr);
    assert_eq!(
        report.parent(),
        Some(data.join("logs").as_path()),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&report).expect("the named report exists");
    assert!(text.contains("deliberate panic"), "{text}");
    assert!(text.contains(&format!("version:  {}", env!("CARGO_PKG_VERSION"))));
    assert!(text.contains("src/main.rs"), "{text}");
    assert!(
        stderr.contains("roster: crashed: deliberate panic"),
        "{stderr}"
    );
}

#[test]
fn a_panic_in_a_command_writes_a_crash_report_and_stderr_names_it() {
    let data = tempfile::tempdir().unwrap();
    let (out, _, stderr) =
        run(roster(data.path(), &["profile", "list"]).env("ROSTER_DELIBERATE_PANIC", "1"));
    assert_crash_reported(data.path(), &out, &stderr);
}

#[test]
fn a_panic_of_the_window_without_a_display_falls_back_to_stderr() {
    let data = tempfile::tempdir().unwrap();
    let (out, _, stderr) = run(roster(data.path(), &[]).env("ROSTER_DELIBERATE_PANIC", "1"));
    assert_crash_reported(data.path(), &out, &stderr);
}

#[test]
fn a_command_writes_its_log_to_a_daily_file_in_the_log_directory() {
    let data = tempfile::tempdir().unwrap();
    let (out, _, stderr) = run(&mut roster(data.path(), &["profile", "list"]));
    assert!(out.status.success(), "{stderr}");
    let logs: Vec<String> = std::fs::read_dir(data.path().join("logs"))
        .expect("logs/ exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let file = logs
        .iter()
        .find(|n| n.starts_with("roster.") && n.ends_with(".log"))
        .unwrap_or_else(|| panic!("no daily log file in {logs:?}"));
    let text = std::fs::read_to_string(data.path().join("logs").join(file)).unwrap();
    assert!(
        text.contains(&format!(
            "Roster {} started (command line)",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    // A command's stderr is for its own messages and warnings: scripts read it.
    assert!(!stderr.contains("started"), "{stderr}");
}
