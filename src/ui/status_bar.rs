//! The status bar: connection, last sync, progress, pending changes, selection.

use chrono::Local;

use roster_core::engine::RefreshKind;

use crate::connection::Link;
use crate::users::page::UsersPage;

use super::context::ViewContext;
use super::intent::{Intent, Window};
use super::theme;

/// Draws the status bar; returns what was asked.
pub fn show(ctx: &ViewContext, page: &UsersPage, ui: &mut egui::Ui) -> Option<Intent> {
    let mut asked = None;
    ui.horizontal(|ui| {
        let synced = ctx
            .org
            .synced_at
            .map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string());
        match ctx.link {
            Link::Connecting => {
                ui.spinner();
                ui.label("Connecting…");
            }
            Link::Online if ctx.waiting.is_some() => {
                ui.spinner();
                ui.label(ctx.waiting.unwrap_or_default());
            }
            Link::Online => match ctx.stale {
                Some(reason) => {
                    dot(ui, theme::warning(ui.visuals()));
                    let when = synced.as_deref().unwrap_or("never");
                    ui.label(format!(
                        "Online — the copy may be out of date (from {when})"
                    ))
                    .on_hover_text(reason);
                }
                None => {
                    dot(ui, theme::yes(ui.visuals()));
                    let how = match ctx.refreshed {
                        Some((RefreshKind::Full, _)) => " (full listing)",
                        Some((RefreshKind::Delta, _)) => " (changes only)",
                        Some((RefreshKind::Reconciled, _)) => " (full check)",
                        None => "",
                    };
                    ui.label(match &synced {
                        Some(t) => format!("Online — synced {t}{how}"),
                        None => "Online".to_owned(),
                    });
                }
            },
            Link::Offline { reason, last_sync } => {
                let when = last_sync
                    .map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".to_owned());
                dot(ui, theme::warning(ui.visuals()));
                ui.label(format!("Offline — showing data from {when}; retrying"))
                    .on_hover_text(reason);
            }
            Link::NotAdministrator => {
                dot(ui, theme::no(ui.visuals()));
                ui.label("Not an Organisation Administrator");
            }
            Link::Failed(message) => {
                dot(ui, theme::no(ui.visuals()));
                ui.label("Not connected").on_hover_text(message);
            }
        }
        if let Some((loaded, total)) = ctx.progress {
            ui.separator();
            let fraction = if total == 0 {
                0.0
            } else {
                loaded as f32 / total as f32
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(160.0)
                    .text(format!("{loaded} / {total}")),
            );
        }
        for progress in ctx.imports_running.values() {
            ui.separator();
            let total = progress.counts.total().max(1);
            let answered = total.saturating_sub(progress.counts.pending);
            let waiting = matches!(progress.run, roster_core::engine::ImportRun::Waiting { .. });
            ui.add(
                egui::ProgressBar::new(answered as f32 / total as f32)
                    .desired_width(160.0)
                    .text(format!("Import {}: {answered} / {total}", progress.id)),
            )
            .on_hover_text(if waiting {
                "Waiting for the server; Roster tries again by itself"
            } else {
                "Import Users shows the details"
            });
        }
        ui.separator();
        let pending = ctx.outbox.len();
        let label = crate::words::count(pending, "pending change", "pending changes");
        let pending_button = if pending > 0 {
            egui::Button::new(egui::RichText::new(label).color(theme::warning(ui.visuals())))
        } else {
            egui::Button::new(label)
        };
        if ui
            .add(pending_button)
            .on_hover_text("Changes not yet confirmed by the server")
            .clicked()
        {
            asked = Some(Intent::ShowWindow(Window::Outbox, !ctx.windows.outbox));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(format!(
                "{} selected · {} shown · {} users",
                page.selection.len(),
                page.view.len(),
                ctx.org.users.len()
            ));
            if page.is_computing() {
                // Large organisations sort and filter in the background; the old
                // view stays meanwhile, and says so.
                ui.label("Updating the list…")
                    .on_hover_text("Sorting and filtering in the background: the list below is the previous one until this ends");
                ui.spinner();
            }
        });
    });
    asked
}

/// A coloured status light (painted: no font has to carry the glyph).
fn dot(ui: &mut egui::Ui, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 5.0, color);
}
