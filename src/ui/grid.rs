//! The users grid: every user at once, virtual rows, sortable columns, selection
//! with click, Ctrl/Shift-click, checkboxes and the keyboard.

use egui::Sense;
use egui_extras::{Column as Width, TableBuilder};
use roster_core::model::UserId;

use crate::users::action::UserAction;
use crate::users::org::OrgState;
use crate::users::page::UsersPage;
use crate::users::rows::Row;
use crate::users::selection::ClickKind;
use crate::users::view::{Column, Direction};

use super::supports::Lacking;
use super::theme;

/// Draws the grid of `org`'s users as `page` asks, and applies clicks to `page`.
/// Returns what a row's buttons, its menu, a double-click or the keyboard asked for.
/// `keys`: whether the grid's keys are its own (no dialog open); a menu that is
/// open also keeps them.
/// What the server `lacks` is offered disabled in the row menu.
pub fn show(
    org: &OrgState,
    page: &mut UsersPage,
    lacks: &Lacking,
    keys: bool,
    ui: &mut egui::Ui,
) -> Option<UserAction> {
    let keys = keys && !egui::Popup::is_any_open(ui.ctx());
    let mut action = if keys { keyboard(org, page, ui) } else { None };
    if page.view.is_empty() {
        ui.add_space(theme::GAP * 2.0);
        ui.vertical_centered(|ui| {
            ui.label(if org.users.is_empty() {
                "This organisation has no users yet."
            } else if page.is_computing() {
                // Not "no match": the answer is still being computed.
                "Sorting and filtering the users…"
            } else {
                "No user matches the search and filters."
            });
        });
        return action;
    }
    let visuals = ui.visuals().clone();
    // Keep the keyboard cursor in view when the arrows moved it.
    let arrows_moved = ui.memory(|m| m.focused().is_none())
        && ui.input(|i| i.key_pressed(egui::Key::ArrowUp) || i.key_pressed(egui::Key::ArrowDown));
    let modifiers = ui.input(|i| i.modifiers);
    // Finding the cursor's row reads the whole view: only when the arrows moved it.
    let scroll_to = page.cursor.as_ref().filter(|_| arrows_moved).and_then(|c| {
        page.view
            .iter()
            .position(|&i| &org.rows[i as usize].id == c)
    });
    let mut clicked: Option<(UserId, ClickKind)> = None;
    let mut sort_by: Option<Column> = None;
    let mut all_toggle: Option<bool> = None;
    // Whether every shown row is selected reads the whole view: remembered until the
    // view or the selection changes.
    let all_key = (page.view_generation(), page.selection.generation());
    let all_id = egui::Id::unique("users_grid_all_shown");
    let all_shown = match ui.data(|d| d.get_temp::<((u64, u64), bool)>(all_id)) {
        Some((key, all)) if key == all_key => all,
        _ => {
            let all = page
                .selection
                .all_selected(page.view.iter().map(|&i| &org.rows[i as usize].id));
            ui.data_mut(|d| d.insert_temp(all_id, (all_key, all)));
            all
        }
    };
    let shown: Vec<Column> = page.columns.shown().collect();
    // Narrow windows scroll sideways; the row menu also has Edit and Delete, so the
    // Actions column is never the only way to them.
    egui::ScrollArea::horizontal()
        .id_salt("users_grid_sideways")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut table = TableBuilder::new(ui)
                // The layout is part of the id, so that widths are not carried to other columns.
                .id_salt(("users_grid", &shown))
                .striped(true)
                .resizable(true)
                .sense(Sense::click())
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Width::exact(28.0));
            for (at, column) in shown.iter().enumerate() {
                table = table.column(width(*column, at + 1 == shown.len()));
            }
            // Last and fixed, so that the row buttons are never pushed out of view.
            let mut table = table.column(Width::exact(ACTIONS_WIDTH));
            if let Some(row) = scroll_to.filter(|_| arrows_moved) {
                table = table.scroll_to_row(row, None);
            }
            table
                .header(theme::HEADER_HEIGHT, |mut header| {
                    header.col(|ui| {
                        let mut all = all_shown;
                        let r = ui.add(egui::Checkbox::without_text(&mut all));
                        label(ui, r.id, "Select all shown");
                        if r.changed() {
                            all_toggle = Some(all);
                        }
                    });
                    for &column in &shown {
                        header.col(|ui| {
                            let (current, direction) = page.query.sort;
                            let text = egui::RichText::new(column.header()).strong();
                            let how = match (current == column, direction) {
                                (true, Direction::Ascending) => {
                                    "sorted ascending; click for descending"
                                }
                                (true, Direction::Descending) => {
                                    "sorted descending; click for ascending"
                                }
                                (false, _) => "click to sort",
                            };
                            let hover = format!("{}: {how}", column.title());
                            if ui
                                .add(egui::Button::new(text).frame(false))
                                .on_hover_text(hover)
                                .clicked()
                            {
                                sort_by = Some(column);
                            }
                            if current == column {
                                sort_arrow(ui, direction);
                            }
                        });
                    }
                    header.col(|ui| {
                        ui.label(egui::RichText::new("Actions").strong());
                    });
                })
                .body(|body| {
                    body.rows(theme::ROW_HEIGHT, page.view.len(), |mut row| {
                        let r = &org.rows[page.view[row.index()] as usize];
                        let selected = page.selection.contains(&r.id);
                        row.set_selected(selected || page.cursor.as_ref() == Some(&r.id));
                        row.col(|ui| {
                            let mut checked = selected;
                            let resp = ui.add(egui::Checkbox::without_text(&mut checked));
                            label(ui, resp.id, &format!("Select {}", r.email));
                            if resp.changed() {
                                clicked = Some((r.id.clone(), ClickKind::Toggle));
                            }
                        });
                        for &column in &shown {
                            row.col(|ui| match column {
                                Column::Email => {
                                    let you = page.me.as_ref() == Some(&r.id);
                                    email_cell(ui, r, page.pending.contains(&r.id), you, &visuals)
                                }
                                Column::Name => cell(ui, &r.name),
                                Column::Administrator => {
                                    mark(ui, r.admin_known.then_some(r.admin), &visuals)
                                }
                                Column::LastConnection => cell(ui, &r.last_connection()),
                                Column::LocalLogin => {
                                    mark(ui, r.local_login_known.then_some(r.local_login), &visuals)
                                }
                                Column::Licenses => cell(ui, &r.licenses),
                                Column::Groups => cell(ui, &r.groups),
                            });
                        }
                        row.col(|ui| {
                            if let Some(a) = row_buttons(ui, r) {
                                action = Some(a);
                            }
                        });
                        let resp = row.response();
                        if resp.double_clicked() {
                            action = Some(UserAction::Edit(r.id.clone()));
                        }
                        resp.context_menu(|ui| {
                            let targets = menu_targets(page, &r.id);
                            if let Some(a) = super::row_menu::show(ui, org, lacks, &r.id, targets) {
                                action = Some(a);
                                ui.close();
                            }
                        });
                        if resp.clicked() && clicked.is_none() {
                            let kind = if modifiers.shift {
                                ClickKind::Range
                            } else if modifiers.command {
                                ClickKind::Toggle
                            } else {
                                ClickKind::Replace
                            };
                            clicked = Some((r.id.clone(), kind));
                        }
                    });
                });
        });
    if let Some(column) = sort_by {
        let (current, direction) = page.query.sort;
        page.query.sort = if current == column && direction == Direction::Ascending {
            (column, Direction::Descending)
        } else {
            (column, Direction::Ascending)
        };
    }
    // The shown ids (every row) are only needed to apply a click or a toggle.
    if all_toggle.is_none() && clicked.is_none() {
        return action;
    }
    let shown: Vec<&UserId> = page
        .view
        .iter()
        .map(|&i| &org.rows[i as usize].id)
        .collect();
    match all_toggle {
        Some(true) => page.selection.select_all(shown.iter().copied()),
        Some(false) => page.selection.deselect_all(shown.iter().copied()),
        None => {}
    }
    if let Some((id, kind)) = clicked {
        page.selection.click(&id, kind, &shown);
        page.cursor = Some(id);
    }
    action
}

