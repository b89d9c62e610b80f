//! Changes not yet confirmed by the server: see them, retry or discard them.

use roster_core::engine::Command;
use roster_core::store::{OutboxEntry, OutboxState};

use super::intent::{Intent, Window};

/// Draws the pending changes window; returns what was asked.
pub fn show(outbox: &[OutboxEntry], ui: &mut egui::Ui) -> Vec<Intent> {
    let mut open = true;
    let mut asked = Vec::new();
    egui::Window::new("Pending changes")
        .open(&mut open)
        .default_size([520.0, 280.0])
        .show(ui.ctx(), |ui| {
            if outbox.is_empty() {
                ui.label("Every change was confirmed by the server.");
            }
            for entry in outbox {
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
                        asked.push(Intent::Engine(Command::Retry(entry.id)));
                    }
                    if ui.button("Discard").clicked() {
                        asked.push(Intent::Engine(Command::Discard(entry.id)));
                    }
                });
            }
        });
    if !open {
        asked.push(Intent::ShowWindow(Window::Outbox, false));
    }
    asked
}
