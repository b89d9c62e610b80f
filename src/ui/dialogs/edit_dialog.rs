//! Edit a user: names, administrator role, direct licenses (inherited ones shown
//! read-only with their group), groups. Only what changed is sent; a version
//! conflict (412) shows what changed on the server and lets the administrator
//! re-apply their changes on top or drop them.

use roster_core::actions::UserEdit;
use roster_core::actions::edit::{FieldChange, differences};
use roster_core::engine::{BatchId, Command};
use roster_core::model::{LicenseOrigin, User};
use roster_core::store::OutboxId;

use super::{Sending, buttons, choices, error, text_field, warning};
use crate::app::RosterApp;
use crate::app::jobs::Origin;

/// A conflict: the user changed on the server since the dialog opened.
pub struct Conflict {
    /// The user as the server has it now (`None`: deleted meanwhile).
    pub current: Option<User>,
    /// The refused change, discarded once the administrator decides.
    pub entry: OutboxId,
}

/// The edit dialog's state.
pub struct EditDialog {
    /// The user as it was when the dialog opened (what the change is made against).
    pub original: User,
    /// The form.
    pub edit: UserEdit,
    sending: Option<BatchId>,
    /// Set by the app when the server answered 412.
    pub conflict: Option<Conflict>,
    error: Option<String>,
}

impl EditDialog {
    /// Opens on `user`.
    pub fn new(user: User) -> Self {
        Self {
            edit: UserEdit::of(&user),
            original: user,
            sending: None,
            conflict: None,
            error: None,
        }
    }

    /// The batch being sent, if any.
    pub fn sending(&self) -> Option<BatchId> {
        self.sending
    }
}

/// Draws the dialog when open.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let Some(mut dialog) = app.dialogs.edit.take() else {
        return;
    };
    if dialog.draw(app, ui) {
        app.dialogs.edit = Some(dialog);
    }
}

/// What the conflict view asks for.
enum Resolve {
    Reapply,
    DiscardMine,
}

