//! The CSV import wizard: choose a file, preview and fix the rows, pick options,
//! import with progress and cancel, read the report; or keep it for later and find
//! it under Prepared imports.

mod choose_file;
pub mod jobs;
mod options;
mod prepared_list;
mod preview;
mod progress;
mod report;
pub mod wizard;

use std::path::PathBuf;

use roster_core::engine::{ImportProgress, ImportRun};

use crate::app::RosterApp;
use crate::app::log::LogLevel;
use wizard::{ImportWizard, Picking, Step, write_file};

/// Opens the wizard (or brings it to its first step when it is already open on a
/// finished import).
pub fn open(app: &mut RosterApp) {
    if app.dialogs.import.is_none() {
        app.dialogs.import = Some(ImportWizard::default());
    }
}

/// Opens the wizard on a file dropped onto the window.
pub fn open_dropped(app: &mut RosterApp, path: PathBuf) {
    let mut wizard = app.dialogs.import.take().unwrap_or_default();
    if matches!(wizard.step, Step::Progress) || wizard.job.is_some() {
        // An import is on screen: a stray drop must not replace it.
        app.toasts
            .warning("An import is in progress; finish or close it before dropping another file.");
    } else {
        jobs::load_file(app, &mut wizard, path);
    }
    app.dialogs.import = Some(wizard);
}

impl RosterApp {
    /// An import's progress from the engine: the log, a toast when it stops, and the
    /// wizard if it shows that import.
    pub fn on_import(&mut self, progress: ImportProgress) {
        // The status bar shows running imports, also with the wizard closed.
        match progress.run {
            ImportRun::Sending | ImportRun::Waiting { .. } => {
                self.imports_running.insert(progress.id, progress.clone());
            }
            _ => {
                self.imports_running.remove(&progress.id);
            }
        }
        match &progress.run {
            ImportRun::Sending => {}
            ImportRun::Waiting { reason } => self.log.push(
                LogLevel::Warning,
                format!("Import {}: waiting for the server ({reason})", progress.id),
            ),
            ImportRun::Finished => {
                let text = format!("Import {} finished: {}", progress.id, progress.counts);
                self.toasts.success(text.clone());
                self.log.push(LogLevel::Info, text);
            }
            ImportRun::Cancelled => self.log.push(
                LogLevel::Info,
                format!("Import {} cancelled: {}", progress.id, progress.counts),
            ),
            ImportRun::Failed(e) => {
                let text = format!("Import {} stopped: {e}", progress.id);
                self.toasts.error(text.clone());
                self.log.push(LogLevel::Error, text);
            }
        }
        if let Some(mut w) = self.dialogs.import.take() {
            if w.on_progress(&progress) {
                jobs::load_report(self, &mut w, progress.id);
            }
            self.dialogs.import = Some(w);
        }
    }
}

/// Draws the wizard when open.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let Some(mut wizard) = app.dialogs.import.take() else {
        return;
    };
    wizard.egui_ctx = Some(ui.ctx().clone());
    jobs::poll(app, &mut wizard);
    if let Some((why, path)) = wizard.picked() {
        picked(app, &mut wizard, why, path);
    }
    let mut open = true;
    egui::Window::new("Import users")
        .id(egui::Id::unique("import_wizard"))
        .open(&mut open)
        .default_size([920.0, 600.0])
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            steps_header(ui, &wizard);
            ui.separator();
            if let Some(job) = &wizard.job {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(&job.what);
                });
                return;
            }
            match wizard.step {
                Step::ChooseFile => choose_file::show(app, &mut wizard, ui),
                Step::Preview => preview::show(app, &mut wizard, ui),
                Step::Options => options::show(app, &mut wizard, ui),
                Step::Progress => progress::show(app, &mut wizard, ui),
                Step::Report => report::show(app, &mut wizard, ui),
                Step::PreparedList => prepared_list::show(app, &mut wizard, ui),
            }
        });
    // Closing the window never stops an import: it goes on in the engine and is
    // listed under Prepared imports.
    if open && !wizard.close {
        app.dialogs.import = Some(wizard);
    }
}

fn picked(app: &mut RosterApp, wizard: &mut ImportWizard, why: Picking, path: PathBuf) {
    match why {
        Picking::Source => jobs::load_file(app, wizard, path),
        Picking::Template => match write_file(&path, wizard::TEMPLATE.as_bytes()) {
            Ok(()) => wizard.info = Some(format!("Example template saved to {}", path.display())),
            Err(e) => wizard.error = Some(e),
        },
        Picking::Report => {
            let Some(report) = &wizard.report else { return };
            let mut bytes = Vec::new();
            let written = report
                .write_csv(&mut bytes)
                .map_err(|e| format!("Could not write the report: {e}"))
                .and_then(|()| write_file(&path, &bytes));
            match written {
                Ok(()) => {
                    app.toasts
                        .success(format!("Report saved to {}", path.display()));
                    wizard.info = Some(format!("Report saved to {}", path.display()));
                }
                Err(e) => wizard.error = Some(e),
            }
        }
    }
}

fn steps_header(ui: &mut egui::Ui, wizard: &ImportWizard) {
    let steps = [
        (Step::ChooseFile, "1 Choose file"),
        (Step::Preview, "2 Preview"),
        (Step::Options, "3 Options"),
        (Step::Progress, "4 Import"),
        (Step::Report, "5 Report"),
    ];
    ui.horizontal(|ui| {
        for (i, (step, title)) in steps.iter().enumerate() {
            if i > 0 {
                ui.weak("›");
            }
            if *step == wizard.step {
                ui.strong(*title);
            } else {
                ui.weak(*title);
            }
        }
    });
}

/// The message lines every step shows under its controls.
fn messages(ui: &mut egui::Ui, wizard: &ImportWizard) {
    if let Some(error) = &wizard.error {
        ui.colored_label(crate::ui::theme::no(ui.visuals()), error);
    }
    if let Some(info) = &wizard.info {
        ui.label(info);
    }
}
