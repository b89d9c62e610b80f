//! Opening a profile for a command: the store, the connection, the engine.

use std::sync::Arc;
use std::time::Duration;

use roster_core::client::{Capabilities, ClientOptions};
use roster_core::engine::{self, BatchId, Command, EngineConfig, EngineHandle, Event, Source};
use roster_core::model::{Change, UserId};
use roster_core::profiles::{self, Secrets};
use roster_core::store::{OutboxId, Snapshot, Store};

use crate::demo_org::{DEMO_PROFILE, DemoOrg};
use crate::paths;

/// The longest a command waits for the server.
const WAIT: Duration = Duration::from_secs(120);

/// The profile setting that remembers who the token belongs to (`/Me`), so that the
/// protections about yourself still hold offline.
const ME_SETTING: &str = "cli.me";

/// The organisation as a command acts on it.
pub struct Loaded {
    /// Users, groups, licenses, organisation.
    pub snapshot: Arc<Snapshot>,
    /// The signed-in administrator (from the server, else as last seen).
    pub me: Option<UserId>,
    /// Whether the server answered (else the copy is the local one).
    pub online: bool,
    /// What the server supports (last known when offline).
    pub capabilities: Option<Capabilities>,
}

/// What became of one change a command sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server confirmed it.
    Done,
    /// The server carried out a delete by deactivating the user.
    Deactivated,
    /// The server refused it (dropped from the outbox: the command reported it).
    Failed(String),
    /// Not sent yet: it waits in the outbox (offline).
    Queued,
}

/// An open profile with its engine running.
pub struct Session {
    // Owns the engine's threads for as long as the session lives.
    _runtime: tokio::runtime::Runtime,
    pub store: Arc<Store>,
    pub engine: EngineHandle,
    pub name: String,
    _demo: Option<DemoOrg>,
    _lock: paths::DataDirLock,
    /// The engine said Connected.
    connected: std::cell::Cell<bool>,
}

/// The local store in the data directory, and this process's hold on it.
pub fn open_store() -> Result<(Arc<Store>, paths::DataDirLock), String> {
    let dir = paths::data_dir()?;
    let lock = paths::lock_data_dir(&dir)?;
    let store = Store::open(dir.join(roster_core::store::DB_FILE_NAME))
        .map(Arc::new)
        .map_err(|e| roster_core::CoreError::from(e).to_string())?;
    Ok((store, lock))
}

/// Where tokens are kept.
pub fn secrets() -> Result<Secrets, String> {
    Ok(Secrets::system(paths::token_dir()?))
}

