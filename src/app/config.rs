//! Where the app keeps things and what it opens first.

use std::path::PathBuf;
use std::sync::Arc;

use roster_core::client::ClientOptions;
use roster_core::profiles::Secrets;

use crate::demo_org::DEMO_PROFILE;

/// Which organisation to open at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartMode {
    /// The profile used last; the demo organisation when there is none.
    LastUsed,
    /// The embedded demo organisation (`roster --demo`).
    Demo,
    /// A named profile.
    Profile(String),
}

impl StartMode {
    /// The profile's name as far as it is known before the store is read.
    pub fn name(&self) -> String {
        match self {
            StartMode::Profile(name) => name.clone(),
            StartMode::Demo => DEMO_PROFILE.to_owned(),
            StartMode::LastUsed => String::new(),
        }
    }
}

/// Where the app keeps things and what it opens.
pub struct AppConfig {
    /// Data directory (store, demo database, token files).
    pub data_dir: PathBuf,
    /// Where tokens are kept.
    pub secrets: Arc<Secrets>,
    /// What to open.
    pub start: StartMode,
    /// How the engine's client talks to servers: timeouts, limits, when an answer
    /// counts as slow (tests shorten that).
    pub client: ClientOptions,
    /// From which sizes work leaves the UI thread (tests lower it).
    pub apart: Apart,
}

/// From how many users work is done off the UI thread: below, it takes a few
/// milliseconds and answers in the same frame.
#[derive(Debug, Clone, Copy)]
pub struct Apart {
    /// Turning a loaded copy into grid rows.
    pub rows_from: usize,
    /// Sorting, filtering and searching the grid.
    pub views_from: usize,
}

impl Default for Apart {
    fn default() -> Self {
        Self {
            rows_from: crate::connection::BUILD_APART_FROM,
            views_from: crate::users::view_worker::BACKGROUND_FROM,
        }
    }
}

impl AppConfig {
    /// The platform's data directory and keyring, and the client's options with what
    /// the environment sets (`ROSTER_MAX_RESPONSE_MB`).
    pub fn system(start: StartMode) -> Result<Self, String> {
        let data_dir = crate::paths::data_dir()?;
        Ok(Self {
            secrets: Arc::new(Secrets::system(data_dir.join("tokens"))),
            data_dir,
            start,
            client: ClientOptions::from_env().map_err(|e| e.to_string())?,
            apart: Apart::default(),
        })
    }
}
