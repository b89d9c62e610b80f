//! The one place that changes the app's state: what views and dialogs asked for.

use std::path::PathBuf;

use crate::activity::{LogLevel, Tone};
use crate::connection::Submission;
use crate::ui::import::wizard::ImportWizard;
use crate::ui::intent::{Intent, Window};

use super::RosterApp;
use super::modal::Modal;

impl RosterApp {
    /// Carries out `intent`.
    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Submit(submission) => self.submit(submission),
            Intent::Engine(command) => self.conn.send(command),
            Intent::CancelBatch(batch) => self.conn.cancel(batch),
            Intent::RetryFailed(batch) => self.conn.retry_failed(batch),
            Intent::ForgetJob(batch) => self.conn.jobs.forget(batch),
            Intent::CancelImport(id) => self.conn.cancel_import(id),
            Intent::Act(action) => self.act(action),
            Intent::ImportFile(path) => self.import_file(path),
            Intent::CloseDialog => self.shell.modal = None,
            Intent::Connect => self.shell.modal = Some(Modal::Connect(Default::default())),
            Intent::ShowWindow(window, open) => {
                let windows = &mut self.shell.windows;
                match window {
                    Window::Log => windows.log = open,
                    Window::Outbox => windows.outbox = open,
                    Window::About => windows.about = open,
                }
            }
            Intent::OpenProfile(name) => self.open(name),
            Intent::Reopen => self.open(self.conn.profile().to_owned()),
            Intent::ReloadProfiles => self.read_profiles(),
            Intent::Notify(tone, text) => self.shell.toast(tone, text),
            Intent::ShowUsers(ids) => {
                // Search and filters cleared so that every one of them shows.
                let page = &mut self.page;
                page.query.search.clear();
                page.query.filters.clear();
                page.selection.clear();
                page.selection.select_all(ids.iter());
                page.cursor = ids.first().cloned();
            }
            Intent::ClearSelection => self.page.selection.clear(),
            Intent::All(intents) => {
                for intent in intents {
                    self.apply(intent);
                }
            }
        }
    }

    /// Opens the profile `name`, closing the current one (and its dialogs but the
    /// connect dialog).
    pub fn open(&mut self, name: String) {
        if !matches!(self.shell.modal, Some(Modal::Connect(_))) {
            self.shell.modal = None;
        }
        self.org = Default::default();
        self.page.forget_data();
        let notice = self.conn.open(name, &self.work);
        self.on_notice(notice);
    }

    /// Queues a batch through the engine, logged with who asked.
    fn submit(&mut self, submission: Submission) {
        match self.conn.submit(submission) {
            Ok(line) => self.shell.log.push(LogLevel::Info, line),
            Err(why) => {
                self.shell.log.push(LogLevel::Warning, why.clone());
                self.shell.toast(Tone::Warning, why);
            }
        }
    }

    /// Opens the import wizard (the open one, when it is) on the file at `path`.
    fn import_file(&mut self, path: PathBuf) {
        let mut wizard = match self.shell.modal.take() {
            Some(Modal::Import(w)) => w,
            _ => Box::new(ImportWizard::default()),
        };
        let asked = wizard.open_file(&self.context(true), path);
        self.shell.modal = Some(Modal::Import(wizard));
        if let Some(intent) = asked {
            self.apply(intent);
        }
    }
}
