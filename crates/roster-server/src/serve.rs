//! The accept loop: HTTP/1.1 connections with a header read timeout and a cap on
//! how many are open at once, so that clients that open connections and never
//! finish a request cannot starve the others.
//!
//! `axum::serve` has neither: a connection that sends half a request line holds a
//! task and a file descriptor for ever, and a few thousand of them made the server
//! unreachable. Here a connection must deliver its headers within
//! [`Limits::header_read_timeout`] (also between the requests of a kept-alive
//! connection), and at [`Limits::max_connections`] a newcomer replaces the oldest
//! connection that never sent a request (see [`run`]). Body reads are bounded
//! separately, in [`crate::routes::extract::ScimBody`].

use std::sync::Arc;
use std::time::Duration;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tower_service::Service;

/// How long and how many: the defences against slow or idle clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time a connection has to send a request's headers (from when it opens, or
    /// from the end of the previous response).
    pub header_read_timeout: Duration,
    /// Time a request has to send its whole body once its headers arrived.
    pub body_read_timeout: Duration,
    /// Connections open at once (see [`run`] for who makes room).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            // Well below the usual 1024 open files of a process, which also holds
            // the database and the clients of an embedding app.
            max_connections: 512,
        }
    }
}

/// An open connection: whether it has sent a request yet, and how to end it.
struct Open {
    proven: Arc<AtomicBool>,
    task: AbortHandle,
}

/// Serves `app` on `listener` until `shutdown` fires, then lets open connections
/// finish their current request (the caller bounds how long it waits).
///
/// At [`Limits::max_connections`], a new connection takes the place of the oldest
/// one that has not sent a single request yet (the likely idle attacker); when every
/// open connection is serving real requests, the newcomer is closed instead.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut shutdown: oneshot::Receiver<()>,
) {
    let max = limits.max_connections.max(1);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut open: VecDeque<Open> = VecDeque::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        open.retain(|c| !c.task.is_finished());
        if open.len() >= max {
            match open.iter().position(|c| !c.proven.load(Ordering::Relaxed)) {
                Some(i) => {
                    if let Some(evicted) = open.remove(i) {
                        evicted.task.abort();
                    }
                }
                None => {
                    tracing::warn!(max, "connection limit reached; a new connection was closed");
                    continue;
                }
            }
        }
        let _ = stream.set_nodelay(true);
        let proven = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&proven);
        let router = app.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            flag.store(true, Ordering::Relaxed);
            let mut router = router.clone();
            async move { router.call(req).await }
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let task = tokio::spawn(async move {
            // Header timeouts and resets end here; they are the client's business.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
        open.push_back(Open {
            proven,
            task: task.abort_handle(),
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
