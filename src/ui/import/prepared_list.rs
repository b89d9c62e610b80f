//! Imports kept in the local store: prepared ones (offline, by helpdesk staff) to
//! submit, interrupted or cancelled ones to resume, finished ones with their report.

use chrono::Local;
use roster_core::import::ImportState;

use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;

use super::jobs;
use super::wizard::{ImportWizard, Step};

pub fn show(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    ui.strong("Imports");
    ui.weak("Prepared, interrupted, cancelled and finished imports of this organisation, with their state.");
    if wizard.saved.is_empty() {
        ui.label("No import is kept for this organisation.");
    }
    let mut open = None;
    let mut delete = None;
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - 60.0).max(120.0))
        .show(ui, |ui| {
            egui::Grid::new("prepared_imports")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for s in &wizard.saved {
                        ui.label(&s.name);
                        ui.label(s.state.describe());
                        ui.label(s.counts.to_string());
                        ui.label(
                            s.updated
                                .with_timezone(&Local)
                                .format("%Y-%m-%d %H:%M")
                                .to_string(),
                        );
                        ui.horizontal(|ui| {
                            let action = match s.state {
                                ImportState::Prepared => "Open",
                                ImportState::Submitting | ImportState::Cancelled => "Resume",
                                ImportState::Finished => "Report",
                            };
                            if ui.button(action).clicked() {
                                open = Some(s.id);
                            }
                            if ui.button("Delete").clicked() {
                                delete = Some(s.id);
                            }
                        });
                        ui.end_row();
                    }
                });
        });
    super::messages(ui, wizard);
    ui.separator();
    if ui.button("‹ Choose a file").clicked() {
        wizard.step = Step::ChooseFile;
    }
    if let Some(id) = open {
        jobs::open_saved(ctx, wizard, id);
    } else if let Some(id) = delete {
        jobs::delete(ctx, wizard, id);
    }
    None
}