/// Width of the per-row buttons.
const ACTIONS_WIDTH: f32 = 64.0;

/// A column's width: the short ones fixed at first, the long texts (name, licenses,
/// groups) sharing what is left, so the grid fits the window while it can. Below the
/// smallest widths a narrow window scrolls sideways. The last column shown always
/// takes the rest.
fn width(column: Column, last: bool) -> Width {
    let (initial, least) = match column {
        Column::Email => (Some(250.0), 160.0),
        Column::Name => (None, 90.0),
        Column::Administrator => (Some(80.0), 64.0),
        Column::LastConnection => (Some(125.0), 110.0),
        Column::LocalLogin => (Some(95.0), 90.0),
        Column::Licenses => (None, 90.0),
        Column::Groups => (None, 90.0),
    };
    let width = match initial {
        Some(initial) if !last => Width::initial(initial),
        _ => Width::remainder(),
    };
    width.at_least(least).clip(true)
}

/// The users a row's menu acts on: the whole selection when the row is part of it,
/// else the row alone.
fn menu_targets(page: &UsersPage, id: &UserId) -> Vec<UserId> {
    if page.selection.contains(id) && page.selection.len() > 1 {
        page.selection.ids().cloned().collect()
    } else {
        vec![id.clone()]
    }
}

/// The email, and words for what is special about the user: an invitation not yet
/// accepted, a change waiting to be sent.
fn email_cell(ui: &mut egui::Ui, r: &Row, pending: bool, you: bool, visuals: &egui::Visuals) {
    if pending {
        ui.add(
            egui::Label::new(
                egui::RichText::new("pending")
                    .small()
                    .color(theme::warning(visuals)),
            )
            .selectable(false),
        )
        .on_hover_text("A change to this user waits to be sent (see Pending changes)");
    }
    cell(ui, &r.email);
    if you {
        ui.add(egui::Label::new(egui::RichText::new("(you)").strong()).selectable(false))
            .on_hover_text("Your own account: it cannot be deleted from here");
    }
    if r.invitation_pending {
        ui.add(
            egui::Label::new(egui::RichText::new("invitation pending").small().weak())
                .selectable(false),
        );
    }
    if !r.active {
        ui.add(
            egui::Label::new(
                egui::RichText::new("deactivated")
                    .small()
                    .color(theme::warning(visuals)),
            )
            .selectable(false),
        )
        .on_hover_text(
            "The server keeps this account but it is deactivated: the user cannot sign in",
        );
    }
}

