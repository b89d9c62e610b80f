//! Above the grid: search-as-you-type, quick filters, saved views.

use crate::app::RosterApp;
use crate::users::view::QuickFilter;

use super::theme;

/// The id of the search box (Ctrl+F focuses it).
pub fn search_id() -> egui::Id {
    egui::Id::unique("users_search")
}

/// Draws the toolbar.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
        ui.memory_mut(|m| m.request_focus(search_id()));
    }
    ui.horizontal_wrapped(|ui| {
        let page = &mut app.page;
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
        views_menu(app, ui);
    });
}

fn views_menu(app: &mut RosterApp, ui: &mut egui::Ui) {
    let page = &mut app.page;
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
