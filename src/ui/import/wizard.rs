//! The import wizard's state: the file, its rows and statuses, the options, and the
//! submitted import's progress and report. Drawing is in the step files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use roster_core::engine::{ImportProgress, ImportRun};
use roster_core::import::{
    self, Extra, Field, ImportId, ImportReport, ImportState, PreparedImport, RowStatus,
    StatusCounts, ValidationContext,
};
use roster_core::store::StoredImport;

use crate::files::picker::{NativePicker, OpenPicker, SavePicker};
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::users::org::OrgState;
use crate::work::Pending;

/// What a finished background job (see `jobs.rs`) does to the wizard, and what it
/// asks of the app.
pub type Apply = Box<dyn FnOnce(&mut ImportWizard, &ViewContext) -> Option<Intent> + Send>;

/// Work in progress.
pub struct Job {
    /// What it is doing, for the spinner.
    pub what: String,
    pub(super) answer: Pending<Apply>,
}

/// The example CSV the "save example template" link writes.
pub const TEMPLATE: &str = include_str!("../../../assets/import-template.csv");

/// The example CSV with the optional columns (admin, local_login, licenses, groups).
pub const TEMPLATE_COLUMNS: &str = include_str!("../../../assets/import-template-columns.csv");

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Browse, drop or type a path.
    ChooseFile,
    /// Rows with their statuses; fix or exclude.
    Preview,
    /// Licenses, groups, local authentication.
    Options,
    /// Sending, with cancel.
    Progress,
    /// What happened to each row.
    Report,
    /// Imports kept in the local store.
    PreparedList,
}

/// A cell being fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Row index.
    pub row: usize,
    /// Column.
    pub cell: Cell,
    /// Text so far.
    pub text: String,
}

/// A cell of the preview that can be fixed: a required column or an optional one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// `email`, `first_name` or `last_name`.
    Field(Field),
    /// `admin`, `local_login`, `licenses` or `groups`.
    Extra(Extra),
}

impl Cell {
    /// The column's name in the file.
    pub fn column(self) -> String {
        match self {
            Self::Field(f) => f.to_string(),
            Self::Extra(e) => e.column().to_owned(),
        }
    }
}

/// Why a file picker is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picking {
    /// The file to import.
    Source,
    /// Where to write the example template.
    Template,
    /// Where to write the example template with the optional columns.
    TemplateColumns,
    /// Where to write the report.
    Report,
}

/// The wizard.
pub struct ImportWizard {
    /// The current step.
    pub step: Step,
    /// The typed (or picked, or dropped) path.
    pub path: String,
    /// Why the file cannot be used, in words.
    pub error: Option<String>,
    /// A passing remark ("Template saved to …").
    pub info: Option<String>,
    /// The rows, fixes, exclusions and options.
    pub import: PreparedImport,
    /// What reading left out (ignored columns, blank lines).
    pub notes: Vec<String>,
    /// One per row.
    pub statuses: Vec<RowStatus>,
    /// Per status.
    pub counts: StatusCounts,
    /// Show only rows with an error.
    pub errors_only: bool,
    /// Indices of the rows shown.
    pub shown: Vec<usize>,
    /// The cell being fixed.
    pub editing: Option<Edit>,
    /// The import being sent (or shown).
    pub running: Option<ImportId>,
    /// Its last progress.
    pub progress: Option<ImportProgress>,
    /// Its report, once it stopped.
    pub report: Option<ImportReport>,
    /// Show only rows that were not created in the report.
    pub problems_only: bool,
    /// Close the wizard after this frame.
    pub close: bool,
    /// The picker of the file to import (tests replace it); saves go through the
    /// app's `save_picker`, like exports.
    pub open_picker: Arc<dyn OpenPicker>,
    picking: Option<(Picking, mpsc::Receiver<Option<PathBuf>>)>,
    /// The validation context, the organisation revision it was built from, and
    /// whether it holds a copy of the users (only for "update users who already
    /// exist").
    context: Option<(u64, bool, Arc<ValidationContext>)>,
    /// The server lacks the Roster extension (rows turning on admin or local login
    /// are errors); set from the view context each frame.
    lacks_extension: bool,
    /// The signed-in administrator (an update may not demote them); likewise.
    me: Option<roster_core::model::UserId>,
    /// Store work in progress (reading, saving, listing), off the UI thread.
    pub job: Option<Job>,
    /// Imports kept in the store, as last listed.
    pub saved: Vec<roster_core::import::ImportSummary>,
}

