//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1, in front of a real roster-server.
//!
//! It exists because the real server cannot produce the faults the client must
//! survive: it never answers 503 or 429, and never drops a connection in the middle
//! of a request. The proxy forwards each request to the server, but for a chosen
//! share of requests it instead:
//! - answers `503 Service Unavailable` without forwarding;
//! - answers `429 Too Many Requests` with `Retry-After: 0` without forwarding;
//! - resets the connection (TCP RST) after reading the request, without forwarding;
//! - forwards the request (the server carries it out) and then resets the connection
//!   instead of answering, as when a network drops the answer.
//!
//! It can also pose as a plain SCIM server without the Roster extension: `/Me`,
//! `/Organisation`, `/Licenses` and `/Invitations` answer 404, and the Roster
//! extension, License and Invitation disappear from `/ResourceTypes` and `/Schemas`.
//!
//! It speaks just enough HTTP/1.1 for the client under test: requests with a
//! `Content-Length` body, keep-alive towards the client, one upstream connection per
//! request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy did, request by request.
#[derive(Debug, Default)]
pub struct Stats {
    pub forwarded: AtomicUsize,
    pub unavailable_503: AtomicUsize,
    pub too_many_429: AtomicUsize,
    pub reset_before_forwarding: AtomicUsize,
    pub reset_after_forwarding: AtomicUsize,
    /// `POST …/Bulk` requests forwarded.
    pub bulk: AtomicUsize,
    /// `GET …/Users?filter=userName…` requests forwarded (lookups by userName).
    pub lookups: AtomicUsize,
}

impl Stats {
    /// `POST …/Bulk` requests forwarded so far.
    pub fn bulk_requests(&self) -> usize {
        self.bulk.load(Ordering::Relaxed)
    }

    /// Lookups by userName forwarded so far.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Requests answered with a fault.
    pub fn faults(&self) -> usize {
        self.unavailable_503.load(Ordering::Relaxed)
            + self.too_many_429.load(Ordering::Relaxed)
            + self.reset_before_forwarding.load(Ordering::Relaxed)
            + self.reset_after_forwarding.load(Ordering::Relaxed)
    }
}

struct Shared {
    upstream: SocketAddr,
    fault_percent: AtomicU32,
    plain_scim: AtomicBool,
    /// After this many lookups by userName, every request is answered 503.
    break_after_lookups: AtomicUsize,
    kinds: Mutex<Vec<Fault>>,
    rng: Mutex<StdRng>,
    stats: Stats,
}

/// A running proxy.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

/// A fault the proxy can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 without forwarding.
    Unavailable,
    /// 429 with `Retry-After: 0` without forwarding.
    TooMany,
    /// Connection reset after reading the request, without forwarding.
    ResetBefore,
    /// Forward (the server acts), then reset instead of answering.
    ResetAfter,
}

/// Every kind of fault.
pub const ALL_FAULTS: [Fault; 4] = [
    Fault::Unavailable,
    Fault::TooMany,
    Fault::ResetBefore,
    Fault::ResetAfter,
];

impl FaultProxy {
    /// Starts a proxy to `upstream` that faults `fault_percent` % of requests,
    /// choosing them with a seeded random generator.
    pub async fn start(upstream: SocketAddr, fault_percent: u32, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let shared = Arc::new(Shared {
            upstream,
            fault_percent: AtomicU32::new(fault_percent),
            plain_scim: AtomicBool::new(false),
            break_after_lookups: AtomicUsize::new(usize::MAX),
            kinds: Mutex::new(ALL_FAULTS.to_vec()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            stats: Stats::default(),
        });
        let accept = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&accept)));
            }
        });
        Self { addr, shared, task }
    }

    /// The API root through the proxy.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, roster_proto::API_PREFIX)
    }

    /// Changes the share of faulted requests.
    pub fn set_fault_percent(&self, percent: u32) {
        self.shared.fault_percent.store(percent, Ordering::Relaxed);
    }

    /// Injects only these kinds of fault (all four at first), chosen evenly.
    pub fn set_fault_kinds(&self, kinds: &[Fault]) {
        *self.shared.kinds.lock().expect("kinds") = kinds.to_vec();
    }

    /// Poses as a plain SCIM server (no Roster extension) or not.
    pub fn set_plain_scim(&self, plain: bool) {
        self.shared.plain_scim.store(plain, Ordering::Relaxed);
    }

    /// After `n` more lookups by userName are forwarded, answers every request
    /// with 503 (as a server going down in the middle of a pass), until
    /// [`heal`](Self::heal).
    pub fn break_after_lookups(&self, n: usize) {
        let at = self.shared.stats.lookups() + n;
        self.shared.break_after_lookups.store(at, Ordering::Relaxed);
    }

    /// Stops answering 503 because of [`break_after_lookups`](Self::break_after_lookups).
    pub fn heal(&self) {
        self.shared
            .break_after_lookups
            .store(usize::MAX, Ordering::Relaxed);
    }

    /// What it did so far.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One parsed request or response: head lines and body.
struct Message {
    head: String,
    body: Vec<u8>,
}

impl Message {
    fn first_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The head without the hop-by-hop and length headers.
    fn head_without_framing(&self) -> Vec<&str> {
        self.head
            .lines()
            .filter(|line| {
                let name = line.split(':').next().unwrap_or_default().trim();
                ![
                    "connection",
                    "content-length",
                    "transfer-encoding",
                    "keep-alive",
                ]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            })
            .collect()
    }

