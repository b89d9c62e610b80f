//! Shared helpers of the client tests: a real roster-server on 127.0.0.1 (random
//! port, SQLite in a temp dir), clients for it, and a fault-injecting proxy.
#![allow(dead_code)]

pub use roster_hostile as hostile;
pub mod mini_scim;
pub mod proxy;
pub mod tls;

use std::time::Duration;

use roster_core::client::{ApiClient, ClientOptions, Profile, RetryPolicy, Token};
use roster_core::model::{Email, NewUser};
use roster_server::switches::Switches;
use roster_server::{OrgSettings, Server, ServerConfig, seed};
use serde_json::Value;

/// The demo organisation's first authorized domain.
pub const DEMO_DOMAIN: &str = "lumen-analytics.example";
/// The authorized domain of [`TestServer::empty`].
pub const EMPTY_DOMAIN: &str = "import.example";

/// A running server and an administrator's token.
pub struct TestServer {
    pub server: Server,
    pub token: String,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl TestServer {
    /// The demo organisation (300 users, 6 groups, 5 licenses), its admin's token.
    pub async fn demo() -> Self {
        Self::start(true, None).await
    }

    /// An organisation with no users but a bootstrap admin, authorizing
    /// [`EMPTY_DOMAIN`].
    pub async fn empty() -> Self {
        let org = OrgSettings {
            name: "Import Org".into(),
            authorized_domains: vec![EMPTY_DOMAIN.into()],
            identity_provider: false,
        };
        Self::start(false, Some(org)).await
    }

    /// The demo organisation on a server started with `switches` (features turned
    /// off the way some SCIM servers lack them), its admin's token.
    pub async fn demo_with(switches: Switches) -> Self {
        Self::start_with(true, None, switches).await
    }

    async fn start(demo: bool, org: Option<OrgSettings>) -> Self {
        Self::start_with(demo, org, Switches::default()).await
    }

    async fn start_with(demo: bool, org: Option<OrgSettings>, switches: Switches) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServerConfig::local(dir.path().join("roster.db"));
        config.seed_demo = demo;
        config.organisation = org;
        config.switches = switches;
        let server = Server::start(config).await.expect("server starts");
        let token = server
            .db()
            .write(move |c| {
                let admin = if demo {
                    seed::DEMO_ADMIN.to_owned()
                } else {
                    seed::ensure_admin(c)?
                };
                seed::token_for(c, &admin, "test")
            })
            .await
            .expect("admin token");
        Self {
            server,
            token,
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// Stops the server and starts it again on the same address and database with
    /// other `switches`: the same server, as a client sees it, after its operator
    /// changed what it supports. Tokens and data are kept.
    pub async fn restart_with(self, switches: Switches) -> Self {
        let Self {
            server,
            token,
            dir,
            http,
        } = self;
        let addr = server.addr();
        server.stop().await;
        let mut tries = 0;
        let server = loop {
            let mut config = ServerConfig::local(dir.path().join("roster.db"));
            config.bind = addr;
            config.switches = switches;
            match Server::start(config).await {
                Ok(server) => break server,
                // The old listener may take a moment to be gone.
                Err(_) if tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("server restarts on {addr}: {e}"),
            }
        };
        Self {
            server,
            token,
            dir,
            http,
        }
    }

    /// A profile for this server with the admin's token.
    pub fn profile(&self) -> Profile {
        profile(&self.server.base_url(), &self.token)
    }

    /// A client with fast retries (so that tests of failures stay quick).
    pub fn client(&self) -> ApiClient {
        ApiClient::with_options(&self.profile(), fast_options()).expect("client")
    }

    /// A connected client.
    pub async fn connected(&self) -> ApiClient {
        let client = self.client();
        client.connect().await.expect("connects");
        client
    }

    /// The token of a new user who is not an administrator.
    pub async fn non_admin_token(&self, domain: &str) -> String {
        let email = format!("plain.user@{domain}");
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            "name": {"givenName": "Plain", "familyName": "User"},
        });
        let (status, _) = self.raw("POST", "/Users", Some(&body)).await;
        assert_eq!(status, 201);
        self.server.issue_token(&email).await.expect("token")
    }

    /// A request straight to the server with the admin token, bypassing the client
    /// under test: (status, JSON body or Null).
    pub async fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let method: reqwest::Method = method.parse().expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.server.base_url()))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    /// GET with the admin token; panics unless 200.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.raw("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {body:#}");
        body
    }

    /// Every userName matching `filter` (one page of up to 1000).
    pub async fn user_names(&self, filter: &str) -> Vec<String> {
        let body = self
            .get(&format!(
                "/Users?count=1000&attributes=userName&filter={}",
                urlencode(filter)
            ))
            .await;
        body["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["userName"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Number of users on the server.
    pub async fn user_count(&self) -> u64 {
        self.get("/Users?count=0").await["totalResults"]
            .as_u64()
            .expect("totalResults")
    }

    /// The id of the group named `name`.
    pub async fn group_id(&self, name: &str) -> String {
        let body = self
            .get(&format!(
                "/Groups?filter={}",
                urlencode(&format!("displayName eq \"{name}\""))
            ))
            .await;
        body["Resources"][0]["id"]
            .as_str()
            .expect("group exists")
            .to_owned()
    }
}

/// A profile for `base_url` with `token`.
pub fn profile(base_url: &str, token: &str) -> Profile {
    Profile {
        name: "test".into(),
        base_url: base_url.into(),
        token: Token::new(token),
        ca_certificate_pem: None,
    }
}

/// Client options with short backoff, so that retried failures do not slow tests.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(100),
            max_attempts: 5,
            max_retry_after: Duration::from_millis(200),
        },
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(60),
        ..ClientOptions::default()
    }
}

/// A user to invite.
pub fn new_user(email: &str, given: &str, family: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).expect("valid email"),
        given_name: given.into(),
        family_name: family.into(),
        admin: false,
        local_login: false,
        licenses: Vec::new(),
        groups: Vec::new(),
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Waits until the engine sends an event that `want` accepts, and returns it; fails
/// after `within`, naming `what` it waited for.
pub async fn wait_for(
    handle: &roster_core::engine::EngineHandle,
    what: &str,
    within: Duration,
    want: impl Fn(&roster_core::engine::Event) -> bool,
) -> roster_core::engine::Event {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        while let Some(event) = handle.try_recv() {
            if want(&event) {
                return event;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
