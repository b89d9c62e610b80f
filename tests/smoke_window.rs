//! What `cargo run --release` opens, in a real window: the `roster` binary under the
//! X server that `scripts/test` starts (Xvfb), on the demo organisation, until its
//! window shows the organisation; then a screenshot of it.
//!
//! Needs a display, so it is `#[ignore]`d for plain `cargo test`; `scripts/test` runs
//! it with `--ignored` after starting Xvfb.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "needs an X display: run by scripts/test under Xvfb"]
fn the_binary_opens_a_window_on_the_demo_organisation() {
    let display = std::env::var("DISPLAY").expect("DISPLAY is set (scripts/test starts Xvfb)");
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .env("ROSTER_DATA_DIR", data.path())
        .env("DISPLAY", &display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster starts");
    // The title names the organisation once its users are loaded.
    let deadline = Instant::now() + Duration::from_secs(90);
    let found = loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", "Lumen Analytics"])
            .output()
            .expect("xdotool runs");
        if out.status.success() && !out.stdout.is_empty() {
            break true;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    if !found {
        let _ = child.kill();
        let out = child.wait_with_output().expect("roster output");
        panic!(
            "no Roster window showed the demo organisation; roster said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Give it a few frames to draw the grid, then take the screenshot.
    std::thread::sleep(Duration::from_secs(2));
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("smoke");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("roster-window.png");
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status()
        .expect("import (ImageMagick) runs");
    let _ = child.kill();
    let _ = child.wait();
    assert!(status.success(), "screenshot failed");
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "the screenshot is nearly empty ({size} bytes): {}",
        shot.display()
    );
    println!("screenshot: {}", shot.display());
}
