//! The Undo bar of deletes waiting in the outbox: "Deleting 3 users in 7 s — Undo".

use std::time::Instant;

use crate::connection::jobs::Origin;
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;

/// Draws one bar per delete still in its undo window; returns the Undo asked for.
pub fn show(ctx: &ViewContext, ui: &mut egui::Ui) -> Option<Intent> {
    let now = Instant::now();
    let waiting: Vec<(roster_core::engine::BatchId, String, u64)> = ctx
        .jobs
        .of(|o| matches!(o, Origin::Delete { .. }))
        .into_iter()
        .filter(|j| !j.cancel_requested && j.waiting() > 0)
        .filter_map(|j| match j.origin {
            Origin::Delete { send_at } if send_at > now => {
                Some((j.batch, j.title.clone(), (send_at - now).as_secs() + 1))
            }
            _ => None,
        })
        .collect();
    if waiting.is_empty() {
        return None;
    }
    let mut undo = None;
    egui::Area::new(egui::Id::unique("undo_bar"))
        .anchor(egui::Align2::CENTER_BOTTOM, [0.0, -40.0])
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                for (batch, title, secs) in &waiting {
                    ui.horizontal(|ui| {
                        ui.label(format!("{title}: sent in {secs} s"));
                        if ui.button("Undo").clicked() {
                            undo = Some(*batch);
                        }
                    });
                }
            });
        });
    // The countdown moves every second.
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(250));
    undo.map(Intent::CancelBatch)
}
