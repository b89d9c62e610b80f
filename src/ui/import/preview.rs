//! Step 2: every row with its status and the counts; filter to errors; fix a cell in
//! place (validated again at once) or exclude a row. The optional columns (`admin`,
//! `local_login`, `licenses`, `groups`) are shown when the file has them, and fixed
//! the same way.

use egui_extras::{Column, TableBuilder};
use roster_core::import::{Field, RowStatus};

use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::ui::theme;

use super::jobs::{self, AfterSave};
use super::wizard::{Cell, Edit, ImportWizard, Step};

pub fn show(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    let c = wizard.counts;
    let updating = wizard.import.options.update_existing;
    ui.horizontal_wrapped(|ui| {
        ui.strong(&wizard.import.name);
        let existing = if updating {
            format!(
                "{} to update · {} (no change)",
                c.update,
                crate::words::count(c.existing, "already exists", "already exist"),
            )
        } else {
            format!(
                "{} (will be skipped)",
                crate::words::count(c.existing, "already exists", "already exist"),
            )
        };
        ui.label(format!(
            "{}: {} ready · {existing} · {} excluded · {} with errors",
            crate::words::rows(wizard.import.rows.len()),
            c.ready,
            c.excluded,
            c.errors
        ));
    });
    if c.existing > 0 && !updating {
        ui.weak(
            "To update the users who already exist instead of skipping them, turn on \
             \"Update users who already exist\" in the options.",
        );
    }
    for note in &wizard.notes {
        ui.weak(note);
    }
    ui.weak(wizard.context(ctx.org).describe_age(ctx.now));
    ui.horizontal(|ui| {
        if ui
            .checkbox(&mut wizard.errors_only, "Show only rows with errors")
            .changed()
        {
            wizard.refilter();
        }
        ui.weak("Click a cell to fix it.");
    });
    super::messages(ui, wizard);
    let footer = 40.0;
    let mut action = None;
    ui.allocate_ui(
        egui::vec2(
            ui.available_width(),
            (ui.available_height() - footer).max(120.0),
        ),
        |ui| table(ctx, wizard, ui),
    );
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button("‹ Choose another file").clicked() {
            action = Some(Step::ChooseFile);
        }
        if ui.button("Save for later").clicked() {
            jobs::save(ctx, wizard, AfterSave::Stay);
        }
        // Existing users alone are reason enough: the options can update them.
        if ui
            .add_enabled(
                c.ready + c.update + c.existing > 0,
                egui::Button::new("Next: options ›"),
            )
            .on_disabled_hover_text("No row is ready to import")
            .clicked()
        {
            action = Some(Step::Options);
        }
    });
    if let Some(step) = action {
        wizard.step = step;
        wizard.info = None;
        wizard.error = None;
    }
    None
}

