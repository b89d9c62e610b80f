//! What the window tests share: a harness on the real app, a real roster-server on
//! 127.0.0.1 that can be stopped and restarted, profiles and a mock keyring.
#![allow(dead_code)] // each test file uses its own part

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use roster::app::modal::Modal;
use roster::app::{AppConfig, RosterApp, StartMode};
use roster_core::client::{ClientOptions, Token};
use roster_core::profiles::{self, ProfileSettings, Secrets, TokenPlace};
use roster_core::secrets::KeyringSecrets;
use roster_core::store::Store;
use roster_server::switches::Switches;
use roster_server::{Server, ServerConfig};

pub mod fixture;

pub fn secrets(dir: &Path) -> Arc<Secrets> {
    let keyring: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock keyring");
    Arc::new(Secrets::with_keyring(
        Box::new(KeyringSecrets::in_store(keyring)),
        dir.join("tokens"),
    ))
}

pub fn harness(
    data_dir: &Path,
    secrets: Arc<Secrets>,
    start: StartMode,
) -> Harness<'static, RosterApp> {
    harness_with(data_dir, secrets, start, ClientOptions::default())
}

/// [`harness`] with engines whose client uses `client` (e.g. a short slow-answer
/// notice).
pub fn harness_with(
    data_dir: &Path,
    secrets: Arc<Secrets>,
    start: StartMode,
    client: ClientOptions,
) -> Harness<'static, RosterApp> {
    harness_config(AppConfig {
        data_dir: data_dir.to_owned(),
        secrets,
        start,
        client,
        apart: Default::default(),
    })
}

/// The app on `config`.
pub fn harness_config(config: AppConfig) -> Harness<'static, RosterApp> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |cc| RosterApp::new(cc, config))
}

/// Steps frames (in real time: the engine works on other threads) until `done`.
pub fn step_until(h: &mut Harness<'_, RosterApp>, what: &str, done: impl Fn(&RosterApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(h.state()) {
        if Instant::now() >= deadline {
            let log: Vec<String> = h
                .state()
                .shell
                .log
                .entries()
                .rev()
                .take(8)
                .map(|e| e.text.clone())
                .collect();
            let wizard_error = h
                .state()
                .modal()
                .and_then(Modal::import)
                .and_then(|w| w.error.clone());
            panic!(
                "timed out waiting for {what}; link {:?}; wizard error {wizard_error:?}; latest log: {log:#?}",
                h.state().conn.link
            );
        }
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

/// Focuses the text field `label` (of `role`) and types `text` into it.
pub fn fill(h: &mut Harness<'_, RosterApp>, role: Role, label: &str, text: &str) {
    h.get_by_role_and_label(role, label).click();
    h.run_steps(1);
    h.get_by_role_and_label(role, label).type_text(text);
    // One frame takes the text, the next shows what it changed.
    h.run_steps(2);
}

/// A demo-organisation server the tests can stop and restart on the same address.
pub struct TestOrg {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<Server>,
    pub addr: SocketAddr,
    pub db: std::path::PathBuf,
    /// The features turned off, also after a restart.
    pub switches: Switches,
}

impl TestOrg {
    pub fn start(dir: &Path) -> Self {
        Self::start_with(dir, Switches::default())
    }

    /// A server with the features `switches` turns off (a SCIM server we did not write).
    pub fn start_with(dir: &Path, switches: Switches) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let db = dir.join("server.db");
        let server = runtime.block_on(boot(&db, SocketAddr::from(([127, 0, 0, 1], 0)), switches));
        Self {
            addr: server.addr(),
            server: Some(server),
            runtime,
            db,
            switches,
        }
    }
    pub fn url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }
    pub fn token_for(&self, user_name: &str) -> String {
        let server = self.server.as_ref().unwrap();
        self.runtime
            .block_on(server.issue_token(user_name))
            .unwrap()
    }
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.stop());
        }
    }
    pub fn restart(&mut self) {
        self.server = Some(
            self.runtime
                .block_on(boot(&self.db, self.addr, self.switches)),
        );
    }
}

pub async fn boot(db: &Path, addr: SocketAddr, switches: Switches) -> Server {
    let mut config = ServerConfig::local(db);
    config.bind = addr;
    config.switches = switches;
    config.seed_demo = true;
    Server::start(config).await.expect("server starts")
}

pub fn save_profile(data_dir: &Path, secrets: &Secrets, name: &str, url: &str, token: &str) {
    let store = Store::open(data_dir.join(roster_core::store::DB_FILE_NAME)).unwrap();
    let settings = ProfileSettings {
        name: name.into(),
        base_url: url.into(),
        ca_certificate: None,
        token_place: TokenPlace::Keyring,
    };
    profiles::save(&store, secrets, &settings, &Token::new(token)).unwrap();
}

/// The app opened on a fresh demo-organisation server as its administrator
/// (profile "acme"), online with everything loaded.
pub fn open_as_admin(dir: &Path) -> (TestOrg, Harness<'static, RosterApp>) {
    open_as_admin_on(dir, Switches::default())
}

