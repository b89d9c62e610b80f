//! Above the grid: search-as-you-type, quick filters, saved views.

use roster_core::model::UserId;

use crate::users::action::{ExportScope, UserAction};
use crate::users::columns::ColumnLayout;
use crate::users::page::UsersPage;
use crate::users::selection::Selection;
use crate::users::view::QuickFilter;

use super::supports::{self, Lacking};
use super::theme;

/// The id of the search box (Ctrl+F focuses it).
pub fn search_id() -> egui::Id {
    egui::Id::unique("users_search")
}

/// Draws the toolbar over the page's query; returns the action a button asked for.
/// What the server `lacks` is offered disabled, with the reason on hover.
pub fn show(page: &mut UsersPage, lacks: &Lacking, ui: &mut egui::Ui) -> Option<UserAction> {
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
        ui.memory_mut(|m| m.request_focus(search_id()));
    }
    let action = actions(&page.selection, lacks, ui);
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
        // Its room is kept when hidden, so the filter chips do not move under the
        // cursor when the search is cleared.
        let clear = ui
            .add_visible(
                !page.query.search.is_empty(),
                egui::Button::new("✖").small(),
            )
            .on_hover_text("Clear the search");
        super::grid::label(ui, clear.id, "Clear the search");
        if clear.clicked() {
            page.query.search.clear();
        }
        ui.add_space(theme::GAP);
        for filter in QuickFilter::ALL {
            let lacking = filter_lacks(filter, lacks);
            if lacking.is_some() {
                // A filter on what the server cannot hold would only ever show nobody.
                page.query.filters.remove(&filter);
            }
            let mut on = page.query.filters.contains(&filter);
            let toggle = egui::Button::selectable(on, filter.label());
            if supports::offer(ui, lacking, toggle).clicked() {
                on = !on;
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
        columns_menu(&mut page.columns, ui);
        views_menu(page, ui);
    });
    action
}

/// Why `filter` cannot be offered: it reads what the server lacks.
fn filter_lacks(filter: QuickFilter, lacks: &Lacking) -> Option<&str> {
    match filter {
        QuickFilter::Administrators
        | QuickFilter::LocalLoginOn
        | QuickFilter::LocalLoginOff
        | QuickFilter::InactiveOver90Days
        | QuickFilter::NeverConnected => lacks.roster_extension.as_deref(),
        QuickFilter::NoLicense => lacks.licenses.as_deref(),
        QuickFilter::InvitationPending => lacks.invitations.as_deref(),
        QuickFilter::Deactivated => None,
    }
}

/// The action buttons: New User +, Import Users, local login for the selection, the selection's
/// other actions, export.
fn actions(selection: &Selection, lacks: &Lacking, ui: &mut egui::Ui) -> Option<UserAction> {
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
        let local_login = lacks
            .roster_extension
            .as_deref()
            .or((!some).then_some(needs));
        if supports::button(ui, local_login, "Allow Local Login").clicked() {
            action = Some(UserAction::LocalLogin(true, selected()));
        }
        if supports::button(ui, local_login, "Disable Local Login").clicked() {
            action = Some(UserAction::LocalLogin(false, selected()));
        }
        ui.add_enabled_ui(some, |ui| {
            ui.menu_button(format!("Selected ({})", selection.len()), |ui| {
                if supports::button(ui, lacks.licenses.as_deref(), "Licenses…").clicked() {
                    action = Some(UserAction::Licenses(selected()));
                }
                if ui.button("Groups…").clicked() {
                    action = Some(UserAction::Groups(selected()));
                }
                let resend = lacks.invitations.as_deref();
                if supports::button(ui, resend, "Resend invitation").clicked() {
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

/// A menu that a click inside keeps open: several columns are changed in one go,
/// and a view's name is typed into it.
fn stays_open() -> egui::containers::menu::MenuConfig {
    egui::containers::menu::MenuConfig::new()
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
}

fn views_menu(page: &mut UsersPage, ui: &mut egui::Ui) {
    egui::containers::menu::MenuButton::new("Views")
        .config(stays_open())
        .ui(ui, |ui| {
            if page.saved_views.is_empty() {
                ui.label("No saved views yet");
            }
            let mut remove = None;
            for (name, query) in &page.saved_views {
                ui.horizontal(|ui| {
                    if ui.button(name).clicked() {
                        page.query = query.clone();
                        // A view saved before layouts were kept leaves the columns as they are.
                        if let Some(layout) = page.saved_layouts.get(name) {
                            page.columns = layout.clone();
                        }
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
                page.saved_layouts.remove(&name);
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
                    page.saved_layouts
                        .insert(trimmed.clone(), page.columns.clone());
                    page.saved_views.insert(trimmed, page.query.clone());
                    name.clear();
                }
            });
            ui.data_mut(|d| d.insert_temp(id, name));
        });
}

/// Shows, hides and reorders the grid's columns (kept with a saved view).
fn columns_menu(layout: &mut ColumnLayout, ui: &mut egui::Ui) {
    egui::containers::menu::MenuButton::new("Columns")
        .config(stays_open())
        .ui(ui, |ui| {
            let order = layout.order().to_vec();
            let last = order.len().saturating_sub(1);
            for (at, column) in order.into_iter().enumerate() {
                ui.horizontal(|ui| {
                    let mut shown = layout.is_shown(column);
                    let enabled = ColumnLayout::can_hide(column);
                    let toggle =
                        ui.add_enabled(enabled, egui::Checkbox::new(&mut shown, column.title()));
                    if toggle
                        .on_disabled_hover_text("The email names each row: it always shows")
                        .changed()
                    {
                        layout.set_shown(column, shown);
                    }
                    let left = ui
                        .add_enabled(at > 0, egui::Button::new("◀").small())
                        .on_hover_text(format!("Move {} left", column.title()));
                    super::grid::label(ui, left.id, &format!("Move {} left", column.title()));
                    if left.clicked() {
                        layout.shift(column, -1);
                    }
                    let right = ui
                        .add_enabled(at < last, egui::Button::new("▶").small())
                        .on_hover_text(format!("Move {} right", column.title()));
                    super::grid::label(ui, right.id, &format!("Move {} right", column.title()));
                    if right.clicked() {
                        layout.shift(column, 1);
                    }
                });
            }
            ui.separator();
            if ui
                .add_enabled(!layout.is_default(), egui::Button::new("Reset columns"))
                .clicked()
            {
                *layout = ColumnLayout::default();
            }
        });
}
