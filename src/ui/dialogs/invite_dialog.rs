//! "New User +": email, names, role, local authentication, licenses, groups;
//! checked as you type, then sent through the outbox.

use roster_core::actions::{InviteContext, InviteDraft, InviteProblems, invite};
use roster_core::engine::{BatchId, Command};
use roster_core::model::Email;

use super::{
    Sending, buttons, choices, enter_pressed, error, field_problem, focus_first, text_field,
};
use crate::activity::Tone;
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};
use crate::ui::supports;

/// The invite dialog's state.
#[derive(Default)]
pub struct InviteDialog {
    /// What was typed.
    pub draft: InviteDraft,
    /// Apply was pressed once: show every problem, also of untouched fields.
    attempted: bool,
    /// The invitation being sent.
    sending: Option<BatchId>,
    /// The server's refusal of the email (exists, domain), shown on the field.
    server_email: Option<String>,
    /// Another refusal.
    server_error: Option<String>,
    /// The last draft checked and its problems: checking reads every user, so only
    /// a changed draft is checked again.
    checked: Option<(InviteDraft, InviteProblems)>,
    /// The Email field was given the keyboard.
    focused: bool,
}

impl InviteDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        let mut asked = Vec::new();
        if self.follow(ctx, &mut asked) == Some(false) {
            asked.push(Intent::CloseDialog);
            return Outcome::from_intents(asked);
        }
        let show = |field: &Option<String>, typed: &str, attempted: bool| {
            field
                .clone()
                .filter(|_| attempted || !typed.trim().is_empty())
        };
        let mut close = false;
        let mut apply = false;
        let response = super::modal("invite_dialog").show(ui.ctx(), |ui| {
            ui.set_width(460.0);
            // Only a server that sends invitations invites; others just create.
            let invites = ctx.lacks.invitations.is_none();
            ui.heading(if invites { "Invite a user" } else { "New user" });
            ui.add_space(4.0);
            let sending = self.sending.is_some();
            let enter = enter_pressed(ui);
            ui.add_enabled_ui(!sending, |ui| {
                let email = text_field(ui, "Email", &mut self.draft.email);
                focus_first(&email, &mut self.focused);
                if email.changed() {
                    self.server_email = None;
                }
                // Checked after the field took this frame's keys: a message never
                // outlives the edit that fixed it (nor moves the next field).
                let problems = self.problems(ctx);
                let email_problem = self
                    .server_email
                    .clone()
                    .or_else(|| show(&problems.email, &self.draft.email, self.attempted));
                field_problem(ui, email_problem.as_deref());
                text_field(ui, "First Name", &mut self.draft.given_name);
                let problems = self.problems(ctx);
                field_problem(
                    ui,
                    show(&problems.given_name, &self.draft.given_name, self.attempted).as_deref(),
                );
                text_field(ui, "Last Name", &mut self.draft.family_name);
                let problems = self.problems(ctx);
                field_problem(
                    ui,
                    show(
                        &problems.family_name,
                        &self.draft.family_name,
                        self.attempted,
                    )
                    .as_deref(),
                );
                // A server without Roster's extension cannot hold either: the boxes
                // stay unticked and disabled, saying why.
                let extension = ctx.lacks.roster_extension.as_deref();
                if extension.is_some() {
                    self.draft.admin = false;
                    self.draft.local_login = false;
                }
                supports::checkbox(
                    ui,
                    extension,
                    &mut self.draft.admin,
                    "Organisation Administrator",
                );
                supports::checkbox(
                    ui,
                    extension,
                    &mut self.draft.local_login,
                    "Local Authentication",
                );
                if ctx
                    .org
                    .organisation
                    .as_ref()
                    .is_some_and(|o| o.identity_provider)
                {
                    ui.label(
                        egui::RichText::new(
                            "Tip: this organisation signs in through its identity provider \
                             (SSO); SSO users need no local authentication.",
                        )
                        .weak(),
                    );
                }
                if let Some(why) = &ctx.lacks.licenses {
                    // Nothing to choose: only the groups, and why there are no licenses.
                    self.draft.licenses.clear();
                    ui.strong("Groups");
                    choices::groups(ui, &ctx.org.groups, &mut self.draft.groups);
                    ui.label(egui::RichText::new(why).weak());
                } else {
                    ui.columns(2, |cols| {
                        cols[0].strong("Licenses");
                        choices::licenses(
                            &mut cols[0],
                            &ctx.org.licenses,
                            &mut self.draft.licenses,
                        );
                        let problems = self.problems(ctx);
                        field_problem(&mut cols[0], problems.licenses.as_deref());
                        cols[1].strong("Groups");
                        choices::groups(&mut cols[1], &ctx.org.groups, &mut self.draft.groups);
                    });
                }
            });
            if let Some(e) = &self.server_error {
                error(ui, e);
            }
            if sending {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(if invites {
                        "Sending the invitation…"
                    } else {
                        "Creating the user…"
                    });
                });
            }
            let (cancel, ok) = buttons(ui, if invites { "Invite" } else { "Create" }, !sending);
            close = cancel;
            apply = ok || (enter && !sending);
        });
        if response.should_close() && self.sending.is_none() {
            close = true;
        }
        if apply {
            self.attempted = true;
            self.server_error = None;
            if let Ok(new) = self.check(ctx) {
                let batch = new_batch_id();
                self.sending = Some(batch);
                let verb = if ctx.lacks.invitations.is_none() {
                    "Invite"
                } else {
                    "Create"
                };
                asked.push(Intent::Submit(Submission {
                    batch,
                    title: format!("{verb} {}", new.email),
                    origin: Origin::Invite,
                    changes: vec![roster_core::model::Change::CreateUser(new)],
                    delay: None,
                }));
            }
        }
        if close {
            asked.push(Intent::CloseDialog);
        }
        Outcome::from_intents(asked)
    }

    /// The checks of the current draft against the cached organisation.
    fn problems(&mut self, ctx: &ViewContext) -> InviteProblems {
        if let Some((draft, problems)) = &self.checked
            && draft == &self.draft
        {
            return problems.clone();
        }
        let problems = self.check(ctx).err().unwrap_or_default();
        self.checked = Some((self.draft.clone(), problems.clone()));
        problems
    }

    fn check(&self, ctx: &ViewContext) -> Result<roster_core::model::NewUser, InviteProblems> {
        // The same check as the command line's (case-insensitive, userName too).
        let exists = |email: &Email| invite::email_taken(&ctx.org.users, email);
        self.draft.check(&InviteContext {
            organisation: ctx.org.organisation.as_ref(),
            licenses: &ctx.org.licenses,
            exists: &exists,
        })
    }

    /// Follows the invitation being sent; `Some(stays_open)` when the dialog is done
    /// with it.
    fn follow(&mut self, ctx: &ViewContext, asked: &mut Vec<Intent>) -> Option<bool> {
        let batch = self.sending?;
        let Some((sending, follow)) = super::follow(ctx, batch) else {
            // Never sent (no organisation open): the form is usable again.
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
        if let Some(failure) = job.failures.first() {
            // The dialog keeps what was typed: the refused entry is not needed.
            asked.push(Intent::Engine(Command::Discard(failure.id)));
            if failure.about_email {
                self.server_email = Some(failure.reason.clone());
            } else {
                self.server_error = Some(failure.reason.clone());
            }
            return Some(true);
        }
        // Only a server that keeps invitations sends one.
        let invites = ctx.lacks.invitations.is_none();
        let email = self.draft.email.trim();
        asked.push(Intent::notify(
            Tone::Success,
            if invites {
                format!("Invitation sent to {email}")
            } else {
                format!("User created: {email}")
            },
        ));
        Some(false)
    }

    /// The batch being sent, if any.
    pub fn sending(&self) -> Option<BatchId> {
        self.sending
    }
}
