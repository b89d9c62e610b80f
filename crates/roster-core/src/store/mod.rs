//! Roster's local store: one SQLite file (WAL) in the platform data directory.
//!
//! It holds, per connection profile (a profile is its name):
//! - the cached **snapshot** of the organisation (users, groups, licenses, organisation,
//!   last sync time and the delta-sync high-water mark), so the app starts offline and
//!   fast ([`Store::save_snapshot`], [`Store::load_snapshot`], [`Store::apply_delta`]);
//! - the **outbox**: every change is written here before it is sent, so a crash or a
//!   lost connection loses nothing ([`Store::enqueue`], [`Store::pending_due`],
//!   [`Store::mark_sending`], [`Store::mark_done`]…);
//! - **imports**: prepared imports (rows, fixes, options) and, once submitted, each
//!   row's journal and result ([`Store::save_import`], [`Store::import_report`]);
//! - small **settings**, global or per profile (never tokens).
//!
//! Every method is blocking: the engine calls it from `spawn_blocking`, one call at a
//! time. [`Store`] is `Send + Sync`; share it as `Arc<Store>`.

#![warn(missing_docs)]

mod capabilities;
mod codec;
mod error;
mod imports;
mod outbox;
mod schema;
mod settings;
mod snapshot;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::StoreError;
pub use imports::{PendingImportRow, StoredImport};
pub use outbox::{OutboxEntry, OutboxId, OutboxState};
pub use snapshot::{Delta, Snapshot, SnapshotInfo};

/// File name of the database inside the data directory: the app, the CLI and tests
/// all open `data_dir.join(DB_FILE_NAME)`.
pub const DB_FILE_NAME: &str = "roster.db";

/// The platform directories of Roster (qualifier, organisation, application), the one
/// place they are named: the data folder of the store, the logs and the tokens.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "Roster", "Roster")
}

/// How many done outbox entries per profile [`Store::open`] keeps for the log window.
pub const DONE_ENTRIES_KEPT: usize = 1000;

/// The local store. One per process; share it as `Arc<Store>`.
///
/// A single connection behind a mutex: the engine serialises its calls anyway, and one
/// connection keeps the prepared-statement cache warm.
pub struct Store {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Where the store lives by default: `roster.db` in the platform data directory
    /// (`~/.local/share/roster` on Linux, `~/Library/Application Support/org.Roster.Roster`
    /// on macOS, `%APPDATA%\Roster\Roster\data` on Windows).
    pub fn default_path() -> Result<PathBuf, StoreError> {
        project_dirs()
            .map(|dirs| dirs.data_dir().join(DB_FILE_NAME))
            .ok_or(StoreError::NoDataDir)
    }

    /// Opens (creating if needed) the store at [`Store::default_path`].
    pub fn open_default() -> Result<Self, StoreError> {
        Self::open(Self::default_path()?)
    }

    /// Opens the store at `path`, creating the file and its directory if needed.
    ///
    /// Upgrades an older schema, refuses a newer one ([`StoreError::TooNew`]), puts
    /// outbox entries a crash left in `Sending` back to `Pending` (see
    /// [`Store::recover_interrupted`]) and prunes old done entries.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let open_err = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.into()))?;
        // A file that is not a database only fails at the first read: do it here so the
        // error names the file.
        conn.busy_timeout(Duration::from_secs(5))
            .and_then(|()| conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())))
            .map_err(|e| open_err(e.into()))?;
        Self::setup(conn, Some(path.to_owned()))
    }

    /// A private store in memory, gone when dropped: for tests, and for runs that must
    /// leave nothing on disk.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        // NORMAL in WAL mode survives a crash of the process (the WAL is in the OS
        // cache); enqueue raises it to FULL for its own commits, so a change the
        // administrator made also survives a power cut (see `outbox.rs`).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A full save writes tens of MB; without a limit the WAL file would stay that
        // big after the checkpoint.
        conn.pragma_update(None, "journal_size_limit", 16 * 1024 * 1024)?;
        // Every statement of this module fits, so none is ever re-prepared.
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        let store = Self {
            conn: Mutex::new(conn),
            path,
        };
        let recovered = store.recover_interrupted()?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "outbox entries were being sent when Roster stopped; they will be sent again"
            );
        }
        store.prune_done(DONE_ENTRIES_KEPT)?;
        Ok(store)
    }

    /// The file, or `None` for [`Store::in_memory`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The connection. A panic in another call cannot leave it half-way through a
    /// transaction (dropping a `Transaction` rolls back), so a poisoned lock is safe to
    /// take over.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A time as stored: nanoseconds since the epoch.
fn to_db_time(t: DateTime<Utc>) -> Result<i64, StoreError> {
    t.timestamp_nanos_opt().ok_or(StoreError::TimeOutOfRange(t))
}

/// A stored time. Every `i64` is a valid instant, so this cannot fail.
fn from_db_time(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

/// Serializes `value` for a TEXT column.
fn encode<T: Serialize + ?Sized>(
    value: &T,
    what: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode {
        what: what(),
        detail: e.to_string(),
    })
}

/// Reads a TEXT column written by [`encode`]; the error names `row`.
fn decode<T: DeserializeOwned>(text: &str, row: impl FnOnce() -> String) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        row: row(),
        detail: e.to_string(),
    })
}

/// Reads column `idx` of `r`, turning a wrong type into [`StoreError::Corrupt`] naming
/// `row` (rather than a bare SQLite type error nobody can place).
fn column<T: rusqlite::types::FromSql>(
    r: &rusqlite::Row<'_>,
    idx: usize,
    row: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    r.get(idx).map_err(|e| StoreError::Corrupt {
        row: row(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