/// A row's Edit and Delete buttons.
fn row_buttons(ui: &mut egui::Ui, r: &Row) -> Option<UserAction> {
    let edit = ui
        .small_button("✏")
        .on_hover_text("Edit (Enter, or double-click the row)");
    label(ui, edit.id, &format!("Edit {}", r.email));
    let delete = ui.small_button("🗑").on_hover_text("Delete (Delete key)");
    label(ui, delete.id, &format!("Delete {}", r.email));
    if edit.clicked() {
        Some(UserAction::Edit(r.id.clone()))
    } else if delete.clicked() {
        Some(UserAction::Delete(vec![r.id.clone()]))
    } else {
        None
    }
}

/// A cell's text; not selectable, so that a click on it selects the row.
fn cell(ui: &mut egui::Ui, text: &str) {
    ui.add(egui::Label::new(text).selectable(false).truncate());
}

/// A small painted triangle: up for ascending, down for descending.
fn sort_arrow(ui: &mut egui::Ui, direction: Direction) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), Sense::hover());
    let c = rect.center();
    let (tip, base) = match direction {
        Direction::Ascending => (-4.0, 3.0),
        Direction::Descending => (4.0, -3.0),
    };
    let points = vec![
        egui::pos2(c.x, c.y + tip),
        egui::pos2(c.x - 4.0, c.y + base),
        egui::pos2(c.x + 4.0, c.y + base),
    ];
    let color = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        color,
        egui::Stroke::NONE,
    ));
}

/// A green check or a red cross, with the words for screen readers.
fn mark(ui: &mut egui::Ui, yes: Option<bool>, visuals: &egui::Visuals) {
    let (text, color, words) = match yes {
        Some(true) => ("✔", theme::yes(visuals), "yes"),
        Some(false) => ("✖", theme::no(visuals), "no"),
        None => ("—", visuals.weak_text_color(), "the server does not say"),
    };
    ui.add(egui::Label::new(egui::RichText::new(text).color(color)).selectable(false))
        .on_hover_text(words);
}

/// Gives a widget without visible text its accessible name.
pub(super) fn label(ui: &egui::Ui, id: egui::Id, text: &str) {
    ui.ctx()
        .accesskit_node_builder(id, |node| node.set_label(text.to_owned()));
}

/// Ctrl+A, the arrow keys, Enter (edit) and Delete, when no text field has focus.
/// Escape is not the grid's: it closes the topmost dialog or menu, and clearing the
/// selection is the toolbar's visible "Clear selection".
fn keyboard(org: &OrgState, page: &mut UsersPage, ui: &mut egui::Ui) -> Option<UserAction> {
    if ui.memory(|m| m.focused().is_some()) {
        return None;
    }
    let (select_all, up, down, shift, enter, delete) = ui.input_mut(|i| {
        (
            i.consume_key(egui::Modifiers::COMMAND, egui::Key::A),
            i.key_pressed(egui::Key::ArrowUp),
            i.key_pressed(egui::Key::ArrowDown),
            i.modifiers.shift,
            i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
            i.consume_key(egui::Modifiers::NONE, egui::Key::Delete),
        )
    });
    if enter {
        // The row with the cursor, else the one selected user.
        let target = page.cursor.clone().or_else(|| {
            (page.selection.len() == 1)
                .then(|| page.selection.ids().next().cloned())
                .flatten()
        });
        return target.map(UserAction::Edit);
    }
    if delete {
        let targets: Vec<UserId> = if page.selection.is_empty() {
            page.cursor.iter().cloned().collect()
        } else {
            page.selection.ids().cloned().collect()
        };
        return (!targets.is_empty()).then_some(UserAction::Delete(targets));
    }
    if !(select_all || up || down) {
        return None;
    }
    let shown: Vec<&UserId> = page
        .view
        .iter()
        .map(|&i| &org.rows[i as usize].id)
        .collect();
    if select_all {
        page.selection.select_all(shown.iter().copied());
    }
    if (up || down) && !shown.is_empty() {
        let at = page
            .cursor
            .as_ref()
            .and_then(|c| shown.iter().position(|s| *s == c));
        let next = match (at, down) {
            (None, _) => 0,
            (Some(i), true) => (i + 1).min(shown.len() - 1),
            (Some(i), false) => i.saturating_sub(1),
        };
        let id = shown[next].clone();
        let kind = if shift {
            ClickKind::Range
        } else {
            ClickKind::Replace
        };
        page.selection.click(&id, kind, &shown);
        page.cursor = Some(id);
    }
    None
}