impl Default for ImportWizard {
    fn default() -> Self {
        Self {
            step: Step::ChooseFile,
            path: String::new(),
            error: None,
            info: None,
            import: empty_import(),
            notes: Vec::new(),
            statuses: Vec::new(),
            counts: StatusCounts::default(),
            errors_only: false,
            shown: Vec::new(),
            editing: None,
            running: None,
            progress: None,
            report: None,
            problems_only: false,
            close: false,
            open_picker: Arc::new(NativePicker),
            picking: None,
            context: None,
            lacks_extension: false,
            me: None,
            job: None,
            saved: Vec::new(),
        }
    }
}

fn empty_import() -> PreparedImport {
    PreparedImport {
        id: None,
        name: String::new(),
        rows: Vec::new(),
        options: Default::default(),
        ignored_columns: Vec::new(),
    }
}

impl ImportWizard {
    /// The validation context for `org`, rebuilt only when the organisation changed.
    pub fn context(&mut self, org: &OrgState) -> Arc<ValidationContext> {
        let with_users = self.import.options.update_existing;
        match &self.context {
            Some((rev, users, ctx)) if *rev == org.revision && *users == with_users => {
                Arc::clone(ctx)
            }
            _ => {
                let mut checks = ValidationContext::from_parts(
                    org.organisation.as_ref(),
                    &org.users,
                    org.synced_at,
                );
                checks.lacks_extension = self.lacks_extension;
                checks.me = self.me.clone();
                // The optional licenses and groups columns are checked against the
                // organisation's, once there is a copy of them.
                if org.synced_at.is_some() {
                    checks = checks.with_catalog(&org.licenses, &org.groups);
                }
                if with_users {
                    checks = checks.with_users(&org.users);
                }
                let ctx = Arc::new(checks);
                self.context = Some((org.revision, with_users, Arc::clone(&ctx)));
                ctx
            }
        }
    }

    /// Follows what the server supports and who is signed in: when the server
    /// turns out to lack (or have) the Roster extension, or `me` is learnt, the rows
    /// are checked again.
    pub fn set_server(
        &mut self,
        lacks_extension: bool,
        me: Option<&roster_core::model::UserId>,
        org: &OrgState,
    ) {
        // `me` only matters to updates; a context built without them takes it when
        // the option is turned on (it is rebuilt then).
        let me_changed = me != self.me.as_ref();
        self.me = me.cloned();
        if lacks_extension != self.lacks_extension
            || (me_changed && self.import.options.update_existing)
        {
            self.lacks_extension = lacks_extension;
            self.context = None;
            if !self.import.rows.is_empty() {
                self.revalidate(org);
            }
        }
    }

    /// Turns "update users who already exist" on or off and checks the rows again.
    pub fn set_update_existing(&mut self, on: bool, org: &OrgState) {
        self.import.options.update_existing = on;
        self.revalidate(org);
    }

    /// Shows a file that was read and validated (see `jobs::load_file`).
    pub fn loaded(&mut self, import: PreparedImport, notes: Vec<String>, statuses: Vec<RowStatus>) {
        self.error = None;
        self.info = None;
        self.notes = notes;
        self.import = import;
        self.running = None;
        self.progress = None;
        self.report = None;
        self.editing = None;
        self.counts = StatusCounts::of(&statuses);
        self.statuses = statuses;
        self.refilter();
        self.step = Step::Preview;
    }

