//! Connection profiles: which organisations Roster knows, and how to reach them.
//!
//! A profile's settings (name, base URL, CA certificate file, where its token is
//! kept) live in the local store; its token lives in a [`SecretStore`], never in the
//! store.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::client::{Profile, Token};
use crate::error::CoreError;
use crate::secrets::{FileSecrets, KeyringSecrets, SecretError, SecretStore};
use crate::store::Store;

/// The profile setting key holding a profile's [`ProfileSettings`] (JSON).
const SETTINGS_KEY: &str = "connection";
/// The global setting holding the name of the profile opened last.
const LAST_USED_KEY: &str = "last_profile";

/// Where a profile's token is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPlace {
    /// The operating system's keyring.
    Keyring,
    /// A file readable only by the user (chosen explicitly when no keyring runs).
    File,
}

/// What Roster remembers about a connection (everything but the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSettings {
    /// The name the user gave it.
    pub name: String,
    /// The SCIM base URL, e.g. `https://admin.example.com/scim/v2`.
    pub base_url: String,
    /// An extra CA certificate (PEM file) to trust, for a company CA.
    pub ca_certificate: Option<PathBuf>,
    /// Where the token is kept.
    pub token_place: TokenPlace,
}

/// Why a profile could not be used or saved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// No profile of that name.
    #[error("There is no connection named {0:?}. `roster profile list` shows them.")]
    Unknown(String),
    /// The token could not be kept or read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// No token is kept for the profile.
    #[error("No API token is kept for {0:?}; add the connection again with its token.")]
    NoToken(String),
    /// The CA certificate file could not be read.
    #[error("The CA certificate {path} could not be read: {reason}")]
    Certificate {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Where tokens go: the keyring, and the files of the explicit alternative.
pub struct Secrets {
    keyring: Result<Box<dyn SecretStore>, SecretError>,
    files: FileSecrets,
}

impl Secrets {
    /// The system keyring (if one runs) and token files in `file_dir`.
    pub fn system(file_dir: impl Into<PathBuf>) -> Self {
        Self {
            keyring: KeyringSecrets::system().map(|k| Box::new(k) as Box<dyn SecretStore>),
            files: FileSecrets::new(file_dir),
        }
    }

    /// A given keyring (tests) and token files in `file_dir`.
    pub fn with_keyring(keyring: Box<dyn SecretStore>, file_dir: impl Into<PathBuf>) -> Self {
        Self {
            keyring: Ok(keyring),
            files: FileSecrets::new(file_dir),
        }
    }

    /// Whether a keyring is available, and if not, why.
    pub fn keyring_status(&self) -> Result<(), SecretError> {
        self.keyring.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    fn place(&self, place: TokenPlace) -> Result<&dyn SecretStore, SecretError> {
        match place {
            TokenPlace::Keyring => self.keyring.as_deref().map_err(Clone::clone),
            TokenPlace::File => Ok(&self.files),
        }
    }
}

/// Every profile, by name.
pub fn list(store: &Store) -> Result<Vec<ProfileSettings>, ProfileError> {
    let rows = store
        .profiles_with_setting(SETTINGS_KEY)
        .map_err(CoreError::from)?;
    Ok(rows
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str(&json).ok())
        .collect())
}

/// The profile called `name`.
pub fn get(store: &Store, name: &str) -> Result<ProfileSettings, ProfileError> {
    let json = store
        .get_profile_setting(name, SETTINGS_KEY)
        .map_err(CoreError::from)?
        .ok_or_else(|| ProfileError::Unknown(name.to_owned()))?;
    serde_json::from_str(&json).map_err(|e| {
        ProfileError::Core(CoreError::Store {
            detail: format!("the settings of {name:?} are unreadable: {e}"),
        })
    })
}

/// Saves `settings` and keeps `token` where they say.
pub fn save(
    store: &Store,
    secrets: &Secrets,
    settings: &ProfileSettings,
    token: &Token,
) -> Result<(), ProfileError> {
    secrets
        .place(settings.token_place)?
        .set(&settings.name, token.expose())?;
    let json = serde_json::to_string(settings).map_err(|e| CoreError::Store {
        detail: e.to_string(),
    })?;
    store
        .set_profile_setting(&settings.name, SETTINGS_KEY, &json)
        .map_err(CoreError::from)?;
    Ok(())
}

/// Forgets the profile: its settings, its token and its cached data.
pub fn remove(store: &Store, secrets: &Secrets, name: &str) -> Result<(), ProfileError> {
    let settings = get(store, name)?;
    secrets.place(settings.token_place)?.delete(name)?;
    store
        .remove_profile_setting(name, SETTINGS_KEY)
        .map_err(CoreError::from)?;
    store.forget_profile(name).map_err(CoreError::from)?;
    if last_used(store)?.as_deref() == Some(name) {
        store
            .remove_setting(LAST_USED_KEY)
            .map_err(CoreError::from)?;
    }
    Ok(())
}

/// The connection of `settings`: its token read and its CA certificate loaded.
pub fn connection(settings: &ProfileSettings, secrets: &Secrets) -> Result<Profile, ProfileError> {
    let token = secrets
        .place(settings.token_place)?
        .get(&settings.name)?
        .ok_or_else(|| ProfileError::NoToken(settings.name.clone()))?;
    let ca_certificate_pem = match &settings.ca_certificate {
        None => None,
        Some(path) => Some(std::fs::read(path).map_err(|e| ProfileError::Certificate {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?),
    };
    Ok(Profile {
        name: settings.name.clone(),
        base_url: settings.base_url.clone(),
        token: Token::new(token),
        ca_certificate_pem,
    })
}

/// The profile opened last, if any.
pub fn last_used(store: &Store) -> Result<Option<String>, ProfileError> {
    Ok(store.get_setting(LAST_USED_KEY).map_err(CoreError::from)?)
}

/// Remembers `name` as the profile to reopen.
pub fn set_last_used(store: &Store, name: &str) -> Result<(), ProfileError> {
    Ok(store
        .set_setting(LAST_USED_KEY, name)
        .map_err(CoreError::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn secrets(dir: &std::path::Path) -> Secrets {
        let store: Arc<keyring_core::CredentialStore> =
            keyring_core::mock::Store::new().expect("mock keyring");
        Secrets::with_keyring(
            Box::new(KeyringSecrets::in_store(store)),
            dir.join("tokens"),
        )
    }

    #[test]
    fn profiles_round_trip_with_tokens_outside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::in_memory().unwrap();
        let secrets = secrets(dir.path());
        let acme = ProfileSettings {
            name: "acme".into(),
            base_url: "https://admin.acme.example/scim/v2".into(),
            ca_certificate: None,
            token_place: TokenPlace::Keyring,
        };
        let lab = ProfileSettings {
            name: "lab".into(),
            base_url: "http://127.0.0.1:9/scim/v2".into(),
            ca_certificate: None,
            token_place: TokenPlace::File,
        };
        save(&store, &secrets, &acme, &Token::new("rst_acme")).unwrap();
        save(&store, &secrets, &lab, &Token::new("rst_lab")).unwrap();
        assert_eq!(list(&store).unwrap(), vec![acme.clone(), lab.clone()]);
        let profile = connection(&acme, &secrets).unwrap();
        assert_eq!(profile.token.expose(), "rst_acme");
        assert_eq!(
            connection(&lab, &secrets).unwrap().token.expose(),
            "rst_lab"
        );
        set_last_used(&store, "lab").unwrap();
        remove(&store, &secrets, "lab").unwrap();
        assert_eq!(last_used(&store).unwrap(), None);
        assert!(matches!(get(&store, "lab"), Err(ProfileError::Unknown(_))));
        assert!(!dir.path().join("tokens/lab.token").exists());
        // The token is nowhere in the store's settings.
        let stored = store
            .get_profile_setting("acme", SETTINGS_KEY)
            .unwrap()
            .unwrap();
        assert!(!stored.contains("rst_acme"));
    }

    #[test]
    fn unreadable_certificate_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = secrets(dir.path());
        let settings = ProfileSettings {
            name: "ca".into(),
            base_url: "https://x.example/scim/v2".into(),
            ca_certificate: Some(dir.path().join("missing.pem")),
            token_place: TokenPlace::File,
        };
        save(
            &Store::in_memory().unwrap(),
            &secrets,
            &settings,
            &Token::new("t"),
        )
        .unwrap();
        let err = connection(&settings, &secrets).unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
    }
}
