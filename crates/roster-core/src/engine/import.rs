//! Submitting an import: its rows go to the server through `/Bulk` in batches, each
//! batch journaled in the store before it is sent (see `store/imports.rs`), so an
//! interrupted import resumes where it stopped and creates nobody twice.
//!
//! An import runs as its own task beside the engine loop, so the engine keeps
//! answering (and a cancel reaches it) while thousands of users are created. While
//! the server cannot be reached the task waits and tries again by itself; after a
//! restart, submitting the same import resumes it.
//!
//! Rows that update an existing user ("update users who already exist") are marked
//! with that user when the import begins. Each is sent as one edit planned like the
//! edit dialog's, against the user as the server has it at that moment (so a resumed
//! or retried row changes only what is still different), and its outcome is
//! journaled as soon as it is done.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::worker::Events;
use super::{Event, ImportProgress, ImportRun};
use crate::client::ApiClient;
use crate::error::CoreError;
use crate::import::{
    Catalog, ImportCounts, ImportId, ImportOptions, ImportState, RowError, RowOutcome, RowStatus,
    RowValues, SkipReason, UserUpdate, ValidationContext, validate_import,
};
use crate::model::{Email, User, UserId};
use crate::store::{Delta, PendingImportRow, Store, StoreError};

/// Longest wait between two tries while the server is unreachable.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// Rows an interrupted send may have created, looked up per request
/// (`userName eq … or …`).
const LOOKUP_CHUNK: usize = 50;
/// Rows per pass without `/Bulk`: each pass journals its outcomes, so single
/// creates are recorded every few dozen.
const SINGLE_BATCH: usize = 50;
/// Updated users between two progress events within a batch.
const UPDATE_PROGRESS_EVERY: usize = 25;
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
    /// The signed-in administrator, once connected (an update may not take away
    /// their own role or local login).
    pub(super) me: Option<UserId>,
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
    let options = stored.import.options;
    match stored.state {
        ImportState::Prepared => begin(ctx, id, stored.import.rows, options.clone()).await?,
        ImportState::Finished => {}
        ImportState::Submitting | ImportState::Cancelled => {
            store(&ctx.store, move |s| {
                s.set_import_state(id, ImportState::Submitting)
            })
            .await?;
        }
    }
    // Rows with their own licenses and groups name them: matched against the
    // organisation as cached now, as when the import began.
    let catalog = if options.columns.cells.is_empty() && !options.update_existing {
        None
    } else {
        let profile = ctx.profile.clone();
        store(&ctx.store, move |s| s.load_snapshot(&profile))
            .await?
            .map(|snapshot| Catalog {
                licenses: snapshot.licenses,
                groups: snapshot.groups,
            })
    };
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
        let bulk = ctx.client.capabilities().is_some_and(|c| c.bulk.is_some());
        let limit = if bulk {
            ctx.batch.max(1)
        } else {
            ctx.batch.clamp(1, SINGLE_BATCH)
        };
        let rows = store(&ctx.store, move |s| s.pending_import_rows(id, limit)).await?;
        let sent = send_batch(ctx, id, &options, catalog.as_ref(), rows, cancel).await?;
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
    options: ImportOptions,
) -> Result<(), CoreError> {
    let profile = ctx.profile.clone();
    let capabilities = ctx.client.capabilities();
    let me = ctx.me.clone();
    store(&ctx.store, move |s| {
        let mut validation = match s.load_snapshot(&profile)? {
            Some(snapshot) => ValidationContext::from_snapshot(&snapshot),
            None => ValidationContext::default(),
        }
        .with_capabilities(capabilities.as_ref());
        validation.me = me;
        let mut updates: Vec<(usize, UserId)> = Vec::new();
        let decided: Vec<(usize, RowOutcome)> = validate_import(&rows, &options, &validation)
            .into_iter()
            .enumerate()
            .filter_map(|(i, status)| match status {
                RowStatus::Ready => None,
                RowStatus::WillUpdate(u) => {
                    updates.push((i, u.user));
                    None
                }
                RowStatus::WillSkip(reason) => Some((i, RowOutcome::Skipped(reason.to_string()))),
                RowStatus::Error(e) => Some((i, RowOutcome::Failed(e.to_string()))),
            })
            .collect();
        s.begin_import_with_updates(id, &decided, &updates)
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
    options: &ImportOptions,
    catalog: Option<&Catalog>,
    rows: Vec<PendingImportRow>,
    cancel: &AtomicBool,
) -> Result<Batch, CoreError> {
    let mut outcomes: Vec<(usize, RowOutcome)> = Vec::new();
    let mut resumed: Vec<Row> = Vec::new();
    let mut to_send: Vec<Row> = Vec::new();
    let mut updates: Vec<(PendingImportRow, UserId, RowValues)> = Vec::new();
    for pending in rows {
        let values = match options.row_values(&pending.row, catalog) {
            Ok(values) => values,
            // Checked when the import began; a license or group deleted since fails
            // the row rather than creating the user without it.
            Err(e) => {
                let why = RowError::Column(e).to_string();
                outcomes.push((pending.index, RowOutcome::Failed(why)));
                continue;
            }
        };
        if let Some(user) = pending.update.clone() {
            updates.push((pending, user, values));
            continue;
        }
        match Email::parse(&pending.row.email) {
            Ok(email) => {
                let user = options.user_for(email, &pending.row, &values);
                // A row sent before may have been created by that send: look first.
                if pending.attempts > 0 {
                    resumed.push((pending, user));
                } else {
                    to_send.push((pending, user));
                }
            }
            // Validated when the import began; only a damaged store gets here.
            Err(e) => outcomes.push((pending.index, RowOutcome::Failed(e.to_string()))),
        }
    }
    record(ctx, id, std::mem::take(&mut outcomes)).await?;
    let mut stop = Stop::default();
    send_updates(ctx, id, options, catalog, updates, cancel, &mut stop).await?;
    if let Some(batch) = stop.batch() {
        return Ok(batch);
    }
    let looked_up = settle(ctx, id, resumed, &mut stop).await?;
    if let Some(batch) = stop.batch() {
        return Ok(batch);
    }
    to_send.extend(looked_up.missing);

    let indices: Vec<usize> = to_send.iter().map(|(p, _)| p.index).collect();
    store(&ctx.store, move |s| s.mark_import_attempt(id, &indices)).await?;
    let users: Vec<crate::model::NewUser> = to_send.iter().map(|(_, u)| u.clone()).collect();
    let results = ctx.client.create_users(&users).await;
    let mut created: Vec<User> = Vec::new();
    let mut landed_before: Vec<Row> = Vec::new();
    for ((pending, new), result) in to_send.into_iter().zip(results) {
        let index = pending.index;
        let outcome = match result {
            Ok(user) => Some(RowOutcome::Created(user.id.clone())).inspect(|_| created.push(user)),
            // Sent before (its row was attempted): that send created it. Completed
            // below, a few dozen per lookup.
            Err(CoreError::AlreadyExists { .. }) if pending.attempts > 0 => {
                landed_before.push((pending, new));
                None
            }
            Err(CoreError::AlreadyExists { .. }) => Some(RowOutcome::Skipped(
                "already a user of the organisation (on the server)".to_owned(),
            )),
            Err(e) => stop.note(e).map(|e| RowOutcome::Failed(e.to_string())),
        };
        if let Some(o) = outcome {
            outcomes.push((index, o));
        }
    }
    record(ctx, id, outcomes).await?;
    if !created.is_empty() {
        show_created(ctx, created).await;
    }
    let rechecked = settle(ctx, id, landed_before, &mut stop).await?;
    let lost: Vec<(usize, RowOutcome)> = rechecked
        .missing
        .into_iter()
        .map(|(pending, new)| {
            let why = format!("{} was reported as existing but cannot be found", new.email);
            (pending.index, RowOutcome::Failed(why))
        })
        .collect();
    record(ctx, id, lost).await?;
    Ok(stop.batch().unwrap_or(Batch::Done))
}

/// Updates existing users, one at a time: each is read from the server, what its
/// row still changes is planned as the edit dialog plans an edit
/// ([`UserUpdate::changes`]) and sent through the outbox's path, then read back; its
/// outcome is journaled at once, so a resumed import neither sends it again nor
/// reports it as "no change". Stops (the rest pending) on a cancel, or when the
/// server stops answering (the reason in `stop`).
async fn send_updates(
    ctx: &ImportContext,
    id: ImportId,
    options: &ImportOptions,
    catalog: Option<&Catalog>,
    rows: Vec<(PendingImportRow, UserId, RowValues)>,
    cancel: &AtomicBool,
    stop: &mut Stop,
) -> Result<(), CoreError> {
    for (n, (pending, user_id, values)) in rows.into_iter().enumerate() {
        if stop.stopped() || cancel.load(Ordering::SeqCst) {
            break;
        }
        // Several requests per user: the progress bar moves within the batch too.
        if n > 0 && n % UPDATE_PROGRESS_EVERY == 0 {
            let counts = store(&ctx.store, move |s| s.import_counts(id)).await?;
            progress(ctx, id, counts, ImportRun::Sending);
        }
        let outcome = match update_one(ctx, &pending, &user_id, &values, options, catalog).await {
            Ok((outcome, user)) => {
                if let Some(user) = user {
                    show_created(ctx, vec![user]).await;
                }
                Some(outcome)
            }
            Err(e) => stop.note(e).map(|e| RowOutcome::Failed(e.to_string())),
        };
        if let Some(outcome) = outcome {
            record(ctx, id, vec![(pending.index, outcome)]).await?;
        }
    }
    Ok(())
}

/// Sends one row's update; returns its outcome and the user as the server now has
/// it (`None` when nothing was sent).
async fn update_one(
    ctx: &ImportContext,
    pending: &PendingImportRow,
    user_id: &UserId,
    values: &RowValues,
    options: &ImportOptions,
    catalog: Option<&Catalog>,
) -> Result<(RowOutcome, Option<User>), CoreError> {
    let current = match ctx.client.get_user(user_id).await {
        Ok(user) => user,
        Err(CoreError::NotFound { .. }) => {
            let why = format!(
                "{} is no longer a user of the organisation (deleted meanwhile)",
                pending.row.email
            );
            return Ok((RowOutcome::Failed(why), None));
        }
        Err(e) => return Err(e),
    };
    let plan = UserUpdate::plan(&current, &pending.row, values, options, catalog);
    if plan.is_empty() {
        return Ok((RowOutcome::Skipped(SkipReason::NoChange.to_string()), None));
    }
    for (done, change) in plan.changes(&current).iter().enumerate() {
        match super::outbox::apply(&ctx.client, change, false).await {
            Ok(_) => {}
            // A refusal after part of the edit landed: the row says so (sending the
            // file again completes it, its plan being made against the server).
            Err(e)
                if done > 0
                    && !e.is_transient()
                    && !matches!(e, CoreError::NotAdministrator | CoreError::Unauthorized) =>
            {
                let why = format!("{e} (partly updated: the changes before it were made)");
                return Ok((RowOutcome::Failed(why), None));
            }
            Err(e) => return Err(e),
        }
    }
    let after = ctx.client.get_user(user_id).await?;
    Ok((
        RowOutcome::Updated(after.id.clone(), plan.to_string()),
        Some(after),
    ))
}

/// A row to send and the user it makes.
type Row = (PendingImportRow, crate::model::NewUser);

/// Rows that may have been created by an earlier send and were looked up.
struct Settled {
    /// Not on the server: to send (again).
    missing: Vec<Row>,
}

/// Why a batch stops early (the first reason wins).
#[derive(Default)]
struct Stop {
    unreachable: Option<CoreError>,
    refused: Option<CoreError>,
}

impl Stop {
    /// Notes a failure: `None` for one that stops the batch (the row stays
    /// pending), `Some` for one that fails this row only.
    fn note(&mut self, e: CoreError) -> Option<CoreError> {
        match e {
            e if e.is_transient() => {
                self.unreachable.get_or_insert(e);
                None
            }
            e @ (CoreError::NotAdministrator | CoreError::Unauthorized) => {
                self.refused.get_or_insert(e);
                None
            }
            e => Some(e),
        }
    }

    fn stopped(&self) -> bool {
        self.unreachable.is_some() || self.refused.is_some()
    }

    fn batch(&mut self) -> Option<Batch> {
        if let Some(e) = self.refused.take() {
            return Some(Batch::Refused(e));
        }
        self.unreachable.take().map(Batch::Unreachable)
    }
}

/// Looks up, [`LOOKUP_CHUNK`] per request, rows an earlier send may have created.
/// Each found row is finished (its groups) and its outcome journaled with its
/// chunk, at once: an import killed again keeps what was found. Rows not on the
/// server are returned; rows not looked up (the server stopped answering) stay
/// pending, with the reason in `stop`.
async fn settle(
    ctx: &ImportContext,
    id: ImportId,
    rows: Vec<Row>,
    stop: &mut Stop,
) -> Result<Settled, CoreError> {
    let mut missing = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() && !stop.stopped() {
        let chunk: Vec<Row> = rows.by_ref().take(LOOKUP_CHUNK).collect();
        let names: Vec<String> = chunk.iter().map(|(_, u)| u.email.to_string()).collect();
        let found = match ctx.client.find_users_by_user_names(&names).await {
            Ok(found) => found,
            Err(e) => {
                if let Some(e) = stop.note(e) {
                    let failed = chunk
                        .iter()
                        .map(|(p, _)| (p.index, RowOutcome::Failed(e.to_string())))
                        .collect();
                    record(ctx, id, failed).await?;
                }
                continue;
            }
        };
        let (present, absent): (Vec<Row>, Vec<Row>) = chunk
            .into_iter()
            .partition(|(_, u)| found.contains_key(&u.email.to_string().to_lowercase()));
        missing.extend(absent);
        let (outcomes, users) = complete(ctx, present, found, stop).await;
        record(ctx, id, outcomes).await?;
        if !users.is_empty() {
            show_created(ctx, users).await;
        }
    }
    Ok(Settled { missing })
}

/// Finishes users an interrupted send created: puts them in their groups (one
/// PATCH per group; adding a member twice changes nothing) and reads them again
/// (memberships and inherited licenses are computed). Rows whose groups could
/// not be set for a transient reason stay pending (finished on the next pass).
async fn complete(
    ctx: &ImportContext,
    rows: Vec<Row>,
    mut found: HashMap<String, User>,
    stop: &mut Stop,
) -> (Vec<(usize, RowOutcome)>, Vec<User>) {
    let key = |new: &crate::model::NewUser| new.email.to_string().to_lowercase();
    let mut failed: HashMap<usize, CoreError> = HashMap::new();
    let mut by_group: BTreeMap<&crate::model::GroupId, Vec<(usize, crate::model::UserId)>> =
        BTreeMap::new();
    for (pending, new) in &rows {
        if let Some(user) = found.get(&key(new)) {
            for g in &new.groups {
                by_group
                    .entry(g)
                    .or_default()
                    .push((pending.index, user.id.clone()));
            }
        }
    }
    let grouped = !by_group.is_empty();
    for (group, members) in by_group {
        let ids: Vec<crate::model::UserId> = members.iter().map(|(_, id)| id.clone()).collect();
        if let Err(e) = ctx.client.set_group_members(group, &ids, &[]).await {
            let e = stop.note(e.clone()).unwrap_or(e);
            for (index, _) in members {
                failed.insert(index, e.clone());
            }
        }
    }
    if grouped {
        let names: Vec<String> = rows.iter().map(|(_, u)| u.email.to_string()).collect();
        if let Ok(again) = ctx.client.find_users_by_user_names(&names).await {
            found.extend(again);
        }
    }
    let mut outcomes = Vec::new();
    let mut users = Vec::new();
    for (pending, new) in rows {
        match (failed.remove(&pending.index), found.remove(&key(&new))) {
            (Some(e), _) if e.is_transient() || stop.refused.is_some() => {}
            (Some(e), _) => outcomes.push((pending.index, RowOutcome::Failed(e.to_string()))),
            (None, Some(user)) => {
                outcomes.push((pending.index, RowOutcome::Created(user.id.clone())));
                users.push(user);
            }
            (None, None) => {}
        }
    }
    (outcomes, users)
}

/// Journals rows' outcomes (nothing to do for none).
async fn record(
    ctx: &ImportContext,
    id: ImportId,
    outcomes: Vec<(usize, RowOutcome)>,
) -> Result<(), CoreError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    store(&ctx.store, move |s| s.record_import_outcomes(id, &outcomes)).await
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
