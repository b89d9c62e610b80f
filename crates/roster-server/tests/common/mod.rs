//! A real roster-server on 127.0.0.1 (random port) with its SQLite file in a temp
//! dir, and a small HTTP client for it.
#![allow(dead_code)]

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use roster_server::{OrgSettings, Server, ServerConfig};
use serde_json::Value;

/// A token of the organisation's administrator (made one if there is none).
pub async fn admin_token(server: &Server) -> String {
    server.issue_admin_token("test").await.expect("admin token")
}

pub const DOMAIN: &str = "lumen-analytics.example";

pub struct TestServer {
    pub server: Server,
    pub token: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// One response: status, headers and the JSON body (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {:#}",
            self.body
        );
        self
    }
    /// Asserts a SCIM error body with `status` and `scim_type`.
    #[track_caller]
    pub fn expect_error(self, status: u16, scim_type: Option<&str>) -> Self {
        let this = self.expect(status);
        assert_eq!(
            this.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "not a SCIM error: {:#}",
            this.body
        );
        assert_eq!(this.body["status"], status.to_string(), "{:#}", this.body);
        match scim_type {
            Some(t) => assert_eq!(this.body["scimType"], t, "{:#}", this.body),
            None => assert!(this.body.get("scimType").is_none(), "{:#}", this.body),
        }
        this
    }
}

impl TestServer {
    /// The demo organisation (300 users, 6 groups, 5 licenses), token of its admin.
    pub async fn demo() -> Self {
        Self::start_with(true, None).await
    }

    /// An empty organisation authorizing `domains`, token of a bootstrap admin.
    pub async fn empty(domains: &[&str]) -> Self {
        let org = OrgSettings {
            name: "Test Org".into(),
            authorized_domains: domains.iter().map(|d| d.to_string()).collect(),
            identity_provider: false,
        };
        Self::start_with(false, Some(org)).await
    }

    /// The demo organisation, on a server configured further by `tweak`.
    pub async fn demo_with(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        Self::start_config(true, None, tweak).await
    }

    async fn start_with(demo: bool, org: Option<OrgSettings>) -> Self {
        Self::start_config(demo, org, |_| {}).await
    }

    async fn start_config(
        demo: bool,
        org: Option<OrgSettings>,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServerConfig::local(dir.path().join("roster.db"));
        config.seed_demo = demo;
        config.organisation = org;
        tweak(&mut config);
        let server = Server::start(config).await.expect("server starts");
        let token = admin_token(&server).await;
        Self {
            server,
            token,
            client: reqwest::Client::new(),
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// A request with the admin token.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.call_as(&self.token, method, path, body, &[]).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        Self::reply(resp).await
    }

    pub async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a user and returns its resource.
    pub async fn create_user(&self, email: &str, given: &str, family: &str) -> Value {
        self.post("/Users", &new_user(email, given, family))
            .await
            .expect(201)
            .body
    }

    /// Token of a new user who is not an administrator.
    pub async fn non_admin_token(&self) -> String {
        let email = format!("plain.user@{}", self.domain());
        self.create_user(&email, "Plain", "User").await;
        self.server.issue_token(&email).await.expect("token")
    }

    /// The first authorized domain.
    pub fn domain(&self) -> String {
        self.server
            .db()
            .read_blocking(roster_server::store::organisation::load)
            .ok()
            .flatten()
            .and_then(|o| o.authorized_domains.into_iter().find(|d| d != "*"))
            .unwrap_or_else(|| DOMAIN.to_owned())
    }

    /// userNames of every user matching `filter` (empty for all).
    pub async fn user_names(&self, filter: &str) -> Vec<String> {
        let path = format!(
            "/Users?count=1000&attributes=userName&filter={}",
            urlencode(filter)
        );
        let body = self.get(&path).await.expect(200).body;
        body["Resources"]
            .as_array()
            .expect("Resources")
            .iter()
            .map(|r| r["userName"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// A User creation body.
pub fn new_user(email: &str, given: &str, family: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email, "type": "work", "primary": true}],
    })
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
