//! One open profile: the engine running for it (and the demo server, for the demo).

use std::sync::Arc;
use std::sync::mpsc;

use roster_core::engine::{self, EngineConfig, EngineHandle};
use roster_core::profiles;

use crate::demo_org::{DEMO_PROFILE, DemoOrg};
use crate::work::Background;

/// A running engine for one profile.
pub struct Session {
    /// The profile's name.
    pub name: String,
    /// Whether it is the embedded demo organisation.
    pub demo: bool,
    /// The engine.
    pub engine: EngineHandle,
    /// Wakes the window (work done off its thread).
    pub wake: crate::work::Wake,
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
/// is read on the runtime; the result arrives on the returned channel and the
/// window is woken.
pub fn open(work: &Background, name: String) -> Opening {
    let (tx, rx) = mpsc::channel();
    let handle = work.runtime().clone();
    let store = Arc::clone(work.store());
    let secrets = Arc::clone(work.secrets());
    let data_dir = work.data_dir().to_owned();
    let wake = work.wake();
    let client = work.client_options().clone();
    handle.clone().spawn(async move {
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
            let config = EngineConfig {
                client,
                ..EngineConfig::new(profile, Arc::clone(&store))
            };
            let engine =
                engine::start(&handle, config, Arc::clone(&wake)).map_err(|e| e.to_string())?;
            if let Err(e) = profiles::set_last_used(&store, &name) {
                // Only the next start's default suffers; the session opens.
                tracing::warn!("could not remember {name} as the last profile used: {e}");
            }
            Ok(Session {
                demo: demo_server.is_some(),
                name,
                engine,
                wake: Arc::clone(&wake),
                _demo_server: demo_server,
            })
        }
        .await;
        let _ = tx.send(result);
        wake();
    });
    rx
}
