//! The embedded demo organisation: the reference server, in-process on 127.0.0.1,
//! with its SQLite file in the data directory, seeded once.

use std::path::Path;

use roster_core::client::{Profile, Token};
use roster_server::{Server, ServerConfig, seed};

/// The profile name of the demo organisation.
pub const DEMO_PROFILE: &str = "demo";

/// A running demo organisation. Serving stops when it is dropped.
pub struct DemoOrg {
    _server: Server,
    /// How to reach it (a fresh token of the demo administrator).
    pub profile: Profile,
}

impl DemoOrg {
    /// Starts the demo server (seeding `demo-organisation.db` in `data_dir` the first
    /// time) and issues a token for its administrator.
    pub async fn start(data_dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let mut config = ServerConfig::local(data_dir.join("demo-organisation.db"));
        config.seed_demo = true;
        let server = Server::start(config)
            .await
            .map_err(|e| format!("the demo organisation could not start: {e}"))?;
        let token = server
            .db()
            .write(|c| seed::token_for(c, seed::DEMO_ADMIN, "roster demo"))
            .await
            .map_err(|e| format!("the demo organisation could not start: {}", e.detail))?;
        let profile = Profile {
            name: DEMO_PROFILE.to_owned(),
            base_url: server.base_url(),
            token: Token::new(token),
            ca_certificate_pem: None,
        };
        Ok(Self {
            _server: server,
            profile,
        })
    }
}