    fn to_bytes(&self, connection: &str) -> Vec<u8> {
        let mut out = self.head_without_framing().join("\r\n");
        out.push_str(&format!(
            "\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Reads one request from `stream` (bytes past it stay in `buf`); `None` at EOF.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Message> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(end) = find_head_end(buf) {
            break end;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut message = Message {
        head,
        body: Vec::new(),
    };
    let length: usize = message
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    message.body = buf.drain(..length).collect();
    Some(message)
}

/// Sends `request` to the server on a new connection and reads its whole answer.
async fn forward(upstream: SocketAddr, request: &Message) -> Option<Message> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    server.write_all(&request.to_bytes("close")).await.ok()?;
    let mut raw = Vec::new();
    server.read_to_end(&mut raw).await.ok()?;
    let end = find_head_end(&raw)?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut response = Message {
        head,
        body: raw[end + 4..].to_vec(),
    };
    assert!(
        response.header("transfer-encoding").is_none(),
        "the proxy does not decode chunked answers"
    );
    if let Some(length) = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        response.body.truncate(length);
    }
    Some(response)
}

fn scim_error(status: u16, reason: &str, extra_headers: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": format!("injected by the test proxy: {reason}"),
    })
    .to_string();
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/scim+json\r\n{extra_headers}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn reset(stream: TcpStream) {
    // SO_LINGER 0: closing sends RST instead of FIN.
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut client, &mut buf).await {
        let fault = {
            let mut rng = shared.rng.lock().expect("rng");
            let kinds = shared.kinds.lock().expect("kinds");
            let percent = shared.fault_percent.load(Ordering::Relaxed);
            let broken =
                shared.stats.lookups() >= shared.break_after_lookups.load(Ordering::Relaxed);
            if broken {
                Some(Fault::Unavailable)
            } else {
                (rng.random_range(0..100) < percent && !kinds.is_empty())
                    .then(|| kinds[rng.random_range(0..kinds.len())])
            }
        };
        let stats = &shared.stats;
        match fault {
            Some(Fault::Unavailable) => {
                stats.unavailable_503.fetch_add(1, Ordering::Relaxed);
                let answer = scim_error(503, "Service Unavailable", "");
                if client.write_all(&answer).await.is_err() {
                    return;
                }
                continue;
            }
            Some(Fault::TooMany) => {
                stats.too_many_429.fetch_add(1, Ordering::Relaxed);
                let answer = scim_error(429, "Too Many Requests", "Retry-After: 0\r\n");
                if client.write_all(&answer).await.is_err() {
                    return;
                }
                continue;
            }
            Some(Fault::ResetBefore) => {
                stats
                    .reset_before_forwarding
                    .fetch_add(1, Ordering::Relaxed);
                reset(client);
                return;
            }
            Some(Fault::ResetAfter) => {
                stats.reset_after_forwarding.fetch_add(1, Ordering::Relaxed);
                let _ = forward(shared.upstream, &request).await;
                reset(client);
                return;
            }
            None => {}
        }
        let plain = shared.plain_scim.load(Ordering::Relaxed);
        let path = request
            .first_line()
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        if plain && is_roster_only(&path) {
            let answer = scim_error(404, "Not Found", "");
            if client.write_all(&answer).await.is_err() {
                return;
            }
            continue;
        }
        stats.forwarded.fetch_add(1, Ordering::Relaxed);
        if request.first_line().starts_with("POST ") && path.ends_with("/Bulk") {
            stats.bulk.fetch_add(1, Ordering::Relaxed);
        }
        if request.first_line().starts_with("GET ")
            && path.ends_with("/Users")
            && request.first_line().contains("filter=userName")
        {
            stats.lookups.fetch_add(1, Ordering::Relaxed);
        }
        let Some(mut response) = forward(shared.upstream, &request).await else {
            reset(client);
            return;
        };
        if plain {
            strip_roster_discovery(&path, &mut response);
        }
        if client
            .write_all(&response.to_bytes("keep-alive"))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Endpoints a plain SCIM server does not have.
fn is_roster_only(path: &str) -> bool {
    ["/Me", "/Organisation", "/Licenses", "/Invitations"]
        .iter()
        .any(|e| path.ends_with(e) || path.contains(&format!("{e}/")))
}

/// Removes the Roster extension and resource types from discovery answers.
fn strip_roster_discovery(path: &str, response: &mut Message) {
    let is_types = path.ends_with("/ResourceTypes");
    let is_schemas = path.ends_with("/Schemas");
    if !is_types && !is_schemas {
        return;
    }
    let Ok(mut doc) = serde_json::from_slice::<Value>(&response.body) else {
        return;
    };
    if let Some(list) = doc["Resources"].as_array_mut() {
        list.retain(|r| {
            let id = r["id"].as_str().unwrap_or_default();
            let name = r["name"].as_str().unwrap_or_default();
            !id.starts_with("urn:roster:") && name != "License" && name != "Invitation"
        });
        for r in list.iter_mut() {
            if let Some(obj) = r.as_object_mut() {
                obj.remove("schemaExtensions");
            }
        }
        let n = list.len();
        doc["totalResults"] = n.into();
        doc["itemsPerPage"] = n.into();
    }
    response.body = doc.to_string().into_bytes();
}
