//! Submitting an import: its rows go to the server through `/Bulk` in batches, each
//! batch journaled in the store before it is sent (see `store/imports.rs`), so an
//! interrupted import resumes where it stopped and creates nobody twice.
//!
//! An import runs as its own task beside the engine loop, so the engine keeps
//! answering (and a cancel reaches it) while thousands of users are created. While
//! the server cannot be reached the task waits and tries again by itself; after a
//! restart, submitting the same import resumes it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::worker::Events;
use super::{Event, ImportProgress, ImportRun};
use crate::client::ApiClient;
use crate::error::CoreError;
use crate::import::{
    ImportCounts, ImportId, ImportState, RowOutcome, RowStatus, ValidationContext, validate,
};
use crate::model::{Email, User};
use crate::store::{Delta, PendingImportRow, Store, StoreError};

/// Longest wait between two tries while the server is unreachable.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// How often a waiting import looks at its cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// What an import task needs from the engine.
#[derive(Clone)]
pub(super) struct ImportContext {
    pub(super) client: ApiClient,
    pub(super) store: Arc<Store>,
    pub(super) profile: String,
    pub(super) events: Events,
    /// Users per batch.
    pub(super) batch: usize,
    /// First wait after the server could not be reached.
    pub(super) retry_after: Duration,
}

/// The imports running now, each with its cancel flag. Shared by the engine and its
/// handle, so a cancel reaches a running import at once, without waiting behind
/// other commands.
#[derive(Default, Clone)]
pub(super) struct Imports {
    running: Arc<Mutex<HashMap<ImportId, Arc<AtomicBool>>>>,
}

impl Imports {
    /// Starts (or resumes) import `id`, unless it is running already.
    pub(super) fn submit(&self, id: ImportId, ctx: ImportContext) {
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(flag) = running.get(&id) {
                // Running: a resume asked while a cancel is pending takes it back.
                flag.store(false, Ordering::SeqCst);
                return;
            }
            running.insert(id, Arc::clone(&cancel));
        }
        let running = Arc::clone(&self.running);
        tokio::spawn(async move {
            let last = match run(&ctx, id, &cancel).await {
                Ok(last) => last,
                Err(error) => {
                    let counts = store(&ctx.store, move |s| s.import_counts(id))
                        .await
                        .unwrap_or_default();
                    (counts, ImportRun::Failed(error))
                }
            };
            // Off the list before the last word, so a resume that follows it starts
            // a new run instead of being taken for this one.
            running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            progress(&ctx, id, last.0, last.1);
        });
    }

    /// Asks import `id` to stop after the batch in flight.
    pub(super) fn cancel(&self, id: ImportId) {
        if let Some(flag) = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

async fn store<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, CoreError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| CoreError::Store {
            detail: e.to_string(),
        })?
        .map_err(CoreError::from)
}

fn progress(ctx: &ImportContext, id: ImportId, counts: ImportCounts, run: ImportRun) {
    ctx.events
        .send(Event::Import(ImportProgress { id, counts, run }));
}

/// Sends the import until it is finished or cancelled; returns the last counts and
/// how it ended.
async fn run(
    ctx: &ImportContext,
    id: ImportId,
    cancel: &AtomicBool,
) -> Result<(ImportCounts, ImportRun), CoreError> {
    let stored = store(&ctx.store, move |s| s.load_import(id))
        .await?
        .ok_or(CoreError::from(StoreError::NoSuchImport(id)))?;
    if stored.profile != ctx.profile {
        return Err(CoreError::Config {
            detail: format!(
                "import {id} belongs to the organisation {:?}; open it there to send it",
                stored.profile
            ),
        });
    }
    match stored.state {
        ImportState::Prepared => begin(ctx, id, stored.import.rows).await?,
        ImportState::Finished => {}
        ImportState::Submitting | ImportState::Cancelled => {
            store(&ctx.store, move |s| {
                s.set_import_state(id, ImportState::Submitting)
            })
            .await?;
        }
    }
    let options = stored.import.options;
    let mut wait = ctx.retry_after;
    loop {
        let counts = store(&ctx.store, move |s| s.import_counts(id)).await?;
        if counts.pending == 0 {
            store(&ctx.store, move |s| {
                s.set_import_state(id, ImportState::Finished)
            })
            .await?;
            return Ok((counts, ImportRun::Finished));
        }
        if cancel.load(Ordering::SeqCst) {
            store(&ctx.store, move |s| {
                s.set_import_state(id, ImportState::Cancelled)
            })
            .await?;
            return Ok((counts, ImportRun::Cancelled));
        }
        progress(ctx, id, counts, ImportRun::Sending);
        let limit = ctx.batch.max(1);
        let rows = store(&ctx.store, move |s| s.pending_import_rows(id, limit)).await?;
        let sent = send_batch(ctx, id, &options, rows).await?;
        match sent {
            Batch::Done => wait = ctx.retry_after,
            Batch::Refused(error) => return Err(error),
            Batch::Unreachable(error) => {
                let counts = store(&ctx.store, move |s| s.import_counts(id)).await?;
                progress(
                    ctx,
                    id,
                    counts,
                    ImportRun::Waiting {
                        reason: error.to_string(),
                    },
                );
                let until = tokio::time::Instant::now() + wait;
                while tokio::time::Instant::now() < until && !cancel.load(Ordering::SeqCst) {
                    tokio::time::sleep(CANCEL_POLL).await;
                }
                wait = (wait * 2).min(MAX_WAIT);
            }
        }
    }
}

