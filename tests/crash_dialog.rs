//! A panic in the window shows a dialog naming the crash report, instead of the window
//! just vanishing: the real `roster` binary under the X server that `scripts/test`
//! starts (Xvfb), panicking in its first frame on the UI thread; the dialog is rfd's,
//! drawn by `zenity` (which `scripts/test` installs).
//!
//! Needs a display, so it is `#[ignore]`d for plain `cargo test`; `scripts/test` runs
//! it with `--ignored` after starting Xvfb.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn windows_named(name: &str) -> Vec<String> {
    let out = Command::new("xdotool")
        .args(["search", "--name", name])
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs an X display and zenity: run by scripts/test under Xvfb"]
fn a_panic_in_the_window_shows_a_dialog_naming_the_crash_report() {
    std::env::var("DISPLAY").expect("DISPLAY is set (scripts/test starts Xvfb)");
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .env("ROSTER_DATA_DIR", data.path())
        .env("ROSTER_DELIBERATE_PANIC", "frame")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    let dialog = loop {
        if let Some(w) = windows_named("Roster crashed").pop() {
            break w;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().expect("roster output");
            panic!(
                "no crash dialog appeared; roster said:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // The dialog holds the process until it is dismissed: the report is already there.
    assert!(
        child.try_wait().unwrap().is_none(),
        "roster ended before the dialog was dismissed"
    );
    let reports: Vec<_> = std::fs::read_dir(data.path().join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("crash-")
        })
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = std::fs::read_to_string(&reports[0]).unwrap();
    assert!(report.contains("deliberate panic in a frame"), "{report}");
    // Dismiss it; then Roster ends (not 0) and stderr named the same report.
    // The dialog's window can be found before it is mapped; focusing it then fails
    // with BadMatch, so it is tried again until it takes.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let focused = Command::new("xdotool")
            .args(["windowfocus", "--sync", &dialog])
            .status()
            .expect("xdotool runs");
        if focused.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the crash dialog never took the focus"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let pressed = Command::new("xdotool")
        .args(["key", "--window", &dialog, "Return"])
        .status()
        .expect("xdotool runs");
    assert!(pressed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "roster did not end after the dialog"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("crash report written to {}", reports[0].display())),
        "{stderr}"
    );
}
