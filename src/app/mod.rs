//! The window: the connection, the data, the page, the shell around them, and the
//! frame loop.
//!
//! The UI thread never waits: the engine runs on a tokio runtime owned here, and
//! each frame drains its events into plain state before drawing. Views draw from a
//! read-only `ViewContext` and return intents; `apply.rs` is the one place that
//! changes the app's state.

mod actions;
mod apply;
mod config;
pub mod modal;
mod notices;
mod toasts;

use std::sync::Arc;

use chrono::Utc;
use roster_core::store::Store;

use crate::activity::{Log, LogLevel, Tone};
use crate::connection::{Connection, Link};
use crate::demo_org::DEMO_PROFILE;
use crate::files::export::Export;
use crate::files::picker::{NativePicker, SavePicker};
use crate::ui;
use crate::ui::context::{ViewContext, Windows};
use crate::ui::intent::{Intent, Outcome};
use crate::users::org::OrgState;
use crate::users::page::{SavedPage, UsersPage};
use crate::work::{Background, Pending};
pub use config::{Apart, AppConfig, StartMode};
use modal::Modal;

/// What surrounds the users page: the open dialog, the windows beside it, the log,
/// notifications, and the work the window follows for itself.
pub struct Shell {
    /// The open dialog.
    pub modal: Option<Modal>,
    /// The non-modal windows that are open.
    pub windows: Windows,
    /// Recent operations and errors.
    pub log: Log,
    /// Result notifications.
    pub toasts: egui_notify::Toasts,
    /// Their words, for the accessibility tree.
    spoken: toasts::Spoken,
    /// Exports in progress.
    pub exports: Vec<Export>,
    /// The "save as" picker (tests put a fixed answer here).
    pub save_picker: Box<dyn SavePicker>,
    /// The saved profiles' names, for the switcher.
    pub profiles: Vec<String>,
    profiles_reading: Option<Pending<Result<Vec<String>, String>>>,
    window_title: Option<String>,
}

impl Shell {
    fn new(log: Log) -> Self {
        Self {
            modal: None,
            windows: Windows::default(),
            log,
            // Bottom right, above the status bar: at the top they covered Refresh,
            // Log and About.
            toasts: egui_notify::Toasts::default()
                .with_anchor(egui_notify::Anchor::BottomRight)
                .with_margin(egui::vec2(8.0, 36.0)),
            spoken: toasts::Spoken::default(),
            exports: Vec::new(),
            save_picker: Box::new(NativePicker),
            profiles: Vec::new(),
            profiles_reading: None,
            window_title: None,
        }
    }

    /// A notification, and the same words in the log for errors and warnings.
    pub fn toast(&mut self, tone: Tone, text: String) {
        self.spoken.push(tone, text.clone());
        match tone {
            Tone::Info => self.toasts.info(text),
            Tone::Success => self.toasts.success(text),
            Tone::Warning => self.toasts.warning(text),
            Tone::Error => self.toasts.error(text),
        };
    }
}

/// The whole app.
pub struct RosterApp {
    /// Owned here: the engine and background work run on it until the window closes.
    _runtime: tokio::runtime::Runtime,
    /// This process's hold on the data directory (`None` when another Roster has it).
    _data_lock: Option<crate::paths::DataDirLock>,
    /// The runtime and the store, as views may use them.
    work: Background,
    /// The open organisation's connection.
    pub conn: Connection,
    /// The data.
    pub org: OrgState,
    /// The users page: query, view, selection.
    pub page: UsersPage,
    /// Dialogs, windows, log, notifications.
    pub shell: Shell,
}

const STORAGE_PAGE: &str = "users_page";

impl RosterApp {
    /// Creates the app and starts opening the first profile.
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> Self {
        ui::theme::apply(&cc.egui_ctx);
        let page = cc
            .storage
            .and_then(|s| eframe::get_value::<SavedPage>(s, STORAGE_PAGE))
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
        let store = match Store::open(config.data_dir.join(roster_core::store::DB_FILE_NAME)) {
            Ok(store) => Arc::new(store),
            Err(e) => {
                let message = roster_core::CoreError::from(e).to_string();
                log.push(LogLevel::Error, message.clone());
                return Self::with(cc, config, runtime, Arc::new(fallback_store()), page, log)
                    .failed(message);
            }
        };
        let start = config.start.clone();
        let mut app = Self::with(cc, config, runtime, store, page, log);
        app._data_lock = Some(lock);
        let first = match start {
            StartMode::Profile(name) => name,
            StartMode::Demo => DEMO_PROFILE.to_owned(),
            StartMode::LastUsed => roster_core::profiles::last_used(app.work.store())
                .ok()
                .flatten()
                .unwrap_or_else(|| DEMO_PROFILE.to_owned()),
        };
        app.open(first);
        app.read_profiles();
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
        let egui_ctx = cc.egui_ctx.clone();
        let mut page = page;
        let wake_ctx = cc.egui_ctx.clone();
        page.set_wake(Arc::new(move || wake_ctx.request_repaint()));
        page.set_background_from(config.apart.views_from);
        let mut conn = Connection::new(config.start.name());
        conn.set_build_apart_from(config.apart.rows_from);
        let work = Background::new(
            runtime.handle().clone(),
            store,
            config.secrets,
            config.data_dir,
            Arc::new(move || egui_ctx.request_repaint()),
        )
        .with_client_options(config.client);
        Self {
            _runtime: runtime,
            _data_lock: None,
            work,
            conn,
            org: OrgState::default(),
            page,
            shell: Shell::new(log),
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
        self.conn = Connection::failed(self.conn.profile().to_owned(), message);
        self
    }

    /// Whether actions can be taken now (a profile is open and its data shown).
    pub fn can_act(&self) -> bool {
        self.conn.is_open() && self.org.is_loaded() && self.conn.link != Link::NotAdministrator
    }

    /// The open dialog.
    pub fn modal(&self) -> Option<&Modal> {
        self.shell.modal.as_ref()
    }

    /// The name of the open dialog ("invite", "edit"…), if one is open.
    pub fn dialog(&self) -> Option<&'static str> {
        self.shell.modal.as_ref().map(Modal::name)
    }

