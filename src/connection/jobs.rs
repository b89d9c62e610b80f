//! Batches of changes the window sent (a dialog's, or a bulk action's), followed
//! from the engine's events: how many are done, which failed and why.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use roster_core::engine::BatchId;
use roster_core::model::Change;
use roster_core::store::{OutboxEntry, OutboxId};

/// A batch id never used before in this process: a dialog names its batch before
/// asking for it to be sent, so that it can follow it.
pub fn new_batch_id() -> BatchId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    BatchId(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Who is waiting for a batch's result.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A bulk action: the progress window shows it.
    Bulk,
    /// The invite dialog.
    Invite,
    /// The edit dialog.
    Edit,
    /// Changes (a delete, a removal of licenses) waiting behind the undo bar until
    /// `send_at`.
    Delete {
        /// When the changes leave the outbox.
        send_at: Instant,
    },
}

/// One change of a batch that the server refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Its outbox entry (still there, as failed, until retried or discarded).
    pub id: OutboxId,
    /// The change.
    pub change: Change,
    /// Why, in words.
    pub reason: String,
    /// Whether the reason is about the email (exists already, domain not authorized).
    pub about_email: bool,
}

/// Where one change of a batch is.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Waiting,
    Done,
    Failed,
    Cancelled,
}

/// A batch and what became of each of its changes.
#[derive(Debug, Clone)]
pub struct Job {
    /// The engine's name for it.
    pub batch: BatchId,
    /// What it does, for the progress window and the log ("Add CRM to 120 users").
    pub title: String,
    /// Who waits for it.
    pub origin: Origin,
    /// Changes in the batch.
    pub total: usize,
    /// Whether the engine confirmed it queued them.
    pub queued: bool,
    states: BTreeMap<OutboxId, State>,
    /// Refused changes, in the order they failed.
    pub failures: Vec<Failure>,
    /// Whether the administrator cancelled it.
    pub cancel_requested: bool,
}

impl Job {
    /// Changes confirmed by the server.
    pub fn done(&self) -> usize {
        self.count(&State::Done)
    }
    /// Changes refused.
    pub fn failed(&self) -> usize {
        self.count(&State::Failed)
    }
    /// Changes taken back before they were sent.
    pub fn cancelled(&self) -> usize {
        self.count(&State::Cancelled)
    }
    /// Changes not answered yet.
    pub fn waiting(&self) -> usize {
        if self.queued {
            self.count(&State::Waiting)
        } else {
            self.total
        }
    }
    /// Whether every change has an outcome.
    pub fn finished(&self) -> bool {
        self.queued && self.waiting() == 0
    }
    /// The entries still waiting (to cancel them).
    pub fn waiting_ids(&self) -> Vec<OutboxId> {
        self.ids(&State::Waiting)
    }
    fn ids(&self, state: &State) -> Vec<OutboxId> {
        self.states
            .iter()
            .filter(|(_, s)| *s == state)
            .map(|(id, _)| *id)
            .collect()
    }
    fn count(&self, state: &State) -> usize {
        self.states.values().filter(|s| *s == state).count()
    }

    /// Puts the failed changes back to waiting (they are retried).
    pub fn retry_failed(&mut self) -> Vec<OutboxId> {
        let ids = self.ids(&State::Failed);
        for id in &ids {
            self.states.insert(*id, State::Waiting);
        }
        self.failures.clear();
        ids
    }
}

/// What happened to a job's change, as [`Jobs::on_outcome`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Confirmed.
    Done,
    /// Refused.
    Failed,
    /// Taken back.
    Cancelled,
}

/// Every job of this session, by batch.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: HashMap<BatchId, Job>,
    by_entry: HashMap<OutboxId, BatchId>,
}

impl Jobs {
    /// Starts following batch `batch` (from [`new_batch_id`]) of `total` changes.
    pub fn start(&mut self, batch: BatchId, title: String, origin: Origin, total: usize) {
        self.jobs.insert(
            batch,
            Job {
                batch,
                title,
                origin,
                total,
                queued: false,
                states: BTreeMap::new(),
                failures: Vec::new(),
                cancel_requested: false,
            },
        );
    }

    /// The engine queued the batch as `entries`.
    pub fn queued(&mut self, batch: BatchId, entries: &[OutboxEntry]) {
        let Some(job) = self.jobs.get_mut(&batch) else {
            return;
        };
        job.queued = true;
        job.total = entries.len();
        for e in entries {
            job.states.entry(e.id).or_insert(State::Waiting);
            self.by_entry.insert(e.id, batch);
        }
    }

