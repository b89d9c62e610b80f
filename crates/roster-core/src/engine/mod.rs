//! The sync engine: a task on the app's tokio runtime that owns the API client and
//! the local store. The app (or the CLI) sends it [`Command`]s and receives
//! [`Event`]s; it never waits on the network.
//!
//! - On start it shows the cached snapshot at once, then connects and refreshes
//!   (full load the first time; then a delta where the server filters on
//!   `meta.lastModified` and a probe proved it, else every user listed and compared;
//!   and a full reconciliation every [`EngineConfig::reconcile_every`] even where
//!   deltas work). [`Event::Refreshed`] says which, and when.
//! - A refresh the server refuses keeps the cached copy and says so:
//!   [`Event::Stale`]. What the server's answers show it lacks is downgraded,
//!   remembered per profile, and announced with [`Event::Capabilities`];
//!   [`Command::Recheck`] forgets it and discovers again.
//! - Every change goes to the outbox first, then to the server; after a crash or
//!   while offline the outbox is replayed, and nothing is created twice.
//! - When the server cannot be reached it reports `Offline`, retries by itself with
//!   backoff, and on `Online` refreshes and flushes the outbox.

mod import;
mod outbox;
mod sync;
mod worker;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc as tokio_mpsc;

use crate::client::{Capabilities, ClientOptions, ListWarning, Profile, ServerInfo, SlowAnswer};
use crate::error::CoreError;
use crate::import::{ImportCounts, ImportId};
use crate::model::{Change, Group, License, Organisation, User, UserId};
use crate::store::{OutboxEntry, OutboxId, Snapshot, Store};

/// What the app asks of the engine.
#[derive(Debug, Clone)]
pub enum Command {
    /// Fetch what changed on the server since the last sync.
    Refresh,
    /// Load everything from the server again.
    Reload,
    /// Forget what the server's answers downgraded, discover its features again and
    /// reload: "Re-check" under "What this server supports". Answered with
    /// [`Event::Connected`] and [`Event::Capabilities`].
    Recheck,
    /// Queue many changes at once (a bulk action), all or none; answered with
    /// [`Event::BatchQueued`] carrying `batch`, so the app can follow their progress.
    SubmitBatch {
        /// The app's name for this batch.
        batch: BatchId,
        /// The changes, sent in this order.
        changes: Vec<Change>,
        /// How long they wait in the outbox before being sent (a delete's undo window).
        delay: Option<Duration>,
    },
    /// Take back a change that was not sent yet (undo), or drop a failed one.
    Discard(OutboxId),
    /// Look at the cancel lane (see [`EngineHandle::cancel`]).
    Cancel,
    /// Send a failed change again.
    Retry(OutboxId),
    /// Send a saved import through `/Bulk`, or resume it where it stopped. Progress
    /// comes as [`Event::Import`].
    SubmitImport(ImportId),
    /// Stop an import after the batch in flight: what was sent stays, the rest stays
    /// pending (submit it again to resume).
    CancelImport(ImportId),
    /// Stop the engine.
    Shutdown,
}

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The local cache, possibly old.
    Cache,
    /// A full load from the server.
    Server,
}

/// How the copy was refreshed (for the status bar: "synced (delta) at 10:42").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshKind {
    /// Every user listed: the first load, or each refresh on a server without a
    /// usable `meta.lastModified` filter.
    Full,
    /// Only what changed since the last sync (`meta.lastModified gt`).
    Delta,
    /// The periodic full listing compared with the copy where deltas work, so that
    /// a change a delta missed does not stay unseen.
    Reconciled,
}

