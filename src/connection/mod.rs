//! The connection to one organisation: opening its profile, the engine session, the
//! link's state, what the server supports, the outbox, the batches and imports being
//! sent. It turns the engine's events into plain state and [`Notice`]s for the
//! window; it draws nothing.

mod events;
pub mod jobs;
pub mod link;
mod loading;
pub use loading::BUILD_APART_FROM;
pub mod notice;
pub mod session;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use roster_core::client::{Capabilities, ServerInfo};
use roster_core::engine::{BatchId, Command, Event, ImportProgress, RefreshKind};
use roster_core::import::ImportId;
use roster_core::model::{Change, UserId};
use roster_core::store::OutboxEntry;

use crate::activity::LogLevel;
use crate::demo_org::DEMO_PROFILE;
use crate::users::org::OrgState;
use crate::work::Background;
use jobs::{Jobs, Origin};
pub use link::Link;
pub use notice::Notice;
use session::{Opening, Session};

/// A batch of changes to send as one job.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Its id, from [`jobs::new_batch_id`] (the dialog that asks follows it by it).
    pub batch: BatchId,
    /// What it does, for the log and the progress window ("Add CRM to 120 users").
    pub title: String,
    /// Who waits for its result.
    pub origin: Origin,
    /// The changes.
    pub changes: Vec<Change>,
    /// How long the changes wait in the outbox first (the Undo of deletes).
    pub delay: Option<std::time::Duration>,
}

/// The open (or opening) profile and everything the engine reports about it.
pub struct Connection {
    opening: Option<Opening>,
    session: Option<Session>,
    profile: String,
    /// Connection state.
    pub link: Link,
    /// Full load progress (loaded, total).
    pub progress: Option<(usize, usize)>,
    /// What the server supports and who the token belongs to, once connected.
    pub server: Option<ServerInfo>,
    /// Changes not yet confirmed by the server.
    pub outbox: Vec<OutboxEntry>,
    /// Imports being sent, with their latest progress (the status bar shows them).
    pub imports_running: BTreeMap<ImportId, ImportProgress>,
    /// Batches followed until the server answered every change.
    pub jobs: Jobs,
    /// How and when the copy was last refreshed from the server.
    pub refreshed: Option<(RefreshKind, DateTime<Utc>)>,
    /// Why the copy shown may be out of date (a refused read), until the next
    /// refresh.
    pub stale: Option<String>,
    /// A server answer that is slow to arrive, in words, until the engine moves on.
    pub waiting: Option<String>,
    /// What the server supports, also before connecting (from the last discovery).
    pub capabilities: Option<Capabilities>,
    /// A large copy whose rows are being built off the UI thread.
    building: Option<loading::Building>,
    /// Events held, in order, while a copy is being built or a view is computed from
    /// the rows (applying a change then would copy every row), and every event
    /// after the first of them.
    held: Vec<Event>,
    /// From how many users a loaded copy's rows are built off the UI thread.
    build_apart_from: usize,
    /// Whether a copy lost while being built was asked for again.
    reloaded_after_loss: bool,
}

impl Connection {
    /// Nothing open yet; `profile` is the name to show meanwhile.
    pub fn new(profile: String) -> Self {
        Self {
            opening: None,
            session: None,
            profile,
            link: Link::Connecting,
            progress: None,
            server: None,
            outbox: Vec::new(),
            imports_running: BTreeMap::new(),
            jobs: Jobs::default(),
            refreshed: None,
            stale: None,
            waiting: None,
            capabilities: None,
            building: None,
            held: Vec::new(),
            build_apart_from: BUILD_APART_FROM,
            reloaded_after_loss: false,
        }
    }

    /// A connection that cannot be made, for `message`.
    pub fn failed(profile: String, message: String) -> Self {
        Self {
            link: Link::Failed(message),
            ..Self::new(profile)
        }
    }

    /// Starts opening profile `name` in the background (closing the current one).
    pub fn open(&mut self, name: String, work: &Background) -> Notice {
        // A copy still being built for the previous profile is dropped with it.
        let apart = self.build_apart_from;
        *self = Self::new(name.clone());
        self.build_apart_from = apart;
        let notice = Notice::Log(LogLevel::Info, format!("Opening {name}"));
        self.opening = Some(session::open(work, name));
        notice
    }

    /// The profile's name.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Whether the open profile is the demo organisation.
    pub fn is_demo(&self) -> bool {
        self.profile == DEMO_PROFILE
    }

    /// Whether a session is open (its engine can take commands).
    pub fn is_open(&self) -> bool {
        self.session.is_some()
    }

    /// The signed-in administrator's own user id, when the server says.
    pub fn me(&self) -> Option<&UserId> {
        self.server.as_ref()?.me.as_ref().map(|u| &u.id)
    }

    /// Who acts, for the log: the signed-in administrator.
    pub fn actor(&self) -> String {
        self.server
            .as_ref()
            .and_then(|s| s.me.as_ref())
            .map_or_else(|| self.profile.clone(), |u| u.user_name.clone())
    }

