//! roster-server: the reference Roster management API (SCIM 2.0 + the Roster
//! organisation extension) on axum and SQLite.
//!
//! Start it in-process with [`Server::start`] (the desktop app's demo organisation
//! and the tests do), or run the `roster-server` binary.

pub mod attr_path;
pub mod db;
pub mod error;
pub mod filter_sql;
pub mod http;
pub(crate) mod json_text;
pub mod mail;
pub mod patch;
pub mod projection;
pub mod routes;
pub mod schema;
pub mod seed;
pub mod serve;
pub mod store;
pub mod switches;
pub mod time;
pub mod validate;
pub mod value_filter;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

pub use db::Db;
pub use store::organisation::OrgSettings;

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The SQLite file (created when missing).
    pub db_path: PathBuf,
    /// Where to listen; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Organisation settings to store; `None` keeps the stored ones (or defaults).
    pub organisation: Option<OrgSettings>,
    /// Seed the demo organisation when the database has no users.
    pub seed_demo: bool,
    /// Seed this many generated users (benchmarks) when the database has no users.
    pub seed_users: Option<usize>,
    /// SMTP relay for invitation emails.
    pub smtp: Option<mail::SmtpConfig>,
    /// Timeouts and the connection cap.
    pub limits: serve::Limits,
    /// The API root as clients reach it (e.g. `https://roster.example.org/scim/v2`;
    /// `/scim/v2` is added when missing), for `Location` and `meta.location`.
    /// `None` uses the bound address. The request's `Host` header is never used:
    /// a client must not choose the links the server hands to others.
    pub public_url: Option<String>,
    /// Features turned off for interoperability tests (all on by default).
    pub switches: switches::Switches,
}

impl ServerConfig {
    /// A server on 127.0.0.1 with a free port, storing in `db_path`.
    pub fn local(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            organisation: None,
            seed_demo: false,
            seed_users: None,
            smtp: None,
            limits: serve::Limits::default(),
            public_url: None,
            switches: switches::Switches::default(),
        }
    }
}

/// The API root for links: the configured public URL (with `/scim/v2` added when
/// missing), else the bound address.
fn public_base(public_url: Option<&str>, addr: SocketAddr) -> String {
    match public_url.map(|u| u.trim().trim_end_matches('/')) {
        Some(url) if !url.is_empty() => {
            if url.ends_with(roster_proto::API_PREFIX) {
                url.to_owned()
            } else {
                format!("{url}{}", roster_proto::API_PREFIX)
            }
        }
        _ => format!("http://{addr}{}", roster_proto::API_PREFIX),
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// Seeding or setup failed.
    #[error("setting up the database: {0}")]
    Setup(#[from] error::ApiError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    db: Arc<Db>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    mailer: Option<JoinHandle<()>>,
}

impl Server {
    /// Opens the database, seeds it if asked, and starts serving.
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let org = config.organisation.clone();
        let (seed_demo, seed_users) = (config.seed_demo, config.seed_users);
        let path = config.db_path.clone();
        // Seeding a million users takes a while: off the async runtime.
        let db = tokio::task::spawn_blocking(move || {
            Db::open_with(&path, |c| {
                seed::setup(c, org.as_ref(), seed_demo, seed_users)
            })
        })
        .await
        .map_err(error::ApiError::internal)??;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
        let mail = Arc::new(Notify::new());
        let app = routes::router(routes::AppState {
            db: Arc::clone(&db),
            mail: Arc::clone(&mail),
            switches: config.switches,
        })
        .layer(axum::Extension(routes::extract::BodyReadTimeout(
            config.limits.body_read_timeout,
        )))
        .layer(axum::Extension(routes::extract::PublicBase(public_base(
            config.public_url.as_deref(),
            addr,
        ))));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::run(listener, app, config.limits, rx));
        let mailer = config
            .smtp
            .map(|smtp| tokio::spawn(mail::run(Arc::clone(&db), smtp, mail)));
        tracing::info!(%addr, db = %config.db_path.display(), "roster-server listening");
        Ok(Self {
            addr,
            db,
            shutdown: Some(tx),
            task,
            mailer,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API root, e.g. `http://127.0.0.1:4242/scim/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, roster_proto::API_PREFIX)
    }

    /// The database, for tests and tools that inspect or prepare state.
    pub fn db(&self) -> &Arc<Db> {
        &self.db
    }

    /// Issues a new API token for the user with userName `user_name`.
    pub async fn issue_token(&self, user_name: &str) -> Result<String, error::ApiError> {
        let user_name = user_name.to_owned();
        self.db
            .write(move |c| seed::token_for(c, &user_name, "issued"))
            .await
    }

    /// Issues a token of the organisation's administrator, making one when there is
    /// none (an organisation seeded with generated users, or one that lost its last
    /// administrator); `label` names the token in the database.
    pub async fn issue_admin_token(&self, label: &str) -> Result<String, error::ApiError> {
        let label = label.to_owned();
        self.db
            .write(move |c| {
                let admin = seed::ensure_admin(c)?;
                seed::token_for(c, &admin, &label)
            })
            .await
    }

    /// Stops serving: in-flight requests get up to 5 s to finish, then the rest is
    /// cut (a client holding a connection open must not keep the server alive).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(m) = self.mailer.take() {
            m.abort();
        }
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
            let _ = (&mut self.task).await;
        }
    }

    /// Waits until the server stops (for the binary).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}