/// What the engine tells the app.
#[derive(Debug, Clone)]
pub enum Event {
    /// A whole organisation to show.
    Loaded {
        /// Users, groups, licenses, organisation, and when it was synced.
        snapshot: Arc<Snapshot>,
        /// Cache or server.
        source: Source,
    },
    /// Full load progress.
    Progress {
        /// Users loaded so far.
        loaded: usize,
        /// Users in all.
        total: usize,
    },
    /// Users changed or removed on the server (delta refresh, or a change confirmed).
    Changed {
        /// New or changed users.
        users: Vec<User>,
        /// Users that no longer exist.
        deleted: Vec<UserId>,
        /// All groups, when they were reloaded.
        groups: Option<Vec<Group>>,
        /// All licenses, when they were reloaded.
        licenses: Option<Vec<License>>,
        /// The organisation, when it was reloaded.
        organisation: Option<Organisation>,
        /// When this sync happened.
        synced_at: DateTime<Utc>,
    },
    /// Connected; what the server supports and who the caller is.
    Connected(Box<ServerInfo>),
    /// The copy was refreshed from the server (after [`Event::Loaded`] or
    /// [`Event::Changed`]), and how.
    Refreshed {
        /// Full listing, delta, or reconciliation.
        how: RefreshKind,
        /// When.
        at: DateTime<Utc>,
    },
    /// A refresh failed for a reason other than the network (the server refused the
    /// read, or answered something unreadable): the copy shown is kept but may be
    /// out of date. Show it marked stale ("as of `last_sync`"). Cleared by the next
    /// [`Event::Refreshed`].
    Stale {
        /// Why, as a read error (`CoreError::ReadRefused` for a refusal).
        error: CoreError,
        /// When the copy was last refreshed.
        last_sync: Option<DateTime<Utc>>,
    },
    /// What the server supports: at start from the last discovery of this profile
    /// (before any connection, for an offline start), and whenever a feature is
    /// downgraded by the server's answers (or a re-check forgot the downgrades).
    /// `Capabilities::features` is the list "What this server supports".
    Capabilities(Box<Capabilities>),
    /// The token's user is not an Organisation Administrator: nothing else will work.
    NotAdministrator,
    /// The server cannot be reached; the engine retries by itself.
    Offline {
        /// Why, for the status bar's tooltip and the log.
        reason: String,
        /// When the data shown was last synced.
        last_sync: Option<DateTime<Utc>>,
    },
    /// Reachable again.
    Online,
    /// The changes not yet confirmed by the server (pending, sending, failed).
    Outbox(Vec<OutboxEntry>),
    /// The changes of a [`Command::SubmitBatch`] were queued.
    BatchQueued {
        /// The batch, as the app named it.
        batch: BatchId,
        /// Its entries, in order.
        entries: Vec<OutboxEntry>,
    },
    /// Changes taken back through the cancel lane before they were sent.
    Cancelled(Vec<OutboxId>),
    /// A delete that the server carried out by deactivating the user (it is still
    /// there, `active: false`). Sent just before the entry's [`Event::Applied`]; the
    /// copy keeps the user, inactive.
    Deactivated {
        /// The delete.
        entry: OutboxEntry,
        /// The user as the server now has it.
        user: Box<User>,
    },
    /// The server confirmed a change.
    Applied {
        /// The change.
        entry: OutboxEntry,
    },
    /// The server refused a change; it stays in the outbox as failed until retried
    /// or discarded.
    Failed {
        /// The change.
        entry: OutboxEntry,
        /// Why, in words.
        error: CoreError,
    },
    /// The change was made against a version the server no longer has.
    Conflict {
        /// The change.
        entry: OutboxEntry,
        /// The user as the server has it now, when it still exists.
        current: Option<Box<User>>,
    },
    /// Where an import is (after each batch, and when it stops).
    Import(ImportProgress),
    /// Something else failed (a refresh, the store); shown in the log window.
    Error(CoreError),
    /// What was wrong with the server's listing of users without stopping it: users
    /// returned twice under one id (each kept once), users sharing a userName (all
    /// kept), users left out for an attribute longer than
    /// [`MAX_ATTRIBUTE_BYTES`](crate::client::MAX_ATTRIBUTE_BYTES). Sent after the
    /// [`Event::Loaded`] or [`Event::Changed`] of the full load or full listing that
    /// saw it, only when there is something to say; each warning `Display`s as a
    /// sentence for the window (all are in the log already).
    ListingWarnings(Vec<ListWarning>),
    /// An answer of the server is slow to arrive: nothing came for a while (stalled)
    /// or only a trickle. Repeated every
    /// [`ClientOptions::slow_notice`](crate::client::ClientOptions::slow_notice)
    /// while it lasts (a progress note for the status bar: "waiting for the server,
    /// 20 s…"); the engine keeps waiting up to `ClientOptions::read_timeout` without a
    /// byte, then the call fails and is retried. The next `Progress`, `Loaded`,
    /// `Changed` or `Refreshed` means it moved on.
    SlowAnswer(SlowAnswer),
}

