//! The window: its state, the engine session behind it, and the frame loop.
//!
//! The UI thread never waits: the engine runs on a tokio runtime owned here, and
//! each frame drains its events into plain state before drawing.

pub mod actions;
pub mod jobs;
pub mod log;
pub mod org;
pub mod page;
pub mod session;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use roster_core::client::ServerInfo;
use roster_core::engine::{Event, Source};
use roster_core::profiles::Secrets;
use roster_core::store::{OutboxEntry, Store};

use crate::demo_org::DEMO_PROFILE;
use crate::ui;
use log::{Log, LogLevel};
use org::OrgState;
use page::UsersPage;
use session::{Opening, Session};

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

/// Where the app keeps things and what it opens.
pub struct AppConfig {
    /// Data directory (store, demo database, token files).
    pub data_dir: PathBuf,
    /// Where tokens are kept.
    pub secrets: Arc<Secrets>,
    /// What to open.
    pub start: StartMode,
}

impl AppConfig {
    /// The platform's data directory and keyring.
    pub fn system(start: StartMode) -> Result<Self, String> {
        let data_dir = crate::paths::data_dir()?;
        Ok(Self {
            secrets: Arc::new(Secrets::system(data_dir.join("tokens"))),
            data_dir,
            start,
        })
    }
}

/// The connection as the status bar tells it.
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

/// Windows and dialogs that are open.
#[derive(Default)]
pub struct Dialogs {
    /// The "Connect your organisation" dialog.
    pub connect: Option<ui::connect_dialog::ConnectDialog>,
    /// The log window.
    pub log: bool,
    /// The pending changes window.
    pub outbox: bool,
    /// The CSV import wizard.
    pub import: Option<ui::import::wizard::ImportWizard>,
    /// "New User +".
    pub invite: Option<ui::dialogs::invite_dialog::InviteDialog>,
    /// Edit a user.
    pub edit: Option<ui::dialogs::edit_dialog::EditDialog>,
    /// Delete confirmation.
    pub delete: Option<ui::dialogs::delete_dialog::DeleteDialog>,
    /// Allow / disable local login confirmation.
    pub local_login: Option<ui::dialogs::local_login_dialog::LocalLoginDialog>,
    /// Licenses or groups for many users.
    pub bulk: Option<ui::dialogs::bulk_dialog::BulkDialog>,
    /// The About window.
    pub about: bool,
}

impl Dialogs {
    /// Whether a modal dialog is open (the grid's keys and buttons then wait).
    pub fn modal_open(&self) -> bool {
        self.connect.is_some()
            || self.invite.is_some()
            || self.edit.is_some()
            || self.delete.is_some()
            || self.local_login.is_some()
            || self.bulk.is_some()
            || self.import.is_some()
    }
}

/// The whole app.
pub struct RosterApp {
    runtime: tokio::runtime::Runtime,
    /// This process's hold on the data directory (`None` when another Roster has it).
    _data_lock: Option<crate::paths::DataDirLock>,
    /// The local store.
    pub store: Arc<Store>,
    /// Where tokens are kept.
    pub secrets: Arc<Secrets>,
    data_dir: PathBuf,
    ctx: egui::Context,
    opening: Option<Opening>,
    /// The open profile, once opened.
    pub session: Option<Session>,
    /// Its name (also while opening).
    pub profile: String,
    /// Connection state.
    pub link: Link,
    /// Full load progress (loaded, total).
    pub progress: Option<(usize, usize)>,
    /// What the server supports, once connected.
    pub server: Option<ServerInfo>,
    /// The data.
    pub org: OrgState,
    /// The users page: query, view, selection.
    pub page: UsersPage,
    /// Changes not yet confirmed by the server.
    pub outbox: Vec<OutboxEntry>,
    /// Recent operations and errors.
    pub log: Log,
    /// Open dialogs.
    pub dialogs: Dialogs,
    /// Result notifications.
    pub toasts: egui_notify::Toasts,
    /// The window title last sent.
    pub window_title: Option<String>,
    /// Batches of changes followed until the server answers.
    pub jobs: jobs::Jobs,
    /// Exports in progress.
    pub exports: Vec<crate::files::export::Export>,
    /// Imports being sent, by id, with their latest progress (the status bar shows
    /// them).
    pub imports_running: std::collections::BTreeMap<
        roster_core::import::ImportId,
        roster_core::engine::ImportProgress,
    >,
    /// The "save as" picker (tests put a fixed answer here).
    pub save_picker: Box<dyn crate::files::picker::SavePicker>,
}

