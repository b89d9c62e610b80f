//! The wizard's file and store work, on the runtime's blocking pool: reading a
//! 100 MB file or waiting for the store while the engine saves must not freeze the
//! window. Each job ends with a closure the UI thread applies to the wizard.

use std::path::PathBuf;
use std::sync::{Arc, mpsc};

use roster_core::engine::{Command, ImportProgress, ImportRun};
use roster_core::import::{self, ImportCounts, ImportId, PreparedImport};
use roster_core::store::Store;

use super::wizard::{ImportWizard, Step};
use crate::app::RosterApp;

/// What a finished job does to the wizard and the app.
pub type Apply = Box<dyn FnOnce(&mut ImportWizard, &mut RosterApp) + Send>;

/// Work in progress.
pub struct Job {
    /// What it is doing, for the spinner.
    pub what: String,
    rx: mpsc::Receiver<Apply>,
}

/// After a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSave {
    /// Say where it is kept.
    Stay,
    /// Send it.
    Submit,
}

fn spawn(
    app: &RosterApp,
    wizard: &mut ImportWizard,
    what: &str,
    work: impl FnOnce(&Store) -> Apply + Send + 'static,
) {
    let (tx, rx) = mpsc::channel();
    let store = Arc::clone(&app.store);
    let wake = wizard.egui_ctx.clone();
    app.runtime().spawn_blocking(move || {
        let _ = tx.send(work(&store));
        if let Some(ctx) = wake {
            ctx.request_repaint();
        }
    });
    wizard.job = Some(Job {
        what: what.to_owned(),
        rx,
    });
}

/// Applies the job's result if it is done.
pub fn poll(app: &mut RosterApp, wizard: &mut ImportWizard) {
    let Some(job) = &wizard.job else { return };
    match job.rx.try_recv() {
        Ok(apply) => {
            wizard.job = None;
            apply(wizard, app);
        }
        Err(mpsc::TryRecvError::Empty) => {}
        Err(mpsc::TryRecvError::Disconnected) => {
            wizard.job = None;
            wizard.error = Some("The background work stopped unexpectedly; try again.".to_owned());
        }
    }
}

/// Reads and validates the file at `path`.
pub fn load_file(app: &RosterApp, wizard: &mut ImportWizard, path: PathBuf) {
    let ctx = wizard.context(&app.org);
    wizard.path = path.display().to_string();
    wizard.error = None;
    spawn(app, wizard, "Reading the file…", move |_| {
        let result = import::read_path(&path).map(|file| {
            let notes = file.notes();
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let prepared = PreparedImport::from_file(name, file);
            let statuses = import::validate(&prepared.rows, &ctx);
            (prepared, notes, statuses)
        });
        Box::new(move |w, _| match result {
            Ok((prepared, notes, statuses)) => w.loaded(prepared, notes, statuses),
            Err(e) => {
                w.error = Some(e.to_string());
                w.step = Step::ChooseFile;
            }
        })
    });
}

/// Keeps the prepared import in the store, then stays or sends it.
pub fn save(app: &RosterApp, wizard: &mut ImportWizard, then: AfterSave) {
    let import = wizard.import.clone();
    let profile = app.profile.clone();
    let total = import.rows.len();
    spawn(app, wizard, "Saving…", move |store| {
        let saved = store.save_import(&profile, &import);
        Box::new(move |w, app| match saved {
            Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
            Ok(id) => {
                w.import.id = Some(id);
                match then {
                    AfterSave::Stay => {
                        w.info = Some(format!(
                            "Saved for later as import {id}: find it under Prepared imports."
                        ));
                    }
                    AfterSave::Submit => {
                        app.send(Command::SubmitImport(id));
                        w.running = Some(id);
                        w.report = None;
                        w.progress = Some(ImportProgress {
                            id,
                            counts: ImportCounts {
                                pending: total,
                                ..Default::default()
                            },
                            run: ImportRun::Sending,
                        });
                        w.step = Step::Progress;
                    }
                }
            }
        })
    });
}

/// Lists the imports kept for the open profile.
pub fn list(app: &RosterApp, wizard: &mut ImportWizard) {
    let profile = app.profile.clone();
    spawn(app, wizard, "Reading the saved imports…", move |store| {
        let listed = store.list_imports(&profile);
        Box::new(move |w, _| match listed {
            Ok(list) => {
                w.saved = list;
                w.step = Step::PreparedList;
            }
            Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
        })
    });
}

/// Opens a saved import.
pub fn open_saved(app: &RosterApp, wizard: &mut ImportWizard, id: ImportId) {
    spawn(app, wizard, "Opening the import…", move |store| {
        let loaded = store.load_import(id).and_then(|stored| {
            let report = match &stored {
                Some(s) if s.state != import::ImportState::Prepared => {
                    Some(store.import_report(id)?)
                }
                _ => None,
            };
            Ok((stored, report))
        });
        Box::new(move |w, app| match loaded {
            Ok((Some(stored), report)) => w.opened(stored, report, &app.org),
            Ok((None, _)) => w.error = Some(format!("Import {id} no longer exists.")),
            Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
        })
    });
}

/// Loads the report of import `id`.
pub fn load_report(app: &RosterApp, wizard: &mut ImportWizard, id: ImportId) {
    spawn(app, wizard, "Reading the report…", move |store| {
        let report = store.import_report(id);
        Box::new(move |w, _| match report {
            Ok(r) => w.report = Some(r),
            Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
        })
    });
}

/// Deletes import `id` and lists the rest.
pub fn delete(app: &RosterApp, wizard: &mut ImportWizard, id: ImportId) {
    let profile = app.profile.clone();
    spawn(app, wizard, "Deleting…", move |store| {
        let listed = store
            .delete_import(id)
            .and_then(|()| store.list_imports(&profile));
        Box::new(move |w, _| match listed {
            Ok(list) => w.saved = list,
            Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
        })
    });
}
