//! Computes the grid's view off the UI thread when the organisation is large: a
//! sort or a quick filter over a million rows takes longer than a frame, so the old
//! order stays on screen (with a spinner) until the new one arrives.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::rows::Row;
use super::view::{ViewIndex, ViewQuery};

/// From how many rows a view is computed in the background. Below it a view takes
/// a few milliseconds and is computed in the frame, so that the grid answers in the
/// same frame as the keystroke.
pub const BACKGROUND_FROM: usize = 200_000;

/// Called when a view is ready (the app asks egui to repaint).
pub use crate::work::Wake;

/// A computed view: the row indices, and what they were computed from.
pub struct Computed {
    /// The data revision the indices refer to.
    pub revision: u64,
    /// The query they answer.
    pub query: ViewQuery,
    /// Row indices in display order.
    pub view: Vec<u32>,
}

struct Job {
    rows: Arc<Vec<Row>>,
    revision: u64,
    query: ViewQuery,
    now: DateTime<Utc>,
}

struct Worker {
    jobs: Sender<Job>,
    done: Receiver<Computed>,
}

/// Computes views, in the frame or on a worker thread by the size of the data.
pub struct ViewComputer {
    /// Sort orders and search text, shared with the worker (only one of them
    /// computes at a time: the frame computes only when nothing is in flight).
    index: Arc<Mutex<ViewIndex>>,
    /// Row count from which the work goes to the worker.
    background_from: usize,
    worker: Option<Worker>,
    /// The newest job sent and not yet answered.
    in_flight: Option<(u64, ViewQuery)>,
    wake: Option<Wake>,
    /// How many answers came from the worker.
    answers: u64,
}

impl Default for ViewComputer {
    fn default() -> Self {
        Self {
            index: Arc::default(),
            background_from: BACKGROUND_FROM,
            worker: None,
            in_flight: None,
            wake: None,
            answers: 0,
        }
    }
}

impl ViewComputer {
    /// Sets what is called when a background view is ready.
    pub fn set_wake(&mut self, wake: Wake) {
        self.wake = Some(wake);
    }

    /// Sets from how many rows views are computed in the background (tests and
    /// benchmarks lower it).
    pub fn set_background_from(&mut self, rows: usize) {
        self.background_from = rows;
    }

    /// How many views the worker has answered (the log and tests tell by it that
    /// the work went apart).
    pub fn answers(&self) -> u64 {
        self.answers
    }

    /// Whether a view is being computed in the background.
    pub fn is_computing(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The view for `query` over `rows` at `revision`: at once when small (or when
    /// the frame can have the index without waiting), else `None` and the work is
    /// sent to the worker; [`ViewComputer::take_done`] hands the answer over later.
    pub fn compute(
        &mut self,
        rows: &Arc<Vec<Row>>,
        revision: u64,
        query: &ViewQuery,
        now: DateTime<Utc>,
    ) -> Option<Vec<u32>> {
        if rows.len() < self.background_from && self.in_flight.is_none() {
            // Never waits: the worker holds the lock only while a job is in flight.
            if let Ok(mut index) = self.index.try_lock() {
                return Some(index.compute(rows, revision, query, now));
            }
        }
        let wanted = (revision, query.clone());
        if self.in_flight.as_ref() == Some(&wanted) {
            return None;
        }
        let job = Job {
            rows: Arc::clone(rows),
            revision,
            query: query.clone(),
            now,
        };
        let sent = self.worker().jobs.send(job).is_ok();
        if !sent {
            // The worker is gone (it panicked): compute here rather than never.
            self.worker = None;
            let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
            return Some(index.compute(rows, revision, query, now));
        }
        self.in_flight = Some(wanted);
        None
    }

    /// The newest view the worker finished since the last call, if any.
    pub fn take_done(&mut self) -> Option<Computed> {
        let worker = self.worker.as_ref()?;
        let mut newest = None;
        loop {
            match worker.done.try_recv() {
                Ok(done) => newest = Some(done),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    // The thread died (a bug): from now on views are computed in the
                    // frame, slow on a large organisation but never missing.
                    tracing::error!("the view thread stopped; views are computed in the frame");
                    self.worker = None;
                    self.in_flight = None;
                    self.background_from = usize::MAX;
                    break;
                }
            }
        }
        let done = newest?;
        self.answers += 1;
        if self.in_flight.as_ref() == Some(&(done.revision, done.query.clone())) {
            self.in_flight = None;
        }
        Some(done)
    }

    /// Forgets the index and any answer on its way (another organisation opens).
    pub fn forget(&mut self) {
        // A new worker and index: a job in flight answers into the dropped channel.
        *self = Self {
            background_from: self.background_from,
            wake: self.wake.take(),
            ..Self::default()
        };
    }

    fn worker(&mut self) -> &Worker {
        let index = Arc::clone(&self.index);
        let wake = self.wake.clone();
        self.worker.get_or_insert_with(|| spawn(index, wake))
    }
}

fn spawn(index: Arc<Mutex<ViewIndex>>, wake: Option<Wake>) -> Worker {
    let (jobs, inbox) = mpsc::channel::<Job>();
    let (outbox, done) = mpsc::channel();
    let run = move || {
        while let Ok(mut job) = inbox.recv() {
            // Only the newest query matters: typing sends one job per keystroke.
            while let Ok(newer) = inbox.try_recv() {
                job = newer;
            }
            let view = {
                let mut index = index.lock().unwrap_or_else(|p| p.into_inner());
                index.compute(&job.rows, job.revision, &job.query, job.now)
            };
            // The rows go before the answer, so that the window's next change to them
            // does not have to copy them.
            drop(job.rows);
            let answer = Computed {
                revision: job.revision,
                query: job.query,
                view,
            };
            if outbox.send(answer).is_err() {
                return;
            }
            if let Some(wake) = &wake {
                wake();
            }
        }
    };
    let spawned = std::thread::Builder::new()
        .name("roster-view".into())
        .spawn(run);
    if let Err(e) = spawned {
        // The channel's receiver went with the closure: `compute` sees the send fail
        // and computes in the frame.
        tracing::warn!("could not start the view thread: {e}");
    }
    Worker { jobs, done }
}
