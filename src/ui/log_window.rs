//! The log window: recent operations and errors.

use crate::activity::{Log, LogLevel};

use super::intent::{Intent, Window};
use super::theme;

/// Draws the log window; returns the close asked for.
pub fn show(log: &Log, ui: &mut egui::Ui) -> Option<Intent> {
    let mut open = true;
    egui::Window::new("Log")
        .open(&mut open)
        .default_size([560.0, 320.0])
        .show(ui.ctx(), |ui| {
            egui::ScrollArea::vertical()
                .stick_to_bottom(true)
                .show(ui, |ui| {
                    for entry in log.entries() {
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
    (!open).then_some(Intent::ShowWindow(Window::Log, false))
}
