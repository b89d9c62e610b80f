//! Imports: prepared ones kept for later, and each submitted row's journal.
//!
//! A row is pending until it has a result. Before a batch is sent its rows' attempt
//! counts are raised in a durable commit (`synchronous = FULL`); the results are
//! written when the answer comes. After an interruption, a pending row with attempts
//! may already exist on the server: the engine completes it instead of reporting a
//! duplicate, so nobody is created twice.

use chrono::Utc;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::outbox::with_full_sync;
use super::{Store, StoreError, column, decode, encode, from_db_time, to_db_time};
use crate::import::{
    ImportCounts, ImportId, ImportReport, ImportRow, ImportState, ImportSummary, PreparedImport,
    ReportRow, RowOutcome,
};
use crate::model::UserId;

/// An import as stored, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredImport {
    /// The import (its `id` is set).
    pub import: PreparedImport,
    /// The profile it belongs to.
    pub profile: String,
    /// Where it is.
    pub state: ImportState,
}

/// A row still to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingImportRow {
    /// Its position in the import.
    pub index: usize,
    /// The row.
    pub row: ImportRow,
    /// Sends that may have reached the server.
    pub attempts: u32,
    /// The existing user the row updates ("update users who already exist"), as
    /// decided when the import began; `None` for a user to create.
    pub update: Option<UserId>,
}

fn outcome_columns(outcome: &RowOutcome) -> (&'static str, Option<&str>, Option<&str>) {
    match outcome {
        RowOutcome::Created(id) => ("created", None, Some(id.as_str())),
        RowOutcome::Updated(id, what) => ("updated", Some(what.as_str()), Some(id.as_str())),
        RowOutcome::Skipped(why) => ("skipped", Some(why.as_str()), None),
        RowOutcome::Failed(why) => ("failed", Some(why.as_str()), None),
    }
}

fn read_outcome(
    outcome: Option<String>,
    reason: Option<String>,
    user: Option<String>,
    row: impl Fn() -> String,
) -> Result<Option<RowOutcome>, StoreError> {
    Ok(match outcome.as_deref() {
        None => None,
        Some("created") => Some(RowOutcome::Created(UserId::from(user.unwrap_or_default()))),
        Some("updated") => Some(RowOutcome::Updated(
            UserId::from(user.unwrap_or_default()),
            reason.unwrap_or_default(),
        )),
        Some("skipped") => Some(RowOutcome::Skipped(reason.unwrap_or_default())),
        Some("failed") => Some(RowOutcome::Failed(reason.unwrap_or_default())),
        Some(other) => {
            return Err(StoreError::Corrupt {
                row: row(),
                detail: format!("unknown outcome {other:?}"),
            });
        }
    })
}

