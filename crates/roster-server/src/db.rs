//! The SQLite database: one writer connection, a few readers (WAL), and the schema.
//!
//! Handlers never touch SQLite on the async runtime: [`Db::read`] and [`Db::write`] run
//! the closure on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use rusqlite::{Connection, OpenFlags};

use crate::error::{ApiError, ApiResult};

/// Number of read connections; reads run concurrently with the writer under WAL.
const READERS: usize = 4;

/// Versioned schema migrations; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE organisation (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    authorized_domains TEXT NOT NULL,
    identity_provider INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL
);
CREATE TABLE users (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_connection TEXT,
    invited_at TEXT
);
CREATE INDEX users_last_modified ON users(last_modified);
CREATE TABLE groups (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    display_name_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX members_member ON members(member_id);
CREATE TABLE licenses (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    seats INTEGER NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL
);
CREATE TABLE user_licenses (
    user_id TEXT NOT NULL,
    license_id TEXT NOT NULL,
    PRIMARY KEY (user_id, license_id)
) WITHOUT ROWID;
CREATE INDEX user_licenses_license ON user_licenses(license_id);
CREATE TABLE group_licenses (
    group_id TEXT NOT NULL,
    license_id TEXT NOT NULL,
    PRIMARY KEY (group_id, license_id)
) WITHOUT ROWID;
CREATE TABLE emails (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    created TEXT NOT NULL,
    delivered_at TEXT,
    error TEXT
);
CREATE INDEX emails_user ON emails(user_id);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    label TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);
"#,
    // Narrow indexes for paging: skipping rows reads these instead of the documents.
    r#"
CREATE INDEX users_seq ON users(seq);
CREATE INDEX groups_seq ON groups(seq);
"#,
    // Row counts kept by triggers: the totalResults of an unfiltered listing without
    // counting a million index entries for every page. Nothing writes users or
    // groups with REPLACE, whose implicit delete would not fire the delete trigger.
    r#"
CREATE TABLE row_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO row_counts SELECT 'users', COUNT(*) FROM users;
INSERT INTO row_counts SELECT 'groups', COUNT(*) FROM groups;
CREATE TRIGGER users_counted AFTER INSERT ON users
    BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'users'; END;
CREATE TRIGGER users_uncounted AFTER DELETE ON users
    BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'users'; END;
CREATE TRIGGER groups_counted AFTER INSERT ON groups
    BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'groups'; END;
CREATE TRIGGER groups_uncounted AFTER DELETE ON groups
    BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'groups'; END;
"#,
];

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Preparing the database (organisation settings, seeding) failed.
    #[error("setting up the database {path}: {source}")]
    Prepare {
        /// The database file.
        path: String,
        /// Why.
        source: ApiError,
    },
    /// The file was written by a newer roster-server.
    #[error("database {path} has schema version {found}; this roster-server knows up to {known}")]
    TooNew {
        /// The database file.
        path: String,
        /// Its version.
        found: usize,
        /// The newest this build knows.
        known: usize,
    },
}

/// A pool of connections to one database file.
pub struct Db {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_free: Condvar,
}

impl Db {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Arc<Self>, DbError> {
        Self::open_with(path, |_| Ok(()))
    }

    /// [`Db::open`], running `prepare` on the writer connection (outside any
    /// transaction) before the read connections are opened: a bulk load may then
    /// leave WAL mode for its duration, which needs the database to itself.
    pub fn open_with(
        path: &Path,
        prepare: impl FnOnce(&mut Connection) -> ApiResult<()>,
    ) -> Result<Arc<Self>, DbError> {
        let err = |source| DbError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let mut writer = Connection::open(path).map_err(err)?;
        configure(&writer).map_err(err)?;
        migrate(&writer, path)?;
        prepare(&mut writer).map_err(|source| DbError::Prepare {
            path: path.display().to_string(),
            source,
        })?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(err)?;
            configure(&conn).map_err(err)?;
            readers.push(conn);
        }
        Ok(Arc::new(Self {
            writer: Mutex::new(writer),
            readers: Mutex::new(readers),
            reader_free: Condvar::new(),
        }))
    }

    /// Runs `f` on a read connection, off the async runtime.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f` in a write transaction, off the async runtime; commits when `f` returns
    /// `Ok`, rolls back otherwise.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// [`Db::read`] for callers that are already on a blocking thread.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let conn = {
            let mut free = self.readers.lock().map_err(ApiError::internal)?;
            loop {
                if let Some(conn) = free.pop() {
                    break conn;
                }
                free = self.reader_free.wait(free).map_err(ApiError::internal)?;
            }
        };
        let result = f(&conn);
        if let Ok(mut free) = self.readers.lock() {
            free.push(conn);
            self.reader_free.notify_one();
        }
        result
    }

    /// [`Db::write`] for callers that are already on a blocking thread.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut conn = self.writer.lock().map_err(ApiError::internal)?;
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .or_else(|e| match e {
            // Read-only connections cannot change the journal mode; the writer did.
            rusqlite::Error::SqliteFailure(..) => Ok(()),
            other => Err(other),
        })?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    crate::filter_sql::register_functions(conn)?;
    Ok(())
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), DbError> {
    let err = |source| DbError::Sqlite {
        path: path.display().to_string(),
        source,
    };
    let version: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    if version > MIGRATIONS.len() {
        return Err(DbError::TooNew {
            path: path.display().to_string(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))
        .map_err(err)?;
    }
    Ok(())
}
