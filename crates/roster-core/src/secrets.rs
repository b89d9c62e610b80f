//! Where API tokens are kept: the operating system's keyring, or, when none is
//! available and the user chooses it explicitly, a file only they can read.
//!
//! Tokens are never written to the store, the settings, or a log.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::api::CredentialStore;

/// The keyring service name Roster's entries live under.
const SERVICE: &str = "org.roster.Roster";

/// Why a token could not be kept or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// No keyring service runs (on Linux: no Secret Service on D-Bus).
    #[error(
        "No keyring is available to keep the API token ({reason}). Start your desktop's \
         keyring (e.g. GNOME Keyring or KWallet), or choose to keep the token in a file \
         that only your account can read."
    )]
    NoKeyring {
        /// What the keyring library said.
        reason: String,
    },
    /// The keyring or the token file failed.
    #[error("The API token could not be {action}: {reason}")]
    Failed {
        /// "saved", "read" or "removed".
        action: &'static str,
        /// What failed.
        reason: String,
    },
}

/// A place that keeps one token per connection profile.
pub trait SecretStore: Send + Sync {
    /// The token of `profile`, if one is kept.
    fn get(&self, profile: &str) -> Result<Option<String>, SecretError>;
    /// Keeps `token` for `profile`, replacing any earlier one.
    fn set(&self, profile: &str, token: &str) -> Result<(), SecretError>;
    /// Forgets the token of `profile` (no error when there is none).
    fn delete(&self, profile: &str) -> Result<(), SecretError>;
    /// Where tokens are kept, for the user ("the system keyring", a file path).
    fn describe(&self) -> String;
}

/// The operating system's keyring (Secret Service, Keychain, Credential Manager).
pub struct KeyringSecrets {
    /// A specific credential store (tests use keyring-core's mock); `None` is the
    /// platform's default store.
    store: Option<Arc<CredentialStore>>,
}

impl KeyringSecrets {
    /// The platform keyring, if one is running.
    pub fn system() -> Result<Self, SecretError> {
        keyring::Entry::store_status()
            .as_ref()
            .map_err(|e| SecretError::NoKeyring {
                reason: e.to_string(),
            })?;
        Ok(Self { store: None })
    }

    /// Keeps tokens in `store` (for tests: `keyring_core::mock::Store`).
    pub fn in_store(store: Arc<CredentialStore>) -> Self {
        Self { store: Some(store) }
    }

    fn entry(&self, profile: &str) -> Result<keyring_core::Entry, SecretError> {
        let entry = match &self.store {
            Some(store) => keyring_core::Entry::new_in_store(store, SERVICE, profile),
            None => keyring::Entry::new(SERVICE, profile).map(|e| e.inner),
        };
        entry.map_err(|e| match e {
            keyring_core::Error::NoDefaultStore => SecretError::NoKeyring {
                reason: e.to_string(),
            },
            other => SecretError::Failed {
                action: "read",
                reason: other.to_string(),
            },
        })
    }
}

impl SecretStore for KeyringSecrets {
    fn get(&self, profile: &str) -> Result<Option<String>, SecretError> {
        match self.entry(profile)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_failure("read", e)),
        }
    }

    fn set(&self, profile: &str, token: &str) -> Result<(), SecretError> {
        self.entry(profile)?
            .set_password(token)
            .map_err(|e| keyring_failure("saved", e))
    }

    fn delete(&self, profile: &str) -> Result<(), SecretError> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_failure("removed", e)),
        }
    }

    fn describe(&self) -> String {
        "the system keyring".to_owned()
    }
}

fn keyring_failure(action: &'static str, e: keyring_core::Error) -> SecretError {
    match e {
        keyring_core::Error::NoStorageAccess(_) | keyring_core::Error::NoDefaultStore => {
            SecretError::NoKeyring {
                reason: e.to_string(),
            }
        }
        other => SecretError::Failed {
            action,
            reason: other.to_string(),
        },
    }
}

/// Tokens in files readable only by the user (mode 0600 on Unix), one per profile:
/// the explicit alternative when no keyring runs.
pub struct FileSecrets {
    dir: PathBuf,
}

impl FileSecrets {
    /// Keeps token files in `dir` (created with mode 0700 when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, profile: &str) -> PathBuf {
        // Profile names are the user's words: keep the file name to safe characters.
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.token"))
    }
}

fn io_failure(action: &'static str, path: &Path, e: std::io::Error) -> SecretError {
    SecretError::Failed {
        action,
        reason: format!("{}: {e}", path.display()),
    }
}

impl SecretStore for FileSecrets {
    fn get(&self, profile: &str) -> Result<Option<String>, SecretError> {
        let path = self.path(profile);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_failure("read", &path, e)),
        }
    }

    fn set(&self, profile: &str, token: &str) -> Result<(), SecretError> {
        create_private_dir(&self.dir).map_err(|e| io_failure("saved", &self.dir, e))?;
        let path = self.path(profile);
        write_private(&path, token.as_bytes()).map_err(|e| io_failure("saved", &path, e))
    }

    fn delete(&self, profile: &str) -> Result<(), SecretError> {
        let path = self.path(profile);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_failure("removed", &path, e)),
        }
    }

    fn describe(&self) -> String {
        format!("files readable only by you in {}", self.dir.display())
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Writes `bytes` to a new file created with mode 0600 (no window where it is
/// readable by others), replacing `path` atomically.
#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("token.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_round_trip_with_the_mock_store() {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
        let secrets = KeyringSecrets::in_store(store);
        assert_eq!(secrets.get("acme").unwrap(), None);
        secrets.set("acme", "rst_secret").unwrap();
        assert_eq!(secrets.get("acme").unwrap().as_deref(), Some("rst_secret"));
        secrets.delete("acme").unwrap();
        secrets.delete("acme").unwrap();
        assert_eq!(secrets.get("acme").unwrap(), None);
    }

    #[test]
    fn file_secrets_are_private_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = FileSecrets::new(dir.path().join("tokens"));
        secrets.set("Acme Corp/prod", "rst_file").unwrap();
        assert_eq!(
            secrets.get("Acme Corp/prod").unwrap().as_deref(),
            Some("rst_file")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = secrets.path("Acme Corp/prod");
            assert!(
                path.starts_with(dir.path().join("tokens")),
                "no path escape"
            );
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dir_mode = std::fs::metadata(dir.path().join("tokens"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dir_mode, 0o700);
        }
        secrets.delete("Acme Corp/prod").unwrap();
        assert_eq!(secrets.get("Acme Corp/prod").unwrap(), None);
    }
}
