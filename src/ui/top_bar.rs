//! The top bar: the organisation, its profile switcher, and the demo badge.

use roster_core::engine::Command;

use crate::demo_org::DEMO_PROFILE;

use super::context::ViewContext;
use super::intent::{Intent, Window};
use super::theme;

/// Draws the top bar; returns what was asked.
pub fn show(ctx: &ViewContext, ui: &mut egui::Ui) -> Option<Intent> {
    let mut asked = None;
    ui.horizontal(|ui| {
        ui.heading("Roster");
        ui.separator();
        let current = if ctx.demo {
            "Demo organisation".to_owned()
        } else {
            ctx.profile.to_owned()
        };
        let mut open = None;
        egui::ComboBox::from_id_salt("profile")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui.selectable_label(ctx.demo, "Demo organisation").clicked() {
                    open = Some(DEMO_PROFILE.to_owned());
                }
                // Listed in the background when the window opens and after a save.
                for name in ctx.profiles {
                    if ui
                        .selectable_label(ctx.profile == name, name.as_str())
                        .clicked()
                    {
                        open = Some(name.clone());
                    }
                }
            })
            .response
            .on_hover_text("Switch organisation");
        if let Some(name) = open.filter(|n| n != ctx.profile) {
            asked = Some(Intent::OpenProfile(name));
        }
        if ctx.demo {
            let badge = egui::RichText::new(" Sample data ")
                .strong()
                .background_color(theme::badge(ui.visuals()));
            ui.label(badge).on_hover_text(
                "Sample data served by Roster itself: try anything, nothing leaves this machine",
            );
        }
        if ui.button("Connect your organisation…").clicked() {
            asked = Some(Intent::Connect);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("About")
                .on_hover_text("Version, license, where data and logs are kept")
                .clicked()
            {
                asked = Some(Intent::ShowWindow(Window::About, !ctx.windows.about));
            }
            if ui
                .button("Log")
                .on_hover_text("Recent operations and errors")
                .clicked()
            {
                asked = Some(Intent::ShowWindow(Window::Log, !ctx.windows.log));
            }
            if ui
                .button("Refresh")
                .on_hover_text("Fetch changes from the server")
                .clicked()
            {
                asked = Some(Intent::Engine(Command::Refresh));
            }
        });
    });
    asked
}
