//! What a view or dialog asks for. Views never change the app's state themselves:
//! they return an [`Outcome`], and the app applies its [`Intent`]s in one place
//! (`app/apply.rs`).

use std::path::PathBuf;

use roster_core::engine::{BatchId, Command};
use roster_core::import::ImportId;
use roster_core::model::UserId;

use crate::activity::Tone;
pub use crate::connection::Submission;
use crate::users::action::UserAction;

/// A window that is not modal: it can stay open beside the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Recent operations and errors.
    Log,
    /// Changes not yet confirmed by the server.
    Outbox,
    /// Version, license, where things are kept.
    About,
}

/// One thing the administrator asked for.
#[derive(Debug)]
pub enum Intent {
    /// Send a batch of changes through the outbox, followed as a job.
    Submit(Submission),
    /// A command for the engine (refresh, discard, retry, send an import).
    Engine(Command),
    /// Take back what of a batch was not sent yet (Cancel, Undo).
    CancelBatch(BatchId),
    /// Send a batch's refused changes again.
    RetryFailed(BatchId),
    /// Stop following a batch (its window closes).
    ForgetJob(BatchId),
    /// Stop an import after the batch in flight.
    CancelImport(ImportId),
    /// A user action: open its dialog (or do it, for those without one).
    Act(UserAction),
    /// Open the import wizard on a file.
    ImportFile(PathBuf),
    /// Close the dialog that asked.
    CloseDialog,
    /// Open the "Connect your organisation" dialog.
    Connect,
    /// Open or close a window.
    ShowWindow(Window, bool),
    /// Open the profile of this name (closing the current one).
    OpenProfile(String),
    /// Open the current profile again (after an error, or a role granted).
    Reopen,
    /// List the saved profiles again (after one was saved).
    ReloadProfiles,
    /// A passing notification.
    Notify(Tone, String),
    /// Show these users in the grid: search and filters cleared, them selected.
    ShowUsers(Vec<UserId>),
    /// Select nobody.
    ClearSelection,
    /// Several of the above, in order.
    All(Vec<Intent>),
}

impl Intent {
    /// A passing notification with `tone`.
    pub fn notify(tone: Tone, text: impl Into<String>) -> Self {
        Self::Notify(tone, text.into())
    }
}

/// What a dialog's frame ended with.
#[derive(Debug)]
pub enum Outcome {
    /// Stays open, nothing asked.
    Keep,
    /// Closes, nothing asked.
    Close,
    /// Stays open (unless the intent closes it) and asks for `Intent`.
    Do(Intent),
}

impl Outcome {
    /// Asks for `intent`, then closes.
    pub fn close_with(intent: Intent) -> Self {
        Self::Do(Intent::All(vec![intent, Intent::CloseDialog]))
    }

    /// `Keep` when there is nothing to ask, else all of `intents`.
    pub fn from_intents(mut intents: Vec<Intent>) -> Self {
        match intents.len() {
            0 => Self::Keep,
            1 => Self::Do(intents.remove(0)),
            _ => Self::Do(Intent::All(intents)),
        }
    }
}
