//! The top bar: the organisation, its profile switcher, and the demo badge.

use crate::app::RosterApp;
use crate::demo_org::DEMO_PROFILE;

use super::theme;

/// Draws the top bar.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("Roster");
        ui.separator();
        let current = if app.is_demo() {
            "Demo organisation".to_owned()
        } else {
            app.profile.clone()
        };
        let mut open = None;
        egui::ComboBox::from_id_salt("profile")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(app.is_demo(), "Demo organisation")
                    .clicked()
                {
                    open = Some(DEMO_PROFILE.to_owned());
                }
                let profiles = roster_core::profiles::list(&app.store).unwrap_or_default();
                for p in profiles {
                    if ui
                        .selectable_label(app.profile == p.name, &p.name)
                        .clicked()
                    {
                        open = Some(p.name);
                    }
                }
            })
            .response
            .on_hover_text("Switch organisation");
        if let Some(name) = open.filter(|n| *n != app.profile) {
            app.open(name);
        }
        if app.is_demo() {
            let badge = egui::RichText::new(" Demo organisation ")
                .strong()
                .background_color(theme::badge(ui.visuals()));
            ui.label(badge).on_hover_text(
                "Sample data served by Roster itself: try anything, nothing leaves this machine",
            );
        }
        if ui.button("Connect your organisation…").clicked() {
            app.dialogs.connect = Some(Default::default());
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("About")
                .on_hover_text("Version, license, where data and logs are kept")
                .clicked()
            {
                app.dialogs.about = !app.dialogs.about;
            }
            if ui
                .button("Log")
                .on_hover_text("Recent operations and errors")
                .clicked()
            {
                app.dialogs.log = !app.dialogs.log;
            }
            if ui
                .button("Refresh")
                .on_hover_text("Fetch changes from the server")
                .clicked()
            {
                app.send(roster_core::engine::Command::Refresh);
            }
        });
    });
}