    /// Shows a saved import (see `jobs::open_saved`): a prepared one in the preview,
    /// one that was sent in its progress (to resume) or report.
    pub fn opened(&mut self, stored: StoredImport, report: Option<ImportReport>, org: &OrgState) {
        let id = stored.import.id;
        self.import = stored.import;
        self.notes.clear();
        self.error = None;
        self.info = None;
        self.editing = None;
        self.path = self.import.name.clone();
        self.revalidate(org);
        self.report = report;
        match stored.state {
            ImportState::Prepared => {
                self.running = None;
                self.step = Step::Preview;
            }
            ImportState::Finished => {
                self.running = id;
                self.step = Step::Report;
            }
            ImportState::Submitting | ImportState::Cancelled => {
                self.running = id;
                // Shown as stopped with Resume; if it is in fact still being sent
                // (the window was closed meanwhile), its next progress replaces this.
                self.progress = id.zip(self.report.as_ref()).map(|(id, r)| ImportProgress {
                    id,
                    counts: r.counts(),
                    run: ImportRun::Cancelled,
                });
                if stored.state == ImportState::Submitting {
                    self.info = Some(
                        "This import was interrupted before it finished. Resume sends the \
                         pending rows; rows already sent are not created twice."
                            .to_owned(),
                    );
                }
                self.step = Step::Progress;
            }
        }
    }

    /// Back to an empty first step (the picker and the validation context stay).
    pub fn reset(&mut self) {
        let open_picker = Arc::clone(&self.open_picker);
        let context = self.context.take();
        *self = Self {
            open_picker,
            context,
            lacks_extension: self.lacks_extension,
            me: self.me.clone(),
            ..Self::default()
        };
    }

    /// Validates every row again (after a fix or an exclusion).
    pub fn revalidate(&mut self, org: &OrgState) {
        let ctx = self.context(org);
        let statuses = import::validate_import(&self.import.rows, &self.import.options, &ctx);
        self.counts = StatusCounts::of(&statuses);
        self.statuses = statuses;
        self.refilter();
    }

    /// Recomputes the shown rows.
    pub fn refilter(&mut self) {
        let errors_only = self.errors_only;
        self.shown = self
            .statuses
            .iter()
            .enumerate()
            .filter(|(_, s)| !errors_only || matches!(s, RowStatus::Error(_)))
            .map(|(i, _)| i)
            .collect();
    }

    /// Replaces a cell and validates again.
    pub fn fix(&mut self, row: usize, cell: Cell, text: &str, org: &OrgState) {
        if let Some(r) = self.import.rows.get_mut(row) {
            match cell {
                Cell::Field(field) => r.set(field, text),
                Cell::Extra(extra) => self.import.options.columns.set(r.line, extra, text),
            }
            self.revalidate(org);
        }
    }

    /// Excludes or includes a row and validates again.
    pub fn set_excluded(&mut self, row: usize, excluded: bool, org: &OrgState) {
        if let Some(r) = self.import.rows.get_mut(row) {
            r.excluded = excluded;
            self.revalidate(org);
        }
    }

    /// Opens a file picker for `why`.
    pub fn pick(&mut self, why: Picking, save_picker: &dyn SavePicker) {
        let rx = match why {
            Picking::Source => self.open_picker.open("Choose the CSV file to import"),
            Picking::Template => {
                save_picker.save("Save the example template", "import-template.csv")
            }
            Picking::TemplateColumns => save_picker.save(
                "Save the example template with the optional columns",
                "import-template-columns.csv",
            ),
            Picking::Report => save_picker.save(
                "Save the import report",
                &format!("{}-report.csv", self.import.name.trim_end_matches(".csv")),
            ),
        };
        self.picking = Some((why, rx));
    }

    /// Whether a picker is open.
    pub fn is_picking(&self) -> bool {
        self.picking.is_some()
    }

    /// A path the picker answered with, if it did.
    pub fn picked(&mut self) -> Option<(Picking, PathBuf)> {
        let (why, rx) = self.picking.as_ref()?;
        match rx.try_recv() {
            Ok(answer) => {
                let why = *why;
                self.picking = None;
                answer.map(|p| (why, p))
            }
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.picking = None;
                None
            }
        }
    }

    /// Follows the engine's progress of the import shown; returns true when it
    /// stopped (its report is then to be loaded).
    pub fn on_progress(&mut self, progress: &ImportProgress) -> bool {
        if self.running != Some(progress.id) {
            return false;
        }
        if progress.run == ImportRun::Finished && self.step == Step::Progress {
            self.step = Step::Report;
        }
        self.progress = Some(progress.clone());
        !matches!(progress.run, ImportRun::Sending | ImportRun::Waiting { .. })
    }
}

/// Writes `text` to `path`, saying what went wrong in words.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("Could not write {}: {e}", path.display()))
}
