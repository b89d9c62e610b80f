//! The window's layout: top bar, status bar, side panel, the users page, dialogs.

use crate::app::{Link, RosterApp};
use crate::users::action::UserAction;

use super::about_window;
use super::{
    connect_dialog, dialogs, grid, import, log_window, not_admin, outbox_window, side_panel,
    status_bar, toolbar, top_bar,
};

/// Draws the whole window.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let title = match &app.org.organisation {
        Some(o) => format!("{} — Roster", o.name),
        None => "Roster".to_owned(),
    };
    // Only a change goes to the window system.
    if app.window_title.as_deref() != Some(title.as_str()) {
        ui.ctx()
            .send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
        app.window_title = Some(title);
    }
    egui::Panel::top("top_bar").show(ui, |ui| top_bar::show(app, ui));
    egui::Panel::bottom("status_bar").show(ui, |ui| status_bar::show(app, ui));
    match &app.link {
        Link::NotAdministrator => {
            let action = egui::CentralPanel::default()
                .show(ui, not_admin::show)
                .inner;
            match action {
                Some(not_admin::Action::TryAgain) => app.open(app.profile.clone()),
                Some(not_admin::Action::OtherOrganisation) => {
                    app.dialogs.connect = Some(Default::default());
                }
                None => {}
            }
        }
        Link::Failed(message) if !app.org.is_loaded() => {
            let message = message.clone();
            egui::CentralPanel::default().show(ui, |ui| not_admin::failed(app, ui, &message));
        }
        _ if !app.org.is_loaded() => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.vertical_centered(|ui| {
                    ui.add_space(ui.available_height() / 3.0);
                    ui.spinner();
                    let text = match app.progress {
                        Some((loaded, total)) => format!("Loading users… {loaded} of {total}"),
                        None => format!("Opening {}…", app.profile),
                    };
                    ui.label(text);
                });
            });
        }
        _ => {
            egui::Panel::right("organisation")
                .resizable(true)
                .default_size(super::theme::SIDE_PANEL_WIDTH)
                .show(ui, |ui| side_panel::show(app, ui));
            let action = egui::CentralPanel::default()
                .show(ui, |ui| {
                    let from_toolbar = toolbar::show(app, ui);
                    ui.add_space(super::theme::GAP / 2.0);
                    let from_grid = grid::show(&app.org, &mut app.page, ui);
                    from_toolbar.or(from_grid)
                })
                .inner;
            let new_user = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::N));
            let import = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::I));
            let action = action
                .or(new_user.then_some(UserAction::Invite))
                .or(import.then_some(UserAction::Import));
            // While a dialog is open, its keys are its own.
            if let Some(action) = action.filter(|_| !app.dialogs.modal_open()) {
                app.act(action);
            }
        }
    }
    // A CSV file dropped anywhere on the window opens the import wizard on it.
    let dropped = ui.ctx().input(|i| {
        i.raw
            .dropped_files
            .iter()
            .find_map(|f| Some(f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()))
    });
    if let Some(path) = dropped {
        if app.org.is_loaded() {
            import::open_dropped(app, path);
        } else {
            app.toasts.warning(
                "The organisation is still loading; drop the file again once the users show.",
            );
        }
    }
    import::show(app, ui);
    dialogs::show(app, ui);
    connect_dialog::show(app, ui);
    log_window::show(app, ui);
    outbox_window::show(app, ui);
    about_window::show(app, ui);
    app.toasts.show(ui.ctx());
}
