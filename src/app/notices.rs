//! What the connection told the window, and the window's own background work
//! (exports, the profile list) that came back.

use crate::activity::{LogLevel, Tone};
use crate::connection::Notice;
use crate::files::export::Progress;
use crate::ui::dialogs::edit_dialog::Conflict;
use crate::work::Poll;

use super::RosterApp;
use super::modal::Modal;

impl RosterApp {
    /// Passes `notice` on: to the log, a toast, or the dialog waiting for it.
    pub(super) fn on_notice(&mut self, notice: Notice) {
        match notice {
            Notice::Log(level, text) => self.shell.log.push(level, text),
            Notice::Toast(tone, text) => self.shell.toast(tone, text),
            Notice::Conflict {
                batch,
                entry,
                current,
            } => {
                if let Some(Modal::Edit(dialog)) = &mut self.shell.modal {
                    let conflict = Conflict {
                        current: current.map(|u| *u),
                        entry,
                    };
                    dialog.on_conflict(batch, conflict);
                }
            }
            Notice::Import(progress) => {
                if let Some(Modal::Import(wizard)) = &mut self.shell.modal {
                    wizard.on_import(&self.work, &progress);
                }
            }
            Notice::DataChanged => {
                let org = &self.org;
                self.page.selection.retain(|id| org.user(id).is_some());
            }
            Notice::OutboxChanged => {
                self.page.pending = self
                    .conn
                    .outbox
                    .iter()
                    .flat_map(|e| e.change.users())
                    .cloned()
                    .collect();
            }
        }
    }

    pub(super) fn poll_exports(&mut self) {
        for export in std::mem::take(&mut self.shell.exports) {
            match export.poll() {
                Progress::Busy(e) => self.shell.exports.push(e),
                Progress::Cancelled => {}
                Progress::Written(path, users) => {
                    let text = format!(
                        "Exported {} to {}",
                        crate::words::users(users),
                        path.display()
                    );
                    self.shell.log.push(LogLevel::Info, text.clone());
                    self.shell.toast(Tone::Success, text);
                }
                Progress::Failed(message) => {
                    self.shell.log.push(LogLevel::Error, message.clone());
                    self.shell.toast(Tone::Error, message);
                }
            }
        }
    }

    /// Lists the saved profiles in the background (the switcher shows them).
    pub(super) fn read_profiles(&mut self) {
        self.shell.profiles_reading = Some(self.work.with_store(|store, _| {
            roster_core::profiles::list(store)
                .map(|list| list.into_iter().map(|p| p.name).collect())
                .map_err(|e| e.to_string())
        }));
    }

    pub(super) fn poll_profiles(&mut self) {
        let Some(reading) = &self.shell.profiles_reading else {
            return;
        };
        match reading.poll() {
            Poll::Busy => {}
            Poll::Ready(Ok(names)) => {
                self.shell.profiles_reading = None;
                self.shell.profiles = names;
            }
            Poll::Ready(Err(message)) => {
                self.shell.profiles_reading = None;
                let text = format!("The saved connections could not be read: {message}");
                self.shell.log.push(LogLevel::Error, text);
            }
            Poll::Lost => self.shell.profiles_reading = None,
        }
    }
}
