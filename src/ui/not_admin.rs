//! The screens shown instead of the grid when the organisation cannot be used.

use super::intent::Intent;
use crate::demo_org::DEMO_PROFILE;

/// What the user asked for on the "role required" screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Check the role again (after an administrator granted it).
    TryAgain,
    /// Open the connect dialog.
    OtherOrganisation,
}

/// The token's user is not an Organisation Administrator: one screen that says so.
pub fn show(ui: &mut egui::Ui) -> Option<Action> {
    let mut action = None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() / 4.0);
        ui.heading("The Organisation Administrator role is required");
        ui.add_space(8.0);
        ui.label(
            "You are signed in, but your account is not an Organisation Administrator of \
             this organisation. Every action in Roster needs that role.",
        );
        ui.label("Ask your organisation's administrator to grant it, then try again.");
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            ui.add_space((ui.available_width() - 280.0).max(0.0) / 2.0);
            if ui.button("Try again").clicked() {
                action = Some(Action::TryAgain);
            }
            if ui.button("Use another organisation…").clicked() {
                action = Some(Action::OtherOrganisation);
            }
        });
    });
    action
}

/// The profile could not be opened, the server refused the token, or the first
/// load failed: `heading` says which, `message` why.
pub fn failed(ui: &mut egui::Ui, heading: &str, demo: bool, message: &str) -> Option<Intent> {
    let mut asked = None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() / 4.0);
        ui.heading(heading);
        ui.add_space(8.0);
        ui.label(message);
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            ui.add_space((ui.available_width() - 320.0).max(0.0) / 2.0);
            if ui.button("Try again").clicked() {
                asked = Some(Intent::Reopen);
            }
            if ui.button("Edit the connection…").clicked() {
                asked = Some(Intent::Connect);
            }
            if !demo && ui.button("Open the demo organisation").clicked() {
                asked = Some(Intent::OpenProfile(DEMO_PROFILE.to_owned()));
            }
        });
    });
    asked
}
