//! The cached snapshot of each profile's organisation.

use std::collections::BTreeMap;
use std::sync::{Mutex, mpsc};

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::{Store, StoreError, codec, column, decode, encode, from_db_time, to_db_time};
use crate::model::{Group, License, Organisation, User, UserId};

/// Everything Roster caches of one profile's organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Every user. [`Store::load_snapshot`] returns them in id order (byte order of the
    /// id string), whatever order they were saved in.
    pub users: Vec<User>,
    /// Every group, in id order when loaded.
    pub groups: Vec<Group>,
    /// Every license, in id order when loaded.
    pub licenses: Vec<License>,
    /// The organisation, or `None` when the server does not offer it (a plain SCIM
    /// server without the Roster extension).
    pub organisation: Option<Organisation>,
    /// When this data was last fetched from the server.
    pub synced_at: DateTime<Utc>,
    /// The newest `meta.lastModified` seen: the next delta asks for users changed after
    /// it. `None` when the server gives no modification times (full loads only).
    pub max_last_modified: Option<DateTime<Utc>>,
}

/// What changed since the last sync, as [`Store::apply_delta`] applies it.
#[derive(Debug, Clone, Copy)]
pub struct Delta<'a> {
    /// Users created or changed: stored as given, replacing any cached version.
    pub changed_users: &'a [User],
    /// Users gone from the server. Applied after `changed_users`, so a user in both is
    /// deleted. Ids not in the cache are ignored.
    pub deleted_users: &'a [UserId],
    /// The full new list of groups, or `None` to keep the cached one.
    pub groups: Option<&'a [Group]>,
    /// The full new list of licenses, or `None` to keep the cached one.
    pub licenses: Option<&'a [License]>,
    /// The new organisation, or `None` to keep the cached one.
    pub organisation: Option<&'a Organisation>,
    /// When this delta was fetched; replaces the stored sync time.
    pub synced_at: DateTime<Utc>,
    /// The new high-water mark; replaces the stored one (pass the old value through
    /// when nothing newer was seen: `None` here means "unknown", which forces the next
    /// sync to be a full load).
    pub max_last_modified: Option<DateTime<Utc>>,
}

/// A snapshot's header, read without loading the users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The profile.
    pub profile: String,
    /// When it was last synced.
    pub synced_at: DateTime<Utc>,
    /// The delta-sync high-water mark.
    pub max_last_modified: Option<DateTime<Utc>>,
    /// How many users it holds.
    pub user_count: u64,
}

/// The three per-snapshot tables, which share one shape: `(snapshot, id, data)`.
#[derive(Clone, Copy)]
enum Table {
    User,
    Group,
    License,
}

impl Table {
    fn insert(self) -> &'static str {
        // OR REPLACE: a server listing that shifts while it is paged can return the same
        // resource twice; the later copy wins instead of failing the whole save.
        match self {
            Self::User => {
                "INSERT OR REPLACE INTO snapshot_user (snapshot, id, data) VALUES (?1, ?2, ?3)"
            }
            Self::Group => {
                "INSERT OR REPLACE INTO snapshot_group (snapshot, id, data) VALUES (?1, ?2, ?3)"
            }
            Self::License => {
                "INSERT OR REPLACE INTO snapshot_license (snapshot, id, data) VALUES (?1, ?2, ?3)"
            }
        }
    }

    fn delete_all(self) -> &'static str {
        match self {
            Self::User => "DELETE FROM snapshot_user WHERE snapshot = ?1",
            Self::Group => "DELETE FROM snapshot_group WHERE snapshot = ?1",
            Self::License => "DELETE FROM snapshot_license WHERE snapshot = ?1",
        }
    }

    fn select_all(self) -> &'static str {
        match self {
            Self::User => "SELECT id, data FROM snapshot_user WHERE snapshot = ?1 ORDER BY id",
            Self::Group => "SELECT id, data FROM snapshot_group WHERE snapshot = ?1 ORDER BY id",
            Self::License => {
                "SELECT id, data FROM snapshot_license WHERE snapshot = ?1 ORDER BY id"
            }
        }
    }

    /// How a row is named in errors.
    fn noun(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::License => "license",
        }
    }
}

/// Something cached in a snapshot table: it knows its id and its stored form.
trait Cached: Sized + Send {
    const TABLE: Table;
    fn id(&self) -> &str;
    /// Appends the stored form to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), String>;
    /// The stored form as the value to bind: users are binary, the rest JSON text.
    fn column(bytes: &[u8]) -> ToSqlOutput<'_>;
    /// Reads the stored form of the row whose key is `id`.
    fn decode(id: &str, bytes: &[u8]) -> Result<Self, String>;
}

