//! Where Roster keeps its data and logs.

use std::path::PathBuf;

/// The data directory: `ROSTER_DATA_DIR` when set (tests, portable use), else the
/// platform's (e.g. `~/.local/share/roster` on Linux).
pub fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("ROSTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    roster_core::store::project_dirs()
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| "no home directory was found to keep Roster's data in".to_owned())
}

/// Where the log files and crash reports go: `logs/` in the data directory.
pub fn log_dir() -> Result<PathBuf, String> {
    Ok(log_dir_in(&data_dir()?))
}

/// The log directory of the data directory `data_dir`.
pub fn log_dir_in(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}

/// The file of window settings (size, layout, column widths) that eframe keeps:
/// where eframe puts it for the name "Roster", e.g. `~/.local/share/roster/app.ron`.
pub fn window_settings_file() -> Option<PathBuf> {
    eframe::storage_dir("Roster").map(|d| d.join("app.ron"))
}

/// Where token files go when the user chooses files over the keyring.
pub fn token_dir() -> Result<PathBuf, String> {
    Ok(data_dir()?.join("tokens"))
}

/// Holds the data directory for this process: one Roster at a time may use it, since
/// opening the store resumes changes that were being sent, and a second process
/// would send them again. Dropping the value releases the directory.
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Takes the data directory `dir`, or says plainly that another Roster has it.
pub fn lock_data_dir(dir: &std::path::Path) -> Result<DataDirLock, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("roster.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(DataDirLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "Roster is already running with the data in {} (a window or a command); \
             close it first",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = super::lock_data_dir(dir.path()).unwrap();
        let err = super::lock_data_dir(dir.path()).unwrap_err();
        assert!(err.contains("already running"), "{err}");
        drop(first);
        super::lock_data_dir(dir.path()).unwrap();
    }
}