const STORAGE_PAGE: &str = "users_page";

impl RosterApp {
    /// Creates the app and starts opening the first profile.
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> Self {
        ui::theme::apply(&cc.egui_ctx);
        let page = cc
            .storage
            .and_then(|s| eframe::get_value::<page::SavedPage>(s, STORAGE_PAGE))
            .map(UsersPage::from_saved)
            .unwrap_or_default();
        let mut log = Log::default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("roster-engine")
            .enable_all()
            .build();
        let runtime = match runtime {
            Ok(rt) => rt,
            // Without threads nothing can work; say so in the window.
            Err(e) => {
                return Self::broken(cc, config, format!("cannot start background threads: {e}"));
            }
        };
        let lock = match crate::paths::lock_data_dir(&config.data_dir) {
            Ok(lock) => lock,
            Err(message) => {
                log.push(LogLevel::Error, message.clone());
                return Self::with(cc, config, runtime, Arc::new(fallback_store()), page, log)
                    .failed(message);
            }
        };
        let store = match Store::open(config.data_dir.join("roster.db")) {
            Ok(store) => Arc::new(store),
            Err(e) => {
                let message = roster_core::CoreError::from(e).to_string();
                log.push(LogLevel::Error, message.clone());
                return Self::with(cc, config, runtime, Arc::new(fallback_store()), page, log)
                    .failed(message);
            }
        };
        let mut app = Self::with(cc, config, runtime, store, page, log);
        app._data_lock = Some(lock);
        let start = app.start_profile();
        app.open(start);
        app
    }

    fn with(
        cc: &eframe::CreationContext<'_>,
        config: AppConfig,
        runtime: tokio::runtime::Runtime,
        store: Arc<Store>,
        page: UsersPage,
        log: Log,
    ) -> Self {
        Self {
            runtime,
            _data_lock: None,
            store,
            secrets: config.secrets,
            data_dir: config.data_dir,
            ctx: cc.egui_ctx.clone(),
            opening: None,
            session: None,
            profile: match config.start {
                StartMode::Profile(name) => name,
                StartMode::Demo => DEMO_PROFILE.to_owned(),
                StartMode::LastUsed => String::new(),
            },
            link: Link::Connecting,
            progress: None,
            server: None,
            org: OrgState::default(),
            page,
            outbox: Vec::new(),
            log,
            dialogs: Dialogs::default(),
            toasts: egui_notify::Toasts::default(),
            window_title: None,
            jobs: jobs::Jobs::default(),
            exports: Vec::new(),
            imports_running: Default::default(),
            save_picker: Box::new(crate::files::picker::NativePicker),
        }
    }