impl Cached for User {
    const TABLE: Table = Table::User;
    fn id(&self) -> &str {
        self.id.as_str()
    }
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), String> {
        codec::encode_user(self, out);
        Ok(())
    }
    fn column(bytes: &[u8]) -> ToSqlOutput<'_> {
        ToSqlOutput::Borrowed(ValueRef::Blob(bytes))
    }
    fn decode(id: &str, bytes: &[u8]) -> Result<Self, String> {
        codec::decode_user(id, bytes)
    }
}

/// Groups and licenses are few: JSON, readable in the sqlite3 shell.
macro_rules! cached_as_json {
    ($ty:ty, $table:expr) => {
        impl Cached for $ty {
            const TABLE: Table = $table;
            fn id(&self) -> &str {
                self.id.as_str()
            }
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), String> {
                serde_json::to_writer(out, self).map_err(|e| e.to_string())
            }
            fn column(bytes: &[u8]) -> ToSqlOutput<'_> {
                // serde_json writes UTF-8 only.
                ToSqlOutput::Borrowed(ValueRef::Text(bytes))
            }
            fn decode(_id: &str, bytes: &[u8]) -> Result<Self, String> {
                serde_json::from_slice(bytes).map_err(|e| e.to_string())
            }
        }
    };
}

cached_as_json!(Group, Table::Group);
cached_as_json!(License, Table::License);

fn row_name(table: Table, id: &str, profile: &str) -> String {
    format!("cached {} {id:?} of profile {profile:?}", table.noun())
}

/// Writes `items` with one prepared statement, in id order: appending to the B-tree in
/// key order keeps page splits and cache misses down on a 100k-user save.
///
/// From [`PARALLEL_MIN_ROWS`] rows the rows are encoded on a second thread, in
/// chunks of [`ENCODE_CHUNK_ROWS`] ahead of SQLite: encoding was a quarter of a large
/// save's time, and after the listing the second core is idle. At most four chunks
/// wait, so the stored form of the whole table is never held at once.
fn insert_rows<T: Cached + Sync>(
    tx: &Transaction<'_>,
    snapshot: i64,
    profile: &str,
    items: &[T],
) -> Result<(), StoreError> {
    // The ids beside the items: the sort compares them without a second indirection.
    let mut sorted: Vec<(&str, &T)> = items.iter().map(|item| (item.id(), item)).collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut insert = tx.prepare_cached(T::TABLE.insert())?;
    let mut write = |rows: &RawRows| -> Result<(), StoreError> {
        for (id, data) in rows.iter() {
            insert.execute(params![snapshot, id, T::column(data)])?;
        }
        Ok(())
    };
    if sorted.len() < PARALLEL_MIN_ROWS {
        return write(&encode_rows(&sorted, profile)?);
    }
    std::thread::scope(|scope| {
        let (encoded_tx, encoded_rx) = mpsc::sync_channel(4);
        let sorted = &sorted;
        scope.spawn(move || {
            for chunk in sorted.chunks(ENCODE_CHUNK_ROWS) {
                // A send fails only when the writer stopped (an error): stop too.
                if encoded_tx.send(encode_rows(chunk, profile)).is_err() {
                    break;
                }
            }
        });
        // Returning early drops the receiver, which stops the encoder.
        for rows in encoded_rx {
            write(&rows?)?;
        }
        Ok(())
    })
}

/// Rows encoded together by the save's second thread: small, so that SQLite starts
/// after the first few milliseconds rather than after a quarter of a 10k-user save.
const ENCODE_CHUNK_ROWS: usize = 2048;

/// The stored form of `items`, with their ids.
fn encode_rows<T: Cached>(items: &[(&str, &T)], profile: &str) -> Result<RawRows, StoreError> {
    let mut rows = RawRows::default();
    for (id, item) in items {
        rows.push_with(id, |buf| {
            item.encode(buf).map_err(|detail| StoreError::Encode {
                what: row_name(T::TABLE, id, profile),
                detail,
            })
        })?;
    }
    Ok(rows)
}

/// Rows below which a load decodes and a save encodes on the calling thread
/// (starting threads would cost more); above, a load's rows go to the decoding
/// threads in chunks of this many.
pub(super) const PARALLEL_MIN_ROWS: usize = 8192;

