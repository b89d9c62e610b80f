//! Errors of the engine, each with a message a person can act on.

use roster_proto::ScimType;

/// Everything that can go wrong between Roster and the organisation's server.
///
/// The `Display` text is what the app shows; it says what happened and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    /// The token's user lacks the Organisation Administrator role (HTTP 403).
    #[error(
        "Your account is not an Organisation Administrator of this organisation, and every \
         action in Roster needs that role. Ask your organisation's administrator to grant it."
    )]
    NotAdministrator,
    /// The server does not accept the token (HTTP 401).
    #[error(
        "The server did not accept the API token: it may be mistyped, expired or revoked. \
         Edit the connection and enter a valid token."
    )]
    Unauthorized,
    /// An email outside the organisation's authorized domains.
    #[error("{detail}")]
    DomainNotAuthorized {
        /// The server's explanation, naming the address and the allowed domains.
        detail: String,
    },
    /// A user or group with that name exists already (HTTP 409).
    #[error("Already exists: {detail}")]
    AlreadyExists {
        /// The server's explanation.
        detail: String,
    },
    /// The resource changed on the server since it was loaded (HTTP 412).
    #[error(
        "Someone changed this on the server since Roster loaded it. Reload to see their \
         change, then apply yours again or discard it."
    )]
    Conflict,
    /// The resource does not exist (any more).
    #[error("Not found: {detail}")]
    NotFound {
        /// The server's explanation.
        detail: String,
    },
    /// The server refused the request as invalid (HTTP 400 and others).
    #[error("The server refused the change: {detail}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// SCIM detail code, if given.
        scim_type: Option<ScimType>,
        /// The server's explanation.
        detail: String,
    },
    /// A read (a refresh, a lookup) that the server refused for good (400, 404,
    /// 405, 501…) or answered with something unreadable: the cached copy stays, marked
    /// stale. Not retried as if offline.
    #[error(
        "The server refused to send the organisation's data ({detail}). Roster shows its \
         local copy, which may be out of date."
    )]
    ReadRefused {
        /// HTTP status (0 for an unreadable answer).
        status: u16,
        /// The server's explanation.
        detail: String,
    },
    /// The server could not be reached (connection refused, reset, timeout, DNS).
    #[error(
        "Cannot reach the server ({reason}). Roster works from its local copy, keeps your \
         changes, and retries by itself."
    )]
    Offline {
        /// What failed, for the log window.
        reason: String,
    },
    /// The server failed (HTTP 5xx) or is overloaded (429) beyond the retries.
    #[error("The server had a problem (HTTP {status}): {detail}. Roster will try again later.")]
    Server {
        /// HTTP status.
        status: u16,
        /// What it said.
        detail: String,
    },
    /// The server answered something that is not SCIM.
    #[error("The server's answer could not be understood: {detail}")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// The server's answer contradicts itself or goes beyond what Roster accepts: a
    /// listing whose pages deny its `totalResults`, pages that bring nothing new, an
    /// answer larger than the configured limit. Not retried: the same call would get
    /// the same answer.
    #[error(
        "The server's answer does not add up, so Roster stopped: {detail}. Tell the \
         server's administrator; Roster keeps working from its local copy."
    )]
    Implausible {
        /// What was wrong, with the numbers.
        detail: String,
    },
    /// The connection settings are unusable (bad URL, unreadable CA certificate).
    #[error("The connection settings are not usable: {detail}")]
    Config {
        /// What is wrong.
        detail: String,
    },
    /// The local store failed.
    #[error("Roster's local data could not be read or written: {detail}")]
    Store {
        /// What failed.
        detail: String,
    },
}

impl CoreError {
    /// Whether trying the same call again later may succeed (network, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Offline { .. } | Self::Server { .. })
    }

    /// This error as a failed read: a refusal of a request (`Rejected`, `NotFound`,
    /// `Protocol`) becomes `ReadRefused`, so that it is not shown as "the server
    /// refused the change"; every other error stays as it is.
    pub fn into_read_error(self) -> Self {
        match self {
            Self::Rejected { status, detail, .. } => Self::ReadRefused {
                status,
                detail: format!("HTTP {status}: {detail}"),
            },
            Self::NotFound { detail } => Self::ReadRefused {
                status: 404,
                detail: format!("HTTP 404: {detail}"),
            },
            Self::Protocol { detail } => Self::ReadRefused { status: 0, detail },
            other => other,
        }
    }

    /// Whether the server could not be reached at all.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline { .. })
    }
}