/// [`open_as_admin`] on a server with the features `switches` turns off.
pub fn open_as_admin_on(dir: &Path, switches: Switches) -> (TestOrg, Harness<'static, RosterApp>) {
    let secrets = secrets(dir);
    let org = TestOrg::start_with(dir, switches);
    let token = org.token_for(roster_server::seed::DEMO_ADMIN);
    save_profile(dir, &secrets, "acme", &org.url(), &token);
    let mut h = harness(dir, secrets, StartMode::Profile("acme".into()));
    step_until(&mut h, "online load", |app| {
        app.org.is_loaded()
            && app.conn.link == roster::connection::Link::Online
            && app.conn.server.is_some()
    });
    (org, h)
}

impl TestOrg {
    /// The user `user_name` as the server answers it over SCIM (its document, with
    /// the Roster extension), `None` when there is no such user.
    pub fn user(&self, user_name: &str) -> Option<serde_json::Value> {
        let filter = format!("userName eq \"{user_name}\"");
        let list = self.scim_get("/Users", &[("filter", filter.as_str())])?;
        list["Resources"].as_array()?.first().cloned()
    }

    /// GETs `path` (with `query`) as the server's administrator; `None` when the
    /// server is stopped or answers an error.
    pub fn scim_get(&self, path: &str, query: &[(&str, &str)]) -> Option<serde_json::Value> {
        self.scim_get_as(roster_server::seed::DEMO_ADMIN, path, query)
    }

    /// GETs `path` (with `query`) with a token of `user_name`.
    pub fn scim_get_as(
        &self,
        user_name: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Option<serde_json::Value> {
        self.server.as_ref()?;
        let token = self.token_for(user_name);
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.url()), query).ok()?;
        self.runtime.block_on(async move {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.json().await.ok()
        })
    }

    /// A client of the server as its administrator.
    pub fn client(&self) -> roster_core::client::ApiClient {
        let client = roster_core::client::ApiClient::new(&roster_core::client::Profile {
            name: "check".into(),
            base_url: self.url(),
            token: Token::new(self.token_for(roster_server::seed::DEMO_ADMIN)),
            ca_certificate_pem: None,
        })
        .unwrap();
        self.runtime.block_on(client.connect()).unwrap();
        client
    }

    /// How many users the server has.
    pub fn user_count(&self) -> usize {
        let client = self.client();
        self.runtime.block_on(client.user_ids()).unwrap().len()
    }

    /// The user `email` as the client reads it from the server.
    pub fn model_user(&self, email: &str) -> Option<roster_core::model::User> {
        let client = self.client();
        self.runtime
            .block_on(client.find_user_by_user_name(email))
            .unwrap()
    }

    /// Emails the server recorded for `user_name`, by kind ("invitation", …), in
    /// the order `/Invitations` lists them.
    pub fn emails_to(&self, user_name: &str) -> Vec<String> {
        let mut kinds = Vec::new();
        let mut start = 1;
        loop {
            let index = start.to_string();
            let Some(page) = self.scim_get(
                "/Invitations",
                &[("startIndex", index.as_str()), ("count", "1000")],
            ) else {
                return kinds;
            };
            let resources = page["Resources"].as_array().cloned().unwrap_or_default();
            for r in &resources {
                if r["recipient"]
                    .as_str()
                    .is_some_and(|to| to.eq_ignore_ascii_case(user_name))
                {
                    kinds.extend(r["kind"].as_str().map(str::to_owned));
                }
            }
            let total = page["totalResults"].as_u64().unwrap_or(0) as usize;
            start += resources.len();
            if resources.is_empty() || start > total {
                return kinds;
            }
        }
    }

    /// PATCHes a user as the server's administrator (a change made "elsewhere",
    /// e.g. to cause a conflict).
    pub fn admin_patch(&self, user_id: &str, body: serde_json::Value) {
        self.admin_call(reqwest::Method::PATCH, user_id, Some(body));
    }

    /// Deletes a user as the server's administrator (elsewhere).
    pub fn admin_delete(&self, user_id: &str) {
        self.admin_call(reqwest::Method::DELETE, user_id, None);
    }

    fn admin_call(&self, method: reqwest::Method, user_id: &str, body: Option<serde_json::Value>) {
        let token = self.token_for(roster_server::seed::DEMO_ADMIN);
        let url = format!("{}/Users/{user_id}", self.url());
        self.runtime.block_on(async move {
            let mut request = reqwest::Client::new()
                .request(method.clone(), url)
                .bearer_auth(token);
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/scim+json")
                    .body(body.to_string());
            }
            let status = request.send().await.expect("request").status();
            assert!(status.is_success(), "{method} answered {status}");
        });
    }
}

/// Asserts that one widget's label contains `text`, leaving out the toasts' words
/// (AccessKit alerts and statuses): a toast may say what a window says.
pub fn shown_contains(h: &Harness<'_, RosterApp>, text: &str) {
    let found = h
        .query_all_by_label_contains(text)
        .filter(|n| !matches!(n.accesskit_node().role(), Role::Alert | Role::Status))
        .count();
    assert_eq!(found, 1, "widgets saying {text:?} besides toasts");
}

/// Clicks the widget labelled `label` and runs a couple of frames.
pub fn click(h: &mut Harness<'_, RosterApp>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
}

impl TestOrg {
    /// Member ids of group `group_id` on the server, as `/Groups/{id}` lists them.
    pub fn members(&self, group_id: &str) -> Vec<String> {
        let group = self.scim_get(&format!("/Groups/{group_id}"), &[("attributes", "members")]);
        group
            .and_then(|g| g["members"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m["value"].as_str().map(str::to_owned))
            .collect()
    }
}