/// Rows read from SQLite and not decoded yet, or encoded and not written yet: ids and
/// data back to back, with (id end, data end) per row.
#[derive(Default)]
struct RawRows {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl RawRows {
    fn push(&mut self, id: &str, data: &[u8]) {
        let Ok(()) = self.push_with(id, |buf| {
            buf.extend_from_slice(data);
            Ok::<(), std::convert::Infallible>(())
        });
    }

    /// Appends a row whose data `encode` writes (in place: no copy of it is made).
    fn push_with<E>(
        &mut self,
        id: &str,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.buf.extend_from_slice(id.as_bytes());
        let id_end = self.buf.len();
        encode(&mut self.buf)?;
        self.spans.push((id_end, self.buf.len()));
        Ok(())
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    /// Each row's id and data.
    fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut start = 0;
        self.spans.iter().map(move |&(id_end, end)| {
            // Ids came from `as_str`, so they are UTF-8; `from_utf8` only re-checks.
            let id = std::str::from_utf8(&self.buf[start..id_end]).unwrap_or("?");
            let data = &self.buf[id_end..end];
            start = end;
            (id, data)
        })
    }

    /// Decodes every row; a row that does not decode, or whose content disagrees
    /// with its key, is an error naming it.
    fn decode<T: Cached>(&self, profile: &str) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::with_capacity(self.spans.len());
        for (id, data) in self.iter() {
            let name = || row_name(T::TABLE, id, profile);
            let item = T::decode(id, data).map_err(|detail| StoreError::Corrupt {
                row: name(),
                detail,
            })?;
            if item.id() != id {
                return Err(StoreError::Corrupt {
                    row: name(),
                    detail: format!("its data is for id {:?}", item.id()),
                });
            }
            out.push(item);
        }
        Ok(out)
    }
}

