//! The About window, driven through egui_kittest on the real app (demo organisation
//! served in-process on 127.0.0.1): version, license, the data and log directories,
//! and "Open log folder" running the system's opener on the log directory.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use roster::app::{AppConfig, RosterApp, StartMode};
use roster_core::profiles::Secrets;
use roster_core::secrets::KeyringSecrets;

fn secrets(dir: &Path) -> Arc<Secrets> {
    let keyring: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock keyring");
    Arc::new(Secrets::with_keyring(
        Box::new(KeyringSecrets::in_store(keyring)),
        dir.join("tokens"),
    ))
}

fn harness(data_dir: &Path) -> Harness<'static, RosterApp> {
    let config = AppConfig {
        data_dir: data_dir.to_owned(),
        secrets: secrets(data_dir),
        start: StartMode::Demo,
        client: Default::default(),
        apart: Default::default(),
    };
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |cc| RosterApp::new(cc, config))
}

/// Steps frames (in real time: the opener runs in another process) until `done`.
fn step_until(
    h: &mut Harness<'_, RosterApp>,
    what: &str,
    done: impl Fn(&Harness<'_, RosterApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(h) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

/// One test on purpose: it puts a stand-in `xdg-open` first on PATH before any thread
/// of the app exists, so that no other test's threads read the environment meanwhile.
#[test]
fn about_shows_version_license_and_directories_and_opens_the_log_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_dir = data.join("logs");
    // A stand-in for the desktop's opener, recording what it was asked to open.
    let bin = dir.path().join("bin");
    let opened = dir.path().join("opened.txt");
    std::fs::create_dir_all(&bin).unwrap();
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = bin.join("xdg-open");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin.clone()];
        dirs.extend(std::env::split_paths(&path));
        // SAFETY: no other thread of this test binary exists yet (a single test, and
        // the app is built below).
        unsafe { std::env::set_var("PATH", std::env::join_paths(dirs).unwrap()) };
    }

    let mut h = harness(&data);
    h.run_steps(2);
    assert!(
        h.query_by_label("About Roster").is_none(),
        "open before asked"
    );
    h.get_by_role_and_label(Role::Button, "About").click();
    h.run_steps(2);
    assert!(h.state().shell.windows.about);
    h.get_by_label("About Roster");
    h.get_by_label(&format!("Version {}", env!("CARGO_PKG_VERSION")));
    h.get_by_label(&format!("License: {}", env!("CARGO_PKG_LICENSE")));
    h.get_by_label(&data.display().to_string());
    h.get_by_label(&log_dir.display().to_string());
    h.get_by_label("Logs and crash reports");

    #[cfg(target_os = "linux")]
    {
        h.get_by_role_and_label(Role::Button, "Open log folder")
            .click();
        step_until(&mut h, "the opener to run", |_| opened.exists());
        step_until(&mut h, "the outcome", |h| {
            h.query_by_label("Opened in your file manager").is_some()
        });
        assert!(log_dir.is_dir(), "the log folder is created to be opened");
        assert_eq!(
            std::fs::read_to_string(&opened).unwrap(),
            log_dir.display().to_string()
        );
    }

    // The About button closes it again.
    h.get_by_role_and_label(Role::Button, "About").click();
    h.run_steps(2);
    assert!(!h.state().shell.windows.about);
    assert!(h.query_by_label("About Roster").is_none());
}
