//! Allow or disable local login for the selection: says how many users change and
//! which already are in that state; warns before locking every administrator out.

use roster_core::actions::bulk;
use roster_core::model::User;

use roster_core::actions::lockout::{self, Lockout};

use crate::words;

use super::{buttons, choices, enter_pressed, lockout_notice};
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};

/// The confirmation's state.
pub struct LocalLoginDialog {
    /// Allow (`true`) or disable.
    pub allow: bool,
    /// The users it is about.
    pub users: Vec<User>,
    /// How many of them the grid's search and filters hide.
    pub hidden: usize,
    /// The administrator confirmed disabling their own password sign-in.
    confirmed_self: bool,
    /// The plan and its lock-out check for an organisation revision: both read
    /// every user, so they are made again only when the data changed.
    planned: Option<(u64, bulk::LocalLoginPlan, Lockout)>,
}

impl LocalLoginDialog {
    /// Asks about `users`.
    pub fn new(allow: bool, users: Vec<User>) -> Self {
        Self {
            allow,
            users,
            hidden: 0,
            confirmed_self: false,
            planned: None,
        }
    }

    /// Says that `hidden` of the users are not shown in the grid.
    pub fn with_hidden(mut self, hidden: usize) -> Self {
        self.hidden = hidden;
        self
    }
}

impl LocalLoginDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        show(self, ctx, ui)
    }
}

fn show(dialog: &mut LocalLoginDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    let (plan, lockout) = planned(dialog, ctx);
    let verb = if dialog.allow { "Allow" } else { "Disable" };
    let changing = plan.changes.len();
    let mut close = false;
    let mut confirm = false;
    let response = super::modal("local_login_dialog").show(ui.ctx(), |ui| {
        ui.set_width(460.0);
        let enter = enter_pressed(ui);
        ui.heading(format!("{verb} local login"));
        super::whom(ui, &dialog.users, dialog.hidden);
        ui.add_space(4.0);
        if changing == 0 {
            let state = if dialog.allow { "allowed" } else { "disabled" };
            ui.label(match dialog.users.len() {
                1 => format!("The selected user already has local login {state}."),
                n => format!("All {n} selected users already have local login {state}."),
            });
        } else {
            ui.label(format!(
                "{verb} local login for {}?{}",
                words::users(changing),
                if dialog.allow {
                    " Each receives an email to set a password."
                } else {
                    " They will no longer be able to sign in with a password."
                }
            ));
        }
        if !plan.already.is_empty() && changing > 0 {
            let names = plan
                .already
                .iter()
                .filter_map(|id| dialog.users.iter().find(|u| &u.id == id))
                .map(|u| u.user_name.as_str());
            ui.label(format!(
                "{} already {}: {}",
                plan.already.len(),
                if dialog.allow {
                    "have it"
                } else {
                    "have it disabled"
                },
                choices::some_names(names, plan.already.len())
            ));
        }
        let lockout_ok = lockout_notice(
            ui,
            lockout,
            "I understand: disable my own password sign-in",
            &mut dialog.confirmed_self,
        );
        let ready = changing > 0 && lockout_ok;
        let (cancel, ok) = buttons(ui, &format!("{verb} for {}", words::users(changing)), ready);
        close = cancel;
        confirm = ok || (enter && ready);
    });
    if response.should_close() {
        close = true;
    }
    if confirm {
        let title = format!("{verb} local login for {}", words::users(changing));
        return Outcome::close_with(Intent::Submit(Submission {
            batch: new_batch_id(),
            title,
            origin: Origin::Bulk,
            changes: plan.changes,
            delay: None,
        }));
    }
    if close { Outcome::Close } else { Outcome::Keep }
}

/// The plan for the organisation as it is now, and what it would leave.
fn planned(dialog: &mut LocalLoginDialog, ctx: &ViewContext) -> (bulk::LocalLoginPlan, Lockout) {
    if let Some((revision, plan, lockout)) = &dialog.planned
        && *revision == ctx.org.revision
    {
        return (plan.clone(), *lockout);
    }
    let refs: Vec<&User> = dialog.users.iter().collect();
    let plan = bulk::set_local_login(
        &refs,
        dialog.allow,
        &ctx.org.users,
        ctx.org.organisation.as_ref(),
    );
    let lockout = lockout_of(dialog, &plan, ctx);
    dialog.planned = Some((ctx.org.revision, plan.clone(), lockout));
    (plan, lockout)
}

/// What disabling local login for the changing users would leave (nothing to check
/// when allowing).
fn lockout_of(
    dialog: &LocalLoginDialog,
    plan: &bulk::LocalLoginPlan,
    ctx: &ViewContext,
) -> Lockout {
    if dialog.allow {
        return Lockout::None;
    }
    let changed: Vec<(&roster_core::model::UserId, lockout::After)> = dialog
        .users
        .iter()
        .filter(|u| !plan.already.contains(&u.id))
        .map(|u| {
            let after = lockout::After {
                admin: u.admin,
                local_login: false,
            };
            (&u.id, after)
        })
        .collect();
    let idp = ctx
        .org
        .organisation
        .as_ref()
        .is_some_and(|o| o.identity_provider);
    lockout::check(&ctx.org.users, &changed, ctx.me(), idp)
}
