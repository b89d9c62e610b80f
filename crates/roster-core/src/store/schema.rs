//! The database schema and its migrations.
//!
//! The schema version lives in SQLite's `PRAGMA user_version`. [`MIGRATIONS`] is the
//! ordered list of steps: step `i` moves a file from version `i` to `i + 1`. A released
//! step is never edited (files in the field were built by it); a change to the schema is
//! a new step appended at the end, so every older file upgrades through the same path.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Times are INTEGER nanoseconds since the Unix epoch (UTC): lossless for
/// `DateTime<Utc>`, and comparable in SQL (the outbox's `not_before`).
/// Users are stored in the compact binary form of `codec.rs` (versioned per row, so it
/// can evolve without a migration); groups, licenses, the organisation and changes are
/// JSON of the model's serde form, readable in the sqlite3 shell.
pub(crate) const MIGRATIONS: &[&str] = &[
    // v1: cached snapshot per profile, outbox of changes, settings.
    r#"
    CREATE TABLE snapshot (
        id                INTEGER PRIMARY KEY,
        profile           TEXT NOT NULL UNIQUE,
        synced_at         INTEGER NOT NULL,
        max_last_modified INTEGER,
        organisation      TEXT
    );
    -- Keyed by (snapshot, id) and WITHOUT ROWID: one profile's users are contiguous in
    -- the B-tree, so a cold load is one sequential range scan.
    -- `data` is the compact binary form of `codec.rs`.
    CREATE TABLE snapshot_user (
        snapshot INTEGER NOT NULL,
        id       TEXT NOT NULL,
        data     BLOB NOT NULL,
        PRIMARY KEY (snapshot, id)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_group (
        snapshot INTEGER NOT NULL,
        id       TEXT NOT NULL,
        data     TEXT NOT NULL,
        PRIMARY KEY (snapshot, id)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_license (
        snapshot INTEGER NOT NULL,
        id       TEXT NOT NULL,
        data     TEXT NOT NULL,
        PRIMARY KEY (snapshot, id)
    ) WITHOUT ROWID;
    -- AUTOINCREMENT: ids are never reused after a discard or a prune, so an id the
    -- engine still holds can never point at somebody else's change.
    CREATE TABLE outbox (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        key      TEXT NOT NULL UNIQUE,
        profile  TEXT NOT NULL,
        change   TEXT NOT NULL,
        state    TEXT NOT NULL,
        reason   TEXT,
        created  INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outbox_by_state ON outbox (profile, state, id);
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE profile_setting (
        profile TEXT NOT NULL,
        key     TEXT NOT NULL,
        value   TEXT NOT NULL,
        PRIMARY KEY (profile, key)
    ) WITHOUT ROWID;
    "#,
    // v2: delayed entries, so a delete can wait out its undo window in the outbox
    // (and survive a restart during it).
    r#"
    ALTER TABLE outbox ADD COLUMN not_before INTEGER;
    "#,
    // v3: prepared imports and their per-row journal (attempts, then the result), so
    // an import is kept for later, resumes after an interruption and keeps its report.
    r#"
    CREATE TABLE import (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        profile         TEXT NOT NULL,
        name            TEXT NOT NULL,
        state           TEXT NOT NULL,
        options         TEXT NOT NULL,
        ignored_columns TEXT NOT NULL,
        created         INTEGER NOT NULL,
        updated         INTEGER NOT NULL
    );
    CREATE INDEX import_by_profile ON import (profile, id);
    -- outcome: NULL while pending, else 'created' (user_id set), 'skipped' or 'failed'
    -- (reason set). attempts counts sends that may have reached the server.
    CREATE TABLE import_row (
        import     INTEGER NOT NULL,
        idx        INTEGER NOT NULL,
        line       INTEGER NOT NULL,
        email      TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name  TEXT NOT NULL,
        excluded   INTEGER NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        outcome    TEXT,
        reason     TEXT,
        user_id    TEXT,
        PRIMARY KEY (import, idx)
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this build writes.
pub(crate) fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the file up to [`current_version`], one step per transaction, so a failure
/// leaves it at a consistent older version that the next attempt resumes from.
///
/// The version is read inside each step's write transaction: a second Roster process
/// opening the same fresh file waits for the first and then finds nothing left to do,
/// instead of running `CREATE TABLE` twice.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = current_version();
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > supported {
            return Err(StoreError::TooNew { found, supported });
        }
        let index = usize::try_from(found).map_err(|_| StoreError::Corrupt {
            row: "schema version (PRAGMA user_version)".to_owned(),
            detail: format!("{found} is not a version Roster ever wrote"),
        })?;
        let Some(step) = MIGRATIONS.get(index) else {
            return Ok(());
        };
        let version = found + 1;
        tx.execute_batch(step)
            .and_then(|()| tx.pragma_update(None, "user_version", version))
            .and_then(|()| tx.commit())
            .map_err(|source| StoreError::Migration { version, source })?;
        tracing::info!(version, "local database schema upgraded");
    }
}
