//! "New User +": email, names, role, local authentication, licenses, groups;
//! checked as you type, then sent through the outbox.

use roster_core::actions::{InviteContext, InviteDraft, InviteProblems};
use roster_core::engine::{BatchId, Command};
use roster_core::model::Email;

use super::{Sending, buttons, choices, error, field_problem, text_field};
use crate::app::RosterApp;
use crate::app::jobs::Origin;

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
}

/// Draws the dialog when open.
pub fn show(app: &mut RosterApp, ui: &mut egui::Ui) {
    let Some(mut dialog) = app.dialogs.invite.take() else {
        return;
    };
    if dialog.draw(app, ui) {
        app.dialogs.invite = Some(dialog);
    }
}

impl InviteDialog {
    /// Draws; returns whether the dialog stays open.
    fn draw(&mut self, app: &mut RosterApp, ui: &mut egui::Ui) -> bool {
        if let Some(open) = self.follow(app) {
            return open;
        }
        let problems = self.problems(app);
        let show = |field: &Option<String>, typed: &str, attempted: bool| {
            field
                .clone()
                .filter(|_| attempted || !typed.trim().is_empty())
        };
        let mut close = false;
        let mut apply = false;
        let response = super::modal("invite_dialog").show(ui.ctx(), |ui| {
            ui.set_width(460.0);
            ui.heading("Invite a user");
            ui.add_space(4.0);
            let sending = self.sending.is_some();
            ui.add_enabled_ui(!sending, |ui| {
                let email = text_field(ui, "Email", &mut self.draft.email);
                if email.changed() {
                    self.server_email = None;
                }
                let email_problem = self
                    .server_email
                    .clone()
                    .or_else(|| show(&problems.email, &self.draft.email, self.attempted));
                field_problem(ui, email_problem.as_deref());
                text_field(ui, "First Name", &mut self.draft.given_name);
                field_problem(
                    ui,
                    show(&problems.given_name, &self.draft.given_name, self.attempted).as_deref(),
                );
                text_field(ui, "Last Name", &mut self.draft.family_name);
                field_problem(
                    ui,
                    show(
                        &problems.family_name,
                        &self.draft.family_name,
                        self.attempted,
                    )
                    .as_deref(),
                );
                ui.checkbox(&mut self.draft.admin, "Organisation Administrator");
                ui.checkbox(&mut self.draft.local_login, "Local Authentication");
                if app
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
                ui.columns(2, |cols| {
                    cols[0].strong("Licenses");
                    choices::licenses(&mut cols[0], &app.org.licenses, &mut self.draft.licenses);
                    field_problem(&mut cols[0], problems.licenses.as_deref());
                    cols[1].strong("Groups");
                    choices::groups(&mut cols[1], &app.org.groups, &mut self.draft.groups);
                });
            });
            if let Some(e) = &self.server_error {
                error(ui, e);
            }
            if sending {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Sending the invitation…");
                });
            }
            let (cancel, ok) = buttons(ui, "Invite", !sending);
            close = cancel;
            apply = ok;
        });
        if response.should_close() && self.sending.is_none() {
            close = true;
        }
        if apply {
            self.attempted = true;
            self.server_error = None;
            if let Ok(new) = self.check(app) {
                let title = format!("Invite {}", new.email);
                self.sending = app.submit(
                    title,
                    Origin::Invite,
                    vec![roster_core::model::Change::CreateUser(new)],
                    None,
                );
            }
        }
        !close
    }

    /// The checks of the current draft against the cached organisation.
    fn problems(&mut self, app: &RosterApp) -> InviteProblems {
        if let Some((draft, problems)) = &self.checked
            && draft == &self.draft
        {
            return problems.clone();
        }
        let problems = self.check(app).err().unwrap_or_default();
        self.checked = Some((self.draft.clone(), problems.clone()));
        problems
    }

    fn check(&self, app: &RosterApp) -> Result<roster_core::model::NewUser, InviteProblems> {
        let exists = |email: &Email| {
            app.org.users.iter().any(|u| {
                u.email.as_ref() == Some(email) || u.user_name.eq_ignore_ascii_case(email.as_str())
            })
        };
        self.draft.check(&InviteContext {
            organisation: app.org.organisation.as_ref(),
            licenses: &app.org.licenses,
            exists: &exists,
        })
    }

    /// Follows the invitation being sent; `Some(open)` when the dialog is done with it.
    fn follow(&mut self, app: &mut RosterApp) -> Option<bool> {
        let job = match super::follow(app, self.sending?)? {
            Sending::Going => return None,
            Sending::QueuedOffline => return Some(false),
            Sending::Finished(job) => job,
        };
        self.sending = None;
        if let Some(failure) = job.failures.first() {
            // The dialog keeps what was typed: the refused entry is not needed.
            app.send(Command::Discard(failure.id));
            if failure.about_email {
                self.server_email = Some(failure.reason.clone());
            } else {
                self.server_error = Some(failure.reason.clone());
            }
            return Some(true);
        }
        app.toasts
            .success(format!("Invitation sent to {}", self.draft.email.trim()));
        Some(false)
    }
}