fn table(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) {
    let visuals = ui.visuals().clone();
    let mut fix: Option<(usize, Cell, String)> = None;
    let mut exclude: Option<(usize, bool)> = None;
    let mut start_edit: Option<Edit> = None;
    let mut cancel_edit = false;
    // Taken out for the frame (not cloned: it may hold 100k indices).
    let shown = std::mem::take(&mut wizard.shown);
    // Only the optional columns the file has; a file without them keeps the
    // three-column table.
    let extras = wizard.import.options.columns.present.clone();
    // Its own salt per column count: resized widths are kept per column.
    let salt = match extras.len() {
        0 => "import_preview".to_owned(),
        n => format!("import_preview_{n}"),
    };
    let mut builder = TableBuilder::new(ui)
        .id_salt(salt)
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(50.0))
        .column(Column::initial(250.0).at_least(120.0).clip(true))
        .column(Column::initial(110.0).at_least(60.0).clip(true))
        .column(Column::initial(110.0).at_least(60.0).clip(true));
    for _ in &extras {
        builder = builder.column(Column::initial(90.0).at_least(50.0).clip(true));
    }
    builder
        // Exclude before Status, so that Status takes what is left and is not cut.
        .column(Column::exact(60.0))
        .column(Column::remainder().at_least(160.0).clip(true))
        .header(theme::HEADER_HEIGHT, |mut h| {
            let titles = ["Line", "email", "first_name", "last_name"]
                .into_iter()
                .chain(extras.iter().map(|e| e.column()))
                .chain(["Exclude", "Status"]);
            for title in titles {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, shown.len(), |mut row| {
                let i = shown[row.index()];
                let r = &wizard.import.rows[i];
                let status = &wizard.statuses[i];
                row.col(|ui| {
                    ui.label(r.line.to_string());
                });
                let fields = Field::ALL.into_iter().map(Cell::Field);
                for cell in fields.chain(extras.iter().copied().map(Cell::Extra)) {
                    let text = match cell {
                        Cell::Field(field) => r.get(field),
                        Cell::Extra(extra) => wizard.import.options.columns.cell(r.line, extra),
                    };
                    let editing = wizard
                        .editing
                        .as_mut()
                        .filter(|e| e.row == i && e.cell == cell);
                    row.col(|ui| match cell_ui(ui, editing, cell, text, r.line) {
                        CellAsk::Nothing => {}
                        CellAsk::Start => {
                            start_edit = Some(Edit {
                                row: i,
                                cell,
                                text: text.to_owned(),
                            })
                        }
                        CellAsk::Cancel => cancel_edit = true,
                        CellAsk::Fix(text) => fix = Some((i, cell, text)),
                    });
                }
                row.col(|ui| {
                    let mut excluded = r.excluded;
                    let resp = ui.add(egui::Checkbox::without_text(&mut excluded));
                    set_label(ui, resp.id, &format!("Exclude line {}", r.line));
                    if resp.changed() {
                        exclude = Some((i, excluded));
                    }
                });
                row.col(|ui| {
                    let (color, text) = match status {
                        RowStatus::Ready => (theme::yes(&visuals), status.describe()),
                        RowStatus::WillUpdate(u) => (theme::yes(&visuals), format!("Update: {u}")),
                        RowStatus::WillSkip(_) => (visuals.weak_text_color(), status.describe()),
                        RowStatus::Error(_) => (theme::no(&visuals), status.describe()),
                    };
                    // A cut label shows its whole text on hover by itself.
                    ui.add(egui::Label::new(egui::RichText::new(&text).color(color)).truncate());
                });
            });
        });
    wizard.shown = shown;
    if cancel_edit {
        wizard.editing = None;
    }
    if let Some((i, cell, text)) = fix {
        wizard.editing = None;
        wizard.fix(i, cell, &text, ctx.org);
    }
    if let Some(edit) = start_edit {
        wizard.editing = Some(edit);
    }
    if let Some((i, excluded)) = exclude {
        wizard.set_excluded(i, excluded, ctx.org);
    }
}

/// Names a control for screen readers (and tests).
/// What the user did with a cell of the preview.
enum CellAsk {
    Nothing,
    /// Clicked it: start fixing it.
    Start,
    /// Escape while fixing.
    Cancel,
    /// Left the field: the new text.
    Fix(String),
}

/// A cell of the preview: its text, a click to fix it, or the field it is fixed in.
fn cell_ui(
    ui: &mut egui::Ui,
    editing: Option<&mut Edit>,
    cell: Cell,
    text: &str,
    line: u64,
) -> CellAsk {
    let column = cell.column();
    match editing {
        Some(edit) => {
            let resp =
                ui.add(egui::TextEdit::singleline(&mut edit.text).desired_width(f32::INFINITY));
            set_label(ui, resp.id, &format!("Fix {column} of line {line}"));
            if !resp.has_focus() && !resp.lost_focus() {
                resp.request_focus();
            }
            if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                CellAsk::Cancel
            } else if resp.lost_focus() {
                CellAsk::Fix(edit.text.clone())
            } else {
                CellAsk::Nothing
            }
        }
        None => {
            let shown_text = if text.is_empty() { "—" } else { text };
            let resp = ui
                .add(egui::Button::new(shown_text).frame(false).truncate())
                .on_hover_text("Click to fix");
            set_label(ui, resp.id, &format!("{column} of line {line}: {text}"));
            if resp.clicked() {
                CellAsk::Start
            } else {
                CellAsk::Nothing
            }
        }
    }
}

pub(super) fn set_label(ui: &egui::Ui, id: egui::Id, text: &str) {
    ui.ctx()
        .accesskit_node_builder(id, |node| node.set_label(text.to_owned()));
}
