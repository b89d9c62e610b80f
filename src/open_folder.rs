//! Opens a folder in the system's file manager without blocking the caller.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The program that opens a folder on this system.
fn opener() -> &'static str {
    if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// Creates `dir` if needed (an empty log folder is still worth opening) and opens it.
/// Returns at once; `done` is called from another thread with the outcome, in words.
pub fn open(dir: &Path, done: impl FnOnce(Result<(), String>) + Send + 'static) {
    let dir: PathBuf = dir.to_owned();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        done(Err(format!("cannot create {}: {e}", dir.display())));
        return;
    }
    let program = opener();
    let mut child = match Command::new(program).arg(&dir).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            done(Err(format!("`{program}` is not installed")));
            return;
        }
        Err(e) => {
            done(Err(format!("`{program}` could not be started: {e}")));
            return;
        }
    };
    // Waiting (and so reaping the child) happens off the caller's thread.
    let waiter = std::thread::Builder::new()
        .name("open-folder".to_owned())
        .spawn(move || {
            let outcome = match child.wait() {
                // explorer.exe exits with 1 even when it opened the folder.
                Ok(status) if status.success() || cfg!(target_os = "windows") => Ok(()),
                Ok(status) => Err(format!(
                    "`{program}` found no file manager to open it ({status})"
                )),
                Err(e) => Err(format!("`{program}` failed: {e}")),
            };
            done(outcome);
        });
    if let Err(e) = waiter {
        tracing::warn!("cannot wait for {program}: {e}");
    }
}
