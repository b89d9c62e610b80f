//! Progress of bulk actions: counts, a progress bar, Cancel; afterwards who failed
//! and why, with "Retry failed".

use roster_core::model::Change;

use crate::connection::jobs::{Origin, progress_text};
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;

/// What the window asks for.
enum Ask {
    Cancel,
    Retry,
    Close,
}

/// Draws one window per bulk job still followed; returns what was asked.
pub fn show(ctx: &ViewContext, ui: &mut egui::Ui) -> Vec<Intent> {
    let mut asked = Vec::new();
    for job in ctx.jobs.of(|o| *o == Origin::Bulk) {
        let mut open = true;
        let mut ask = None;
        egui::Window::new(&job.title)
            .id(egui::Id::unique(("job", job.batch.0)))
            .open(&mut open)
            .collapsible(false)
            .default_width(420.0)
            // Bottom right, clear of the toolbar and the grid's first rows.
            .pivot(egui::Align2::RIGHT_BOTTOM)
            .default_pos(ui.ctx().content_rect().right_bottom() - egui::vec2(16.0, 48.0))
            .show(ui.ctx(), |ui| {
                let answered = job.done() + job.failed() + job.cancelled();
                let fraction = if job.total == 0 {
                    1.0
                } else {
                    answered as f32 / job.total as f32
                };
                ui.add(egui::ProgressBar::new(fraction).text(progress_text(job)));
                if !job.finished() {
                    if !ctx.online() {
                        ui.label("Offline: the changes are sent when the connection returns.");
                    }
                    if ui
                        .add_enabled(!job.cancel_requested, egui::Button::new("Cancel"))
                        .on_hover_text("What was sent stays; the rest is not sent")
                        .clicked()
                    {
                        ask = Some(Ask::Cancel);
                    }
                    return;
                }
                if job.failures.is_empty() {
                    ui.label("Done.");
                } else {
                    ui.label(format!(
                        "{}:",
                        crate::words::count(job.failures.len(), "change failed", "changes failed")
                    ));
                    egui::ScrollArea::vertical()
                        .max_height(200.0)
                        .show(ui, |ui| {
                            for f in &job.failures {
                                ui.label(format!("{}: {}", who(ctx, &f.change), f.reason));
                            }
                        });
                }
                ui.horizontal(|ui| {
                    if !job.failures.is_empty() && ui.button("Retry failed").clicked() {
                        ask = Some(Ask::Retry);
                    }
                    if ui.button("Close").clicked() {
                        ask = Some(Ask::Close);
                    }
                });
            });
        if !open {
            ask = Some(Ask::Close);
        }
        match ask {
            Some(Ask::Cancel) => asked.push(Intent::CancelBatch(job.batch)),
            Some(Ask::Retry) => asked.push(Intent::RetryFailed(job.batch)),
            Some(Ask::Close) => {
                if !job.finished() {
                    // Closing while running cancels what was not sent.
                    asked.push(Intent::CancelBatch(job.batch));
                }
                asked.push(Intent::ForgetJob(job.batch));
            }
            None => {}
        }
    }
    asked
}

/// The user (or group) a change is about, by name.
fn who(ctx: &ViewContext, change: &Change) -> String {
    let user = |id: &roster_core::model::UserId| {
        ctx.org
            .user(id)
            .map_or_else(|| id.to_string(), |u| u.user_name.clone())
    };
    match change {
        Change::CreateUser(new) => new.email.to_string(),
        Change::PatchUser { id, .. }
        | Change::DeleteUser { id, .. }
        | Change::ResendInvitation { id } => user(id),
        Change::GroupMembers { group, .. } => format!(
            "group {}",
            ctx.org
                .names
                .groups
                .get(group)
                .cloned()
                .unwrap_or_else(|| group.to_string())
        ),
    }
}
