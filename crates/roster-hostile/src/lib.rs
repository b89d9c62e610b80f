//! A small hostile SCIM server on 127.0.0.1: each test gives it a handler that
//! answers the way a lying or attacking server would.
//!
//! It exists because roster-server cannot be made to lie: it never claims more
//! users than it has, never repeats an id, never sends a gigabyte, never trickles
//! bytes and always has `/Bulk`. It speaks just enough HTTP/1.1 for the client
//! under test: one request per connection (`Connection: close`), `Content-Length`
//! request bodies.
//!
//! Shared by the engine's tests (`crates/roster-core/tests/hostile_server.rs`) and
//! the window's (`tests/hostile_window.rs`), so that both face the same lies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, e.g. `/scim/v2/Users`.
    pub path: String,
    /// Query pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The decoded value of query parameter `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric query parameter, or `default`.
    pub fn number(&self, key: &str, default: u64) -> u64 {
        self.param(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Whether the path ends with `suffix` (e.g. `/Users`).
    pub fn is(&self, method: &str, suffix: &str) -> bool {
        self.method == method && self.path.ends_with(suffix)
    }

    /// The body as JSON (Null when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// How to answer.
pub enum Reply {
    /// A status and a JSON body.
    Json(u16, Value),
    /// A 200 without `Content-Length` whose body runs on for `bytes` bytes (or until
    /// the client hangs up).
    Endless { bytes: u64 },
    /// A 200 announcing `Content-Length: length` and sending nothing of it.
    Announce { length: u64 },
    /// A 200 whose body starts and then stops for good (the connection stays open).
    Trickle,
    /// This reply after a pause (so that requests overlap).
    After(Duration, Box<Reply>),
    /// A 200 with this JSON body (and its `Content-Length`), sent slowly: `head`
    /// bytes at once, then one byte every `pause` while `gate` is closed (waiting,
    /// once only the last byte is left), and the rest as soon as it opens.
    Trickled {
        /// The body.
        body: Value,
        /// Bytes sent at once.
        head: usize,
        /// Time between two bytes of the trickle.
        pause: Duration,
        /// Opened by the test when the answer may complete.
        gate: Gate,
    },
}

/// What a test opens to let a [`Reply::Trickled`] answer complete. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets every answer waiting on it complete.
    pub fn open(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was opened.
    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

struct Shared {
    handler: Box<Handler>,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    body_bytes_sent: AtomicUsize,
}

/// A running hostile server.
pub struct HostileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl HostileServer {
    /// Starts a server answering every request with `handler`.
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            requests: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            body_bytes_sent: AtomicUsize::new(0),
        });
        let accept = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&accept)));
            }
        });
        Self { addr, shared, task }
    }

    /// The API root.
    pub fn base_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Most requests being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Body bytes of `Endless` answers written so far.
    pub fn body_bytes_sent(&self) -> usize {
        self.shared.body_bytes_sent.load(Ordering::SeqCst)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A list response: `resources` of `total`, from `start`.
pub fn list(total: u64, start: u64, resources: Vec<Value>) -> Reply {
    Reply::Json(
        200,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// What a plain SCIM server answers besides its users, so that a whole client
/// (the engine, the window) gets through discovery and a load: a
/// `/ServiceProviderConfig` (nothing optional supported, pages of 100), `User` and
/// `Group` resource types, no schemas, no groups, and 404 for `/Me` and every other
/// path. `None` for `/Users`: the test answers those.
pub fn plain_directory(request: &Request) -> Option<Reply> {
    let path = request.path.as_str();
    let listing = |resources: Vec<Value>| list(resources.len() as u64, 1, resources);
    if path.contains("/Users") {
        return None;
    }
    Some(if path.ends_with("/ServiceProviderConfig") {
        Reply::Json(
            200,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": false},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": false, "maxResults": 100},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": false},
            }),
        )
    } else if path.ends_with("/ResourceTypes") {
        let kind = |name: &str, schema: &str| json!({"id": name, "name": name, "endpoint": format!("/{name}s"), "schema": schema});
        listing(vec![
            kind("User", "urn:ietf:params:scim:schemas:core:2.0:User"),
            kind("Group", "urn:ietf:params:scim:schemas:core:2.0:Group"),
        ])
    } else if path.ends_with("/Schemas") || path.ends_with("/Groups") {
        listing(Vec::new())
    } else {
        error(404, "not here")
    })
}

/// A minimal SCIM user.
pub fn user(id: &str, user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": id,
        "userName": user_name,
        "name": {"givenName": "Given", "familyName": "Family"},
        "active": true,
        "meta": {"resourceType": "User", "version": "W/\"1\""},
    })
}

/// A SCIM error body.
pub fn error(status: u16, detail: &str) -> Reply {
    Reply::Json(
        status,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.to_string(),
            "detail": detail,
        }),
    )
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = (shared.handler)(&request);
    answer(&mut stream, reply, &shared).await;
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
}

async fn answer(stream: &mut TcpStream, mut reply: Reply, shared: &Shared) {
    while let Reply::After(pause, inner) = reply {
        tokio::time::sleep(pause).await;
        reply = *inner;
    }
    match reply {
        Reply::Json(status, body) => {
            let body = body.to_string();
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/scim+json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
        Reply::Endless { bytes } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n\
                        connection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            while sent < bytes {
                if stream.write_all(&block).await.is_err() {
                    return;
                }
                sent += block.len() as u64;
                shared
                    .body_bytes_sent
                    .fetch_add(block.len(), Ordering::SeqCst);
            }
        }
        Reply::Announce { length } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n\
                 content-length: {length}\r\nconnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            hold(stream).await;
        }
        Reply::Trickle => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n\
                        content-length: 1000\r\nconnection: close\r\n\r\n{\"totalResults\":";
            let _ = stream.write_all(head.as_bytes()).await;
            hold(stream).await;
        }
        Reply::Trickled {
            body,
            head,
            pause,
            gate,
        } => {
            let body = body.to_string().into_bytes();
            let top = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            if stream.write_all(top.as_bytes()).await.is_err() {
                return;
            }
            // The last byte is held back until the gate opens, whatever the pace.
            let last = body.len().saturating_sub(1);
            let mut sent = head.min(last);
            if stream.write_all(&body[..sent]).await.is_err() {
                return;
            }
            while !gate.is_open() {
                tokio::time::sleep(pause).await;
                if sent < last && !gate.is_open() {
                    if stream.write_all(&body[sent..=sent]).await.is_err() {
                        return;
                    }
                    sent += 1;
                }
            }
            let _ = stream.write_all(&body[sent..]).await;
        }
        Reply::After(..) => unreachable!("unwrapped above"),
    }
}

/// Keeps the connection open until the client closes it.
async fn hold(stream: &mut TcpStream) {
    let mut sink = [0u8; 1024];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + length].to_vec();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    Some(Request {
        method,
        path: path.to_owned(),
        query,
        body,
    })
}

/// Percent-decoding (`+` stays: the client encodes spaces as `%20`).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if bytes[i] == b'%'
            && let Some(Ok(b)) = hex.map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