    fn broken(cc: &eframe::CreationContext<'_>, config: AppConfig, message: String) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        match runtime {
            Ok(rt) => Self::with(
                cc,
                config,
                rt,
                Arc::new(fallback_store()),
                UsersPage::default(),
                Log::default(),
            )
            .failed(message),
            Err(_) => {
                eprintln!("roster: {message}");
                std::process::exit(1)
            }
        }
    }

    fn failed(mut self, message: String) -> Self {
        self.link = Link::Failed(message);
        self
    }

    /// The profile to open first.
    fn start_profile(&self) -> String {
        if !self.profile.is_empty() {
            return self.profile.clone();
        }
        roster_core::profiles::last_used(&self.store)
            .ok()
            .flatten()
            .unwrap_or_else(|| DEMO_PROFILE.to_owned())
    }

    /// Opens the profile `name` (closing the current one).
    pub fn open(&mut self, name: String) {
        self.session = None;
        self.org = OrgState::default();
        self.page.forget_data();
        self.server = None;
        self.outbox.clear();
        self.jobs.clear();
        self.imports_running.clear();
        self.dialogs = Dialogs {
            connect: self.dialogs.connect.take(),
            log: self.dialogs.log,
            outbox: self.dialogs.outbox,
            ..Dialogs::default()
        };
        self.progress = None;
        self.link = Link::Connecting;
        self.log.push(LogLevel::Info, format!("Opening {name}"));
        self.profile = name.clone();
        let ctx = self.ctx.clone();
        self.opening = Some(session::open(
            self.runtime.handle(),
            Arc::clone(&self.store),
            Arc::clone(&self.secrets),
            self.data_dir.clone(),
            name,
            Arc::new(move || ctx.request_repaint()),
        ));
    }

    /// Whether the open profile is the demo organisation.
    pub fn is_demo(&self) -> bool {
        self.profile == DEMO_PROFILE
    }

    /// Drains the opening channel and the engine's events into state.
    pub fn poll(&mut self) {
        if let Some(rx) = &self.opening
            && let Ok(result) = rx.try_recv()
        {
            self.opening = None;
            match result {
                Ok(session) => self.session = Some(session),
                Err(message) => {
                    self.log.push(LogLevel::Error, message.clone());
                    self.link = Link::Failed(message);
                }
            }
        }
        let events = match &self.session {
            Some(s) => s.engine.drain(),
            None => Vec::new(),
        };
        for event in events {
            self.on_event(event);
        }
        self.poll_exports();
        self.page.refresh(&self.org, Utc::now());
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Loaded { snapshot, source } => {
                let users = snapshot.users.len();
                self.org.load_shared(snapshot);
                self.progress = None;
                let what = match source {
                    Source::Cache => "Showing the local copy",
                    Source::Server => "Loaded",
                };
                self.log
                    .push(LogLevel::Info, format!("{what}: {users} users"));
            }
            Event::Progress { loaded, total } => self.progress = Some((loaded, total)),
            Event::Changed {
                users,
                deleted,
                groups,
                licenses,
                organisation,
                synced_at,
            } => {
                if !users.is_empty() || !deleted.is_empty() {
                    self.log.push(
                        LogLevel::Info,
                        format!("{} user(s) changed, {} removed", users.len(), deleted.len()),
                    );
                }
                self.org
                    .apply(users, &deleted, groups, licenses, organisation, synced_at);
                let org = &self.org;
                self.page.selection.retain(|id| org.user(id).is_some());
            }
            Event::Connected(info) => {
                self.link = Link::Online;
                if let Some(me) = &info.me {
                    self.log
                        .push(LogLevel::Info, format!("Connected as {}", me.user_name));
                }
                self.server = Some(*info);
            }
            Event::NotAdministrator => {
                self.link = Link::NotAdministrator;
                self.log.push(
                    LogLevel::Error,
                    roster_core::CoreError::NotAdministrator.to_string(),
                );
            }
            Event::Offline { reason, last_sync } => {
                self.log
                    .push(LogLevel::Warning, format!("Offline: {reason}"));
                self.link = Link::Offline { reason, last_sync };
            }
            Event::Online => {
                self.log.push(LogLevel::Info, "Back online".to_owned());
                self.toasts.info("Back online");
                self.link = Link::Online;
            }
            Event::Outbox(list) => {
                self.page.pending = list
                    .iter()
                    .flat_map(|e| e.change.users())
                    .cloned()
                    .collect();
                self.outbox = list;
            }
            Event::BatchQueued { batch, entries } => {
                self.jobs.queued(batch, &entries);
                // Cancelled (e.g. Undo) before the engine said it had queued them.
                if self.jobs.get(batch).is_some_and(|j| j.cancel_requested) {
                    self.cancel(batch);
                }
            }
            Event::Cancelled(ids) => {
                for id in ids {
                    self.job_outcome(id, jobs::Outcome::Cancelled, None);
                }
            }
            Event::Applied { entry } => {
                if !self.job_outcome(entry.id, jobs::Outcome::Done, None) {
                    let text = format!("Done: {}", self.describe(&entry.change));
                    self.toasts.success(text.clone());
                    self.log.push(LogLevel::Info, text);
                }
            }
            Event::Failed { entry, error } => {
                let failure = jobs::Failure {
                    id: entry.id,
                    about_email: matches!(
                        error,
                        roster_core::CoreError::AlreadyExists { .. }
                            | roster_core::CoreError::DomainNotAuthorized { .. }
                    ),
                    reason: error.to_string(),
                    change: entry.change.clone(),
                };
                let text = format!("{}: {error}", self.describe(&entry.change));
                self.log.push(LogLevel::Error, text.clone());
                if !self.job_outcome(entry.id, jobs::Outcome::Failed, Some(failure)) {
                    self.toasts.error(text);
                }
            }
            Event::Conflict { entry, current } => {
                let text = format!(
                    "{}: {}",
                    self.describe(&entry.change),
                    roster_core::CoreError::Conflict
                );
                self.log.push(LogLevel::Warning, text.clone());
                let batch = self.jobs.batch_of(entry.id);
                let editing = self
                    .dialogs
                    .edit
                    .as_mut()
                    .filter(|d| batch.is_some() && d.sending() == batch);
                if let Some(dialog) = editing {
                    dialog.conflict = Some(ui::dialogs::edit_dialog::Conflict {
                        current: current.map(|u| *u),
                        entry: entry.id,
                    });
                }
                let failure = jobs::Failure {
                    id: entry.id,
                    about_email: false,
                    reason: roster_core::CoreError::Conflict.to_string(),
                    change: entry.change.clone(),
                };
                if !self.job_outcome(entry.id, jobs::Outcome::Failed, Some(failure)) {
                    self.toasts.warning(text);
                }
            }
            Event::Import(progress) => self.on_import(progress),
            Event::Error(error) => {
                if matches!(error, roster_core::CoreError::Unauthorized) {
                    self.link = Link::Failed(error.to_string());
                }
                self.log.push(LogLevel::Error, error.to_string());
            }
        }
    }

    /// Records the outcome of outbox entry `id` on its job; returns whether it
    /// belongs to one. A finished job is logged (who, what, result) and announced.
    fn job_outcome(
        &mut self,
        id: roster_core::store::OutboxId,
        outcome: jobs::Outcome,
        failure: Option<jobs::Failure>,
    ) -> bool {
        let Some(job) = self.jobs.on_outcome(id, outcome, failure) else {
            return false;
        };
        if !job.finished() {
            return true;
        }
        let job = job.clone();
        let actor = self.actor();
        let result = ui::dialogs::progress_text(&job);
        let level = if job.failed() > 0 {
            LogLevel::Error
        } else {
            LogLevel::Info
        };
        self.log
            .push(level, format!("{actor}: {} — {result}", job.title));
        if let jobs::Origin::Delete { .. } = job.origin {
            if job.failed() > 0 {
                // The failures stay visible in a progress window.
                if let Some(j) = self.jobs.get_mut(job.batch) {
                    j.origin = jobs::Origin::Bulk;
                }
            } else {
                self.jobs.forget(job.batch);
            }
            if job.cancelled() == job.total {
                self.toasts.info("Undone: nobody was deleted.");
            } else if job.failed() == 0 {
                self.toasts.success(format!("{}: done", job.title));
            }
        } else if job.origin == jobs::Origin::Bulk {
            if job.failed() > 0 {
                self.toasts.warning(format!("{}: {result}", job.title));
            } else {
                // Nothing left to look at: the toast says it, the window goes.
                self.toasts.success(format!("{}: {result}", job.title));
                self.jobs.forget(job.batch);
            }
        }
        true
    }

    /// A change in words, with the user's email instead of their id.
    pub fn describe(&self, change: &roster_core::model::Change) -> String {
        use roster_core::model::Change;
        let name = |id: &roster_core::model::UserId| {
            self.org
                .user(id)
                .map_or_else(|| id.to_string(), |u| u.user_name.clone())
        };
        match change {
            Change::PatchUser { id, .. } => format!("Edit {}", name(id)),
            Change::DeleteUser { id, .. } => format!("Delete {}", name(id)),
            Change::ResendInvitation { id } => format!("Resend the invitation to {}", name(id)),
            other => other.describe(),
        }
    }

    fn poll_exports(&mut self) {
        use crate::files::export::Progress;
        for export in std::mem::take(&mut self.exports) {
            match export.poll() {
                Progress::Busy(e) => self.exports.push(e),
                Progress::Cancelled => {}
                Progress::Written(path, users) => {
                    let text = format!("Exported {users} user(s) to {}", path.display());
                    self.log.push(LogLevel::Info, text.clone());
                    self.toasts.success(text);
                }
                Progress::Failed(message) => {
                    self.log.push(LogLevel::Error, message.clone());
                    self.toasts.error(message);
                }
            }
        }
        if !self.exports.is_empty() {
            // The picker and the writer answer on channels: look again soon.
            self.ctx
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Sends `command` to the engine, if a profile is open.
    pub fn send(&self, command: roster_core::engine::Command) {
        if let Some(s) = &self.session {
            s.engine.send(command);
        }
    }

    /// The data directory this window uses.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The runtime the engine runs on (dialogs use it for connection tests).
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }
}

/// An in-memory store for when the real one cannot be opened (the window then says
/// why; nothing is kept).
fn fallback_store() -> Store {
    match Store::in_memory() {
        Ok(store) => store,
        Err(e) => {
            eprintln!("roster: no local store can be opened: {e}");
            std::process::exit(1)
        }
    }
}

impl eframe::App for RosterApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.poll();
        ui::frame::show(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_PAGE, &self.page.saved());
    }
}
