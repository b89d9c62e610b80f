//! Above the grid: search-as-you-type, quick filters, saved views.

use roster_core::model::UserId;

use crate::users::action::{ExportScope, UserAction};
use crate::users::page::UsersPage;
use crate::users::selection::Selection;
use crate::users::view::QuickFilter;

use super::theme;

/// The id of the search box (Ctrl+F focuses it).
pub fn search_id() -> egui::Id {
    egui::Id::unique("users_search")
}

/// Draws the toolbar over the page's query; returns the action a button asked for.
pub fn show(page: &mut UsersPage, ui: &mut egui::Ui) -> Option<UserAction> {
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
        ui.memory_mut(|m| m.request_focus(search_id()));
    }
    let action = actions(&page.selection, ui);
    ui.add_space(theme::GAP / 2.0);
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Search");
        ui.add(
            egui::TextEdit::singleline(&mut page.query.search)
                .id(search_id())
                .hint_text("email, name, group or license (Ctrl+F)")
                .desired_width(280.0),
        )
        .labelled_by(label.id);
        if !page.query.search.is_empty()
            && ui
                .small_button("✖")
                .on_hover_text("Clear the search")
                .clicked()
        {
            page.query.search.clear();
        }
        ui.add_space(theme::GAP);
        for filter in QuickFilter::ALL {
            let mut on = page.query.filters.contains(&filter);
            if ui.toggle_value(&mut on, filter.label()).changed() {
                if on {
                    // Opposites cannot both hold: picking one drops the other.
                    let opposite = match filter {
                        QuickFilter::LocalLoginOn => Some(QuickFilter::LocalLoginOff),
                        QuickFilter::LocalLoginOff => Some(QuickFilter::LocalLoginOn),
                        _ => None,
                    };
                    if let Some(o) = opposite {
                        page.query.filters.remove(&o);
                    }
                    page.query.filters.insert(filter);
                } else {
                    page.query.filters.remove(&filter);
                }
            }
        }
        ui.add_space(theme::GAP);
        views_menu(page, ui);
    });
    action
}

/// The action buttons: New User +, Import Users, local login for the selection, the selection's
/// other actions, export.
fn actions(selection: &Selection, ui: &mut egui::Ui) -> Option<UserAction> {
    let some = !selection.is_empty();
    // Collected only for a click: a million selected ids are not copied every frame.
    let selected = || -> Vec<UserId> { selection.ids().cloned().collect() };
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        if ui
            .button(egui::RichText::new("New User +").strong())
            .on_hover_text("Invite a user (Ctrl+N)")
            .clicked()
        {
            action = Some(UserAction::Invite);
        }
        if ui
            .button("Import Users")
            .on_hover_text("Import users from a CSV file (Ctrl+I, or drop the file here)")
            .clicked()
        {
            action = Some(UserAction::Import);
        }
        ui.separator();
        let needs = "Select users in the grid first";
        if ui
            .add_enabled(some, egui::Button::new("Allow Local Login"))
            .on_disabled_hover_text(needs)
            .clicked()
        {
            action = Some(UserAction::LocalLogin(true, selected()));
        }
        if ui
            .add_enabled(some, egui::Button::new("Disable Local Login"))
            .on_disabled_hover_text(needs)
            .clicked()
        {
            action = Some(UserAction::LocalLogin(false, selected()));
        }
        ui.add_enabled_ui(some, |ui| {
            ui.menu_button(format!("Selected ({})", selection.len()), |ui| {
                if ui.button("Licenses…").clicked() {
                    action = Some(UserAction::Licenses(selected()));
                }
                if ui.button("Groups…").clicked() {
                    action = Some(UserAction::Groups(selected()));
                }
                if ui.button("Resend invitation").clicked() {
                    action = Some(UserAction::Resend(selected()));
                }
                if ui.button("Export selection as CSV…").clicked() {
                    action = Some(UserAction::Export(ExportScope::Selection));
                }
                ui.separator();
                if ui.button("Delete…").clicked() {
                    action = Some(UserAction::Delete(selected()));
                }
            })
            .response
            .on_disabled_hover_text(needs);
        });
        if ui
            .add_enabled(some, egui::Button::new("Clear selection"))
            .on_hover_text("Select nobody")
            .on_disabled_hover_text("Nobody is selected")
            .clicked()
        {
            action = Some(UserAction::ClearSelection);
        }
        if ui
            .button("Export shown as CSV…")
            .on_hover_text("Every user the search and filters show")
            .clicked()
        {
            action = Some(UserAction::Export(ExportScope::Shown));
        }
    });
    action
}

fn views_menu(page: &mut UsersPage, ui: &mut egui::Ui) {
    ui.menu_button("Views", |ui| {
        if page.saved_views.is_empty() {
            ui.label("No saved views yet");
        }
        let mut remove = None;
        for (name, query) in &page.saved_views {
            ui.horizontal(|ui| {
                if ui.button(name).clicked() {
                    page.query = query.clone();
                    ui.close();
                }
                if ui
                    .small_button("🗑")
                    .on_hover_text(format!("Forget {name}"))
                    .clicked()
                {
                    remove = Some(name.clone());
                }
            });
        }
        if let Some(name) = remove {
            page.saved_views.remove(&name);
        }
        ui.separator();
        let id = egui::Id::unique("new_view_name");
        let mut name: String = ui.data_mut(|d| d.get_temp(id).unwrap_or_default());
        ui.horizontal(|ui| {
            let label = ui.label("Save current view as");
            ui.add(egui::TextEdit::singleline(&mut name).desired_width(140.0))
                .labelled_by(label.id);
            let trimmed = name.trim().to_owned();
            if ui
                .add_enabled(!trimmed.is_empty(), egui::Button::new("Save view"))
                .clicked()
            {
                page.saved_views.insert(trimmed, page.query.clone());
                name.clear();
            }
        });
        ui.data_mut(|d| d.insert_temp(id, name));
    });
}
