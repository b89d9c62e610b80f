//! Edit a user: names, administrator role, direct licenses (inherited ones shown
//! read-only with their group), groups. Only what changed is sent; a version
//! conflict (412) shows what changed on the server and lets the administrator
//! re-apply their changes on top or drop them.

use roster_core::actions::UserEdit;
use roster_core::actions::edit::{FieldChange, differences};
use roster_core::actions::lockout::{self, Lockout};
use roster_core::engine::{BatchId, Command};
use roster_core::model::{LicenseOrigin, User};
use roster_core::store::OutboxId;

use super::{
    Sending, buttons, choices, enter_pressed, error, focus_first, lockout_notice, text_field,
    warning,
};
use crate::activity::Tone;
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};
use crate::ui::supports;

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
    /// The first field was given the keyboard.
    focused: bool,
    /// The administrator confirmed removing their own role.
    confirmed_self: bool,
    /// The last lock-out check: (organisation revision, administrator ticked, what it
    /// found). It reads every user, so it runs again only when one of them changed.
    checked: Option<(u64, bool, Lockout)>,
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
            focused: false,
            confirmed_self: false,
            checked: None,
        }
    }

    /// The batch being sent, if any.
    pub fn sending(&self) -> Option<BatchId> {
        self.sending
    }

    /// The server refused a change of `batch` with 412: when it is this dialog's
    /// batch, the conflict view replaces the form. Returns whether it was.
    pub fn on_conflict(&mut self, batch: BatchId, conflict: Conflict) -> bool {
        if self.sending != Some(batch) {
            return false;
        }
        self.conflict = Some(conflict);
        true
    }

    /// What the form's change of the administrator role would leave (checked only
    /// when the role changes).
    fn lockout(&mut self, ctx: &ViewContext) -> Lockout {
        if self.edit.admin == self.original.admin {
            return Lockout::None;
        }
        if let Some((revision, admin, found)) = self.checked
            && revision == ctx.org.revision
            && admin == self.edit.admin
        {
            return found;
        }
        let after = lockout::After {
            admin: self.edit.admin,
            local_login: self.original.local_login,
        };
        let idp = ctx
            .org
            .organisation
            .as_ref()
            .is_some_and(|o| o.identity_provider);
        let found = lockout::check(&ctx.org.users, &[(&self.original.id, after)], ctx.me(), idp);
        self.checked = Some((ctx.org.revision, self.edit.admin, found));
        found
    }

    /// A batch to send the form's changes.
    fn submission(&mut self, changes: Vec<roster_core::model::Change>) -> Intent {
        let batch = new_batch_id();
        self.sending = Some(batch);
        Intent::Submit(Submission {
            batch,
            title: format!("Edit {}", self.original.user_name),
            origin: Origin::Edit,
            changes,
            delay: None,
        })
    }
}

/// What the conflict view asks for.
enum Resolve {
    Reapply,
    DiscardMine,
}