    /// The local store.
    pub fn store(&self) -> &Arc<Store> {
        self.work.store()
    }

    /// The data directory this window uses.
    pub fn data_dir(&self) -> &std::path::Path {
        self.work.data_dir()
    }

    /// Takes in what the engine and the window's own background work answered.
    pub fn poll(&mut self) {
        let notices = self.conn.poll(&mut self.org);
        for notice in notices {
            self.on_notice(notice);
        }
        self.poll_exports();
        self.poll_profiles();
        if self.page.me.as_ref() != self.conn.me() {
            self.page.me = self.conn.me().cloned();
        }
        self.page.refresh(&self.org, Utc::now());
    }

    /// Draws one frame from a read-only context, applying what was asked after each
    /// part: the panels, the open dialog, the windows over them.
    fn frame(&mut self, ui: &mut egui::Ui) {
        self.set_title(ui.ctx());
        if !self.shell.exports.is_empty() {
            // The picker and the writer answer on channels: look again soon.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        let asked = {
            // Built from the fields (not `self.context`): the page is borrowed apart.
            let modal_open = self.shell.modal.is_some();
            let ctx = context(&self.org, &self.conn, &self.shell, &self.work, modal_open);
            ui::frame::panels(&ctx, &mut self.page, ui)
        };
        self.apply_all(asked, ui.ctx());
        let mut modal = self.shell.modal.take();
        let outcome = modal.as_mut().map(|m| m.show(&self.context(true), ui));
        // Back first, so that what the dialog asked applies to it.
        self.shell.modal = modal;
        match outcome {
            None | Some(Outcome::Keep) => {}
            Some(Outcome::Close) => self.shell.modal = None,
            Some(Outcome::Do(intent)) => self.apply_all(vec![intent], ui.ctx()),
        }
        // After the dialog, so that what it started (an Undo bar) shows at once.
        let asked = ui::frame::windows(&self.context(self.shell.modal.is_some()), ui);
        self.apply_all(asked, ui.ctx());
        self.shell.toasts.show(ui.ctx());
        self.shell.spoken.show(ui.ctx());
    }

    fn apply_all(&mut self, asked: Vec<Intent>, egui_ctx: &egui::Context) {
        if !asked.is_empty() {
            // What was asked may show only in the next frame: have it at once.
            egui_ctx.request_repaint();
        }
        for intent in asked {
            self.apply(intent);
        }
    }

    /// The read-only view views draw from.
    fn context(&self, modal_open: bool) -> ViewContext<'_> {
        context(&self.org, &self.conn, &self.shell, &self.work, modal_open)
    }

    /// Only a change goes to the window system.
    fn set_title(&mut self, ctx: &egui::Context) {
        let title = match &self.org.organisation {
            Some(o) => format!("{} — Roster", o.name),
            None => "Roster".to_owned(),
        };
        if self.shell.window_title.as_deref() != Some(title.as_str()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.shell.window_title = Some(title);
        }
    }
}

/// The read-only view of the app that views draw from.
fn context<'a>(
    org: &'a OrgState,
    conn: &'a Connection,
    shell: &'a Shell,
    work: &'a Background,
    modal_open: bool,
) -> ViewContext<'a> {
    ViewContext {
        org,
        link: &conn.link,
        server: conn.server.as_ref(),
        profile: conn.profile(),
        demo: conn.is_demo(),
        profiles: &shell.profiles,
        progress: conn.progress,
        refreshed: conn.refreshed,
        stale: conn.stale.as_deref(),
        waiting: conn.waiting.as_deref(),
        capabilities: conn.capabilities.as_ref(),
        lacks: crate::ui::supports::Lacking::of(conn.capabilities.as_ref()),
        outbox: &conn.outbox,
        jobs: &conn.jobs,
        imports_running: &conn.imports_running,
        log: &shell.log,
        modal_open,
        windows: shell.windows,
        work,
        save_picker: shell.save_picker.as_ref(),
        now: Utc::now(),
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
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_PAGE, &self.page.saved());
    }
}
