//! The CSV import wizard: choose a file, preview and fix the rows, pick options,
//! import with progress and cancel, read the report; or keep it for later and find
//! it under Imports.

mod choose_file;
pub mod jobs;
mod options;
mod prepared_list;
mod preview;
mod progress;
mod report;
pub mod wizard;

use std::path::PathBuf;

use roster_core::engine::ImportProgress;

use crate::activity::Tone;
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome};
use crate::work::Background;
use wizard::{ImportWizard, Picking, Step, write_file};

impl ImportWizard {
    /// Draws the wizard; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        let mut asked = Vec::new();
        self.set_server(ctx.lacks.roster_extension.is_some(), ctx.me(), ctx.org);
        asked.extend(jobs::poll(ctx, self));
        if let Some((why, path)) = self.picked() {
            asked.extend(self.on_picked(ctx, why, path));
        }
        let mut open = true;
        egui::Window::new("Import users")
            .id(egui::Id::unique("import_wizard"))
            .open(&mut open)
            .default_size([920.0, 600.0])
            .collapsible(false)
            .show(ui.ctx(), |ui| {
                steps_header(ui, self);
                ui.separator();
                if let Some(job) = &self.job {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(&job.what);
                    });
                    return;
                }
                let step = match self.step {
                    Step::ChooseFile => choose_file::show(ctx, self, ui),
                    Step::Preview => preview::show(ctx, self, ui),
                    Step::Options => options::show(ctx, self, ui),
                    Step::Progress => progress::show(ctx, self, ui),
                    Step::Report => report::show(ctx, self, ui),
                    Step::PreparedList => prepared_list::show(ctx, self, ui),
                };
                asked.extend(step);
            });
        // Closing the window never stops an import: it goes on in the engine and is
        // listed under Imports.
        if !open || self.close {
            asked.push(Intent::CloseDialog);
        }
        Outcome::from_intents(asked)
    }

    /// Reads the file at `path` (a dropped one, or one typed elsewhere) unless an
    /// import is on screen.
    pub fn open_file(&mut self, ctx: &ViewContext, path: PathBuf) -> Option<Intent> {
        if matches!(self.step, Step::Progress) || self.job.is_some() {
            // An import is on screen: a stray drop must not replace it.
            return Some(Intent::notify(
                Tone::Warning,
                "An import is in progress; finish or close it before dropping another file.",
            ));
        }
        jobs::load_file(ctx, self, path);
        None
    }

    /// An import's progress from the engine; the report is read once it stops.
    pub fn on_import(&mut self, work: &Background, progress: &ImportProgress) {
        if self.on_progress(progress) {
            jobs::load_report(work, self, progress.id);
        }
    }

    fn on_picked(&mut self, ctx: &ViewContext, why: Picking, path: PathBuf) -> Option<Intent> {
        match why {
            Picking::Source => jobs::load_file(ctx, self, path),
            Picking::Template | Picking::TemplateColumns => {
                let text = match why {
                    Picking::Template => wizard::TEMPLATE,
                    _ => wizard::TEMPLATE_COLUMNS,
                };
                match write_file(&path, text.as_bytes()) {
                    Ok(()) => {
                        self.info = Some(format!("Example template saved to {}", path.display()))
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Picking::Report => {
                let report = self.report.as_ref()?;
                let mut bytes = Vec::new();
                let written = report
                    .write_csv(&mut bytes)
                    .map_err(|e| format!("Could not write the report: {e}"))
                    .and_then(|()| write_file(&path, &bytes));
                match written {
                    Ok(()) => {
                        let text = format!("Report saved to {}", path.display());
                        self.info = Some(text.clone());
                        return Some(Intent::notify(Tone::Success, text));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
        }
        None
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
