//! Running the `roster` binary as a script would: what the command-line tests share
//! (included with `#[path]`, without the window tests' harness).
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use roster_server::{Server, ServerConfig, seed};

/// Runs `roster ARGS` with the data directory `data`, `stdin` fed to it, and waits.
pub fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_with_env(data, args, stdin, &[])
}

/// [`run`], with the environment variables `env` set as well.
pub fn run_with_env(
    data: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .envs(env.iter().copied())
        .env("ROSTER_DATA_DIR", data)
        // No desktop session here: the keyring is absent unless the machine has one.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster runs");
    if let Some(text) = stdin
        && let Some(mut input) = child.stdin.take()
    {
        input.write_all(text.as_bytes()).expect("stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("roster ends")
}

/// Output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The demo organisation on a roster-server on 127.0.0.1 that can be stopped and
/// restarted on the same address, a data directory for `roster`, and a profile
/// `acme` (token in a file) pointing at the server.
pub struct CliOrg {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<Server>,
    pub addr: SocketAddr,
    pub token: String,
    pub dir: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl CliOrg {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let server = runtime.block_on(boot(dir.path(), SocketAddr::from(([127, 0, 0, 1], 0))));
        let token = runtime
            .block_on(server.issue_token(seed::DEMO_ADMIN))
            .expect("token");
        let org = Self {
            addr: server.addr(),
            server: Some(server),
            runtime,
            token,
            dir,
            data: tempfile::tempdir().expect("temp dir"),
        };
        let url = org.url();
        let out = org.run(
            &["profile", "add", "acme", "--url", &url, "--token-file"],
            Some(&format!("{}\n", org.token)),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        org
    }

    pub fn url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }

    /// `roster ARGS` with this organisation's data directory.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(self.data.path(), args, stdin)
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.stop());
        }
    }

    pub fn restart(&mut self) {
        self.server = Some(self.runtime.block_on(boot(self.dir.path(), self.addr)));
    }

    /// The server's JSON answer to a GET of `url`, as the admin.
    fn get(&self, url: reqwest::Url) -> serde_json::Value {
        self.runtime.block_on(async {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("server answers")
                .json()
                .await
                .expect("JSON")
        })
    }

    /// What the server holds for `user_name` (SCIM, as any client reads it).
    pub fn user(&self, user_name: &str) -> Option<serde_json::Value> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/Users", self.url()),
            &[("filter", format!("userName eq \"{user_name}\""))],
        )
        .expect("url");
        let body = self.get(url);
        body["Resources"].as_array()?.first().cloned()
    }

    /// Every user the server holds, as SCIM resources, with the Roster extension's
    /// attributes returned only on request (last connection, invitation).
    pub fn users(&self) -> Vec<serde_json::Value> {
        let ext = roster_proto::urn::ROSTER_USER;
        let attributes = format!(
            "userName,name,entitlements,groups,{ext}:organisationAdministrator,\
             {ext}:localLogin,{ext}:lastConnection,{ext}:invitation"
        );
        let url = reqwest::Url::parse_with_params(
            &format!("{}/Users", self.url()),
            &[("count", "10000"), ("attributes", attributes.as_str())],
        )
        .expect("url");
        let body = self.get(url);
        body["Resources"].as_array().cloned().unwrap_or_default()
    }
}

async fn boot(dir: &Path, addr: SocketAddr) -> Server {
    let mut config = ServerConfig::local(dir.join("server.db"));
    config.bind = addr;
    config.seed_demo = true;
    Server::start(config).await.expect("server starts")
}