    /// Records what happened to entry `id`; returns its job when it belongs to one.
    pub fn on_outcome(
        &mut self,
        id: OutboxId,
        outcome: Outcome,
        failure: Option<Failure>,
    ) -> Option<&Job> {
        let batch = *self.by_entry.get(&id)?;
        let job = self.jobs.get_mut(&batch)?;
        let state = match outcome {
            Outcome::Done => State::Done,
            Outcome::Failed => State::Failed,
            Outcome::Cancelled => State::Cancelled,
        };
        job.states.insert(id, state);
        if let Some(failure) = failure {
            job.failures.push(failure);
        }
        Some(job)
    }

    /// The job `batch`.
    pub fn get(&self, batch: BatchId) -> Option<&Job> {
        self.jobs.get(&batch)
    }

    /// The job `batch`, to change it.
    pub fn get_mut(&mut self, batch: BatchId) -> Option<&mut Job> {
        self.jobs.get_mut(&batch)
    }

    /// The job an outbox entry belongs to.
    pub fn batch_of(&self, id: OutboxId) -> Option<BatchId> {
        self.by_entry.get(&id).copied()
    }

    /// Jobs of `origin`'s kind, oldest first.
    pub fn of<'a>(&'a self, matches: impl Fn(&Origin) -> bool + 'a) -> Vec<&'a Job> {
        let mut jobs: Vec<&Job> = self.jobs.values().filter(|j| matches(&j.origin)).collect();
        jobs.sort_by_key(|j| j.batch.0);
        jobs
    }

    /// Stops following `batch`.
    pub fn forget(&mut self, batch: BatchId) {
        if let Some(job) = self.jobs.remove(&batch) {
            for id in job.states.keys() {
                self.by_entry.remove(id);
            }
        }
    }

    /// Forgets everything (another profile opens).
    pub fn clear(&mut self) {
        self.jobs.clear();
        self.by_entry.clear();
    }
}

/// A batch's progress in words: "12 of 40 done, 1 failed".
pub fn progress_text(job: &Job) -> String {
    // Counts changes (one group change may add many users), and says so.
    let mut text = format!(
        "{} of {} done",
        job.done(),
        crate::words::count(job.total, "change", "changes")
    );
    if job.failed() > 0 {
        text.push_str(&format!(", {} failed", job.failed()));
    }
    if job.cancelled() > 0 {
        text.push_str(&format!(", {} cancelled", job.cancelled()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::model::UserId;
    use roster_core::store::OutboxState;

    fn entry(id: i64) -> OutboxEntry {
        OutboxEntry {
            id: OutboxId(id),
            key: format!("k{id}"),
            profile: "p".into(),
            change: Change::ResendInvitation {
                id: UserId::from("u"),
            },
            state: OutboxState::Pending,
            created: chrono::Utc::now(),
            attempts: 0,
            not_before: None,
        }
    }

    #[test]
    fn a_job_counts_outcomes_until_finished() {
        let mut jobs = Jobs::default();
        let batch = new_batch_id();
        jobs.start(batch, "Resend".into(), Origin::Bulk, 3);
        assert_eq!(jobs.get(batch).unwrap().waiting(), 3);
        jobs.queued(batch, &[entry(1), entry(2), entry(3)]);
        jobs.on_outcome(OutboxId(1), Outcome::Done, None);
        let failure = Failure {
            id: OutboxId(2),
            change: entry(2).change,
            reason: "gone".into(),
            about_email: false,
        };
        jobs.on_outcome(OutboxId(2), Outcome::Failed, Some(failure));
        let job = jobs.get(batch).unwrap();
        assert_eq!((job.done(), job.failed(), job.waiting()), (1, 1, 1));
        assert!(!job.finished());
        jobs.on_outcome(OutboxId(3), Outcome::Cancelled, None);
        let job = jobs.get(batch).unwrap();
        assert!(job.finished());
        assert_eq!(job.failures[0].reason, "gone");
        let retried = jobs.get_mut(batch).unwrap().retry_failed();
        assert_eq!(retried, [OutboxId(2)]);
        assert!(!jobs.get(batch).unwrap().finished());
        assert!(jobs.on_outcome(OutboxId(99), Outcome::Done, None).is_none());
    }
}
