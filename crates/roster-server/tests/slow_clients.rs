//! Clients that open connections and never finish a request are cut off, and do not
//! keep an authenticated request from being answered.

mod common;

use std::time::Duration;

use roster_server::serve::Limits;
use roster_server::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous bound for "answers at all" (a liveness check, not a timing one).
const LIVENESS: Duration = Duration::from_secs(10);

async fn start(limits: Limits) -> (Server, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("roster.db"));
    config.limits = limits;
    let server = Server::start(config).await.unwrap();
    let token = common::admin_token(&server).await;
    (server, token, dir)
}

fn limits(max_connections: usize) -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections,
    }
}

/// Everything the server sends on `stream` until it closes it (or errs).
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(LIVENESS, stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server kept the stalled connection open");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let (server, _, _dir) = start(limits(64)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    until_closed(&mut stream).await;
    // And one that sends nothing at all.
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    until_closed(&mut silent).await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_gets_408() {
    let (server, token, _dir) = start(limits(64)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"userName\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("urn:ietf:params:scim:api:messages:2.0:Error"),
        "{answer}"
    );
    server.stop().await;
}

/// Lowers this test process's soft limit of open files to 1024, as on most
/// desktops (the finding: 4,200 idle connections starved the server there). The
/// machine running the tests may allow far more, and then idle connections
/// without a cap would not starve anything.
fn at_most_1024_open_files() {
    #[cfg(unix)]
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur > 1024 {
            limit.rlim_cur = 1024;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

#[tokio::test]
async fn idle_half_open_connections_do_not_starve_an_authenticated_request() {
    // 600 idle clients in a process of 1024 files: without a cap their server
    // sides would take the rest, and the request could not even be accepted.
    // Fewer slots than idle clients, and a header timeout longer than the liveness
    // bound: the request is answered because it takes the place of an idle client,
    // not because it waited for the idle ones to time out.
    at_most_1024_open_files();
    let (server, token, _dir) = start(Limits {
        header_read_timeout: Duration::from_secs(60),
        ..limits(100)
    })
    .await;
    // Built first: it reads the system's certificates, which needs files too.
    let client = reqwest::Client::builder()
        .timeout(LIVENESS)
        .build()
        .unwrap();
    let mut idle = Vec::new();
    for _ in 0..600 {
        // Out of files (without a cap): the request below says it.
        let Ok(mut s) = TcpStream::connect(server.addr()).await else {
            break;
        };
        // A partial request line, never finished.
        if s.write_all(b"GET /scim/v2/Us").await.is_err() {
            break;
        }
        idle.push(s);
    }
    let r = client
        .get(format!("{}/Users?count=1", server.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered despite 600 idle connections");
    assert_eq!(r.status(), 200);
    // The evicted ones were closed; the most recent ones are still open.
    let mut first = idle.remove(0);
    until_closed(&mut first).await;
    drop(idle);
    server.stop().await;
}
