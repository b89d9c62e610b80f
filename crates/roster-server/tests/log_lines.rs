//! What a client sends reaches the server log escaped: a CR or LF in a value cannot
//! start a forged log line. Its own test binary, because it installs the process's
//! global tracing subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::TestServer;
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
    // A userName that is no address is refused too when it holds a line break, so
    // no later line (a failed delivery's, say) can carry it raw.
    let r = t
        .post(
            "/Users",
            &common::new_user("x\r\nFORGED mail line", "X", "Y"),
        )
        .await
        .expect(400);
    assert!(
        r.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("control character")),
        "{:?}",
        r.body
    );
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