fn index_of(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

impl Store {
    /// Saves a prepared import for `profile` and returns its id: a new one when
    /// `import.id` is `None`, else its rows and options are replaced (only while it is
    /// still prepared, i.e. nothing was sent).
    pub fn save_import(
        &self,
        profile: &str,
        import: &PreparedImport,
    ) -> Result<ImportId, StoreError> {
        let options = encode(&import.options, || {
            format!("options of import {}", import.name)
        })?;
        let ignored = encode(&import.ignored_columns, || {
            format!("columns of import {}", import.name)
        })?;
        let now = to_db_time(Utc::now())?;
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = match import.id {
            Some(id) => {
                let state = import_state(&tx, id)?;
                if state != ImportState::Prepared {
                    return Err(StoreError::ImportState {
                        id,
                        state: state.describe(),
                        action: "changed",
                    });
                }
                tx.execute(
                    "UPDATE import SET name = ?2, options = ?3, ignored_columns = ?4, updated = ?5
                     WHERE id = ?1",
                    params![id.0, import.name, options, ignored, now],
                )?;
                tx.execute("DELETE FROM import_row WHERE import = ?1", [id.0])?;
                id
            }
            None => ImportId(tx.query_row(
                "INSERT INTO import (profile, name, state, options, ignored_columns, created, updated)
                 VALUES (?1, ?2, 'prepared', ?3, ?4, ?5, ?5) RETURNING id",
                params![profile, import.name, options, ignored, now],
                |r| r.get(0),
            )?),
        };
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO import_row (import, idx, line, email, first_name, last_name, excluded)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (i, r) in import.rows.iter().enumerate() {
                insert.execute(params![
                    id.0,
                    index_of(i),
                    r.line,
                    r.email,
                    r.first_name,
                    r.last_name,
                    r.excluded
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The import `id`, or `None` when it was deleted.
    pub fn load_import(&self, id: ImportId) -> Result<Option<StoredImport>, StoreError> {
        let conn = self.lock();
        let name = || format!("import {id}");
        let head = conn
            .prepare_cached(
                "SELECT profile, name, state, options, ignored_columns FROM import WHERE id = ?1",
            )?
            .query_row([id.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        let Some((profile, import_name, state, options, ignored)) = head else {
            return Ok(None);
        };
        let state = parse_state(&state, id)?;
        let mut stmt = conn.prepare_cached(
            "SELECT line, email, first_name, last_name, excluded FROM import_row
             WHERE import = ?1 ORDER BY idx",
        )?;
        let mut rows = stmt.query([id.0])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ImportRow {
                line: column(r, 0, name)?,
                email: column(r, 1, name)?,
                first_name: column(r, 2, name)?,
                last_name: column(r, 3, name)?,
                excluded: column(r, 4, name)?,
            });
        }
        Ok(Some(StoredImport {
            import: PreparedImport {
                id: Some(id),
                name: import_name,
                rows: out,
                options: decode(&options, name)?,
                ignored_columns: decode(&ignored, name)?,
            },
            profile,
            state,
        }))
    }

    /// The profile's imports, newest first, with their counts.
    pub fn list_imports(&self, profile: &str) -> Result<Vec<ImportSummary>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT i.id, i.name, i.state, i.created, i.updated,
                    sum(r.outcome = 'created'), sum(r.outcome = 'skipped'),
                    sum(r.outcome = 'failed'), sum(r.outcome IS NULL),
                    sum(r.outcome = 'updated')
             FROM import i LEFT JOIN import_row r ON r.import = i.id
             WHERE i.profile = ?1 GROUP BY i.id ORDER BY i.id DESC",
        )?;
        let mut rows = stmt.query([profile])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id = ImportId(column(r, 0, || "an import".to_owned())?);
            let name = || format!("import {id}");
            let count = |i| -> Result<usize, StoreError> {
                Ok(usize::try_from(column::<Option<i64>>(r, i, name)?.unwrap_or(0)).unwrap_or(0))
            };
            out.push(ImportSummary {
                id,
                name: column(r, 1, name)?,
                state: parse_state(&column::<String>(r, 2, name)?, id)?,
                created: from_db_time(column(r, 3, name)?),
                updated: from_db_time(column(r, 4, name)?),
                counts: ImportCounts {
                    created: count(5)?,
                    skipped: count(6)?,
                    failed: count(7)?,
                    pending: count(8)?,
                    updated: count(9)?,
                },
            });
        }
        Ok(out)
    }

    /// Deletes an import and its report.
    pub fn delete_import(&self, id: ImportId) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM import_row WHERE import = ?1", [id.0])?;
        if tx.execute("DELETE FROM import WHERE id = ?1", [id.0])? == 0 {
            return Err(StoreError::NoSuchImport(id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Where the import is.
    pub fn import_state(&self, id: ImportId) -> Result<ImportState, StoreError> {
        import_state(&self.lock(), id)
    }

    /// Moves the import to `state`.
    pub fn set_import_state(&self, id: ImportId, state: ImportState) -> Result<(), StoreError> {
        let conn = self.lock();
        let n = conn.execute(
            "UPDATE import SET state = ?2, updated = ?3 WHERE id = ?1",
            params![id.0, state.as_str(), to_db_time(Utc::now())?],
        )?;
        if n == 0 {
            return Err(StoreError::NoSuchImport(id));
        }
        Ok(())
    }

    /// Starts sending: the import becomes `Submitting` and the rows decided without
    /// the server (errors, exclusions, existing users) get their results, in one commit.
    pub fn begin_import(
        &self,
        id: ImportId,
        decided: &[(usize, RowOutcome)],
    ) -> Result<(), StoreError> {
        self.begin_import_with_updates(id, decided, &[])
    }

    /// [`begin_import`](Self::begin_import), and the rows that update an existing
    /// user are marked with that user (still pending), in the same commit: a resumed
    /// import updates them instead of creating anyone.
    pub fn begin_import_with_updates(
        &self,
        id: ImportId,
        decided: &[(usize, RowOutcome)],
        updates: &[(usize, UserId)],
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = import_state(&tx, id)?;
        if state != ImportState::Prepared {
            return Err(StoreError::ImportState {
                id,
                state: state.describe(),
                action: "started",
            });
        }
        tx.execute(
            "UPDATE import SET state = 'submitting', updated = ?2 WHERE id = ?1",
            params![id.0, to_db_time(Utc::now())?],
        )?;
        write_outcomes(&tx, id, decided)?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE import_row SET user_id = ?3 WHERE import = ?1 AND idx = ?2",
            )?;
            for (i, user) in updates {
                stmt.execute(params![id.0, index_of(*i), user.as_str()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Up to `limit` rows without a result, in file order.
    pub fn pending_import_rows(
        &self,
        id: ImportId,
        limit: usize,
    ) -> Result<Vec<PendingImportRow>, StoreError> {
        let conn = self.lock();
        let name = || format!("import {id}");
        let mut stmt = conn.prepare_cached(
            "SELECT idx, line, email, first_name, last_name, excluded, attempts, user_id
             FROM import_row WHERE import = ?1 AND outcome IS NULL ORDER BY idx LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![id.0, index_of(limit)])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(PendingImportRow {
                index: usize::try_from(column::<i64>(r, 0, name)?).unwrap_or(0),
                row: ImportRow {
                    line: column(r, 1, name)?,
                    email: column(r, 2, name)?,
                    first_name: column(r, 3, name)?,
                    last_name: column(r, 4, name)?,
                    excluded: column(r, 5, name)?,
                },
                attempts: column(r, 6, name)?,
                update: column::<Option<String>>(r, 7, name)?.map(UserId::from),
            });
        }
        Ok(out)
    }

    /// Counts a send of `rows` before it happens, durably: after a crash these rows
    /// are known to maybe exist on the server.
    pub fn mark_import_attempt(&self, id: ImportId, rows: &[usize]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        with_full_sync(&mut conn, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE import_row SET attempts = attempts + 1 WHERE import = ?1 AND idx = ?2",
                )?;
                for i in rows {
                    stmt.execute(params![id.0, index_of(*i)])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Writes rows' results.
    pub fn record_import_outcomes(
        &self,
        id: ImportId,
        outcomes: &[(usize, RowOutcome)],
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_outcomes(&tx, id, outcomes)?;
        tx.execute(
            "UPDATE import SET updated = ?2 WHERE id = ?1",
            params![id.0, to_db_time(Utc::now())?],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Rows by result.
    pub fn import_counts(&self, id: ImportId) -> Result<ImportCounts, StoreError> {
        let conn = self.lock();
        let counts = conn
            .prepare_cached(
                "SELECT sum(outcome = 'created'), sum(outcome = 'skipped'),
                        sum(outcome = 'failed'), sum(outcome IS NULL),
                        sum(outcome = 'updated')
                 FROM import_row WHERE import = ?1",
            )?
            .query_row([id.0], |r| {
                let n = |i| -> rusqlite::Result<usize> {
                    Ok(usize::try_from(r.get::<_, Option<i64>>(i)?.unwrap_or(0)).unwrap_or(0))
                };
                Ok(ImportCounts {
                    created: n(0)?,
                    skipped: n(1)?,
                    failed: n(2)?,
                    pending: n(3)?,
                    updated: n(4)?,
                })
            })?;
        Ok(counts)
    }

    /// Every row with its result so far.
    pub fn import_report(&self, id: ImportId) -> Result<ImportReport, StoreError> {
        let conn = self.lock();
        import_state(&conn, id)?;
        let name = || format!("import {id}");
        let mut stmt = conn.prepare_cached(
            "SELECT line, email, first_name, last_name, outcome, reason, user_id
             FROM import_row WHERE import = ?1 ORDER BY idx",
        )?;
        let mut rows = stmt.query([id.0])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ReportRow {
                line: column(r, 0, name)?,
                email: column(r, 1, name)?,
                first_name: column(r, 2, name)?,
                last_name: column(r, 3, name)?,
                outcome: read_outcome(
                    column(r, 4, name)?,
                    column(r, 5, name)?,
                    column(r, 6, name)?,
                    name,
                )?,
            });
        }
        Ok(ImportReport { rows: out })
    }
}

fn write_outcomes(
    tx: &rusqlite::Transaction<'_>,
    id: ImportId,
    outcomes: &[(usize, RowOutcome)],
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE import_row SET outcome = ?3, reason = ?4, user_id = ?5
         WHERE import = ?1 AND idx = ?2",
    )?;
    for (i, outcome) in outcomes {
        let (label, reason, user) = outcome_columns(outcome);
        stmt.execute(params![id.0, index_of(*i), label, reason, user])?;
    }
    Ok(())
}

fn import_state(conn: &rusqlite::Connection, id: ImportId) -> Result<ImportState, StoreError> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM import WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    match state {
        None => Err(StoreError::NoSuchImport(id)),
        Some(s) => parse_state(&s, id),
    }
}

fn parse_state(text: &str, id: ImportId) -> Result<ImportState, StoreError> {
    ImportState::parse(text).ok_or_else(|| StoreError::Corrupt {
        row: format!("import {id}"),
        detail: format!("unknown state {text:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportOptions;

    fn import(rows: usize) -> PreparedImport {
        PreparedImport {
            id: None,
            name: "people.csv".into(),
            rows: (0..rows)
                .map(|i| ImportRow {
                    line: i as u64 + 2,
                    email: format!("p{i}@x.example"),
                    first_name: "P".into(),
                    last_name: format!("{i}"),
                    excluded: i == 0,
                })
                .collect(),
            options: ImportOptions {
                local_login: true,
                ..Default::default()
            },
            ignored_columns: vec!["notes".into()],
        }
    }

    #[test]
    fn prepared_imports_are_kept_replaced_listed_and_deleted() {
        let store = Store::in_memory().unwrap();
        let id = store.save_import("acme", &import(3)).unwrap();
        let mut stored = store.load_import(id).unwrap().unwrap();
        assert_eq!(stored.profile, "acme");
        assert_eq!(stored.state, ImportState::Prepared);
        assert_eq!(stored.import.rows, import(3).rows);
        assert!(stored.import.options.local_login);
        assert_eq!(stored.import.ignored_columns, ["notes"]);
        // Fixed and saved again: same id, new rows.
        stored.import.rows.truncate(2);
        stored.import.rows[1].email = "fixed@x.example".into();
        assert_eq!(store.save_import("acme", &stored.import).unwrap(), id);
        let again = store.load_import(id).unwrap().unwrap();
        assert_eq!(again.import.rows.len(), 2);
        assert_eq!(again.import.rows[1].email, "fixed@x.example");
        assert!(store.list_imports("other").unwrap().is_empty());
        let listed = store.list_imports("acme").unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].counts.pending, 2);
        store.delete_import(id).unwrap();
        assert!(store.load_import(id).unwrap().is_none());
        assert!(matches!(
            store.delete_import(id),
            Err(StoreError::NoSuchImport(_))
        ));
    }

    #[test]
    fn the_journal_records_attempts_and_results() {
        let store = Store::in_memory().unwrap();
        let id = store.save_import("acme", &import(4)).unwrap();
        store
            .begin_import(id, &[(0, RowOutcome::Skipped("excluded".into()))])
            .unwrap();
        assert!(matches!(
            store.begin_import(id, &[]),
            Err(StoreError::ImportState {
                action: "started",
                ..
            })
        ));
        assert!(matches!(
            store.save_import("acme", &store.load_import(id).unwrap().unwrap().import),
            Err(StoreError::ImportState {
                action: "changed",
                ..
            })
        ));
        let pending = store.pending_import_rows(id, 2).unwrap();
        assert_eq!(pending.iter().map(|p| p.index).collect::<Vec<_>>(), [1, 2]);
        assert!(pending.iter().all(|p| p.attempts == 0));
        store.mark_import_attempt(id, &[1, 2]).unwrap();
        store
            .record_import_outcomes(
                id,
                &[
                    (1, RowOutcome::Created(UserId::from("u1"))),
                    (2, RowOutcome::Failed("no seat".into())),
                ],
            )
            .unwrap();
        let left = store.pending_import_rows(id, 10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].index, left[0].attempts), (3, 0));
        let counts = store.import_counts(id).unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                created: 1,
                skipped: 1,
                failed: 1,
                pending: 1,
                updated: 0,
            }
        );
        let report = store.import_report(id).unwrap();
        assert_eq!(report.counts(), counts);
        assert_eq!(
            report.rows[1].outcome,
            Some(RowOutcome::Created(UserId::from("u1")))
        );
        assert_eq!(report.created(), [UserId::from("u1")]);
        store.set_import_state(id, ImportState::Finished).unwrap();
        assert_eq!(store.import_state(id).unwrap(), ImportState::Finished);
    }
}
