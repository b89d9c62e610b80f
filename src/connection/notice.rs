//! What the connection tells the window after handling the engine's events: lines
//! for the log, toasts, and news a dialog may be waiting for.

use roster_core::engine::{BatchId, ImportProgress};
use roster_core::model::User;
use roster_core::store::OutboxId;

use crate::activity::{LogLevel, Tone};

/// One piece of news for the window.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A line for the log window.
    Log(LogLevel, String),
    /// A passing notification.
    Toast(Tone, String),
    /// The server refused a change of `batch` because the user changed meanwhile
    /// (412); `current` is the user as the server has it now (`None`: deleted).
    Conflict {
        /// The batch (the edit dialog's, when it is open on it).
        batch: BatchId,
        /// The refused change.
        entry: OutboxId,
        /// The server's version.
        current: Option<Box<User>>,
    },
    /// An import's progress (the wizard follows the one it shows).
    Import(ImportProgress),
    /// Users changed or left: the selection and the pending marks follow.
    DataChanged,
    /// The outbox changed.
    OutboxChanged,
}
