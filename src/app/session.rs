//! One open profile: the engine running for it (and the demo server, for the demo).

use std::sync::Arc;
use std::sync::mpsc;

use roster_core::engine::{self, EngineConfig, EngineHandle};
use roster_core::profiles::{self, Secrets};
use roster_core::store::Store;

use crate::demo_org::{DEMO_PROFILE, DemoOrg};

/// A running engine for one profile.
pub struct Session {
    /// The profile's name.
    pub name: String,
    /// Whether it is the embedded demo organisation.
    pub demo: bool,
    /// The engine.
    pub engine: EngineHandle,
    _demo_server: Option<DemoOrg>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.send(engine::Command::Shutdown);
    }
}

/// A session being opened in the background.
pub type Opening = mpsc::Receiver<Result<Session, String>>;

/// Opens `name` without blocking the caller: the demo server starts and the token
/// is read on the runtime; the result arrives on the returned channel and `wake` is
/// called.
pub fn open(
    runtime: &tokio::runtime::Handle,
    store: Arc<Store>,
    secrets: Arc<Secrets>,
    data_dir: std::path::PathBuf,
    name: String,
    wake: Arc<dyn Fn() + Send + Sync>,
) -> Opening {
    let (tx, rx) = mpsc::channel();
    let handle = runtime.clone();
    runtime.spawn(async move {
        let result = async {
            let (profile, demo_server) = if name == DEMO_PROFILE {
                let demo = DemoOrg::start(&data_dir).await?;
                (demo.profile.clone(), Some(demo))
            } else {
                let settings = profiles::get(&store, &name).map_err(|e| e.to_string())?;
                let profile =
                    profiles::connection(&settings, &secrets).map_err(|e| e.to_string())?;
                (profile, None)
            };
            let config = EngineConfig::new(profile, Arc::clone(&store));
            let engine =
                engine::start(&handle, config, Arc::clone(&wake)).map_err(|e| e.to_string())?;
            let _ = profiles::set_last_used(&store, &name);
            Ok(Session {
                demo: demo_server.is_some(),
                name,
                engine,
                _demo_server: demo_server,
            })
        }
        .await;
        let _ = tx.send(result);
        wake();
    });
    rx
}
