//! Errors of the local store.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::OutboxId;
use crate::CoreError;

/// What can go wrong with Roster's local SQLite store.
///
/// Messages name the file, profile or row concerned, so that a report from a user's
/// machine says which piece of the cache is bad without a debugger.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The platform has no data directory for Roster (no home directory).
    #[error("no data directory for Roster on this system (is HOME set?)")]
    NoDataDir,
    /// The database file could not be created or opened.
    #[error("cannot open the local database {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The file was written by a newer Roster; opening it with this one could damage it.
    #[error(
        "the local database has schema version {found}, newer than this Roster supports \
         ({supported}); update Roster or open another data directory"
    )]
    TooNew {
        /// `user_version` found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A schema migration step failed; the file is left at the previous version.
    #[error("upgrading the local database to schema version {version} failed: {source}")]
    Migration {
        /// The version the failed step leads to.
        version: i64,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A row could not be read back: broken JSON, wrong type, unknown state.
    #[error("corrupt row in the local database ({row}): {detail}")]
    Corrupt {
        /// Which row, e.g. `cached user "u1" of profile "acme"`.
        row: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A value could not be serialized for storage.
    #[error("cannot encode {what} for the local database: {detail}")]
    Encode {
        /// What was being written.
        what: String,
        /// Why.
        detail: String,
    },
    /// A time outside what the store can represent (1677-09-21 to 2262-04-11).
    #[error("time {0} is outside the range the local database can store")]
    TimeOutOfRange(DateTime<Utc>),
    /// A delta was applied to a profile that has no cached snapshot to apply it to.
    #[error("profile {profile:?} has no cached snapshot; load everything first")]
    NoSnapshot {
        /// The profile.
        profile: String,
    },
    /// No outbox entry has this id (discarded or pruned).
    #[error("outbox entry {0} does not exist (discarded or pruned)")]
    NoSuchEntry(OutboxId),
    /// An outbox entry is not in a state that allows the requested step.
    #[error("outbox entry {id} is {state}, so it cannot be {action}")]
    WrongState {
        /// The entry.
        id: OutboxId,
        /// Its current state, in words.
        state: &'static str,
        /// What was asked, in words ("marked as sending").
        action: &'static str,
    },
    /// An idempotency key chosen by the caller is already used by another profile.
    #[error("idempotency key {key:?} is already used by a change of profile {profile:?}")]
    KeyInUse {
        /// The key.
        key: String,
        /// The profile whose change has it.
        profile: String,
    },
    /// No import has this id (deleted).
    #[error("import {0} does not exist (it was deleted)")]
    NoSuchImport(crate::import::ImportId),
    /// The import is past the step asked for (e.g. editing one that was submitted).
    #[error("import {id} is {state}, so it cannot be {action}")]
    ImportState {
        /// The import.
        id: crate::import::ImportId,
        /// Where it is, in words.
        state: &'static str,
        /// What was asked, in words.
        action: &'static str,
    },
    /// Any other SQLite failure (disk full, I/O error, locked by another process).
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        CoreError::Store {
            detail: e.to_string(),
        }
    }
}
