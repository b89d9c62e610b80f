//! Delete users: a confirmation naming them and saying plainly what deleting does,
//! with "remove licenses instead" for users who may come back. Deleting yourself is
//! refused. Confirmed deletes wait behind an Undo for ten seconds.

use roster_core::actions::bulk;
use roster_core::model::{LicenseOrigin, User};

use std::time::{Duration, Instant};

use super::{error, warning};
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
    /// "Remove licenses instead" was chosen: its confirmation shows.
    removing_licenses: bool,
}

impl DeleteDialog {
    /// Says that `hidden` of the users are not shown in the grid.
    pub fn with_hidden(mut self, hidden: usize) -> Self {
        self.hidden = hidden;
        self
    }

    /// Asks about `users`.
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users,
            hidden: 0,
            removing_licenses: false,
        }
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

fn show(dialog: &mut DeleteDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    if dialog.removing_licenses {
        return remove_licenses(dialog, ctx, ui);
    }
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
                behind_undo(title, changes),
                Intent::ClearSelection,
                Intent::CloseDialog,
            ]))
        }
        Some(Choice::RemoveLicenses) => {
            dialog.removing_licenses = true;
            Outcome::Keep
        }
        None if close => Outcome::Close,
        None => Outcome::Keep,
    }
}

/// The confirmation of "Remove licenses instead": which direct licenses go, which
/// stay because a group gives them, and that it can be undone for a while.
fn remove_licenses(dialog: &mut DeleteDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    let refs: Vec<&User> = dialog.users.iter().collect();
    let changes = bulk::remove_all_licenses(&refs);
    let name = |id: &roster_core::model::LicenseId| {
        ctx.org
            .names
            .licenses
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    // (license via group) -> the users who keep it.
    let mut kept: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for user in &dialog.users {
        for grant in &user.licenses {
            if let LicenseOrigin::Group(group) = &grant.origin {
                let group = ctx.org.names.groups.get(group).cloned().unwrap_or_default();
                kept.entry(format!("{} via {group}", name(&grant.license)))
                    .or_default()
                    .push(user.user_name.as_str());
            }
        }
    }
    let mut back = false;
    let mut confirm = false;
    let response = super::modal("delete_dialog").show(ui.ctx(), |ui| {
        ui.set_width(480.0);
        ui.heading(format!(
            "Remove the licenses of {}?",
            crate::words::users(dialog.users.len())
        ));
        super::whom(ui, &dialog.users, dialog.hidden);
        if changes.is_empty() {
            ui.label("None of them holds a license of their own.");
        } else {
            ui.label(format!(
                "Their direct licenses are removed from {}; the accounts stay and the \
                 seats are freed.",
                crate::words::users(changes.len())
            ));
        }
        if !kept.is_empty() {
            warning(ui, "These licenses stay, because a group gives them:");
            for (what, users) in &kept {
                let names = super::choices::some_names(users.iter().copied(), users.len());
                ui.label(format!("   • {what}: {names}"));
            }
            ui.label(
                egui::RichText::new(
                    "To free those seats too, remove the users from the group (Groups…).",
                )
                .weak(),
            );
        }
        ui.label(format!(
            "You can undo it for {} s after confirming.",
            UNDO_WINDOW.as_secs()
        ));
        ui.separator();
        ui.horizontal(|ui| {
            back = ui.button("‹ Back").clicked();
            confirm = ui
                .add_enabled(!changes.is_empty(), egui::Button::new("Remove licenses"))
                .clicked();
        });
    });
    if back {
        dialog.removing_licenses = false;
        return Outcome::Keep;
    }
    if response.should_close() && !confirm {
        return Outcome::Close;
    }
    if !confirm {
        return Outcome::Keep;
    }
    let title = format!(
        "Remove the licenses of {}",
        crate::words::users(changes.len())
    );
    Outcome::close_with(behind_undo(title, changes))
}

/// `changes` as a batch that waits in the outbox behind the Undo bar.
fn behind_undo(title: String, changes: Vec<roster_core::model::Change>) -> Intent {
    Intent::Submit(Submission {
        batch: new_batch_id(),
        title,
        origin: Origin::Delete {
            send_at: Instant::now(),
        },
        changes,
        delay: Some(UNDO_WINDOW),
    })
}
