//! The engine task: its state and its loop.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc as tokio_mpsc;
use tokio::time::Instant;

use super::outbox::{self, Effect};
use super::{BatchId, CancelLane, Command, EngineConfig, Event, RefreshKind, Source, sync};
use crate::client::{ApiClient, Capabilities, Downgrades, Feature};
use crate::error::CoreError;
use crate::model::{Change, User, UserId};
use crate::store::{Delta, OutboxEntry, Store, StoreError};

/// Longest wait between two reconnection attempts.
const MAX_RECONNECT: Duration = Duration::from_secs(30);

/// Sends events and wakes the app.
#[derive(Clone)]
pub(super) struct Events {
    tx: mpsc::Sender<Event>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Events {
    pub(super) fn new(tx: mpsc::Sender<Event>, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self { tx, wake }
    }

    pub(super) fn send(&self, event: Event) {
        // The app may have closed; the engine then just finishes its work.
        let _ = self.tx.send(event);
        (self.wake)();
    }
}

/// Whether the server can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Not tried yet.
    Unknown,
    /// Connected.
    Online,
    /// Unreachable; try again at `retry_at`, then wait `next_delay`.
    Offline {
        retry_at: Instant,
        next_delay: Duration,
    },
    /// Refused for good (no administrator role, bad token): wait for a command.
    Refused,
}

pub(super) struct Worker {
    config: EngineConfig,
    client: ApiClient,
    events: Events,
    link: Link,
    /// The downgrades last saved in the store (to save and announce new ones once).
    saved_downgrades: Downgrades,
    /// Whether a probe proved the server filters on `meta.lastModified` (once per
    /// run, and again after a re-check).
    delta_proven: bool,
    /// When the next full reconciliation is due where deltas work.
    next_reconcile: Instant,
    /// Ids and marks (version, last change, memberships) of the users in the local
    /// copy, to detect deletions and to skip users a refresh re-reads unchanged.
    known: sync::Marks,
    /// The groups of the local copy, to tell whether seat counts may have moved.
    groups: Vec<crate::model::Group>,
    /// Server time of the newest change seen; `None` until a full load.
    high_water_mark: Option<DateTime<Utc>>,
    last_sync: Option<DateTime<Utc>>,
    next_refresh: Instant,
    cancels: CancelLane,
    imports: super::import::Imports,
    /// Who the token belongs to, from the last connection.
    me: Option<crate::model::UserId>,
}

impl Worker {
    pub(super) fn new(
        config: EngineConfig,
        client: ApiClient,
        events: Events,
        cancels: CancelLane,
        imports: super::import::Imports,
    ) -> Self {
        Self {
            cancels,
            imports,
            me: None,
            next_refresh: Instant::now() + config.refresh_every,
            next_reconcile: Instant::now() + config.reconcile_every,
            config,
            client,
            events,
            link: Link::Unknown,
            saved_downgrades: Downgrades::new(),
            delta_proven: false,
            known: HashMap::new(),
            groups: Vec::new(),
            high_water_mark: None,
            last_sync: None,
        }
    }

    fn profile(&self) -> String {
        self.config.profile.name.clone()
    }

