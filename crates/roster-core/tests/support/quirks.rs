//! A proxy on 127.0.0.1 in front of a real roster-server that behaves like SCIM
//! servers seen in the wild, one quirk at a time.
//!
//! Only for what roster-server's switches (docs/api.md) cannot make it do: the
//! server is honest about what it supports, so it cannot claim to filter and answer
//! every filter with nothing, advertise PATCH and answer it 501, or have
//! `meta.version` without ETags; and it has no switch to refuse reads or to go
//! without `/Me`. Everything else is forwarded to the real server unchanged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Which quirks are on (each can be switched while the proxy runs).
#[derive(Debug, Default)]
pub struct Quirks {
    /// Any `filter=` → an empty list (filters silently "supported").
    pub filters_match_nothing: AtomicBool,
    /// `/Me` → 501.
    pub no_me: AtomicBool,
    /// Every GET of `/Users` → 400.
    pub refuse_user_reads: AtomicBool,
    /// PATCH of a user → 501 (PATCH not implemented for users).
    pub no_user_patch: AtomicBool,
    /// `etag.supported: false`, `If-Match` dropped, no `ETag` header (but
    /// `meta.version` kept).
    pub no_etag: AtomicBool,
    /// `If-Match` headers that reached the proxy.
    pub if_match_seen: AtomicUsize,
    /// PUTs of a user.
    pub user_puts: AtomicUsize,
    /// Requests to `/Me` seen.
    pub me_requests: AtomicUsize,
}

/// A running proxy.
pub struct QuirkProxy {
    addr: SocketAddr,
    pub quirks: Arc<Quirks>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for QuirkProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct State {
    upstream: String,
    quirks: Arc<Quirks>,
    http: reqwest::Client,
}

impl QuirkProxy {
    /// A proxy for the server at `upstream` (its API root, e.g.
    /// `http://127.0.0.1:1234/scim/v2`).
    pub async fn start(upstream: &str) -> Self {
        let quirks = Arc::new(Quirks::default());
        let origin = upstream
            .split("/scim")
            .next()
            .unwrap_or(upstream)
            .to_owned();
        let state = Arc::new(State {
            upstream: origin,
            quirks: Arc::clone(&quirks),
            http: reqwest::Client::new(),
        });
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = Arc::clone(&state);
                async move { handle(&state, method, uri, headers, body).await }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, quirks, task }
    }

    /// The API root through the proxy.
    pub fn base_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }
}

fn scim_error(status: StatusCode, detail: &str) -> Response {
    let body = json!({"status": status.as_u16(), "detail": detail});
    (
        status,
        [("content-type", "application/scim+json")],
        body.to_string(),
    )
        .into_response()
}

async fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = &state.quirks;
    let path = uri.path();
    let query = percent_decode(uri.query().unwrap_or(""));
    let on = |flag: &AtomicBool| flag.load(Ordering::Relaxed);
    if path.ends_with("/Me") {
        q.me_requests.fetch_add(1, Ordering::Relaxed);
        if on(&q.no_me) {
            return scim_error(StatusCode::NOT_IMPLEMENTED, "/Me is not implemented");
        }
    }
    let users = path.ends_with("/Users");
    if method == Method::GET && users && on(&q.refuse_user_reads) {
        return scim_error(StatusCode::BAD_REQUEST, "listing users is refused today");
    }
    if method == Method::GET && query.contains("filter=") && on(&q.filters_match_nothing) {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []
        });
        return (
            [("content-type", "application/scim+json")],
            body.to_string(),
        )
            .into_response();
    }
    if headers.contains_key("if-match") {
        q.if_match_seen.fetch_add(1, Ordering::Relaxed);
    }
    if path.contains("/Users/") && method == Method::PUT {
        q.user_puts.fetch_add(1, Ordering::Relaxed);
    }
    if method == Method::PATCH && path.contains("/Users/") && on(&q.no_user_patch) {
        return scim_error(StatusCode::NOT_IMPLEMENTED, "PATCH is not implemented");
    }
    let mut headers = headers;
    if on(&q.no_etag) {
        headers.remove("if-match");
    }
    let (status, mut out, bytes) = forward(state, method, &uri, &headers, body).await;
    let mut json: Option<serde_json::Value> = None;
    if on(&q.no_etag) {
        out.remove("etag");
        if path.ends_with("/ServiceProviderConfig") {
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            v["etag"] = json!({"supported": false});
            json = Some(v);
        }
    }
    match json {
        Some(v) if !bytes.is_empty() => {
            out.remove("content-length");
            (status, out, v.to_string()).into_response()
        }
        _ => (status, out, bytes).into_response(),
    }
}

async fn forward(
    state: &State,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, Bytes) {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("method");
    let mut req = state
        .http
        .request(method, format!("{}{path_and_query}", state.upstream))
        .body(body.to_vec());
    for name in ["authorization", "content-type", "if-match", "accept"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            req = req.header(name, v);
        }
    }
    let Ok(resp) = req.send().await else {
        return (StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::new());
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut out = HeaderMap::new();
    for name in ["content-type", "etag", "location"] {
        if let Some(v) = resp.headers().get(name).and_then(|v| v.to_str().ok())
            && let Ok(v) = v.parse()
        {
            out.insert(name, v);
        }
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    (status, out, bytes)
}

/// `%XX` decoded (good enough to look for words in a query).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