impl EditDialog {
    fn draw(&mut self, app: &mut RosterApp, ui: &mut egui::Ui) -> bool {
        if let Some(open) = self.follow(app) {
            return open;
        }
        let changes = self.edit.changes(&self.original);
        let problem = self.edit.problem();
        let mut close = false;
        let mut apply = false;
        let mut resolve = None;
        let response = super::modal("edit_dialog").show(ui.ctx(), |ui| {
            ui.set_width(480.0);
            ui.heading(format!("Editing {}", self.original.user_name));
            ui.add_space(4.0);
            if let Some(conflict) = &self.conflict {
                resolve = conflict_view(ui, app, &self.original, conflict);
                return;
            }
            let sending = self.sending.is_some();
            ui.add_enabled_ui(!sending, |ui| {
                text_field(ui, "First Name", &mut self.edit.given_name);
                text_field(ui, "Last Name", &mut self.edit.family_name);
                ui.checkbox(&mut self.edit.admin, "Organisation Administrator");
                ui.columns(2, |cols| {
                    cols[0].strong("Licenses");
                    choices::licenses(&mut cols[0], &app.org.licenses, &mut self.edit.licenses);
                    for grant in &self.original.licenses {
                        if let LicenseOrigin::Group(group) = &grant.origin {
                            let name = app.org.names.licenses.get(&grant.license).cloned();
                            let group = app.org.names.groups.get(group).cloned();
                            cols[0].label(
                                egui::RichText::new(format!(
                                    "{} via {} (from the group)",
                                    name.unwrap_or_else(|| grant.license.to_string()),
                                    group.unwrap_or_default()
                                ))
                                .weak(),
                            );
                        }
                    }
                    cols[1].strong("Groups");
                    choices::groups(&mut cols[1], &app.org.groups, &mut self.edit.groups);
                });
            });
            if let Some(p) = problem {
                error(ui, p);
            }
            if let Some(e) = &self.error {
                error(ui, e);
            }
            if sending {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Saving…");
                });
            }
            let ready = !sending && problem.is_none() && !changes.is_empty();
            let (cancel, ok) = buttons(ui, "Apply", ready);
            close = cancel;
            apply = ok;
        });
        if response.should_close() && self.sending.is_none() && self.conflict.is_none() {
            close = true;
        }
        match resolve {
            Some(Resolve::Reapply) => return self.reapply(app),
            Some(Resolve::DiscardMine) => {
                if let Some(c) = self.conflict.take() {
                    app.send(Command::Discard(c.entry));
                }
                app.send(Command::Refresh);
                app.toasts
                    .info("Your changes were discarded; the grid shows the server's version.");
                return false;
            }
            None => {}
        }
        if apply {
            self.error = None;
            let title = format!("Edit {}", self.original.user_name);
            self.sending = app.submit(title, Origin::Edit, changes, None);
        }
        !close
    }

    /// Re-applies the administrator's changes on the server's current version.
    fn reapply(&mut self, app: &mut RosterApp) -> bool {
        let Some(conflict) = self.conflict.take() else {
            return true;
        };
        app.send(Command::Discard(conflict.entry));
        let Some(current) = conflict.current else {
            app.toasts.warning(format!(
                "{} was deleted on the server.",
                self.original.user_name
            ));
            return false;
        };
        self.edit = self.edit.rebased(&self.original, &current);
        self.original = current;
        let changes = self.edit.changes(&self.original);
        if changes.is_empty() {
            app.toasts.info("The server already has your changes.");
            return false;
        }
        let title = format!("Edit {}", self.original.user_name);
        self.sending = app.submit(title, Origin::Edit, changes, None);
        true
    }

    /// Follows the changes being sent; `Some(open)` when done with them.
    fn follow(&mut self, app: &mut RosterApp) -> Option<bool> {
        let batch = self.sending?;
        if self.conflict.is_some() {
            // The conflict view decides; the rest of the batch finishes on its own.
            app.jobs.forget(batch);
            self.sending = None;
            return None;
        }
        let job = match super::follow(app, batch)? {
            Sending::Going => return None,
            Sending::QueuedOffline => return Some(false),
            Sending::Finished(job) => job,
        };
        self.sending = None;
        if job.failures.is_empty() {
            app.toasts
                .success(format!("Saved {}", self.original.user_name));
            return Some(false);
        }
        let reasons: Vec<String> = job.failures.iter().map(|f| f.reason.clone()).collect();
        for f in &job.failures {
            app.send(Command::Discard(f.id));
        }
        self.error = Some(format!("Not saved: {}", reasons.join("; ")));
        // What did go through is in the grid; start again from the server's version.
        if let Some(user) = app.org.user(&self.original.id) {
            self.original = user.clone();
        }
        Some(true)
    }
}

fn conflict_view(
    ui: &mut egui::Ui,
    app: &RosterApp,
    original: &User,
    conflict: &Conflict,
) -> Option<Resolve> {
    warning(
        ui,
        "Someone changed this user on the server after you opened it. Your changes were not saved.",
    );
    match &conflict.current {
        None => {
            ui.label("The user no longer exists on the server.");
        }
        Some(current) => {
            let changed: Vec<FieldChange> =
                differences(original, current, &app.org.groups, &app.org.licenses);
            if changed.is_empty() {
                ui.label("Only the version changed on the server.");
            }
            egui::Grid::new("conflict_changes")
                .striped(true)
                .num_columns(3)
                .show(ui, |ui| {
                    ui.strong("Changed on the server");
                    ui.strong("You saw");
                    ui.strong("Now");
                    ui.end_row();
                    for c in &changed {
                        ui.label(c.field);
                        ui.label(&c.before);
                        ui.label(&c.after);
                        ui.end_row();
                    }
                });
        }
    }
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button("Discard mine").clicked() {
            return Some(Resolve::DiscardMine);
        }
        if ui.button("Reload and re-apply my changes").clicked() {
            return Some(Resolve::Reapply);
        }
        None
    })
    .inner
}
