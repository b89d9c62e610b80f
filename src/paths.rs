//! Where Roster keeps its data and logs.

use std::path::PathBuf;

/// The data directory: `ROSTER_DATA_DIR` when set (tests, portable use), else the
/// platform's (e.g. `~/.local/share/roster` on Linux).
pub fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("ROSTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "Roster", "Roster")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| "no home directory was found to keep Roster's data in".to_owned())
}

/// Where token files go when the user chooses files over the keyring.
pub fn token_dir() -> Result<PathBuf, String> {
    Ok(data_dir()?.join("tokens"))
}
