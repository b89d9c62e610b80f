//! The read-only view of the app that views and dialogs draw from.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roster_core::client::{Capabilities, ServerInfo};
use roster_core::engine::{ImportProgress, RefreshKind};
use roster_core::import::ImportId;
use roster_core::model::UserId;
use roster_core::store::OutboxEntry;

use crate::activity::Log;
use crate::connection::Link;
use crate::connection::jobs::Jobs;
use crate::files::picker::SavePicker;
use crate::users::org::OrgState;
use crate::work::Background;

use super::supports::Lacking;

/// Everything a view may read, nothing it may change. The app builds one per frame;
/// tests build one from parts, without a server.
pub struct ViewContext<'a> {
    /// The organisation's data.
    pub org: &'a OrgState,
    /// The connection's state.
    pub link: &'a Link,
    /// What the server supports and who the token belongs to, once connected.
    pub server: Option<&'a ServerInfo>,
    /// The open profile's name.
    pub profile: &'a str,
    /// Whether it is the demo organisation.
    pub demo: bool,
    /// The saved profiles' names (read in the background).
    pub profiles: &'a [String],
    /// Full load progress (loaded, total).
    pub progress: Option<(usize, usize)>,
    /// How and when the copy was last refreshed from the server.
    pub refreshed: Option<(RefreshKind, DateTime<Utc>)>,
    /// Why the copy shown may be out of date (a refused read).
    pub stale: Option<&'a str>,
    /// A server answer slow to arrive, in words (the status bar shows it).
    pub waiting: Option<&'a str>,
    /// What the server supports (also before connecting, from the last discovery).
    pub capabilities: Option<&'a Capabilities>,
    /// What of it the window offers disabled, and why (from `capabilities`).
    pub lacks: Lacking,
    /// Changes not yet confirmed by the server.
    pub outbox: &'a [OutboxEntry],
    /// Batches followed until the server answered.
    pub jobs: &'a Jobs,
    /// Imports being sent.
    pub imports_running: &'a BTreeMap<ImportId, ImportProgress>,
    /// Recent operations and errors.
    pub log: &'a Log,
    /// Whether a modal dialog is open (the grid's keys then wait).
    pub modal_open: bool,
    /// Windows open beside the grid.
    pub windows: Windows,
    /// Store and runtime work, started from a view, answered later.
    pub work: &'a Background,
    /// The "save as" picker (tests answer it).
    pub save_picker: &'a dyn SavePicker,
    /// The time this frame is drawn at: ages ("4 days old") are counted from it, so a
    /// test can fix it.
    pub now: DateTime<Utc>,
}

/// The non-modal windows that are open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Windows {
    /// The log window.
    pub log: bool,
    /// The pending changes window.
    pub outbox: bool,
    /// The About window.
    pub about: bool,
}

impl ViewContext<'_> {
    /// The signed-in administrator's own user id, when the server says.
    pub fn me(&self) -> Option<&UserId> {
        self.server?.me.as_ref().map(|u| &u.id)
    }

    /// Whether the server is reachable now.
    pub fn online(&self) -> bool {
        *self.link == Link::Online
    }
}