    /// Takes the opened session and the engine's events into state; `org` gets the
    /// data. Returns what the window should tell or pass on.
    pub fn poll(&mut self, org: &mut OrgState) -> Vec<Notice> {
        let mut notices = Vec::new();
        if let Some(rx) = &self.opening
            && let Ok(result) = rx.try_recv()
        {
            self.opening = None;
            match result {
                Ok(session) => self.session = Some(session),
                Err(message) => {
                    notices.push(Notice::Log(LogLevel::Error, message.clone()));
                    self.link = Link::Failed(message);
                }
            }
        }
        let events = match &self.session {
            Some(s) => s.engine.drain(),
            None => Vec::new(),
        };
        if let Some(building) = &self.building {
            match building.poll() {
                loading::Built::Waiting => {}
                loading::Built::Ready(built) => {
                    if let Some(done) = self.building.take() {
                        org.replace_with(*built);
                        self.loaded(done.source, done.users, &mut notices);
                    }
                }
                loading::Built::Lost => {
                    // The copy went with the thread (a bug): loaded once more, and
                    // said so; a second loss is only said, so that it cannot loop.
                    self.building = None;
                    self.progress = None;
                    let text = if self.reloaded_after_loss {
                        "The users could not be prepared for the grid again; the crash \
                         report and the log say why."
                    } else {
                        self.reloaded_after_loss = true;
                        self.send(Command::Reload);
                        "The users could not be prepared for the grid; loading them again."
                    };
                    notices.push(Notice::Log(LogLevel::Error, text.to_owned()));
                    notices.push(Notice::Toast(crate::activity::Tone::Error, text.to_owned()));
                }
            }
        }
        self.take_in(events, org, &mut notices);
        notices
    }

    /// Applies the engine's `events` in order, holding them while the rows are
    /// in use elsewhere (a copy still being built, a view computed from them).
    fn take_in(&mut self, mut events: Vec<Event>, org: &mut OrgState, notices: &mut Vec<Notice>) {
        // The rows are the window's alone again: what was held goes first.
        let rows_shared = Arc::strong_count(&org.rows) > 1;
        if !rows_shared && !self.held.is_empty() {
            events.splice(0..0, std::mem::take(&mut self.held));
        }
        for event in events {
            // Everything after a copy still being built waits for it; a change waits
            // while a view is computed from the rows; and what comes after a held
            // event waits behind it, so that the order stays.
            if self.building.is_some()
                || !self.held.is_empty()
                || (rows_shared && matches!(event, Event::Changed { .. }))
            {
                self.held.push(event);
            } else {
                self.on_event(event, org, notices);
            }
        }
    }

    /// Sets from how many users a loaded copy's rows are built off the UI thread.
    pub fn set_build_apart_from(&mut self, users: usize) {
        self.build_apart_from = users;
    }

    /// Whether a loaded copy is being prepared for the grid (the loading screen, or
    /// the old copy, shows meanwhile).
    pub fn is_preparing(&self) -> bool {
        self.building.is_some()
    }

    /// Sends `command` to the engine, if a profile is open.
    pub fn send(&self, command: Command) {
        if let Some(s) = &self.session {
            s.engine.send(command);
        }
    }

    /// Queues a batch, followed as a job. Returns the log line, or why it cannot be
    /// sent.
    pub fn submit(&mut self, submission: Submission) -> Result<String, String> {
        let Submission {
            batch,
            title,
            origin,
            changes,
            delay,
        } = submission;
        if changes.is_empty() {
            return Err(format!("{title}: nothing to change"));
        }
        let Some(session) = &self.session else {
            return Err(format!("{title}: no organisation is open"));
        };
        let origin = match (origin, delay) {
            (Origin::Delete { .. }, Some(d)) => Origin::Delete {
                send_at: Instant::now() + d,
            },
            (o, _) => o,
        };
        self.jobs.start(batch, title.clone(), origin, changes.len());
        session.engine.send(Command::SubmitBatch {
            batch,
            changes,
            delay,
        });
        Ok(format!("{}: {title} — queued", self.actor()))
    }

    /// Takes back the changes of `batch` that were not sent yet.
    pub fn cancel(&mut self, batch: BatchId) {
        let Some(job) = self.jobs.get_mut(batch) else {
            return;
        };
        job.cancel_requested = true;
        let ids = job.waiting_ids();
        if let Some(s) = &self.session {
            s.engine.cancel(ids);
        }
    }

    /// Stops import `id` after the batch in flight (at once, not behind other
    /// commands).
    pub fn cancel_import(&self, id: ImportId) {
        if let Some(s) = &self.session {
            s.engine.cancel_import(id);
        }
    }

    /// Sends the failed changes of `batch` again.
    pub fn retry_failed(&mut self, batch: BatchId) {
        let Some(job) = self.jobs.get_mut(batch) else {
            return;
        };
        for id in job.retry_failed() {
            self.send(Command::Retry(id));
        }
    }
}

/// A change in words, with the user's email instead of their id.
pub fn describe(org: &OrgState, change: &Change) -> String {
    let name = |id: &UserId| {
        org.user(id)
            .map_or_else(|| id.to_string(), |u| u.user_name.clone())
    };
    match change {
        Change::PatchUser { id, .. } => format!("Edit {}", name(id)),
        Change::DeleteUser { id, .. } => format!("Delete {}", name(id)),
        Change::ResendInvitation { id } => format!("Resend the invitation to {}", name(id)),
        other => other.describe(),
    }
}
