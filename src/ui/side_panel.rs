//! The organisation at a glance.

use roster_core::client::FeatureState;
use roster_core::engine::Command;

use super::context::ViewContext;
use super::intent::Intent;

/// Draws the side panel; returns what was asked (a re-check of the server).
pub fn show(ctx: &ViewContext, ui: &mut egui::Ui) -> Option<Intent> {
    let org = ctx.org;
    let asked = supports(ctx, ui);
    ui.separator();
    glance(org, ui);
    asked
}

/// "What this server supports": each feature, and why one is off.
fn supports(ctx: &ViewContext, ui: &mut egui::Ui) -> Option<Intent> {
    let capabilities = ctx.capabilities?;
    let mut asked = None;
    egui::CollapsingHeader::new("What this server supports")
        .id_salt("server_supports")
        .show(ui, |ui| {
            for status in capabilities.features() {
                let (mark, why) = match &status.state {
                    FeatureState::Supported => ("✔", None),
                    FeatureState::NotAdvertised => ("—", Some("not advertised".to_owned())),
                    FeatureState::Downgraded(reason) => ("✖", Some(reason.clone())),
                };
                let line = ui.label(format!("{mark} {}", status.feature.label()));
                if let Some(why) = why {
                    line.on_hover_text(why);
                }
            }
            if ui
                .button("Re-check")
                .on_hover_text("Ask the server again what it supports")
                .clicked()
            {
                asked = Some(Intent::Engine(Command::Recheck));
            }
        });
    asked
}

fn glance(org: &crate::users::org::OrgState, ui: &mut egui::Ui) {
    let stats = &org.stats;
    ui.heading(
        org.organisation
            .as_ref()
            .map_or("Organisation", |o| o.name.as_str()),
    );
    ui.add_space(4.0);
    egui::Grid::new("glance").num_columns(2).show(ui, |ui| {
        ui.label("Users");
        ui.label(stats.users.to_string());
        ui.end_row();
        ui.label("Organisation Administrators");
        ui.label(stats.administrators.to_string());
        ui.end_row();
        ui.label("Inactive for over 90 days");
        ui.label(stats.inactive_90_days.to_string());
        ui.end_row();
        ui.label("Never signed in");
        ui.label(stats.never_connected.to_string());
        ui.end_row();
    });
    if let Some(org) = &org.organisation {
        ui.add_space(8.0);
        ui.label(format!("Domains: {}", org.authorized_domains.join(", ")));
        ui.label(if org.identity_provider {
            "Sign-in: identity provider (SSO)"
        } else {
            "Sign-in: Roster accounts"
        });
    }
    if !stats.seats.is_empty() {
        ui.add_space(8.0);
        ui.strong("License seats");
        for (name, used, seats) in &stats.seats {
            let fraction = if *seats == 0 {
                1.0
            } else {
                *used as f32 / *seats as f32
            };
            ui.label(name);
            ui.add(
                egui::ProgressBar::new(fraction.min(1.0)).text(format!("{used} / {seats} used")),
            );
        }
    }
}
