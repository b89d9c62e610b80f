//! Step 4: the import's progress with counts; cancel (what was sent stays, the rest
//! stays pending) and resume.

use roster_core::engine::{Command, ImportRun};

use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::ui::theme;
use crate::words;

use super::wizard::{ImportWizard, Step};

pub fn show(_ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    let (Some(id), Some(progress)) = (wizard.running, wizard.progress.clone()) else {
        ui.label("No import is running.");
        return None;
    };
    let counts = progress.counts;
    let total = counts.total().max(1);
    ui.add(
        egui::ProgressBar::new(counts.done() as f32 / total as f32).text(format!(
            "{} of {} rows",
            counts.done(),
            counts.total()
        )),
    );
    ui.label(counts.to_string());
    let mut resume = false;
    let mut asked = None;
    ui.horizontal(|ui| match &progress.run {
        ImportRun::Sending => {
            ui.spinner();
            ui.label("Sending…");
            if ui.button("Cancel").clicked() {
                asked = Some(Intent::CancelImport(id));
            }
        }
        ImportRun::Waiting { reason } => {
            ui.colored_label(
                theme::warning(ui.visuals()),
                format!("Waiting for the server ({reason}); Roster tries again by itself."),
            );
            if ui.button("Cancel").clicked() {
                asked = Some(Intent::CancelImport(id));
            }
        }
        ImportRun::Cancelled => {
            ui.label(format!(
                "Stopped: the {} sent stay; {} pending.",
                words::users(counts.created + counts.updated),
                words::count(counts.pending, "row is", "rows are")
            ));
            resume = ui.button("Resume").clicked();
        }
        ImportRun::Failed(e) => {
            ui.colored_label(theme::no(ui.visuals()), format!("Stopped: {e}"));
            resume = ui.button("Resume").clicked();
        }
        ImportRun::Finished => {
            if ui.button("See the report").clicked() {
                wizard.step = Step::Report;
            }
        }
    });
    if resume {
        asked = Some(Intent::Engine(Command::SubmitImport(id)));
        if let Some(p) = &mut wizard.progress {
            p.run = ImportRun::Sending;
        }
    }
    ui.add_space(8.0);
    ui.weak(
        "You can close this window: the import goes on, and an interrupted one is listed \
         under Imports to resume.",
    );
    super::messages(ui, wizard);
    if wizard.report.is_some()
        && progress.run != ImportRun::Finished
        && ui.button("Report so far").clicked()
    {
        wizard.step = Step::Report;
    }
    asked
}
