//! Delete users: a confirmation naming them and saying plainly what deleting does,
//! with "remove licenses instead" for users who may come back. Deleting yourself is
//! refused. Confirmed deletes wait behind an Undo for ten seconds.

use roster_core::actions::bulk;
use roster_core::model::User;

use std::time::{Duration, Instant};

use super::{error, warning};
use crate::activity::Tone;
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};

/// How long a delete waits in the outbox behind its Undo.
pub const UNDO_WINDOW: Duration = Duration::from_secs(10);

/// The delete confirmation's state.
pub struct DeleteDialog {
    /// The users to delete.
    pub users: Vec<User>,
    /// How many of them the grid's search and filters hide.
    pub hidden: usize,
}

impl DeleteDialog {
    /// Says that `hidden` of the users are not shown in the grid.
    pub fn with_hidden(mut self, hidden: usize) -> Self {
        self.hidden = hidden;
        self
    }

    /// Asks about `users`.
    pub fn new(users: Vec<User>) -> Self {
        Self { users, hidden: 0 }
    }
}

enum Choice {
    Delete,
    RemoveLicenses,
}

impl DeleteDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        show(self, ctx, ui)
    }
}

fn show(dialog: &DeleteDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    let refs: Vec<&User> = dialog.users.iter().collect();
    let plan = bulk::delete(&refs, ctx.me());
    let count = dialog.users.len();
    let mut close = false;
    let mut choice = None;
    let response = super::modal("delete_dialog").show(ui.ctx(), |ui| {
        ui.set_width(480.0);
        ui.heading(if count == 1 {
            format!("Delete {}?", dialog.users[0].user_name)
        } else {
            format!("Delete {count} users?")
        });
        if count > 1 || dialog.hidden > 0 {
            super::whom(ui, &dialog.users, dialog.hidden);
        }
        ui.add_space(4.0);
        warning(
            ui,
            if count == 1 {
                "Deleting a user:"
            } else {
                "Deleting these users:"
            },
        );
        for effect in [
            "makes logging in impossible,",
            "blocks access to every application,",
            "permanently deletes all of the user's data.",
        ] {
            ui.label(format!("   • {effect}"));
        }
        ui.label(egui::RichText::new("This cannot be reversed once sent.").strong());
        ui.label(
            "For someone who may come back, remove their licenses instead: the account \
             stays and frees its seats.",
        );
        if let Err(e) = &plan {
            error(ui, &e.to_string());
        }
        ui.separator();
        ui.horizontal(|ui| {
            close = ui.button("Cancel").clicked();
            if ui.button("Remove licenses instead").clicked() {
                choice = Some(Choice::RemoveLicenses);
            }
            let danger = egui::Button::new(
                egui::RichText::new(if count == 1 {
                    "Delete user".to_owned()
                } else {
                    format!("Delete {count} users")
                })
                .color(ui.visuals().error_fg_color),
            );
            if ui.add_enabled(plan.is_ok(), danger).clicked() {
                choice = Some(Choice::Delete);
            }
        });
    });
    if response.should_close() {
        close = true;
    }
    match choice {
        Some(Choice::Delete) => {
            let Ok(changes) = plan else {
                return Outcome::Keep;
            };
            let title = if count == 1 {
                format!("Delete {}", dialog.users[0].user_name)
            } else {
                format!("Delete {count} users")
            };
            Outcome::Do(Intent::All(vec![
                Intent::Submit(Submission {
                    batch: new_batch_id(),
                    title,
                    origin: Origin::Delete {
                        send_at: Instant::now(),
                    },
                    changes,
                    delay: Some(UNDO_WINDOW),
                }),
                Intent::ClearSelection,
                Intent::CloseDialog,
            ]))
        }
        Some(Choice::RemoveLicenses) => {
            let changes = bulk::remove_all_licenses(&refs);
            if changes.is_empty() {
                return Outcome::close_with(Intent::notify(
                    Tone::Info,
                    "These users hold no license of their own.",
                ));
            }
            let title = format!(
                "Remove the licenses of {}",
                crate::words::users(changes.len())
            );
            Outcome::close_with(Intent::Submit(Submission {
                batch: new_batch_id(),
                title,
                origin: Origin::Bulk,
                changes,
                delay: None,
            }))
        }
        None if close => Outcome::Close,
        None => Outcome::Keep,
    }
}