/// An import's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportProgress {
    /// The import.
    pub id: ImportId,
    /// Rows by result so far.
    pub counts: ImportCounts,
    /// What it is doing.
    pub run: ImportRun,
}

/// What an import is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportRun {
    /// Sending batches.
    Sending,
    /// The server cannot be reached; it tries again by itself.
    Waiting {
        /// Why, in words.
        reason: String,
    },
    /// Stopped by the administrator; the rest is pending.
    Cancelled,
    /// Every row has its result.
    Finished,
    /// Stopped by an error it cannot get past (role, token, store); the rest is
    /// pending.
    Failed(CoreError),
}

/// Settings of one engine.
#[derive(Clone)]
pub struct EngineConfig {
    /// The connection.
    pub profile: Profile,
    /// The local store.
    pub store: Arc<Store>,
    /// How often to look for server changes while online.
    pub refresh_every: Duration,
    /// First wait before reconnecting after going offline (doubles up to 30 s).
    pub reconnect_after: Duration,
    /// Users per `/Bulk` batch of an import (also bounded by the server's limits).
    pub import_batch: usize,
    /// How often every user is listed and compared with the copy even where delta
    /// sync works.
    pub reconcile_every: Duration,
    /// How the client talks to the server (timeouts, limits, when an answer counts
    /// as slow).
    pub client: ClientOptions,
}

impl EngineConfig {
    /// Defaults: refresh every minute, reconcile every 15 minutes, reconnect after
    /// 1 s, imports in batches of 500, [`ClientOptions::default`].
    pub fn new(profile: Profile, store: Arc<Store>) -> Self {
        Self {
            profile,
            store,
            refresh_every: Duration::from_secs(60),
            reconnect_after: Duration::from_secs(1),
            import_batch: 500,
            reconcile_every: Duration::from_secs(15 * 60),
            client: ClientOptions::default(),
        }
    }
}

/// The app's name for a batch of changes (see [`Command::SubmitBatch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchId(pub u64);

/// Changes to take back, read by the engine between two sends: commands wait while
/// a long flush runs, a cancel must not.
pub(crate) type CancelLane = Arc<Mutex<Vec<OutboxId>>>;

/// The app's side of a running engine.
pub struct EngineHandle {
    commands: tokio_mpsc::UnboundedSender<Command>,
    events: mpsc::Receiver<Event>,
    cancels: CancelLane,
    imports: import::Imports,
}

impl EngineHandle {
    /// Sends a command; never blocks. Returns false when the engine has stopped.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }

    /// Takes back the changes `ids` that were not sent yet (a cancelled bulk action),
    /// even while the engine is busy sending others; answered with
    /// [`Event::Cancelled`] listing those that were still waiting.
    pub fn cancel(&self, ids: Vec<OutboxId>) -> bool {
        match self.cancels.lock() {
            Ok(mut lane) => lane.extend(ids),
            Err(poisoned) => poisoned.into_inner().extend(ids),
        }
        self.send(Command::Cancel)
    }

    /// Stops import `id` after the batch in flight, at once (the same as
    /// [`Command::CancelImport`], which waits its turn behind other commands).
    pub fn cancel_import(&self, id: ImportId) {
        self.imports.cancel(id);
    }

    /// The next event, if one is waiting; never blocks.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Every event waiting now.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// Waits for the next event (for the CLI and tests, not the UI thread).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }
}

/// Starts an engine on `runtime`. `wake` is called after each event is sent (the app
/// passes `ctx.request_repaint`).
pub fn start(
    runtime: &tokio::runtime::Handle,
    config: EngineConfig,
    wake: Arc<dyn Fn() + Send + Sync>,
) -> Result<EngineHandle, CoreError> {
    let client = crate::client::ApiClient::with_options(&config.profile, config.client.clone())?;
    let (command_tx, command_rx) = tokio_mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::channel();
    let events = worker::Events::new(event_tx, wake);
    let slow = events.clone();
    client.on_slow_answer(Arc::new(move |answer| {
        slow.send(Event::SlowAnswer(answer.clone()));
    }));
    let cancels = CancelLane::default();
    let imports = import::Imports::default();
    let worker = worker::Worker::new(
        config,
        client,
        events,
        Arc::clone(&cancels),
        imports.clone(),
    );
    runtime.spawn(worker.run(command_rx));
    Ok(EngineHandle {
        commands: command_tx,
        events: event_rx,
        cancels,
        imports,
    })
}