impl Session {
    /// Opens `profile` (default: the last used, else the demo organisation).
    pub fn open(profile: Option<&str>) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start: {e}"))?;
        let (store, lock) = open_store()?;
        let name = match profile {
            Some(p) => p.to_owned(),
            None => profiles::last_used(&store)
                .map_err(|e| e.to_string())?
                .unwrap_or_else(|| DEMO_PROFILE.to_owned()),
        };
        let (connection, demo) = if name == DEMO_PROFILE {
            let demo = runtime.block_on(DemoOrg::start(&paths::data_dir()?))?;
            (demo.profile.clone(), Some(demo))
        } else {
            let settings = profiles::get(&store, &name).map_err(|e| e.to_string())?;
            let connection =
                profiles::connection(&settings, &secrets()?).map_err(|e| e.to_string())?;
            (connection, None)
        };
        // The default of the next command and of the window's next start.
        profiles::set_last_used(&store, &name).map_err(|e| e.to_string())?;
        let config = EngineConfig {
            client: ClientOptions::from_env().map_err(|e| e.to_string())?,
            ..EngineConfig::new(connection, Arc::clone(&store))
        };
        let engine =
            engine::start(runtime.handle(), config, Arc::new(|| {})).map_err(|e| e.to_string())?;
        Ok(Self {
            _runtime: runtime,
            store,
            engine,
            name,
            _demo: demo,
            _lock: lock,
            connected: std::cell::Cell::new(false),
        })
    }

    /// Waits for the organisation: fresh from the server, or the cached copy when
    /// the server cannot be reached or refuses to send it (said on stderr, with the
    /// copy's age; not an error).
    pub fn organisation(&self) -> Result<Arc<Snapshot>, String> {
        self.load().map(|l| l.snapshot)
    }

    /// [`Session::organisation`], with who is signed in, whether the server answered
    /// and what it supports.
    pub fn load(&self) -> Result<Loaded, String> {
        let mut me = None;
        let mut capabilities = None;
        let snapshot = self.receive(&mut me, &mut capabilities)?;
        let me = match me {
            Some(Some(id)) => {
                // Remembered for an offline run; losing it only weakens that run's checks.
                let _ = self
                    .store
                    .set_profile_setting(&self.name, ME_SETTING, id.as_str());
                Some(id)
            }
            Some(None) => None,
            None => self
                .store
                .get_profile_setting(&self.name, ME_SETTING)
                .ok()
                .flatten()
                .map(UserId::from),
        };
        Ok(Loaded {
            snapshot,
            me,
            online: self.connected.get(),
            capabilities,
        })
    }

    fn receive(
        &self,
        me: &mut Option<Option<UserId>>,
        capabilities: &mut Option<Capabilities>,
    ) -> Result<Arc<Snapshot>, String> {
        let mut cached: Option<Arc<Snapshot>> = None;
        loop {
            let event = self
                .engine
                .recv_timeout(WAIT)
                .ok_or("the server did not answer in time")?;
            match event {
                Event::Loaded {
                    snapshot,
                    source: Source::Server,
                } => return Ok(snapshot),
                Event::Loaded {
                    snapshot,
                    source: Source::Cache,
                } => cached = Some(snapshot),
                Event::Changed {
                    users,
                    deleted,
                    groups,
                    licenses,
                    organisation,
                    synced_at,
                } => {
                    // No user changed: the copy already read is the result, with the
                    // directory as read again (reading every user from the store a
                    // second time took longer than the whole refresh at 1M users).
                    if users.is_empty()
                        && deleted.is_empty()
                        && let Some(mut snapshot) = cached.take()
                    {
                        let copy = Arc::make_mut(&mut snapshot);
                        // In id order, as the store returns them.
                        if let Some(mut groups) = groups {
                            groups.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
                            copy.groups = groups;
                        }
                        if let Some(mut licenses) = licenses {
                            licenses.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
                            copy.licenses = licenses;
                        }
                        if organisation.is_some() {
                            copy.organisation = organisation;
                        }
                        copy.synced_at = synced_at;
                        return Ok(snapshot);
                    }
                    // A delta on top of the cache: the store now holds the result,
                    // read once the old copy is let go (not two copies at once).
                    drop(cached.take());
                    let name = self.name.clone();
                    return self
                        .store
                        .load_snapshot(&name)
                        .map_err(|e| roster_core::CoreError::from(e).to_string())?
                        .map(Arc::new)
                        .ok_or_else(|| "the local copy vanished".to_owned());
                }
                Event::Offline { reason, last_sync } => {
                    let Some(snapshot) = cached.take() else {
                        return Err(reason);
                    };
                    let reason = format!("offline ({reason})");
                    return Ok(stale_copy(snapshot, &reason, last_sync));
                }
                Event::Stale { error, last_sync } => {
                    let Some(snapshot) = cached.take() else {
                        return Err(error.to_string());
                    };
                    return Ok(stale_copy(snapshot, &error.to_string(), last_sync));
                }
                Event::NotAdministrator => {
                    return Err(roster_core::CoreError::NotAdministrator.to_string());
                }
                Event::Connected(info) => {
                    self.connected.set(true);
                    *me = Some(info.me.as_ref().map(|u| u.id.clone()));
                    *capabilities = Some(info.capabilities.clone());
                }
                Event::Capabilities(c) => *capabilities = Some(*c),
                // A failed connect (not the network: that is Offline) with a copy to
                // show: shown, said stale.
                Event::Error(e)
                    if !matches!(e, roster_core::CoreError::Unauthorized) && cached.is_some() =>
                {
                    let Some(snapshot) = cached.take() else {
                        return Err(e.to_string());
                    };
                    let last_sync = Some(snapshot.synced_at);
                    return Ok(stale_copy(
                        snapshot,
                        &e.into_read_error().to_string(),
                        last_sync,
                    ));
                }
                Event::Error(e) => return Err(e.to_string()),
                _ => {}
            }
        }
    }

    /// Waits until every due change was sent (or the server is unreachable);
    /// returns how many remain outstanding.
    pub fn flush(&self) -> Result<usize, String> {
        // The engine sends only what the store's outbox holds: with nothing there,
        // there is nothing to wait for (this wait was half a second of every
        // `roster sync`).
        if self.outstanding()? == 0 {
            return Ok(0);
        }
        loop {
            match self.engine.recv_timeout(Duration::from_millis(500)) {
                Some(Event::Outbox(list)) if list.iter().all(|e| e.not_before.is_some()) => {
                    return Ok(list.len());
                }
                Some(Event::Offline { .. }) | None => return self.outstanding(),
                Some(Event::Failed { entry, error }) => {
                    eprintln!("roster: {} failed: {error}", entry.change.describe());
                }
                // Sent just after the listing that saw them.
                Some(Event::ListingWarnings(warnings)) => {
                    for warning in warnings {
                        eprintln!("roster: warning: {warning}");
                    }
                }
                Some(_) => {}
            }
        }
    }
}

