//! What a client sends reaches the server log escaped: a CR or LF in a value cannot
//! start a forged log line. Its own test binary, because it installs the process's
//! global tracing subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::TestServer;
use roster_server::mail::SmtpConfig;
use roster_server::{Server, ServerConfig};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn client_values_are_escaped_in_log_lines() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let t = TestServer::empty(&["chaos.example"]).await;
    // An unknown member is logged with its value.
    t.post(
        "/Groups",
        &json!({"displayName": "G", "members": [{"value": "nope\r\nFORGED log line"}]}),
    )
    .await
    .expect(201);
    let mut user = common::new_user("ok@chaos.example\r\nFORGED header", "A", "B");
    user["emails"] = json!([{"value": "ok@chaos.example\r\nFORGED header"}]);
    t.post("/Users", &user).await.expect(400);
    // A userName that is no address is no recipient: the failed delivery's log line
    // must not carry it raw either.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("roster.db"));
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "roster@chaos.example".into(),
        organisation: "Chaos".into(),
    });
    let server = Server::start(config).await.unwrap();
    let token = common::admin_token(&server).await;
    let r = reqwest::Client::new()
        .post(format!("{}/Users", server.base_url()))
        .bearer_auth(&token)
        .json(&json!({"userName": "x\r\nFORGED mail line", "name": {"givenName": "X", "familyName": "Y"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !String::from_utf8_lossy(&captured.0.lock().unwrap()).contains("email not delivered") {
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery attempt logged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.stop().await;
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(log.contains("unknown member ignored"), "{log}");
    assert!(log.contains("nope\\r\\nFORGED"), "{log}");
    for line in log.lines() {
        assert!(
            !line.starts_with("FORGED"),
            "a forged line: {line:?}\n{log}"
        );
    }
}
