//! The outbox: every change, written before it is sent, until the server confirms it.
//!
//! Life of an entry: `Pending` → (`mark_sending`) `Sending` → `Done`, or `Failed` with
//! the reason, which stays visible until the administrator retries or discards it. A
//! transient failure goes back to `Pending` with [`Store::retry_at`]. An entry found in
//! `Sending` when the store opens was interrupted by a crash: it is `Pending` again and
//! is replayed (the engine recognises a create that did succeed by its userName).

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, column, decode, encode, from_db_time, to_db_time};
use crate::model::Change;

/// The local id of an outbox entry (not the server's id of anything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(pub i64);

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where an entry is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting to be sent (possibly not before its `not_before`).
    Pending,
    /// Handed to the server, no answer yet.
    Sending,
    /// The server refused it, or it was given up on; the reason, for the person.
    Failed(String),
    /// Confirmed by the server; kept a while for the log.
    Done,
}

/// A state as a person reads it in an error message.
fn describe_db_state(state: &str) -> &'static str {
    match state {
        "pending" => "pending",
        "sending" => "being sent",
        "failed" => "failed",
        "done" => "done",
        _ => "in an unknown state",
    }
}

/// One change in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Local id; entries of a profile are sent in id order.
    pub id: OutboxId,
    /// Idempotency key (a UUID unless the caller chose one): the same key is the same
    /// change, however often it is sent.
    pub key: String,
    /// The profile the change belongs to.
    pub profile: String,
    /// What to do.
    pub change: Change,
    /// Where it is in its life.
    pub state: OutboxState,
    /// When it was written.
    pub created: DateTime<Utc>,
    /// How many times it was handed to the server ([`Store::mark_sending`] counts).
    pub attempts: u32,
    /// Not to be sent before this time (a delete's undo window, or a retry backoff).
    pub not_before: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, key, profile, change, state, reason, created, attempts, not_before";

/// Reads one outbox row; anything unreadable is an error naming the entry.
fn read_entry(r: &Row<'_>) -> Result<OutboxEntry, StoreError> {
    let raw_id: i64 = column(r, 0, || "an outbox entry".to_owned())?;
    let id = OutboxId(raw_id);
    let name = || format!("outbox entry {id}");
    let change_text: String = column(r, 3, name)?;
    let state_text: String = column(r, 4, name)?;
    let reason: Option<String> = column(r, 5, name)?;
    let state = match state_text.as_str() {
        "pending" => OutboxState::Pending,
        "sending" => OutboxState::Sending,
        "failed" => OutboxState::Failed(reason.unwrap_or_default()),
        "done" => OutboxState::Done,
        other => {
            return Err(StoreError::Corrupt {
                row: name(),
                detail: format!("unknown state {other:?}"),
            });
        }
    };
    Ok(OutboxEntry {
        id,
        key: column(r, 1, name)?,
        profile: column(r, 2, name)?,
        change: decode(&change_text, name)?,
        state,
        created: from_db_time(column(r, 6, name)?),
        // A negative or huge count is a conversion error (Corrupt), not a wrap.
        attempts: column(r, 7, name)?,
        not_before: column::<Option<i64>>(r, 8, name)?.map(from_db_time),
    })
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read_entry(r)?);
    }
    Ok(out)
}

/// Runs `f` with `synchronous = FULL`: the commit of a new change reaches the disk
/// before the engine can send it, so not even a power cut loses a change the server
/// may already have applied. State changes after that stay at NORMAL (a lost
/// `mark_done` only means a replay, which the engine tolerates); an import's
/// thousands of `mark_done` calls would otherwise wait for thousands of fsyncs.
pub(super) fn with_full_sync<R>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    let result = f(conn);
    let reset = conn.pragma_update(None, "synchronous", "NORMAL");
    let value = result?;
    reset?;
    Ok(value)
}

