//! Invitation emails reach an SMTP relay when the server is given one.
//!
//! The relay here is a minimal SMTP sink on 127.0.0.1 that records what it receives:
//! it stands in for a mail server (not for our API), which no test machine runs.

mod common;

use std::time::Duration;

use roster_server::mail::SmtpConfig;
use roster_server::{Server, ServerConfig, seed};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Accepts SMTP sessions and sends each message's DATA to `tx`.
async fn smtp_sink(listener: TcpListener, tx: mpsc::UnboundedSender<String>) {
    while let Ok((stream, _)) = listener.accept().await {
        let tx = tx.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"220 sink ESMTP\r\n").await;
            let mut data: Option<String> = None;
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(body) = data.as_mut() {
                    if line == "." {
                        let _ = tx.send(std::mem::take(body));
                        data = None;
                        let _ = write.write_all(b"250 queued\r\n").await;
                    } else {
                        body.push_str(&line);
                        body.push('\n');
                    }
                    continue;
                }
                let verb = line
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250 sink\r\n",
                    "DATA" => {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    }
                    _ => b"250 ok\r\n",
                };
                let _ = write.write_all(reply).await;
            }
        });
    }
}

#[tokio::test]
async fn invitation_is_delivered_over_smtp_and_marked_delivered() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(smtp_sink(listener, tx));

    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::local(dir.path().join("roster.db"));
    config.seed_demo = true;
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "roster@lumen-analytics.example".into(),
        organisation: "Lumen Analytics".into(),
    });
    let server = Server::start(config).await.unwrap();
    let token = server
        .db()
        .write(|c| seed::token_for(c, seed::DEMO_ADMIN, "test"))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let email = "smtp.invitee@lumen-analytics.example";
    let created: serde_json::Value = client
        .post(format!("{}/Users", server.base_url()))
        .bearer_auth(&token)
        .json(&common::new_user(email, "Smtp", "Invitee"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();

    // The seeded organisation's pending invitations are delivered too; wait for ours.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let message = loop {
        let m = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the invitation reaches the SMTP relay in time")
            .expect("sink running");
        if m.contains(email) {
            break m;
        }
    };
    assert!(
        message.contains("Subject: You are invited to Lumen Analytics"),
        "{message}"
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list: serde_json::Value = client
            .get(format!(
                "{}/Invitations?filter=userId%20eq%20%22{id}%22",
                server.base_url()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if list["Resources"][0]["delivered"] == json!(true) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not marked delivered: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}
