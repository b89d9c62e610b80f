//! Step 1: Browse…, drop a file onto the window, or type its path; the example
//! template; the way to the Imports list.

use std::path::PathBuf;

use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;

use super::jobs;
use super::wizard::{ImportWizard, Picking};

pub fn show(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    ui.label(
        "Choose a CSV file with the columns email, first_name and last_name (UTF-8, \
         comma-separated, first line naming the columns).",
    );
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!wizard.is_picking(), egui::Button::new("Browse…"))
            .clicked()
        {
            wizard.pick(Picking::Source, ctx.save_picker);
        }
        ui.label("or drop the file onto this window, or type its path:");
    });
    let mut load = false;
    ui.horizontal(|ui| {
        let label = ui.label("File path");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut wizard.path)
                    .hint_text("/home/me/new-users.csv")
                    .desired_width(480.0),
            )
            .labelled_by(label.id);
        load |= field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        load |= ui
            .add_enabled(!wizard.path.trim().is_empty(), egui::Button::new("Load"))
            .clicked();
    });
    if load && !wizard.path.trim().is_empty() {
        let path = PathBuf::from(wizard.path.trim());
        jobs::load_file(ctx, wizard, path);
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if ui
            .link("Save an example template…")
            .on_hover_text("A CSV file with the three required columns and a few example rows")
            .clicked()
        {
            wizard.pick(Picking::Template, ctx.save_picker);
        }
        if ui
            .link("Save a template with the optional columns…")
            .on_hover_text(
                "Also admin, local_login, licenses and groups per row (licenses and groups \
                 are names separated by ;)",
            )
            .clicked()
        {
            wizard.pick(Picking::TemplateColumns, ctx.save_picker);
        }
    });
    ui.add_space(8.0);
    ui.weak(wizard.context(ctx.org).describe_age(ctx.now));
    super::messages(ui, wizard);
    ui.add_space(12.0);
    if ui.button("Imports…").clicked() {
        jobs::list(ctx, wizard);
    }
    None
}
