//! Turning the administrator's actions into open dialogs (or, for those without
//! one, into batches and exports).

use roster_core::actions::bulk;
use roster_core::model::{User, UserId};

use super::RosterApp;
use super::modal::Modal;
use crate::activity::Tone;
use crate::connection::Submission;
use crate::connection::jobs::{Origin, new_batch_id};
use crate::files::export::{self, Export};
use crate::ui::dialogs::{
    bulk_dialog::BulkDialog, delete_dialog::DeleteDialog, edit_dialog::EditDialog,
    invite_dialog::InviteDialog, local_login_dialog::LocalLoginDialog,
};
use crate::ui::intent::Intent;
use crate::users::action::{ExportScope, UserAction};

impl RosterApp {
    /// Opens the dialog for `action` (or, for those without one, does it).
    pub(super) fn act(&mut self, action: UserAction) {
        if !self.can_act() {
            return;
        }
        if let Some(modal) = self.dialog_for(action) {
            self.shell.modal = Some(modal);
        }
    }

    /// The dialog `action` opens; `None` for actions done at once (or when nobody
    /// is left to act on).
    fn dialog_for(&mut self, action: UserAction) -> Option<Modal> {
        let modal = match action {
            UserAction::Invite => Modal::Invite(InviteDialog::default()),
            UserAction::Edit(id) => {
                Modal::Edit(Box::new(EditDialog::new(self.org.user(&id)?.clone())))
            }
            UserAction::Delete(ids) => {
                let (users, hidden) = self.targets(&ids);
                Modal::Delete(DeleteDialog::new(users?).with_hidden(hidden))
            }
            UserAction::LocalLogin(allow, ids) => {
                let (users, hidden) = self.targets(&ids);
                Modal::LocalLogin(LocalLoginDialog::new(allow, users?).with_hidden(hidden))
            }
            UserAction::Licenses(ids) => {
                let (users, hidden) = self.targets(&ids);
                Modal::Bulk(BulkDialog::licenses(users?).with_hidden(hidden))
            }
            UserAction::Groups(ids) => {
                let (users, hidden) = self.targets(&ids);
                Modal::Bulk(BulkDialog::groups(users?).with_hidden(hidden))
            }
            UserAction::Resend(ids) => {
                self.resend(&ids);
                return None;
            }
            UserAction::Export(scope) => {
                self.export(scope);
                return None;
            }
            UserAction::ClearSelection => {
                self.page.selection.clear();
                return None;
            }
            UserAction::Import => match self.shell.modal.take() {
                // Already open: it stays where it is.
                Some(Modal::Import(w)) => Modal::Import(w),
                _ => Modal::Import(Box::default()),
            },
        };
        Some(modal)
    }

    /// The users with these ids that are still there (`None`, said in a toast, when
    /// none is), and how many of them the search and filters hide.
    fn targets(&mut self, ids: &[UserId]) -> (Option<Vec<User>>, usize) {
        let users = self.users(ids);
        if users.is_empty() {
            self.shell.toast(
                Tone::Info,
                "Nobody to act on: the selected users no longer exist.".to_owned(),
            );
            return (None, 0);
        }
        let shown: std::collections::HashSet<&UserId> = self.page.shown_ids(&self.org).collect();
        let hidden = users.iter().filter(|u| !shown.contains(&u.id)).count();
        (Some(users), hidden)
    }

    /// The users with these ids that are still there.
    fn users(&self, ids: &[UserId]) -> Vec<User> {
        ids.iter()
            .filter_map(|id| self.org.user(id).cloned())
            .collect()
    }

    /// Sends the invitation again to those of `ids` whose invitation is pending.
    fn resend(&mut self, ids: &[UserId]) {
        let users = self.users(ids);
        let refs: Vec<&User> = users.iter().collect();
        let changes = bulk::resend_invitations(&refs);
        if changes.is_empty() {
            self.shell.toast(
                Tone::Info,
                "None of these users has an invitation pending.".to_owned(),
            );
            return;
        }
        self.apply(Intent::Submit(Submission {
            batch: new_batch_id(),
            title: format!(
                "Resend the invitation to {}",
                crate::words::users(changes.len())
            ),
            origin: Origin::Bulk,
            changes,
            delay: None,
        }));
    }

    /// Asks where to save, then writes the selection or the shown users as CSV.
    fn export(&mut self, scope: ExportScope) {
        let rows: Vec<usize> = match scope {
            ExportScope::Shown => self.page.view.iter().map(|&i| i as usize).collect(),
            // Every selected user, also those the filters hide now.
            ExportScope::Selection => (0..self.org.rows.len())
                .filter(|&i| self.page.selection.contains(&self.org.rows[i].id))
                .collect(),
        };
        if rows.is_empty() {
            self.shell
                .toast(Tone::Info, "No user to export.".to_owned());
            return;
        }
        let table = export::table(&self.org, rows.into_iter());
        let name = match &self.org.organisation {
            Some(o) => format!("{} users.csv", o.name),
            None => "users.csv".to_owned(),
        };
        let path = self.shell.save_picker.save("Export users as CSV", &name);
        self.shell.exports.push(Export::Picking { path, table });
    }
}
