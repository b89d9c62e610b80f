//! A row's right-click menu: the actions on that user, or on the whole selection
//! when the row is part of it.

use roster_core::model::{InvitationStatus, UserId};

use crate::users::action::{ExportScope, UserAction};
use crate::users::org::OrgState;

use super::supports::{self, Lacking};

/// Draws the menu for the row of `id`; `targets` are the users its actions act on.
/// What the server `lacks` is offered disabled, saying why.
pub fn show(
    ui: &mut egui::Ui,
    org: &OrgState,
    lacks: &Lacking,
    id: &UserId,
    targets: Vec<UserId>,
) -> Option<UserAction> {
    let many = targets.len() > 1;
    let whom = if many {
        format!("{} selected users", targets.len())
    } else {
        org.user(id)
            .map_or_else(|| id.to_string(), |u| u.user_name.clone())
    };
    ui.label(egui::RichText::new(&whom).weak());
    ui.separator();
    let mut action = None;
    if !many && ui.button("Edit…").clicked() {
        action = Some(UserAction::Edit(id.clone()));
    }
    let pending = targets.iter().any(|t| {
        org.user(t)
            .is_some_and(|u| matches!(u.invitation, InvitationStatus::Pending(_)))
    });
    if pending && supports::button(ui, lacks.invitations.as_deref(), "Resend invitation").clicked()
    {
        action = Some(UserAction::Resend(targets.clone()));
    }
    let local_login = lacks.roster_extension.as_deref();
    if supports::button(ui, local_login, "Allow local login…").clicked() {
        action = Some(UserAction::LocalLogin(true, targets.clone()));
    }
    if supports::button(ui, local_login, "Disable local login…").clicked() {
        action = Some(UserAction::LocalLogin(false, targets.clone()));
    }
    if supports::button(ui, lacks.licenses.as_deref(), "Licenses…").clicked() {
        action = Some(UserAction::Licenses(targets.clone()));
    }
    if ui.button("Groups…").clicked() {
        action = Some(UserAction::Groups(targets.clone()));
    }
    if many && ui.button("Export selection as CSV…").clicked() {
        action = Some(UserAction::Export(ExportScope::Selection));
    }
    ui.separator();
    let delete = if many {
        format!("Delete {} users…", targets.len())
    } else {
        "Delete…".to_owned()
    };
    if ui.button(delete).clicked() {
        action = Some(UserAction::Delete(targets));
    }
    action
}