impl Session {
    /// How many changes the store's outbox holds for this profile.
    fn outstanding(&self) -> Result<usize, String> {
        self.store
            .outstanding(&self.name)
            .map(|l| l.len())
            .map_err(|e| roster_core::CoreError::from(e).to_string())
    }

    /// Queues `changes` as one batch and follows them: each one's outcome, in order.
    /// Offline (or when the server stops answering) the rest wait in the outbox.
    pub fn submit(&self, changes: Vec<Change>) -> Result<Vec<Outcome>, String> {
        let count = changes.len();
        let batch = BatchId(1);
        self.engine.send(Command::SubmitBatch {
            batch,
            changes,
            delay: None,
        });
        let mut ids: Vec<OutboxId> = Vec::new();
        let mut outcomes: Vec<Option<Outcome>> = vec![None; count];
        let mut online = self.connected.get();
        loop {
            if !ids.is_empty() && outcomes.iter().all(Option::is_some) {
                break;
            }
            let Some(event) = self.engine.recv_timeout(WAIT) else {
                eprintln!("roster: the server did not answer in time");
                break;
            };
            let slot = |id: OutboxId| ids.iter().position(|i| *i == id);
            match event {
                Event::BatchQueued { batch: b, entries } if b == batch => {
                    ids = entries.iter().map(|e| e.id).collect();
                    if !online {
                        break;
                    }
                }
                Event::Applied { entry } => {
                    if let Some(i) = slot(entry.id) {
                        outcomes[i].get_or_insert(Outcome::Done);
                    }
                }
                Event::Deactivated { entry, .. } => {
                    if let Some(i) = slot(entry.id) {
                        outcomes[i] = Some(Outcome::Deactivated);
                    }
                }
                Event::Failed { entry, error } => {
                    if let Some(i) = slot(entry.id) {
                        outcomes[i] = Some(Outcome::Failed(error.to_string()));
                        self.engine.send(Command::Discard(entry.id));
                    }
                }
                Event::Conflict { entry, .. } => {
                    if let Some(i) = slot(entry.id) {
                        outcomes[i] = Some(Outcome::Failed(
                            "the user changed on the server meanwhile; run the command again"
                                .to_owned(),
                        ));
                        self.engine.send(Command::Discard(entry.id));
                    }
                }
                Event::Offline { .. } => {
                    online = false;
                    if !ids.is_empty() {
                        break;
                    }
                }
                Event::Online | Event::Connected(_) => online = true,
                Event::NotAdministrator => {
                    return Err(roster_core::CoreError::NotAdministrator.to_string());
                }
                Event::Error(e)
                    if ids.is_empty() || matches!(e, roster_core::CoreError::Unauthorized) =>
                {
                    return Err(e.to_string());
                }
                _ => {}
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(Outcome::Queued))
            .collect())
    }
}

/// The cached copy, after saying on stderr why it is shown and how old it is.
fn stale_copy(
    snapshot: Arc<Snapshot>,
    why: &str,
    last_sync: Option<chrono::DateTime<chrono::Utc>>,
) -> Arc<Snapshot> {
    let when = last_sync.unwrap_or(snapshot.synced_at);
    eprintln!(
        "roster: {why}\nroster: showing the local copy from {} ({} old)",
        when.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M"),
        age(chrono::Utc::now() - when)
    );
    snapshot
}

/// "3 d 4 h", "2 h 5 min", "7 min", "less than a minute".
fn age(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => "less than a minute".to_owned(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.send(Command::Shutdown);
        // Let the engine finish the store call it is in before the runtime goes:
        // cancelled mid-call it logs a warning about the local data. Its event
        // channel closes when it stops (then this returns at once); a call that
        // takes longer is cut after a short quiet spell.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline
            && self
                .engine
                .recv_timeout(Duration::from_millis(200))
                .is_some()
        {}
    }
}
