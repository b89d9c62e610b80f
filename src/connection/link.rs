//! The connection as the status bar tells it.

use chrono::{DateTime, Utc};

/// Where the connection to the organisation's server is.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// Opening the profile or connecting.
    Connecting,
    /// Connected.
    Online,
    /// Unreachable; the engine retries by itself.
    Offline {
        /// Why.
        reason: String,
        /// When the data shown was last synced.
        last_sync: Option<DateTime<Utc>>,
    },
    /// The token's user is not an Organisation Administrator.
    NotAdministrator,
    /// The profile could not be opened or the server refused the token.
    Failed(String),
}
