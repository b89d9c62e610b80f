//! Changes not yet confirmed by the server: see them, retry or discard them.

use roster_core::engine::Command;
use roster_core::store::OutboxState;

use crate::app::RosterApp;

/// Draws the pending changes window when open.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let mut open = app.dialogs.outbox;
    let mut commands = Vec::new();
    egui::Window::new("Pending changes")
        .open(&mut open)
        .default_size([520.0, 280.0])
        .show(ui.ctx(), |ui| {
            if app.outbox.is_empty() {
                ui.label("Every change was confirmed by the server.");
            }
            for entry in &app.outbox {
                ui.horizontal(|ui| {
                    let state = match &entry.state {
                        OutboxState::Pending => "waiting".to_owned(),
                        OutboxState::Sending => "sending".to_owned(),
                        OutboxState::Failed(reason) => format!("failed: {reason}"),
                        OutboxState::Done => "done".to_owned(),
                    };
                    ui.label(format!("{} — {state}", entry.change.describe()));
                    if matches!(entry.state, OutboxState::Failed(_)) && ui.button("Retry").clicked()
                    {
                        commands.push(Command::Retry(entry.id));
                    }
                    if ui.button("Discard").clicked() {
                        commands.push(Command::Discard(entry.id));
                    }
                });
            }
        });
    for c in commands {
        app.send(c);
    }
    app.dialogs.outbox = open;
}
