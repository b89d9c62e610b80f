//! SMTP delivery of recorded emails, when the server is given an SMTP relay.
//!
//! The `emails` table is the outbox and the record: an email is written there in the
//! same transaction as the change that causes it, and this task hands it to SMTP
//! afterwards, so a crash between the two loses nothing.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::db::Db;
use crate::store::emails;

/// Where and as whom to send.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// The From address.
    pub from: String,
    /// Organisation name, for the subject line.
    pub organisation: String,
}

/// Emails handed to the relay per round.
const BATCH: usize = 100;

/// Sends pending emails whenever `wake` fires (and every 30 s, to retry failures).
pub async fn run(db: Arc<Db>, config: SmtpConfig, wake: Arc<Notify>) {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port)
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: Mailbox = match config.from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(from = %config.from, error = %e, "invalid SMTP From address; not sending");
            return;
        }
    };
    loop {
        let pending = db
            .read(|c| emails::undelivered(c, BATCH))
            .await
            .unwrap_or_default();
        let full_batch = pending.len() == BATCH;
        let mut delivered = 0;
        for email in pending {
            let result = send(&transport, &from, &config, &email).await;
            let now = crate::time::now();
            let id = email.id.clone();
            let error = result.err();
            match &error {
                Some(e) => {
                    tracing::warn!(to = ?email.recipient, error = ?e.to_string(), "email not delivered")
                }
                None => delivered += 1,
            }
            let _ = db
                .write(move |c| emails::mark(c, &id, &now, error.as_deref()))
                .await;
        }
        // More are waiting and the relay takes them: go on without a pause.
        if full_batch && delivered > 0 {
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
        }
    }
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    config: &SmtpConfig,
    email: &emails::Pending,
) -> Result<(), String> {
    // Rows stored before addresses were parsed strictly may hold anything: only one
    // plain address goes into a header.
    let address = roster_proto::email::parse(&email.recipient)
        .map_err(|e| format!("recipient {:?}: {e}", email.recipient))?;
    let to: Mailbox = address
        .to_string()
        .parse()
        .map_err(|e| format!("recipient: {e}"))?;
    let (subject, body) = if email.kind == "setPassword" {
        (
            format!("Choose your {} password", config.organisation),
            "Local sign-in was enabled for your account. Follow the link in this email to choose a password.",
        )
    } else {
        (
            format!("You are invited to {}", config.organisation),
            "An administrator invited you. Follow the link in this email to join.",
        )
    };
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .body(body.to_owned())
        .map_err(|e| e.to_string())?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