impl EditDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        let mut asked = Vec::new();
        if self.follow(ctx, &mut asked) == Some(false) {
            asked.push(Intent::CloseDialog);
            return Outcome::from_intents(asked);
        }
        let changes = self.edit.changes(&self.original);
        // The form keeps such fields unchanged; this is the last guard, so that an edit
        // is never half saved because the server refused one of its fields.
        let unsupported = ctx
            .capabilities
            .map(|c| self.edit.unsupported(&self.original, c))
            .unwrap_or_default();
        let cannot_hold = (!unsupported.is_empty()).then(|| {
            let fields: Vec<&str> = unsupported.iter().map(|(field, _)| *field).collect();
            format!("This server cannot hold: {}.", fields.join(", "))
        });
        let problem = self.edit.problem().or(cannot_hold.as_deref());
        let lockout = self.lockout(ctx);
        let mut close = false;
        let mut apply = false;
        let mut resolve = None;
        let response = super::modal("edit_dialog").show(ui.ctx(), |ui| {
            ui.set_width(480.0);
            ui.heading(format!("Editing {}", self.original.user_name));
            ui.add_space(4.0);
            if let Some(conflict) = &self.conflict {
                resolve = conflict_view(ui, ctx, &self.original, conflict);
                return;
            }
            let sending = self.sending.is_some();
            let enter = enter_pressed(ui);
            ui.add_enabled_ui(!sending, |ui| {
                let first = text_field(ui, "First Name", &mut self.edit.given_name);
                focus_first(&first, &mut self.focused);
                text_field(ui, "Last Name", &mut self.edit.family_name);
                // What the server cannot hold is shown as it is, disabled, saying why.
                let extension = ctx.lacks.roster_extension.as_deref();
                if extension.is_some() {
                    self.edit.admin = self.original.admin;
                }
                supports::checkbox(
                    ui,
                    extension,
                    &mut self.edit.admin,
                    "Organisation Administrator",
                );
                if let Some(why) = &ctx.lacks.licenses {
                    self.edit.licenses = UserEdit::of(&self.original).licenses;
                    ui.strong("Groups");
                    choices::groups(ui, &ctx.org.groups, &mut self.edit.groups);
                    ui.label(egui::RichText::new(why).weak());
                } else {
                    ui.columns(2, |cols| {
                        cols[0].strong("Licenses");
                        choices::licenses(&mut cols[0], &ctx.org.licenses, &mut self.edit.licenses);
                        inherited_licenses(&mut cols[0], ctx, &self.original);
                        cols[1].strong("Groups");
                        choices::groups(&mut cols[1], &ctx.org.groups, &mut self.edit.groups);
                    });
                }
            });
            if let Some(p) = problem {
                error(ui, p);
            }
            let lockout_ok = lockout_notice(
                ui,
                lockout,
                "I understand: remove my own administrator role",
                &mut self.confirmed_self,
            );
            if let Some(e) = &self.error {
                error(ui, e);
            }
            if sending {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Saving…");
                });
            }
            let ready = !sending && problem.is_none() && !changes.is_empty() && lockout_ok;
            let (cancel, ok) = buttons(ui, "Apply", ready);
            close = cancel;
            apply = ok || (enter && ready);
        });
        if response.should_close() && self.sending.is_none() && self.conflict.is_none() {
            close = true;
        }
        match resolve {
            Some(Resolve::Reapply) => {
                asked.extend(self.reapply());
                return Outcome::from_intents(asked);
            }
            Some(Resolve::DiscardMine) => {
                if let Some(c) = self.conflict.take() {
                    asked.push(Intent::Engine(Command::Discard(c.entry)));
                }
                asked.push(Intent::Engine(Command::Refresh));
                asked.push(Intent::notify(
                    Tone::Info,
                    "Your changes were discarded; the grid shows the server's version.",
                ));
                asked.push(Intent::CloseDialog);
                return Outcome::from_intents(asked);
            }
            None => {}
        }
        if apply {
            self.error = None;
            asked.push(self.submission(changes));
        }
        if close {
            asked.push(Intent::CloseDialog);
        }
        Outcome::from_intents(asked)
    }

    /// Re-applies the administrator's changes on the server's current version.
    fn reapply(&mut self) -> Vec<Intent> {
        let Some(conflict) = self.conflict.take() else {
            return Vec::new();
        };
        let mut asked = vec![Intent::Engine(Command::Discard(conflict.entry))];
        let Some(current) = conflict.current else {
            asked.push(Intent::notify(
                Tone::Warning,
                format!("{} was deleted on the server.", self.original.user_name),
            ));
            asked.push(Intent::CloseDialog);
            return asked;
        };
        self.edit = self.edit.rebased(&self.original, &current);
        self.original = current;
        let changes = self.edit.changes(&self.original);
        if changes.is_empty() {
            asked.push(Intent::notify(
                Tone::Info,
                "The server already has your changes.",
            ));
            asked.push(Intent::CloseDialog);
            return asked;
        }
        asked.push(self.submission(changes));
        asked
    }

    /// Follows the changes being sent; `Some(stays_open)` when done with them.
    fn follow(&mut self, ctx: &ViewContext, asked: &mut Vec<Intent>) -> Option<bool> {
        let batch = self.sending?;
        if self.conflict.is_some() {
            // The conflict view decides; the rest of the batch finishes on its own.
            asked.push(Intent::ForgetJob(batch));
            self.sending = None;
            return None;
        }
        let Some((sending, follow)) = super::follow(ctx, batch) else {
            self.sending = None;
            return None;
        };
        asked.extend(follow);
        let job = match sending {
            Sending::Going => return None,
            Sending::QueuedOffline => return Some(false),
            Sending::Finished(job) => job,
        };
        self.sending = None;
        if job.failures.is_empty() {
            asked.push(Intent::notify(
                Tone::Success,
                format!("Saved {}", self.original.user_name),
            ));
            return Some(false);
        }
        let reasons: Vec<String> = job.failures.iter().map(|f| f.reason.clone()).collect();
        for f in &job.failures {
            asked.push(Intent::Engine(Command::Discard(f.id)));
        }
        self.error = Some(format!("Not saved: {}", reasons.join("; ")));
        // What did go through is in the grid; start again from the server's version.
        if let Some(user) = ctx.org.user(&self.original.id) {
            self.original = user.clone();
        }
        Some(true)
    }
}

/// The licenses a group gives the user, read-only, with the group's name.
fn inherited_licenses(ui: &mut egui::Ui, ctx: &ViewContext, user: &User) {
    for grant in &user.licenses {
        if let LicenseOrigin::Group(group) = &grant.origin {
            let name = ctx.org.names.licenses.get(&grant.license).cloned();
            let group = ctx.org.names.groups.get(group).cloned();
            ui.label(
                egui::RichText::new(format!(
                    "{} via {} (from the group)",
                    name.unwrap_or_else(|| grant.license.to_string()),
                    group.unwrap_or_default()
                ))
                .weak(),
            );
        }
    }
}

fn conflict_view(
    ui: &mut egui::Ui,
    ctx: &ViewContext,
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
                differences(original, current, &ctx.org.groups, &ctx.org.licenses);
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