/// Inserts one entry (inside the caller's transaction).
fn insert_entry(
    conn: &Connection,
    profile: &str,
    key: String,
    change: &Change,
    not_before: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
) -> Result<OutboxEntry, StoreError> {
    let text = encode(change, || format!("change {:?}", change.describe()))?;
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO outbox (key, profile, change, state, created, attempts, not_before)
             VALUES (?1, ?2, ?3, 'pending', ?4, 0, ?5) RETURNING id",
        )?
        .query_row(
            params![
                key,
                profile,
                text,
                to_db_time(created)?,
                not_before.map(to_db_time).transpose()?
            ],
            |r| r.get(0),
        )?;
    Ok(OutboxEntry {
        id: OutboxId(id),
        key,
        profile: profile.to_owned(),
        change: change.clone(),
        state: OutboxState::Pending,
        created,
        attempts: 0,
        not_before,
    })
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Store {
    /// Writes `change` for `profile` as a pending entry with a fresh idempotency key.
    /// Call it before sending anything: the entry is on disk when this returns.
    pub fn enqueue(&self, profile: &str, change: &Change) -> Result<OutboxEntry, StoreError> {
        self.enqueue_inner(profile, new_key(), change, None)
    }

    /// Like [`Store::enqueue`], but not due before `not_before`
    /// ([`Store::pending_due`] skips it until then): the undo window of a delete.
    /// Undo is [`Store::discard`]; "send now" is [`Store::retry`].
    pub fn enqueue_delayed(
        &self,
        profile: &str,
        change: &Change,
        not_before: DateTime<Utc>,
    ) -> Result<OutboxEntry, StoreError> {
        self.enqueue_inner(profile, new_key(), change, Some(not_before))
    }

    /// Writes `change` under an idempotency key the caller chose (e.g. derived from an
    /// import file and row), unless an entry with that key exists already: then that
    /// entry is returned unchanged, so an interrupted import enqueued again adds nothing.
    /// (A done entry that was pruned is no longer known.) A key another profile uses
    /// fails with [`StoreError::KeyInUse`].
    pub fn enqueue_with_key(
        &self,
        profile: &str,
        key: &str,
        change: &Change,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<OutboxEntry, StoreError> {
        let mut conn = self.lock();
        with_full_sync(&mut conn, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE key = ?1"))?
                .query_row([key], |r| Ok(read_entry(r)))
                .optional()?
                .transpose()?;
            let entry = match existing {
                Some(entry) if entry.profile == profile => entry,
                Some(entry) => {
                    return Err(StoreError::KeyInUse {
                        key: key.to_owned(),
                        profile: entry.profile,
                    });
                }
                None => insert_entry(&tx, profile, key.to_owned(), change, not_before, Utc::now())?,
            };
            tx.commit()?;
            Ok(entry)
        })
    }

    /// Writes many changes at once (an import), in one transaction: all or none.
    /// They are sent in the order given.
    pub fn enqueue_many(
        &self,
        profile: &str,
        changes: &[Change],
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.enqueue_batch(profile, changes, None)
    }

    /// Like [`Store::enqueue_many`], none due before `not_before` when given (the
    /// undo window of a bulk delete).
    pub fn enqueue_batch(
        &self,
        profile: &str,
        changes: &[Change],
        not_before: Option<DateTime<Utc>>,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut conn = self.lock();
        with_full_sync(&mut conn, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let created = Utc::now();
            let entries = changes
                .iter()
                .map(|c| insert_entry(&tx, profile, new_key(), c, not_before, created))
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(entries)
        })
    }

    fn enqueue_inner(
        &self,
        profile: &str,
        key: String,
        change: &Change,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<OutboxEntry, StoreError> {
        let mut conn = self.lock();
        with_full_sync(&mut conn, |conn| {
            insert_entry(conn, profile, key, change, not_before, Utc::now())
        })
    }

    /// One entry, or `None` if it was discarded or pruned.
    pub fn entry(&self, id: OutboxId) -> Result<Option<OutboxEntry>, StoreError> {
        let conn = self.lock();
        let mut entries = query_entries(
            &conn,
            &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
            [id.0],
        )?;
        Ok(entries.pop())
    }

    /// The profile's `Pending` entries in sending order, including those whose
    /// `not_before` is still ahead (the UI shows them with an Undo button).
    pub fn pending(&self, profile: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let conn = self.lock();
        query_entries(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM outbox WHERE profile = ?1 AND state = 'pending' ORDER BY id"
            ),
            [profile],
        )
    }

    /// The profile's `Pending` entries that may be sent at `now`, in sending order.
    pub fn pending_due(
        &self,
        profile: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let now = to_db_time(now)?;
        let conn = self.lock();
        query_entries(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM outbox
                 WHERE profile = ?1 AND state = 'pending'
                   AND (not_before IS NULL OR not_before <= ?2)
                 ORDER BY id"
            ),
            params![profile, now],
        )
    }

    /// The first entry [`Store::pending_due`] would return, reading only that one row:
    /// a send loop that takes one entry at a time stays linear over a long queue (an
    /// import of 10k changes) instead of re-reading the whole queue per entry.
    pub fn next_due(
        &self,
        profile: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        let now = to_db_time(now)?;
        let conn = self.lock();
        let mut entries = query_entries(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM outbox
                 WHERE profile = ?1 AND state = 'pending'
                   AND (not_before IS NULL OR not_before <= ?2)
                 ORDER BY id LIMIT 1"
            ),
            params![profile, now],
        )?;
        Ok(entries.pop())
    }

    /// The earliest `not_before` among the profile's pending entries, so the engine
    /// knows when to wake up for delayed ones. `None` when none is delayed.
    pub fn next_not_before(&self, profile: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let conn = self.lock();
        let nanos: Option<i64> = conn
            .prepare_cached(
                "SELECT min(not_before) FROM outbox WHERE profile = ?1 AND state = 'pending'",
            )?
            .query_row([profile], |r| r.get(0))?;
        Ok(nanos.map(from_db_time))
    }

    /// Everything not done yet (pending, sending, failed) in sending order: the
    /// pending-changes list the administrator sees and can discard from.
    pub fn outstanding(&self, profile: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let conn = self.lock();
        query_entries(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM outbox WHERE profile = ?1 AND state != 'done' ORDER BY id"
            ),
            [profile],
        )
    }

    /// The last `limit` done entries of the profile, newest first, for the log window.
    pub fn recent_done(&self, profile: &str, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.lock();
        query_entries(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM outbox WHERE profile = ?1 AND state = 'done'
                 ORDER BY id DESC LIMIT ?2"
            ),
            params![profile, limit],
        )
    }

    /// `Pending` → `Sending`, counting an attempt. Call it just before the request.
    pub fn mark_sending(&self, id: OutboxId) -> Result<(), StoreError> {
        self.transition(
            id,
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1
             WHERE id = ?1 AND state = 'pending'",
            params![id.0],
            "marked as being sent",
        )
    }

    /// → `Done`: the server confirmed it (or the engine found it already applied).
    /// From `Pending` or `Sending`; done twice is fine.
    pub fn mark_done(&self, id: OutboxId) -> Result<(), StoreError> {
        self.transition(
            id,
            "UPDATE outbox SET state = 'done', reason = NULL, not_before = NULL
             WHERE id = ?1 AND state IN ('pending', 'sending', 'done')",
            params![id.0],
            "marked as done",
        )
    }

    /// → `Failed(reason)`: it will not be sent again until [`Store::retry`]. From
    /// `Pending`, `Sending` or `Failed` (which replaces the reason).
    pub fn mark_failed(&self, id: OutboxId, reason: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            "UPDATE outbox SET state = 'failed', reason = ?2, not_before = NULL
             WHERE id = ?1 AND state IN ('pending', 'sending', 'failed')",
            params![id.0, reason],
            "marked as failed",
        )
    }

    /// Back to `Pending`, due now: the administrator's "retry" of a failed entry, or
    /// "send now" of a delayed one. Not for done entries.
    pub fn retry(&self, id: OutboxId) -> Result<(), StoreError> {
        self.transition(
            id,
            "UPDATE outbox SET state = 'pending', reason = NULL, not_before = NULL
             WHERE id = ?1 AND state IN ('pending', 'sending', 'failed')",
            params![id.0],
            "retried",
        )
    }

    /// Back to `Pending`, due at `not_before`: a transient failure's backoff that
    /// survives a restart. Not for done entries.
    pub fn retry_at(&self, id: OutboxId, not_before: DateTime<Utc>) -> Result<(), StoreError> {
        self.transition(
            id,
            "UPDATE outbox SET state = 'pending', reason = NULL, not_before = ?2
             WHERE id = ?1 AND state IN ('pending', 'sending', 'failed')",
            params![id.0, to_db_time(not_before)?],
            "retried",
        )
    }

    /// Removes the entry: the change will never be sent (undo, or "discard" in the
    /// pending-changes list). Refused while it is being sent: the server may be
    /// applying it, and only its answer says what happened.
    pub fn discard(&self, id: OutboxId) -> Result<(), StoreError> {
        self.transition(
            id,
            "DELETE FROM outbox WHERE id = ?1 AND state != 'sending'",
            params![id.0],
            "discarded",
        )
    }

    /// Puts every entry left in `Sending` back to `Pending` and returns how many.
    /// [`Store::open`] calls it: in a store just opened, nothing can be in flight, so
    /// such entries were interrupted by a crash or a kill. Only call it again when the
    /// engine knows nothing is in flight.
    pub fn recover_interrupted(&self) -> Result<usize, StoreError> {
        let conn = self.lock();
        Ok(conn.execute(
            "UPDATE outbox SET state = 'pending' WHERE state = 'sending'",
            [],
        )?)
    }

    /// Deletes done entries beyond the newest `keep_per_profile` of each profile;
    /// returns how many. [`Store::open`] keeps [`super::DONE_ENTRIES_KEPT`].
    pub fn prune_done(&self, keep_per_profile: usize) -> Result<usize, StoreError> {
        let keep = i64::try_from(keep_per_profile).unwrap_or(i64::MAX);
        let conn = self.lock();
        Ok(conn.execute(
            "DELETE FROM outbox WHERE id IN (
                 SELECT id FROM (
                     SELECT id, row_number() OVER (PARTITION BY profile ORDER BY id DESC) AS n
                     FROM outbox WHERE state = 'done')
                 WHERE n > ?1)",
            [keep],
        )?)
    }

    /// Runs a guarded state change; when it touches no row, says why: no such entry,
    /// or the entry's state does not allow `action`.
    fn transition(
        &self,
        id: OutboxId,
        sql: &str,
        params: impl rusqlite::Params,
        action: &'static str,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        if conn.prepare_cached(sql)?.execute(params)? > 0 {
            return Ok(());
        }
        let state: Option<String> = conn
            .prepare_cached("SELECT state FROM outbox WHERE id = ?1")?
            .query_row([id.0], |r| r.get(0))
            .optional()?;
        Err(match state {
            None => StoreError::NoSuchEntry(id),
            Some(state) => StoreError::WrongState {
                id,
                state: describe_db_state(&state),
                action,
            },
        })
    }
}
