//! The log window: recent operations and errors.

use crate::app::RosterApp;
use crate::app::log::LogLevel;

use super::theme;

/// Draws the log window when open.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let mut open = app.dialogs.log;
    egui::Window::new("Log")
        .open(&mut open)
        .default_size([560.0, 320.0])
        .show(ui.ctx(), |ui| {
            egui::ScrollArea::vertical()
                .stick_to_bottom(true)
                .show(ui, |ui| {
                    for entry in app.log.entries() {
                        let color = match entry.level {
                            LogLevel::Info => ui.visuals().text_color(),
                            LogLevel::Warning => theme::warning(ui.visuals()),
                            LogLevel::Error => theme::no(ui.visuals()),
                        };
                        ui.horizontal_wrapped(|ui| {
                            ui.monospace(entry.at.format("%H:%M:%S").to_string());
                            ui.colored_label(color, &entry.text);
                        });
                    }
                });
        });
    app.dialogs.log = open;
}
