//! Step 5: what happened to each row; export; show the created users in the grid.

use egui_extras::{Column, TableBuilder};
use roster_core::import::RowOutcome;

use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::ui::theme;

use super::wizard::{ImportWizard, Picking};

pub fn show(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    let Some(report) = &wizard.report else {
        ui.spinner();
        ui.label("Reading the report…");
        return None;
    };
    let counts = report.counts();
    ui.strong(format!("{}: {counts}", wizard.import.name));
    ui.checkbox(
        &mut wizard.problems_only,
        "Show only rows not created (or updated)",
    );
    let visuals = ui.visuals().clone();
    let rows: Vec<usize> = report
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !wizard.problems_only
                || !matches!(
                    r.outcome,
                    Some(RowOutcome::Created(_) | RowOutcome::Updated(..))
                )
        })
        .map(|(i, _)| i)
        .collect();
    ui.allocate_ui(
        egui::vec2(
            ui.available_width(),
            (ui.available_height() - 40.0).max(120.0),
        ),
        |ui| {
            TableBuilder::new(ui)
                .id_salt("import_report")
                .striped(true)
                .resizable(true)
                .column(Column::exact(50.0))
                .column(Column::initial(260.0).at_least(120.0).clip(true))
                .column(Column::initial(200.0).at_least(80.0).clip(true))
                .column(Column::exact(70.0))
                .column(Column::remainder().at_least(100.0).clip(true))
                .header(theme::HEADER_HEIGHT, |mut h| {
                    for title in ["Line", "Email", "Name", "Result", "Reason"] {
                        h.col(|ui| {
                            ui.strong(title);
                        });
                    }
                })
                .body(|body| {
                    body.rows(theme::ROW_HEIGHT, rows.len(), |mut row| {
                        let r = &report.rows[rows[row.index()]];
                        row.col(|ui| {
                            ui.label(r.line.to_string());
                        });
                        row.col(|ui| {
                            ui.label(&r.email);
                        });
                        row.col(|ui| {
                            ui.label(format!("{} {}", r.first_name, r.last_name));
                        });
                        let (label, reason, color) = match &r.outcome {
                            None => ("pending", "", visuals.weak_text_color()),
                            Some(RowOutcome::Created(_)) => ("created", "", theme::yes(&visuals)),
                            Some(RowOutcome::Updated(_, what)) => {
                                ("updated", what.as_str(), theme::yes(&visuals))
                            }
                            Some(RowOutcome::Skipped(why)) => {
                                ("skipped", why.as_str(), visuals.weak_text_color())
                            }
                            Some(RowOutcome::Failed(why)) => {
                                ("failed", why.as_str(), theme::no(&visuals))
                            }
                        };
                        row.col(|ui| {
                            ui.colored_label(color, label);
                        });
                        row.col(|ui| {
                            // A cut label shows its whole text on hover by itself.
                            ui.add(egui::Label::new(reason).truncate());
                        });
                    });
                });
        },
    );
    super::messages(ui, wizard);
    ui.separator();
    let created = report.created();
    let mut show_created = false;
    ui.horizontal(|ui| {
        if ui.button("Export report…").clicked() {
            wizard.pick(Picking::Report, ctx.save_picker);
        }
        show_created = ui
            .add_enabled(
                !created.is_empty(),
                egui::Button::new(format!(
                    "Show the {} in the grid",
                    crate::words::count(created.len(), "created user", "created users")
                )),
            )
            .clicked();
        if ui.button("Import another file").clicked() {
            wizard.reset();
        }
    });
    if show_created {
        let count = created.len();
        wizard.close = true;
        return Some(Intent::All(vec![
            Intent::ShowUsers(created),
            Intent::notify(
                crate::activity::Tone::Info,
                format!(
                    "{} selected in the grid",
                    crate::words::count(count, "imported user", "imported users")
                ),
            ),
        ]));
    }
    None
}
