//! A large copy of the organisation is turned into grid rows off the UI thread:
//! at a million users that takes over a second, and the window keeps drawing (the
//! loading screen, or the old copy) meanwhile. Events that arrive in between are
//! held by the connection and applied after it, in order.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use roster_core::engine::Source;
use roster_core::store::Snapshot;

use crate::users::org::OrgState;
use crate::work::Wake;

/// From how many users the rows are built off the UI thread (below, building
/// takes a few tens of milliseconds and happens in the frame).
pub const BUILD_APART_FROM: usize = 50_000;

/// A copy being built.
pub(super) struct Building {
    done: Receiver<OrgState>,
    /// Where the copy came from.
    pub source: Source,
    /// How many users it holds.
    pub users: usize,
}

/// What became of a building copy.
pub(super) enum Built {
    /// Still building.
    Waiting,
    /// Ready to take the place of the shown copy.
    Ready(Box<OrgState>),
    /// The thread died (a bug); the copy is gone with it.
    Lost,
}

impl Building {
    /// Starts building `snapshot`'s rows on a thread that calls `wake` when done.
    /// `None` when no thread could be started (the caller builds in the frame).
    pub fn start(snapshot: Arc<Snapshot>, source: Source, wake: Wake) -> Option<Self> {
        let users = snapshot.users.len();
        let (tx, done) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("roster-rows".into())
            .spawn(move || {
                let mut org = OrgState::default();
                org.load_shared(snapshot);
                let _ = tx.send(org);
                wake();
            });
        match spawned {
            Ok(_) => Some(Self {
                done,
                source,
                users,
            }),
            Err(e) => {
                tracing::warn!("could not start a thread to build the rows: {e}");
                None
            }
        }
    }

    /// Whether it is ready.
    pub fn poll(&self) -> Built {
        match self.done.try_recv() {
            Ok(org) => Built::Ready(Box::new(org)),
            Err(TryRecvError::Empty) => Built::Waiting,
            Err(TryRecvError::Disconnected) => Built::Lost,
        }
    }
}