/// Reads every row of one table of a snapshot; a row that does not decode, or whose
/// content disagrees with its key, is an error naming it.
///
/// SQLite's scan is sequential, but decoding is most of a cold load's time: the rows
/// are read in chunks of [`PARALLEL_MIN_ROWS`] that threads decode while the
/// scan goes on. Only a few chunks are read ahead, so the stored form of the whole
/// table is never held beside the decoded rows (at a million users that copy alone
/// was ~250 MB).
fn load_rows<T: Cached>(
    conn: &rusqlite::Connection,
    snapshot: i64,
    profile: &str,
) -> Result<Vec<T>, StoreError> {
    let mut select = conn.prepare_cached(T::TABLE.select_all())?;
    let mut rows = select.query([snapshot])?;
    let mut read_chunk = |limit: usize| -> Result<RawRows, StoreError> {
        let mut chunk = RawRows::default();
        while chunk.len() < limit {
            let Some(r) = rows.next()? else { break };
            let id = r.get_ref(0)?.as_str().map_err(|e| StoreError::Corrupt {
                row: format!("a cached {} of profile {profile:?}", T::TABLE.noun()),
                detail: e.to_string(),
            })?;
            let data = r.get_ref(1)?.as_bytes().map_err(|e| StoreError::Corrupt {
                row: row_name(T::TABLE, id, profile),
                detail: e.to_string(),
            })?;
            chunk.push(id, data);
        }
        Ok(chunk)
    };

    let first = read_chunk(PARALLEL_MIN_ROWS)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if first.len() < PARALLEL_MIN_ROWS {
        return first.decode(profile);
    }
    if threads < 2 {
        let mut out = first.decode(profile)?;
        loop {
            let chunk = read_chunk(PARALLEL_MIN_ROWS)?;
            if chunk.len() == 0 {
                return Ok(out);
            }
            out.extend(chunk.decode::<T>(profile)?);
        }
    }

    // At most `threads` chunks wait to be decoded: the scan stops when they fall
    // behind.
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, RawRows)>(threads);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Vec<T>, StoreError>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            scope.spawn(move || {
                loop {
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    let Ok((index, chunk)) = job else { break };
                    if done_tx.send((index, chunk.decode::<T>(profile))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut out: Vec<T> = Vec::new();
        // Decoded chunks that came back before an earlier one.
        let mut early: BTreeMap<usize, Vec<T>> = BTreeMap::new();
        let mut next = 0;
        let mut take = |index: usize, result: Result<Vec<T>, StoreError>| {
            early.insert(index, result?);
            while let Some(items) = early.remove(&next) {
                out.extend(items);
                next += 1;
            }
            Ok::<(), StoreError>(())
        };
        let mut sent = 0;
        let mut chunk = first;
        let scanned = loop {
            if chunk.len() == 0 {
                break Ok(());
            }
            if work_tx.send((sent, chunk)).is_err() {
                break Ok(());
            }
            sent += 1;
            while let Ok((index, result)) = done_rx.try_recv() {
                take(index, result)?;
            }
            chunk = match read_chunk(PARALLEL_MIN_ROWS) {
                Ok(chunk) => chunk,
                Err(e) => break Err(e),
            };
        };
        // No more work: the threads finish what they hold and stop.
        drop(work_tx);
        scanned?;
        for (index, result) in done_rx {
            take(index, result)?;
        }
        Ok(out)
    })
}

fn replace_rows<T: Cached + Sync>(
    tx: &Transaction<'_>,
    snapshot: i64,
    profile: &str,
    items: &[T],
) -> Result<(), StoreError> {
    tx.prepare_cached(T::TABLE.delete_all())?
        .execute([snapshot])?;
    insert_rows(tx, snapshot, profile, items)
}

fn opt_time(t: Option<DateTime<Utc>>) -> Result<Option<i64>, StoreError> {
    t.map(to_db_time).transpose()
}

impl Store {
    /// Replaces the profile's cached snapshot with `snapshot`, in one transaction: a
    /// crash half-way leaves the previous snapshot intact.
    ///
    /// The new copy is left in the write-ahead log: copying it into the database
    /// file, with the fsyncs that go with it, is about half of a large save's time
    /// and need not delay showing the copy. Call [`Store::checkpoint`] afterwards;
    /// otherwise the next commit or closing the store does it.
    pub fn save_snapshot(&self, profile: &str, snapshot: &Snapshot) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let autocheckpoint: i64 =
            conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let saved = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)
            .and_then(|tx| save_snapshot_in(tx, profile, snapshot));
        // Put back whatever happened; the save's own error is the one to report.
        let restored = conn.pragma_update(None, "wal_autocheckpoint", autocheckpoint);
        saved?;
        Ok(restored?)
    }

    /// Copies what the write-ahead log holds into the database file, as far as no
    /// reader still needs it; a passive checkpoint, which never waits for another
    /// process. [`Store::save_snapshot`] leaves this for after the copy is shown.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The profile's cached snapshot, or `None` if it was never synced (or forgotten).
    ///
    /// A row that cannot be read fails the whole load with [`StoreError::Corrupt`]
    /// naming it; the cache is only a copy, so the way out is
    /// [`Store::clear_snapshot`] and a full sync.
    pub fn load_snapshot(&self, profile: &str) -> Result<Option<Snapshot>, StoreError> {
        let conn = self.lock();
        // One read transaction, so a save by another process cannot slip in between
        // the header and the rows. It is only read from, so dropping it (a rollback)
        // ends it.
        let tx = conn.unchecked_transaction()?;
        load_snapshot_in(&tx, profile)
    }

    /// The snapshot's sync time, high-water mark and size, without loading users.
    pub fn snapshot_info(&self, profile: &str) -> Result<Option<SnapshotInfo>, StoreError> {
        let conn = self.lock();
        conn.prepare_cached(
            "SELECT s.synced_at, s.max_last_modified,
                    (SELECT count(*) FROM snapshot_user u WHERE u.snapshot = s.id)
             FROM snapshot s WHERE s.profile = ?1",
        )?
        .query_row([profile], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?
        .map(|(synced_at, max_last_modified, count)| {
            Ok(SnapshotInfo {
                profile: profile.to_owned(),
                synced_at: from_db_time(synced_at),
                max_last_modified: max_last_modified.map(from_db_time),
                user_count: u64::try_from(count).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Profiles that have a cached snapshot, by name.
    pub fn cached_profiles(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT profile FROM snapshot ORDER BY profile")?;
        let names = stmt.query_map([], |r| r.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    /// Applies what changed since the last sync, in one transaction.
    ///
    /// Fails with [`StoreError::NoSnapshot`] when the profile has no snapshot: a delta
    /// on nothing would look like a complete cache while missing most users.
    pub fn apply_delta(&self, profile: &str, delta: &Delta<'_>) -> Result<(), StoreError> {
        let synced_at = to_db_time(delta.synced_at)?;
        let max_last_modified = opt_time(delta.max_last_modified)?;
        let organisation = delta
            .organisation
            .map(|o| encode(o, || format!("the organisation of profile {profile:?}")))
            .transpose()?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: i64 = tx
            .prepare_cached(
                "UPDATE snapshot SET synced_at = ?2, max_last_modified = ?3,
                     organisation = coalesce(?4, organisation)
                 WHERE profile = ?1 RETURNING id",
            )?
            .query_row(
                params![profile, synced_at, max_last_modified, organisation],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSnapshot {
                profile: profile.to_owned(),
            })?;
        insert_rows(&tx, id, profile, delta.changed_users)?;
        {
            let mut delete =
                tx.prepare_cached("DELETE FROM snapshot_user WHERE snapshot = ?1 AND id = ?2")?;
            for user in delta.deleted_users {
                delete.execute(params![id, user.as_str()])?;
            }
        }
        if let Some(groups) = delta.groups {
            replace_rows(&tx, id, profile, groups)?;
        }
        if let Some(licenses) = delta.licenses {
            replace_rows(&tx, id, profile, licenses)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Drops the profile's cached snapshot only (after a corrupt row, or to force a
    /// full sync); its outbox and settings stay.
    pub fn clear_snapshot(&self, profile: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        clear_snapshot_in(&tx, profile)?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets everything about a profile: snapshot, outbox (pending changes included)
    /// and its settings. For when the administrator removes the connection.
    pub fn forget_profile(&self, profile: &str) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        clear_snapshot_in(&tx, profile)?;
        tx.execute("DELETE FROM outbox WHERE profile = ?1", [profile])?;
        tx.execute("DELETE FROM profile_setting WHERE profile = ?1", [profile])?;
        tx.commit()?;
        Ok(())
    }
}

fn save_snapshot_in(
    tx: Transaction<'_>,
    profile: &str,
    snapshot: &Snapshot,
) -> Result<(), StoreError> {
    let synced_at = to_db_time(snapshot.synced_at)?;
    let max_last_modified = opt_time(snapshot.max_last_modified)?;
    let organisation = snapshot
        .organisation
        .as_ref()
        .map(|o| encode(o, || format!("the organisation of profile {profile:?}")))
        .transpose()?;
    let id: i64 = tx.query_row(
        "INSERT INTO snapshot (profile, synced_at, max_last_modified, organisation)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (profile) DO UPDATE SET synced_at = excluded.synced_at,
             max_last_modified = excluded.max_last_modified,
             organisation = excluded.organisation
         RETURNING id",
        params![profile, synced_at, max_last_modified, organisation],
        |r| r.get(0),
    )?;
    replace_rows(&tx, id, profile, &snapshot.users)?;
    replace_rows(&tx, id, profile, &snapshot.groups)?;
    replace_rows(&tx, id, profile, &snapshot.licenses)?;
    tx.commit()?;
    Ok(())
}

fn clear_snapshot_in(tx: &Transaction<'_>, profile: &str) -> Result<(), StoreError> {
    let id: Option<i64> = tx
        .query_row(
            "DELETE FROM snapshot WHERE profile = ?1 RETURNING id",
            [profile],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = id {
        for table in [Table::User, Table::Group, Table::License] {
            tx.execute(table.delete_all(), [id])?;
        }
    }
    Ok(())
}

fn load_snapshot_in(
    conn: &rusqlite::Connection,
    profile: &str,
) -> Result<Option<Snapshot>, StoreError> {
    let header = conn
        .prepare_cached(
            "SELECT id, synced_at, max_last_modified, organisation
             FROM snapshot WHERE profile = ?1",
        )?
        .query_row([profile], |r| {
            let name = || format!("snapshot header of profile {profile:?}");
            Ok((
                column::<i64>(r, 0, name),
                column::<i64>(r, 1, name),
                column::<Option<i64>>(r, 2, name),
                column::<Option<String>>(r, 3, name),
            ))
        })
        .optional()?;
    let Some((id, synced_at, max_last_modified, organisation)) = header else {
        return Ok(None);
    };
    let id = id?;
    let organisation = organisation?
        .map(|text| decode(&text, || format!("the organisation of profile {profile:?}")))
        .transpose()?;
    Ok(Some(Snapshot {
        users: load_rows(conn, id, profile)?,
        groups: load_rows(conn, id, profile)?,
        licenses: load_rows(conn, id, profile)?,
        organisation,
        synced_at: from_db_time(synced_at?),
        max_last_modified: max_last_modified?.map(from_db_time),
    }))
}
