//! Delete users: a confirmation naming them and saying plainly what deleting does,
//! with "remove licenses instead" for users who may come back. Deleting yourself is
//! refused. Confirmed deletes wait behind an Undo for ten seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use roster_core::actions::bulk;
use roster_core::model::{Change, GroupId, LicenseId, LicenseOrigin, User};

use super::{error, warning};
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};
use crate::ui::supports;

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
    /// Groups the users also leave, to free the licenses those groups give.
    leave_groups: BTreeSet<GroupId>,
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
            leave_groups: BTreeSet::new(),
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
        if ctx.lacks.licenses.is_none() {
            ui.label(
                "For someone who may come back, remove their licenses instead: the account \
                 stays and frees its seats.",
            );
        }
        if let Err(e) = &plan {
            error(ui, &e.to_string());
        }
        ui.separator();
        ui.horizontal(|ui| {
            close = ui.button("Cancel").clicked();
            let licenses = ctx.lacks.licenses.as_deref();
            if supports::button(ui, licenses, "Remove licenses instead").clicked() {
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
    let direct = bulk::remove_all_licenses(&refs);
    let direct_count = direct.len();
    let name = |id: &roster_core::model::LicenseId| {
        ctx.org
            .names
            .licenses
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    let kept = kept_by_group(&dialog.users, &name);
    // Leaving a group also frees the seats it gives; the group change is sent with the
    // license removal, behind the same Undo.
    let leave: Vec<Change> = kept
        .iter()
        .filter(|(group, _)| dialog.leave_groups.contains(*group))
        .map(|(group, kept)| Change::GroupMembers {
            group: group.clone(),
            add: Vec::new(),
            remove: kept.users.iter().map(|u| u.id.clone()).collect(),
        })
        .collect();
    let changes: Vec<Change> = direct.into_iter().chain(leave).collect();
    let mut back = false;
    let mut confirm = false;
    let response = super::modal("delete_dialog").show(ui.ctx(), |ui| {
        ui.set_width(480.0);
        ui.heading(format!(
            "Remove the licenses of {}?",
            crate::words::users(dialog.users.len())
        ));
        super::whom(ui, &dialog.users, dialog.hidden);
        if direct_count == 0 {
            ui.label("None of them holds a license of their own.");
        } else {
            ui.label(format!(
                "Their direct licenses are removed from {}; the accounts stay and the \
                 seats are freed.",
                crate::words::users(direct_count)
            ));
        }
        if !kept.is_empty() {
            warning(ui, "These licenses stay, because a group gives them:");
            for (group, kept) in &kept {
                let group_name = ctx
                    .org
                    .names
                    .groups
                    .get(group)
                    .cloned()
                    .unwrap_or_else(|| group.to_string());
                let users: Vec<&str> = kept.users.iter().map(|u| u.user_name.as_str()).collect();
                let names = super::choices::some_names(users.iter().copied(), users.len());
                ui.label(format!(
                    "   • {} via {group_name}: {names}",
                    kept.licenses.join(", ")
                ));
                let mut leave = dialog.leave_groups.contains(group);
                if ui
                    .checkbox(
                        &mut leave,
                        format!("Also remove them from {group_name} (frees those seats too)"),
                    )
                    .changed()
                {
                    if leave {
                        dialog.leave_groups.insert(group.clone());
                    } else {
                        dialog.leave_groups.remove(group);
                    }
                }
            }
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
        crate::words::users(dialog.users.len())
    );
    Outcome::close_with(behind_undo(title, changes))
}

/// What a group gives some of the users: the licenses' names and the users.
struct KeptByGroup<'a> {
    licenses: Vec<String>,
    users: Vec<&'a User>,
}

/// The licenses that stay after removing the direct ones, by the group that gives them.
fn kept_by_group<'a>(
    users: &'a [User],
    name: &dyn Fn(&LicenseId) -> String,
) -> BTreeMap<GroupId, KeptByGroup<'a>> {
    let mut kept: BTreeMap<GroupId, KeptByGroup<'a>> = BTreeMap::new();
    for user in users {
        for grant in &user.licenses {
            if let LicenseOrigin::Group(group) = &grant.origin {
                let entry = kept.entry(group.clone()).or_insert_with(|| KeptByGroup {
                    licenses: Vec::new(),
                    users: Vec::new(),
                });
                let license = name(&grant.license);
                if !entry.licenses.contains(&license) {
                    entry.licenses.push(license);
                }
                if !entry.users.iter().any(|u| u.id == user.id) {
                    entry.users.push(user);
                }
            }
        }
    }
    kept
}

/// `changes` as a batch that waits in the outbox behind the Undo bar.
fn behind_undo(title: String, changes: Vec<Change>) -> Intent {
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