/// Validates the rows against the cached organisation and records the results of
/// those that will not be sent (errors, exclusions, existing users).
async fn begin(
    ctx: &ImportContext,
    id: ImportId,
    rows: Vec<crate::import::ImportRow>,
) -> Result<(), CoreError> {
    let profile = ctx.profile.clone();
    store(&ctx.store, move |s| {
        let validation = match s.load_snapshot(&profile)? {
            Some(snapshot) => ValidationContext::from_snapshot(&snapshot),
            None => ValidationContext::default(),
        };
        let decided: Vec<(usize, RowOutcome)> = validate(&rows, &validation)
            .into_iter()
            .enumerate()
            .filter_map(|(i, status)| match status {
                RowStatus::Ready => None,
                RowStatus::WillSkip(reason) => Some((i, RowOutcome::Skipped(reason.to_string()))),
                RowStatus::Error(e) => Some((i, RowOutcome::Failed(e.to_string()))),
            })
            .collect();
        s.begin_import(id, &decided)
    })
    .await
}

/// How a batch went.
enum Batch {
    /// Every row has a result, or stays pending to be completed on the next pass.
    Done,
    /// The server could not be reached; the rows stay pending.
    Unreachable(CoreError),
    /// The server refuses us (role, token): stop.
    Refused(CoreError),
}

async fn send_batch(
    ctx: &ImportContext,
    id: ImportId,
    options: &crate::import::ImportOptions,
    rows: Vec<PendingImportRow>,
) -> Result<Batch, CoreError> {
    let mut outcomes: Vec<(usize, RowOutcome)> = Vec::new();
    let mut to_send: Vec<(PendingImportRow, crate::model::NewUser)> = Vec::new();
    for pending in rows {
        match Email::parse(&pending.row.email) {
            Ok(email) => {
                let user = options.new_user(email, &pending.row);
                to_send.push((pending, user));
            }
            // Validated when the import began; only a damaged store gets here.
            Err(e) => outcomes.push((pending.index, RowOutcome::Failed(e.to_string()))),
        }
    }
    let indices: Vec<usize> = to_send.iter().map(|(p, _)| p.index).collect();
    store(&ctx.store, move |s| s.mark_import_attempt(id, &indices)).await?;
    let users: Vec<crate::model::NewUser> = to_send.iter().map(|(_, u)| u.clone()).collect();
    let results = ctx.client.create_users(&users).await;
    let mut created: Vec<User> = Vec::new();
    let mut unreachable = None;
    let mut refused = None;
    for ((pending, new), result) in to_send.iter().zip(results) {
        let outcome = match result {
            Ok(user) => Some(RowOutcome::Created(user.id.clone())).inspect(|_| created.push(user)),
            // A row sent before may have been created by that send: complete it.
            Err(CoreError::AlreadyExists { .. }) if pending.attempts > 0 => {
                match complete(&ctx.client, new).await {
                    Ok(Some(user)) => {
                        Some(RowOutcome::Created(user.id.clone())).inspect(|_| created.push(user))
                    }
                    Ok(None) => Some(RowOutcome::Failed(format!(
                        "{} was reported as existing but cannot be found",
                        new.email
                    ))),
                    Err(e) if e.is_transient() => {
                        unreachable = Some(e);
                        None
                    }
                    Err(e) => Some(RowOutcome::Failed(e.to_string())),
                }
            }
            Err(CoreError::AlreadyExists { .. }) => Some(RowOutcome::Skipped(
                "already a user of the organisation (on the server)".to_owned(),
            )),
            Err(e) if e.is_transient() => {
                unreachable = Some(e);
                None
            }
            Err(e @ (CoreError::NotAdministrator | CoreError::Unauthorized)) => {
                refused = Some(e);
                None
            }
            Err(e) => Some(RowOutcome::Failed(e.to_string())),
        };
        if let Some(o) = outcome {
            outcomes.push((pending.index, o));
        }
    }
    store(&ctx.store, move |s| s.record_import_outcomes(id, &outcomes)).await?;
    if !created.is_empty() {
        show_created(ctx, created).await;
    }
    Ok(match (refused, unreachable) {
        (Some(e), _) => Batch::Refused(e),
        (None, Some(e)) => Batch::Unreachable(e),
        (None, None) => Batch::Done,
    })
}

/// Finishes a user an interrupted send may have created: finds it and puts it in
/// its groups (adding a member twice changes nothing).
async fn complete(
    client: &ApiClient,
    new: &crate::model::NewUser,
) -> Result<Option<User>, CoreError> {
    let Some(user) = client.find_user_by_user_name(new.email.as_str()).await? else {
        return Ok(None);
    };
    for group in &new.groups {
        client
            .set_group_members(group, std::slice::from_ref(&user.id), &[])
            .await?;
    }
    if new.groups.is_empty() {
        return Ok(Some(user));
    }
    // Read again: the memberships (and inherited licenses) are computed.
    Ok(Some(client.get_user(&user.id).await.unwrap_or(user)))
}

/// Puts the created users in the local copy and tells the app, so the grid shows
/// them at once.
async fn show_created(ctx: &ImportContext, users: Vec<User>) {
    let profile = ctx.profile.clone();
    let to_save = users.clone();
    let saved = store(&ctx.store, move |s| {
        let Some(info) = s.snapshot_info(&profile)? else {
            return Ok(None);
        };
        s.apply_delta(
            &profile,
            &Delta {
                changed_users: &to_save,
                deleted_users: &[],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: info.synced_at,
                max_last_modified: info.max_last_modified,
            },
        )?;
        Ok(Some(info.synced_at))
    })
    .await;
    match saved {
        Ok(Some(synced_at)) => ctx.events.send(Event::Changed {
            users,
            deleted: Vec::new(),
            groups: None,
            licenses: None,
            organisation: None,
            synced_at,
        }),
        Ok(None) => {}
        Err(e) => ctx.events.send(Event::Error(e)),
    }
}
