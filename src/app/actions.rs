//! Turning the administrator's actions into dialogs, and dialogs' changes into
//! batches the engine sends, followed until the server answers.

use std::time::{Duration, Instant};

use roster_core::actions::bulk;
use roster_core::engine::{BatchId, Command};
use roster_core::model::{Change, User, UserId};

use super::RosterApp;
use super::jobs::Origin;
use super::log::LogLevel;
use crate::ui::dialogs::{
    bulk_dialog::BulkDialog, delete_dialog::DeleteDialog, edit_dialog::EditDialog,
    invite_dialog::InviteDialog, local_login_dialog::LocalLoginDialog,
};
use crate::users::action::UserAction;

/// How long a delete waits in the outbox behind its Undo.
pub const UNDO_WINDOW: Duration = Duration::from_secs(10);

impl RosterApp {
    /// Opens the dialog for `action` (or, for those without one, does it).
    pub fn act(&mut self, action: UserAction) {
        if !self.can_act() {
            return;
        }
        match action {
            UserAction::Invite => self.dialogs.invite = Some(InviteDialog::default()),
            UserAction::Edit(id) => {
                if let Some(user) = self.org.user(&id) {
                    self.dialogs.edit = Some(EditDialog::new(user.clone()));
                }
            }
            UserAction::Delete(ids) => {
                let users = self.users(&ids);
                if !users.is_empty() {
                    self.dialogs.delete = Some(DeleteDialog::new(users));
                }
            }
            UserAction::LocalLogin(allow, ids) => {
                let users = self.users(&ids);
                if !users.is_empty() {
                    self.dialogs.local_login = Some(LocalLoginDialog::new(allow, users));
                }
            }
            UserAction::Licenses(ids) => {
                let users = self.users(&ids);
                if !users.is_empty() {
                    self.dialogs.bulk = Some(BulkDialog::licenses(users));
                }
            }
            UserAction::Groups(ids) => {
                let users = self.users(&ids);
                if !users.is_empty() {
                    self.dialogs.bulk = Some(BulkDialog::groups(users));
                }
            }
            UserAction::Resend(ids) => {
                let users = self.users(&ids);
                let refs: Vec<&User> = users.iter().collect();
                let changes = bulk::resend_invitations(&refs);
                if changes.is_empty() {
                    self.toasts
                        .info("None of these users has an invitation pending.");
                    return;
                }
                let title = format!("Resend the invitation to {} user(s)", changes.len());
                self.submit(title, Origin::Bulk, changes, None);
            }
            UserAction::Export(scope) => self.export(scope),
            UserAction::Import => crate::ui::import::open(self),
        }
    }

    /// Whether actions can be taken now (a profile is open and its data shown).
    pub fn can_act(&self) -> bool {
        self.session.is_some()
            && self.org.is_loaded()
            && !matches!(self.link, super::Link::NotAdministrator)
    }

    /// The users with these ids that are still there, in the grid's order when shown.
    pub fn users(&self, ids: &[UserId]) -> Vec<User> {
        ids.iter()
            .filter_map(|id| self.org.user(id).cloned())
            .collect()
    }

    /// The selected users, as ids.
    pub fn selected(&self) -> Vec<UserId> {
        self.page.selection.ids().cloned().collect()
    }

    /// The signed-in administrator's own user id, when the server says.
    pub fn me(&self) -> Option<&UserId> {
        self.server.as_ref()?.me.as_ref().map(|u| &u.id)
    }

    /// Who acts, for the log: the signed-in administrator.
    pub fn actor(&self) -> String {
        self.server
            .as_ref()
            .and_then(|s| s.me.as_ref())
            .map_or_else(|| self.profile.clone(), |u| u.user_name.clone())
    }

    /// Queues `changes` as one batch followed as a job; `None` when there is nothing
    /// to send or no engine.
    pub fn submit(
        &mut self,
        title: String,
        origin: Origin,
        changes: Vec<Change>,
        delay: Option<Duration>,
    ) -> Option<BatchId> {
        if changes.is_empty() {
            return None;
        }
        let session = self.session.as_ref()?;
        let origin = match (origin, delay) {
            (Origin::Delete { .. }, Some(d)) => Origin::Delete {
                send_at: Instant::now() + d,
            },
            (o, _) => o,
        };
        let batch = self.jobs.start(title.clone(), origin, changes.len());
        session.engine.send(Command::SubmitBatch {
            batch,
            changes,
            delay,
        });
        let actor = self.actor();
        self.log
            .push(LogLevel::Info, format!("{actor}: {title} — queued"));
        Some(batch)
    }

    /// Asks where to save, then writes the selection or the shown users as CSV.
    fn export(&mut self, scope: crate::users::action::ExportScope) {
        use crate::users::action::ExportScope;
        let rows: Vec<usize> = match scope {
            ExportScope::Shown => self.page.view.iter().map(|&i| i as usize).collect(),
            // Every selected user, also those the filters hide now.
            ExportScope::Selection => (0..self.org.rows.len())
                .filter(|&i| self.page.selection.contains(&self.org.rows[i].id))
                .collect(),
        };
        if rows.is_empty() {
            self.toasts.info("No user to export.");
            return;
        }
        let table = crate::files::export::table(&self.org, rows.into_iter());
        let name = match &self.org.organisation {
            Some(o) => format!("{} users.csv", o.name),
            None => "users.csv".to_owned(),
        };
        let path = self.save_picker.save("Export users as CSV", &name);
        self.exports
            .push(crate::files::export::Export::Picking { path, table });
    }

    /// Takes back the changes of `batch` that were not sent yet.
    pub fn cancel(&mut self, batch: BatchId) {
        let Some(job) = self.jobs.get_mut(batch) else {
            return;
        };
        job.cancel_requested = true;
        let ids = job.waiting_ids();
        if let Some(s) = &self.session {
            s.engine.cancel(ids);
        }
    }

    /// Stops import `id` after the batch in flight (at once, not behind other
    /// commands).
    pub fn cancel_import(&self, id: roster_core::import::ImportId) {
        if let Some(s) = &self.session {
            s.engine.cancel_import(id);
        }
    }

    /// Sends the failed changes of `batch` again.
    pub fn retry_failed(&mut self, batch: BatchId) {
        let Some(job) = self.jobs.get_mut(batch) else {
            return;
        };
        let ids = job.retry_failed();
        for id in ids {
            self.send(Command::Retry(id));
        }
    }
}
