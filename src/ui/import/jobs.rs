//! The wizard's file and store work, on the runtime's blocking pool: reading a
//! 100 MB file or waiting for the store while the engine saves must not freeze the
//! window. Each job ends with a closure the UI thread applies to the wizard.

use std::path::PathBuf;

use roster_core::engine::{Command, ImportProgress, ImportRun};
use roster_core::import::{self, ImportCounts, ImportId, PreparedImport};
use roster_core::store::Store;

use super::wizard::{Apply, ImportWizard, Job, Step};
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::work::{Background, Poll};

/// After a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSave {
    /// Say where it is kept.
    Stay,
    /// Send it.
    Submit,
}

fn spawn(
    work: &Background,
    wizard: &mut ImportWizard,
    what: &str,
    job: impl FnOnce(&Store) -> Apply + Send + 'static,
) {
    wizard.job = Some(Job {
        what: what.to_owned(),
        answer: work.with_store(move |store, _| job(store)),
    });
}

/// Applies the job's result if it is done; returns what it asks of the app.
pub fn poll(ctx: &ViewContext, wizard: &mut ImportWizard) -> Option<Intent> {
    let job = wizard.job.as_ref()?;
    match job.answer.poll() {
        Poll::Ready(apply) => {
            wizard.job = None;
            apply(wizard, ctx)
        }
        Poll::Busy => None,
        Poll::Lost => {
            wizard.job = None;
            wizard.error = Some("The background work stopped unexpectedly; try again.".to_owned());
            None
        }
    }
}

/// Reads and validates the file at `path`.
pub fn load_file(ctx: &ViewContext, wizard: &mut ImportWizard, path: PathBuf) {
    let checks = wizard.context(ctx.org);
    wizard.path = path.display().to_string();
    wizard.error = None;
    spawn(ctx.work, wizard, "Reading the file…", move |_| {
        let result = import::read_path(&path).map(|file| {
            let notes = file.notes();
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let prepared = PreparedImport::from_file(name, file);
            let statuses = import::validate_import(&prepared.rows, &prepared.options, &checks);
            (prepared, notes, statuses)
        });
        Box::new(move |w, _| {
            match result {
                Ok((prepared, notes, statuses)) => w.loaded(prepared, notes, statuses),
                Err(e) => {
                    w.error = Some(e.to_string());
                    w.step = Step::ChooseFile;
                }
            }
            None
        })
    });
}

/// Keeps the prepared import in the store, then stays or sends it.
pub fn save(ctx: &ViewContext, wizard: &mut ImportWizard, then: AfterSave) {
    let import = wizard.import.clone();
    let profile = ctx.profile.to_owned();
    let total = import.rows.len();
    spawn(ctx.work, wizard, "Saving…", move |store| {
        let saved = store.save_import(&profile, &import);
        Box::new(move |w, _| match saved {
            Err(e) => {
                w.error = Some(roster_core::CoreError::from(e).to_string());
                None
            }
            Ok(id) => {
                w.import.id = Some(id);
                match then {
                    AfterSave::Stay => {
                        w.info = Some(format!(
                            "Saved for later as import {id}: find it under Imports."
                        ));
                        None
                    }
                    AfterSave::Submit => {
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
                        Some(Intent::Engine(Command::SubmitImport(id)))
                    }
                }
            }
        })
    });
}

/// Lists the imports kept for the open profile.
pub fn list(ctx: &ViewContext, wizard: &mut ImportWizard) {
    let profile = ctx.profile.to_owned();
    spawn(
        ctx.work,
        wizard,
        "Reading the saved imports…",
        move |store| {
            let listed = store.list_imports(&profile);
            Box::new(move |w, _| {
                match listed {
                    Ok(list) => {
                        w.saved = list;
                        w.step = Step::PreparedList;
                    }
                    Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
                }
                None
            })
        },
    );
}

/// Opens a saved import.
pub fn open_saved(ctx: &ViewContext, wizard: &mut ImportWizard, id: ImportId) {
    spawn(ctx.work, wizard, "Opening the import…", move |store| {
        let loaded = store.load_import(id).and_then(|stored| {
            let report = match &stored {
                Some(s) if s.state != import::ImportState::Prepared => {
                    Some(store.import_report(id)?)
                }
                _ => None,
            };
            Ok((stored, report))
        });
        Box::new(move |w, ctx| {
            match loaded {
                Ok((Some(stored), report)) => w.opened(stored, report, ctx.org),
                Ok((None, _)) => w.error = Some(format!("Import {id} no longer exists.")),
                Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
            }
            None
        })
    });
}

/// Loads the report of import `id`.
pub fn load_report(work: &Background, wizard: &mut ImportWizard, id: ImportId) {
    spawn(work, wizard, "Reading the report…", move |store| {
        let report = store.import_report(id);
        Box::new(move |w, _| {
            match report {
                Ok(r) => w.report = Some(r),
                Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
            }
            None
        })
    });
}

/// Deletes import `id` and lists the rest.
pub fn delete(ctx: &ViewContext, wizard: &mut ImportWizard, id: ImportId) {
    let profile = ctx.profile.to_owned();
    spawn(ctx.work, wizard, "Deleting…", move |store| {
        let listed = store
            .delete_import(id)
            .and_then(|()| store.list_imports(&profile));
        Box::new(move |w, _| {
            match listed {
                Ok(list) => w.saved = list,
                Err(e) => w.error = Some(roster_core::CoreError::from(e).to_string()),
            }
            None
        })
    });
}