    /// Runs a store call on the blocking pool.
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let store = Arc::clone(&self.config.store);
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| CoreError::Store {
                detail: e.to_string(),
            })?
            .map_err(CoreError::from)
    }

    /// Reports a failed store call as an event (nothing the engine does with the
    /// store may fail silently); `None` when it failed.
    fn reported<T>(&self, result: Result<T, CoreError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.events.send(Event::Error(e));
                None
            }
        }
    }

    pub(super) async fn run(mut self, mut commands: tokio_mpsc::UnboundedReceiver<Command>) {
        self.load_cache().await;
        let profile = self.profile();
        if let Some(remembered) = self.reported(self.store(move |s| s.downgrades(&profile)).await) {
            self.client.set_downgrades(remembered.clone());
            self.saved_downgrades = remembered;
        }
        // What the server supported last time, for an offline start: the client
        // adapts its requests, the app hides what is missing.
        let profile = self.profile();
        if let Some(Some(known)) =
            self.reported(self.store(move |s| s.capabilities(&profile)).await)
        {
            self.client.set_capabilities(known);
            self.events
                .send(Event::Capabilities(Box::new(self.capabilities())));
        }
        self.publish_outbox().await;
        self.connect().await;
        loop {
            let wake_at = self.next_wake().await;
            tokio::select! {
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => break,
                    Some(command) => self.handle(command).await,
                },
                () = tokio::time::sleep_until(wake_at) => self.tick().await,
            }
        }
    }

    /// When the loop must act without a command: a reconnection, a refresh, or a
    /// delayed change falling due.
    async fn next_wake(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(3600);
        match self.link {
            Link::Offline { retry_at, .. } => retry_at,
            Link::Refused | Link::Unknown => far,
            Link::Online => {
                let profile = self.profile();
                // Asked on every turn of the loop: a failure is logged, not sent as an
                // event each time; the flush that follows reports it.
                let due = match self.store(move |s| s.next_not_before(&profile)).await {
                    Ok(due) => due,
                    Err(e) => {
                        tracing::warn!(error = %e, "the outbox's next due time could not be read");
                        None
                    }
                };
                let due = due.map(|t| {
                    let wait = (t - Utc::now()).to_std().unwrap_or_default();
                    Instant::now() + wait
                });
                due.map_or(self.next_refresh, |d| d.min(self.next_refresh))
            }
        }
    }

    async fn tick(&mut self) {
        match self.link {
            Link::Offline { retry_at, .. } if Instant::now() >= retry_at => self.connect().await,
            Link::Online => {
                if Instant::now() >= self.next_refresh {
                    self.refresh().await;
                }
                self.flush().await;
            }
            _ => {}
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Refresh => match self.link {
                Link::Online => {
                    self.refresh().await;
                    self.flush().await;
                }
                _ => self.connect().await,
            },
            Command::Recheck => {
                self.client.set_downgrades(Downgrades::new());
                self.delta_proven = false;
                self.save_downgrades().await;
                self.high_water_mark = None;
                self.connect().await;
            }
            Command::Reload => {
                self.high_water_mark = None;
                match self.link {
                    Link::Online => {
                        self.refresh().await;
                        self.flush().await;
                    }
                    _ => self.connect().await,
                }
            }
            Command::SubmitBatch {
                batch,
                changes,
                delay,
            } => self.queue_batch(batch, changes, delay).await,
            Command::Cancel => {
                if self.take_cancels().await {
                    self.publish_outbox().await;
                }
            }
            Command::Discard(id) => {
                if let Err(e) = self.store(move |s| s.discard(id)).await {
                    self.events.send(Event::Error(e));
                }
                self.publish_outbox().await;
            }
            Command::Retry(id) => {
                if let Err(e) = self.store(move |s| s.retry(id)).await {
                    self.events.send(Event::Error(e));
                }
                self.publish_outbox().await;
                self.flush().await;
            }
            Command::SubmitImport(id) => self.imports.submit(
                id,
                super::import::ImportContext {
                    client: self.client.clone(),
                    store: Arc::clone(&self.config.store),
                    profile: self.profile(),
                    events: self.events.clone(),
                    batch: self.config.import_batch,
                    retry_after: self.config.reconnect_after,
                    me: self.me.clone(),
                },
            ),
            Command::CancelImport(id) => self.imports.cancel(id),
            Command::Shutdown => {}
        }
    }

    async fn queue_batch(&mut self, batch: BatchId, changes: Vec<Change>, delay: Option<Duration>) {
        let profile = self.profile();
        let not_before =
            delay.map(|d| Utc::now() + chrono::Duration::from_std(d).unwrap_or_default());
        match self
            .store(move |s| s.enqueue_batch(&profile, &changes, not_before))
            .await
        {
            Ok(entries) => self.events.send(Event::BatchQueued { batch, entries }),
            Err(e) => {
                self.events.send(Event::Error(e));
                return;
            }
        }
        self.publish_outbox().await;
        if self.link == Link::Online {
            self.flush().await;
        }
    }

    /// Discards what waits in the cancel lane; returns whether there was anything.
    /// Entries already sent (or being sent) are left alone: only the server's answer
    /// says what happened to them.
    async fn take_cancels(&mut self) -> bool {
        let ids: Vec<_> = match self.cancels.lock() {
            Ok(mut lane) => std::mem::take(&mut *lane),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        if ids.is_empty() {
            return false;
        }
        let result = self
            .store(move |s| {
                let mut cancelled = Vec::new();
                for id in ids {
                    // Only what still waits: a done or failed change is not undone by
                    // cancelling the rest of its batch.
                    let waiting = s
                        .entry(id)?
                        .is_some_and(|e| e.state == crate::store::OutboxState::Pending);
                    if waiting && s.discard(id).is_ok() {
                        cancelled.push(id);
                    }
                }
                Ok(cancelled)
            })
            .await;
        match result {
            Ok(cancelled) => self.events.send(Event::Cancelled(cancelled)),
            Err(e) => self.events.send(Event::Error(e)),
        }
        true
    }

    async fn load_cache(&mut self) {
        let profile = self.profile();
        match self.store(move |s| s.load_snapshot(&profile)).await {
            Ok(Some(snapshot)) => {
                self.known = sync::marks(&snapshot.users);
                self.groups = snapshot.groups.clone();
                self.high_water_mark = snapshot.max_last_modified;
                self.last_sync = Some(snapshot.synced_at);
                self.events.send(Event::Loaded {
                    snapshot: Arc::new(snapshot),
                    source: Source::Cache,
                });
            }
            Ok(None) => {}
            Err(e) => self.events.send(Event::Error(e)),
        }
    }

    async fn connect(&mut self) {
        match self.client.connect().await {
            Ok(info) => {
                if matches!(self.link, Link::Offline { .. }) {
                    self.events.send(Event::Online);
                }
                self.link = Link::Online;
                self.me = info.me.as_ref().map(|u| u.id.clone());
                let profile = self.profile();
                let discovered = info.capabilities.clone();
                let saved = self
                    .store(move |s| s.save_capabilities(&profile, &discovered))
                    .await;
                self.reported(saved);
                self.events.send(Event::Connected(Box::new(info)));
                self.save_downgrades().await;
                self.refresh().await;
                self.flush().await;
            }
            Err(e) => {
                self.save_downgrades().await;
                self.failed(e);
            }
        }
    }

    /// What the server supports now (discovery and downgrades).
    fn capabilities(&self) -> Capabilities {
        self.client
            .capabilities()
            .unwrap_or_else(Capabilities::minimal)
    }

    /// Saves and announces downgrades the server's answers caused since the last
    /// save (each logged once by the client when it happened).
    async fn save_downgrades(&mut self) {
        let now = self.client.downgrades();
        if now == self.saved_downgrades {
            return;
        }
        let profile = self.profile();
        let to_save = now.clone();
        let saved = self
            .store(move |s| s.save_downgrades(&profile, &to_save))
            .await;
        if self.reported(saved).is_some() {
            self.saved_downgrades = now;
        }
        self.events
            .send(Event::Capabilities(Box::new(self.capabilities())));
    }

    /// A refresh failed: offline, refused for good, or a read the server refused
    /// (the copy stays, marked stale).
    fn read_failed(&mut self, error: CoreError) {
        match error {
            CoreError::NotAdministrator | CoreError::Unauthorized => self.failed(error),
            e if e.is_transient() => self.failed(e),
            e => self.events.send(Event::Stale {
                error: e.into_read_error(),
                last_sync: self.last_sync,
            }),
        }
    }

    /// Reacts to a failure of a server call: offline, refused, or reported.
    fn failed(&mut self, error: CoreError) {
        match error {
            CoreError::NotAdministrator => {
                self.link = Link::Refused;
                self.events.send(Event::NotAdministrator);
            }
            CoreError::Unauthorized => {
                self.link = Link::Refused;
                self.events.send(Event::Error(error));
            }
            e if e.is_transient() => self.offline(e.to_string()),
            e => self.events.send(Event::Error(e)),
        }
    }

    fn offline(&mut self, reason: String) {
        let delay = match self.link {
            Link::Offline { next_delay, .. } => next_delay,
            _ => {
                self.events.send(Event::Offline {
                    reason,
                    last_sync: self.last_sync,
                });
                self.config.reconnect_after
            }
        };
        self.link = Link::Offline {
            retry_at: Instant::now() + delay,
            next_delay: (delay * 2).min(MAX_RECONNECT),
        };
    }

    /// Full load when there is no usable copy; else a delta where it works (proven,
    /// and no reconciliation due), else every user listed and compared.
    async fn refresh(&mut self) {
        self.next_refresh = Instant::now() + self.config.refresh_every;
        let result = match self.high_water_mark {
            None => self.full_load().await.map(|()| RefreshKind::Full),
            Some(since) => self.update(since).await,
        };
        self.save_downgrades().await;
        match result {
            Ok(how) => self.events.send(Event::Refreshed {
                how,
                at: self.last_sync.unwrap_or_else(Utc::now),
            }),
            Err(e) => self.read_failed(e),
        }
    }

    /// A refresh of an existing copy: delta, listing or reconciliation.
    async fn update(&mut self, since: DateTime<Utc>) -> Result<RefreshKind, CoreError> {
        if self.client.has(Feature::DeltaSync)
            && self.client.has(Feature::UserGroups)
            && !self.delta_proven
        {
            let users = self.client.user_count().await?;
            match self.client.probe_delta(users).await? {
                None => self.delta_proven = true,
                // No users: nothing proven, nothing downgraded; listings are cheap.
                Some(reason) if reason.is_empty() => {}
                Some(reason) => {
                    self.client.downgrade(Feature::DeltaSync, reason);
                }
            }
        }
        // Memberships read from /Groups do not show in a delta: those servers are
        // listed every time.
        let delta_usable = self.delta_proven
            && self.client.has(Feature::DeltaSync)
            && self.client.has(Feature::UserGroups);
        let reconcile = Instant::now() >= self.next_reconcile;
        let capabilities = self.capabilities();
        if delta_usable && !reconcile {
            let found = sync::delta(
                &self.client,
                &capabilities,
                &self.known,
                &self.groups,
                since,
            )
            .await?;
            if let Some(delta) = found {
                self.take_delta(delta).await?;
                return Ok(RefreshKind::Delta);
            }
        }
        let delta = sync::listing(&self.client, &capabilities, &self.known, &self.groups).await?;
        self.take_delta(delta).await?;
        self.next_reconcile = Instant::now() + self.config.reconcile_every;
        Ok(if delta_usable {
            RefreshKind::Reconciled
        } else {
            RefreshKind::Full
        })
    }

    async fn full_load(&mut self) -> Result<(), CoreError> {
        let tx = self.events.tx.clone();
        let wake = Arc::clone(&self.events.wake);
        let capabilities = self.capabilities();
        let (snapshot, warnings) = sync::full(&self.client, &capabilities, move |loaded, total| {
            let _ = tx.send(Event::Progress { loaded, total });
            wake();
        })
        .await?;
        let profile = self.profile();
        let to_save = Arc::clone(&snapshot);
        let store = Arc::clone(&self.config.store);
        let saving = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let saved = store.save_snapshot(&profile, &to_save);
            // What a full load costs after its last page (issue 14 measures it).
            tracing::debug!(
                users = to_save.users.len(),
                millis = started.elapsed().as_millis() as u64,
                "snapshot saved"
            );
            saved
        });
        // The marks are worked out while the store writes, and the old ones let go
        // first (not two sets at once).
        self.known = HashMap::new();
        let known = sync::marks(&snapshot.users);
        saving
            .await
            .map_err(|e| CoreError::Store {
                detail: e.to_string(),
            })?
            .map_err(CoreError::from)?;
        self.known = known;
        self.groups = snapshot.groups.clone();
        self.next_reconcile = Instant::now() + self.config.reconcile_every;
        self.high_water_mark = snapshot.max_last_modified.or(Some(snapshot.synced_at));
        self.last_sync = Some(snapshot.synced_at);
        self.events.send(Event::Loaded {
            snapshot,
            source: Source::Server,
        });
        if !warnings.is_empty() {
            self.events.send(Event::ListingWarnings(warnings));
        }
        // The save left the new copy in the log (see `Store::save_snapshot`); it goes
        // into the database file now that the app has it. A failure here loses
        // nothing (the log holds the copy), but is said like any store error.
        let started = Instant::now();
        let checkpointed = self.store(|s| s.checkpoint()).await;
        tracing::debug!(
            millis = started.elapsed().as_millis() as u64,
            "snapshot checkpointed"
        );
        self.reported(checkpointed);
        Ok(())
    }

    /// Saves what a delta or a listing found and tells the app.
    async fn take_delta(&mut self, delta: sync::Delta) -> Result<(), CoreError> {
        let since = self.high_water_mark;
        let delta = sync::Delta {
            max_last_modified: delta.max_last_modified.max(since),
            ..delta
        };
        self.groups = delta.directory.groups.clone();
        let synced_at = Utc::now();
        self.save_delta(
            &delta.changed,
            &delta.deleted,
            Some(&delta.directory),
            synced_at,
            delta.max_last_modified,
        )
        .await?;
        self.high_water_mark = delta.max_last_modified;
        self.last_sync = Some(synced_at);
        self.events.send(Event::Changed {
            users: delta.changed,
            deleted: delta.deleted,
            groups: Some(delta.directory.groups),
            licenses: delta.directory.licenses,
            organisation: delta.directory.organisation,
            synced_at,
        });
        if !delta.warnings.is_empty() {
            self.events.send(Event::ListingWarnings(delta.warnings));
        }
        Ok(())
    }

    async fn save_delta(
        &mut self,
        changed: &[User],
        deleted: &[UserId],
        directory: Option<&sync::Directory>,
        synced_at: DateTime<Utc>,
        max_last_modified: Option<DateTime<Utc>>,
    ) -> Result<(), CoreError> {
        for id in deleted {
            self.known.remove(id);
        }
        self.known.extend(sync::marks(changed));
        let profile = self.profile();
        let (changed, deleted) = (changed.to_vec(), deleted.to_vec());
        let groups = directory.map(|d| d.groups.clone());
        let licenses = directory.and_then(|d| d.licenses.clone());
        let organisation = directory.and_then(|d| d.organisation.clone());
        self.store(move |s| {
            s.apply_delta(
                &profile,
                &Delta {
                    changed_users: &changed,
                    deleted_users: &deleted,
                    groups: groups.as_deref(),
                    licenses: licenses.as_deref(),
                    organisation: organisation.as_ref(),
                    synced_at,
                    max_last_modified,
                },
            )
        })
        .await
    }

    async fn publish_outbox(&self) {
        let profile = self.profile();
        match self.store(move |s| s.outstanding(&profile)).await {
            Ok(list) => self.events.send(Event::Outbox(list)),
            Err(e) => self.events.send(Event::Error(e)),
        }
    }

    /// Sends every change that is due, in order, while the server answers.
    async fn flush(&mut self) {
        let mut sent_any = false;
        let mut refresh = false;
        while self.link == Link::Online {
            sent_any |= self.take_cancels().await;
            let profile = self.profile();
            let next = self.store(move |s| s.next_due(&profile, Utc::now())).await;
            let entry = match next {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(e) => {
                    self.events.send(Event::Error(e));
                    break;
                }
            };
            sent_any = true;
            match self.send(entry).await {
                Sent::Done { needs_refresh } => refresh |= needs_refresh,
                Sent::Stop => break,
            }
        }
        if sent_any {
            self.publish_outbox().await;
            // A write may have shown that the server lacks something (PATCH, a form).
            self.save_downgrades().await;
        }
        if refresh && self.link == Link::Online {
            self.refresh().await;
        }
    }

    async fn send(&mut self, entry: OutboxEntry) -> Sent {
        let id = entry.id;
        if let Err(e) = self.store(move |s| s.mark_sending(id)).await {
            self.events.send(Event::Error(e));
            return Sent::Stop;
        }
        let previously_sent = entry.attempts > 0;
        match outbox::apply(&self.client, &entry.change, previously_sent).await {
            Ok(effect) => {
                let done = self.store(move |s| s.mark_done(id)).await;
                self.reported(done);
                if let Effect::Deactivated(user) = &effect {
                    self.events.send(Event::Deactivated {
                        entry: entry.clone(),
                        user: user.clone(),
                    });
                }
                // Seat counts live on the licenses: re-read them after a license change.
                let needs_refresh = self.take_effect(effect).await || moves_seats(&entry.change);
                self.events.send(Event::Applied { entry });
                Sent::Done { needs_refresh }
            }
            Err(e) if e.is_transient() => {
                // Back to pending; it is sent again once the server answers.
                let back = self.store(move |s| s.retry(id)).await;
                self.reported(back);
                self.failed(e);
                Sent::Stop
            }
            Err(CoreError::Conflict) => {
                let reason = CoreError::Conflict.to_string();
                let failed = self.store(move |s| s.mark_failed(id, &reason)).await;
                self.reported(failed);
                let current = match &entry.change {
                    Change::PatchUser { id, .. } | Change::DeleteUser { id, .. } => {
                        self.client.get_user(id).await.ok().map(Box::new)
                    }
                    _ => None,
                };
                self.events.send(Event::Conflict { entry, current });
                Sent::Done {
                    needs_refresh: false,
                }
            }
            Err(e @ (CoreError::NotAdministrator | CoreError::Unauthorized)) => {
                let back = self.store(move |s| s.retry(id)).await;
                self.reported(back);
                self.failed(e);
                Sent::Stop
            }
            Err(error) => {
                let reason = error.to_string();
                let failed = self.store(move |s| s.mark_failed(id, &reason)).await;
                self.reported(failed);
                self.events.send(Event::Failed { entry, error });
                Sent::Done {
                    needs_refresh: false,
                }
            }
        }
    }

    /// Applies a confirmed change to the local copy; returns whether a refresh is
    /// needed to see all of it.
    async fn take_effect(&mut self, effect: Effect) -> bool {
        let (users, deleted) = match effect {
            // A user read back from a server whose users carry no groups would lose
            // its memberships in the copy: a refresh reads them from /Groups.
            Effect::Users(_) if !self.client.has(Feature::UserGroups) => return true,
            Effect::Users(users) => (users, Vec::new()),
            Effect::Deactivated(user) => (vec![*user], Vec::new()),
            Effect::Deleted(id) => (Vec::new(), vec![id]),
            Effect::Refresh => return true,
        };
        let synced_at = Utc::now();
        let hwm = self.high_water_mark;
        if let Err(e) = self
            .save_delta(&users, &deleted, None, synced_at, hwm)
            .await
        {
            self.events.send(Event::Error(e));
        }
        self.events.send(Event::Changed {
            users,
            deleted,
            groups: None,
            licenses: None,
            organisation: None,
            synced_at,
        });
        false
    }
}

/// Whether `change` may move a seat count (the server keeps them on the licenses):
/// a license given or taken, a user who held some created or deleted, a group
/// (which may give licenses) joined or left.
fn moves_seats(change: &Change) -> bool {
    match change {
        Change::PatchUser { ops, .. } => ops.iter().any(|op| {
            op.path
                .as_deref()
                .is_some_and(|p| p.starts_with(crate::actions::paths::ENTITLEMENTS))
        }),
        Change::CreateUser(new) => !new.licenses.is_empty() || !new.groups.is_empty(),
        Change::DeleteUser { .. } | Change::GroupMembers { .. } => true,
        Change::ResendInvitation { .. } => false,
    }
}

/// What happened to one outbox entry.
enum Sent {
    /// Finished (confirmed, refused or in conflict); go on with the next.
    Done { needs_refresh: bool },
    /// The server cannot take more now.
    Stop,
}
