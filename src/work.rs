//! Work the window hands to the runtime so that no frame waits on it: store reads
//! and writes, file reading, connection tests. A view starts it through
//! [`Background`] and looks at its [`Pending`] answer in later frames.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use roster_core::client::ClientOptions;
use roster_core::profiles::Secrets;
use roster_core::store::Store;

/// Calls `request_repaint` (or anything else that wakes the window).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The runtime and the local store, as views may use them: to start work, never to
/// wait for it.
#[derive(Clone)]
pub struct Background {
    runtime: tokio::runtime::Handle,
    store: Arc<Store>,
    secrets: Arc<Secrets>,
    data_dir: PathBuf,
    wake: Wake,
    client: ClientOptions,
}

impl Background {
    /// Work on `runtime` with `store`; `wake` is called when a piece of work ends.
    pub fn new(
        runtime: tokio::runtime::Handle,
        store: Arc<Store>,
        secrets: Arc<Secrets>,
        data_dir: PathBuf,
        wake: Wake,
    ) -> Self {
        Self {
            runtime,
            store,
            secrets,
            data_dir,
            wake,
            client: ClientOptions::default(),
        }
    }

    /// The same, with engines whose client uses `options`.
    pub fn with_client_options(self, options: ClientOptions) -> Self {
        Self {
            client: options,
            ..self
        }
    }

    /// How the engines' clients talk to servers.
    pub fn client_options(&self) -> &ClientOptions {
        &self.client
    }

    /// Runs `work` with the store on the blocking pool.
    pub fn with_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store, &Secrets) -> T + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = mpsc::channel();
        let store = Arc::clone(&self.store);
        let secrets = Arc::clone(&self.secrets);
        let wake = Arc::clone(&self.wake);
        self.runtime.spawn_blocking(move || {
            let _ = tx.send(work(&store, &secrets));
            wake();
        });
        Pending { rx }
    }

    /// Runs `work` on the runtime.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Pending<T> {
        let (tx, rx) = mpsc::channel();
        let wake = Arc::clone(&self.wake);
        self.runtime.spawn(async move {
            let _ = tx.send(work.await);
            wake();
        });
        Pending { rx }
    }

    /// The runtime (the engine session is opened on it).
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// The local store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Where tokens are kept.
    pub fn secrets(&self) -> &Arc<Secrets> {
        &self.secrets
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// What wakes the window.
    pub fn wake(&self) -> Wake {
        Arc::clone(&self.wake)
    }
}

/// The answer of a piece of background work, once it is there.
pub struct Pending<T> {
    rx: mpsc::Receiver<T>,
}

/// What [`Pending::poll`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll<T> {
    /// Still working.
    Busy,
    /// The answer.
    Ready(T),
    /// The work ended without an answer (it panicked, or the runtime stopped).
    Lost,
}

impl<T> Pending<T> {
    /// Looks for the answer without waiting.
    pub fn poll(&self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(answer) => Poll::Ready(answer),
            Err(mpsc::TryRecvError::Empty) => Poll::Busy,
            Err(mpsc::TryRecvError::Disconnected) => Poll::Lost,
        }
    }
}
