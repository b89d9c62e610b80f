//! The window's layout: top bar, status bar, side panel, the users page, and the
//! windows beside it. The app draws the panels first and applies what they asked
//! (so that a button's dialog or window shows in the same frame), then the windows
//! and the open dialog.

use crate::activity::Tone;
use crate::connection::Link;
use crate::users::action::UserAction;
use crate::users::page::UsersPage;

use super::context::ViewContext;
use super::intent::Intent;
use super::{
    about_window, dialogs, grid, log_window, not_admin, outbox_window, side_panel, status_bar,
    toolbar, top_bar,
};

/// Draws the panels: top bar, status bar, the users page; returns what was asked.
pub fn panels(ctx: &ViewContext, page: &mut UsersPage, ui: &mut egui::Ui) -> Vec<Intent> {
    let mut asked = Vec::new();
    let top = egui::Panel::top("top_bar").show(ui, |ui| top_bar::show(ctx, ui));
    asked.extend(top.inner);
    let bottom = egui::Panel::bottom("status_bar").show(ui, |ui| status_bar::show(ctx, page, ui));
    asked.extend(bottom.inner);
    asked.extend(central(ctx, page, ui));
    asked.extend(dropped_file(ctx, ui));
    asked
}

/// Draws what floats over the panels but the dialog: progress windows, the undo
/// bar, the log, pending changes and About windows; returns what was asked.
pub fn windows(ctx: &ViewContext, ui: &mut egui::Ui) -> Vec<Intent> {
    let mut asked = dialogs::job_window::show(ctx, ui);
    asked.extend(dialogs::undo_bar::show(ctx, ui));
    if ctx.windows.log {
        asked.extend(log_window::show(ctx.log, ui));
    }
    if ctx.windows.outbox {
        asked.extend(outbox_window::show(ctx.outbox, ui));
    }
    if ctx.windows.about {
        asked.extend(about_window::show(ctx.work.data_dir(), ui));
    }
    asked
}

/// The users page, or the screen shown instead while it cannot be used.
fn central(ctx: &ViewContext, page: &mut UsersPage, ui: &mut egui::Ui) -> Option<Intent> {
    match ctx.link {
        Link::NotAdministrator => {
            let action = egui::CentralPanel::default()
                .show(ui, not_admin::show)
                .inner;
            match action? {
                not_admin::Action::TryAgain => Some(Intent::Reopen),
                not_admin::Action::OtherOrganisation => Some(Intent::Connect),
            }
        }
        Link::Failed(message) if !ctx.org.is_loaded() => {
            let heading = format!("{} could not be opened", ctx.profile);
            egui::CentralPanel::default()
                .show(ui, |ui| not_admin::failed(ui, &heading, ctx.demo, message))
                .inner
        }
        // Connected, but the first load was refused or did not add up (a server
        // whose totals lie): say why instead of a spinner that never ends.
        Link::Online if !ctx.org.is_loaded() && ctx.stale.is_some() => {
            let heading = format!("The users of {} could not be loaded", ctx.profile);
            let message = ctx.stale.unwrap_or_default();
            egui::CentralPanel::default()
                .show(ui, |ui| not_admin::failed(ui, &heading, ctx.demo, message))
                .inner
        }
        _ if !ctx.org.is_loaded() => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.vertical_centered(|ui| {
                    ui.add_space(ui.available_height() / 3.0);
                    ui.spinner();
                    let text = match ctx.progress {
                        Some((loaded, total)) => format!("Loading users… {loaded} of {total}"),
                        None => format!("Opening {}…", ctx.profile),
                    };
                    ui.label(text);
                    if let Some(waiting) = ctx.waiting {
                        ui.label(egui::RichText::new(waiting).weak());
                    }
                });
            });
            None
        }
        _ => {
            let from_side = organisation_panel(ctx, page, ui);
            let action = egui::CentralPanel::default()
                .show(ui, |ui| {
                    let from_toolbar = toolbar::show(page, &ctx.lacks, ui);
                    ui.add_space(super::theme::GAP / 2.0);
                    let from_grid = grid::show(ctx.org, page, &ctx.lacks, !ctx.modal_open, ui);
                    from_toolbar.or(from_grid)
                })
                .inner;
            let new_user = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::N));
            let import = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::I));
            let action = action
                .or(new_user.then_some(UserAction::Invite))
                .or(import.then_some(UserAction::Import));
            // While a dialog is open, its keys are its own.
            let action = action.filter(|_| !ctx.modal_open).map(Intent::Act);
            action.or(from_side)
        }
    }
}

/// The organisation side panel, or its folded strip: a narrow window gives the grid
/// the room (the choice is kept between runs).
fn organisation_panel(
    ctx: &ViewContext,
    page: &mut UsersPage,
    ui: &mut egui::Ui,
) -> Option<Intent> {
    if page.side_panel_folded {
        egui::Panel::right("organisation_folded")
            .resizable(false)
            .exact_size(32.0)
            .show(ui, |ui| {
                let unfold = ui.button("«").on_hover_text("Show the organisation panel");
                grid::label(ui, unfold.id, "Show the organisation panel");
                if unfold.clicked() {
                    page.side_panel_folded = false;
                }
            });
        return None;
    }
    egui::Panel::right("organisation")
        .resizable(true)
        .default_size(super::theme::SIDE_PANEL_WIDTH)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("Organisation");
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let fold = ui
                        .button("»")
                        .on_hover_text("Fold the organisation panel away");
                    grid::label(ui, fold.id, "Fold the organisation panel");
                    if fold.clicked() {
                        page.side_panel_folded = true;
                    }
                });
            });
            side_panel::show(ctx, ui)
        })
        .inner
}

/// A CSV file dropped anywhere on the window opens the import wizard on it.
fn dropped_file(ctx: &ViewContext, ui: &egui::Ui) -> Option<Intent> {
    let path = ui.ctx().input(|i| {
        i.raw
            .dropped_files
            .iter()
            .find_map(|f| Some(f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()))
    })?;
    if ctx.org.is_loaded() {
        Some(Intent::ImportFile(path))
    } else {
        Some(Intent::notify(
            Tone::Warning,
            "The organisation is still loading; drop the file again once the users show.",
        ))
    }
}
