//! `roster-server`: run the reference Roster management API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use roster_server::mail::SmtpConfig;
use roster_server::serve::Limits;
use roster_server::switches::Switches;
use roster_server::{OrgSettings, Server, ServerConfig, seed};

/// The reference Roster management API: SCIM 2.0 with the Roster organisation
/// extension, on SQLite.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8484")]
    bind: SocketAddr,
    /// SQLite database file (created when missing).
    #[arg(long, default_value = "roster-server.db")]
    db: PathBuf,
    /// Seed the demo organisation (300 people, 6 groups, 5 licenses) into an empty database.
    #[arg(long)]
    seed_demo: bool,
    /// Seed this many generated users into an empty database (benchmarks).
    #[arg(long, value_name = "N")]
    seed_users: Option<usize>,
    /// Print a new API token of an Organisation Administrator (creating one if none exists).
    #[arg(long)]
    print_admin_token: bool,
    /// Organisation name (stored; kept on later starts when omitted).
    #[arg(long)]
    org_name: Option<String>,
    /// Authorized email domain; repeat for several, '*' authorizes every domain.
    #[arg(long = "authorized-domain", value_name = "DOMAIN")]
    authorized_domains: Vec<String>,
    /// Users sign in through an identity provider.
    #[arg(long)]
    identity_provider: bool,
    /// SMTP relay HOST:PORT for invitation emails (plain SMTP; the outbox table is the
    /// record either way).
    #[arg(long, value_name = "HOST:PORT")]
    smtp: Option<String>,
    /// From address of the emails.
    #[arg(long, default_value = "roster@localhost")]
    smtp_from: String,
    /// The API root as clients reach it (behind a proxy, say), for the links in
    /// answers (`Location`, `meta.location`); default: the bound address.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Seconds a connection has to send a request's headers.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    header_read_timeout: u64,
    /// Seconds a request has to send its body.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    body_read_timeout: u64,
    #[command(flatten)]
    switches: SwitchArgs,
    /// Connections open at once; beyond, a newcomer replaces the oldest connection that never sent a request.
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_connections: usize,
}

/// Switches for interoperability tests: each makes the server behave like SCIM
/// servers seen in the wild, and discovery says so (docs/api.md).
#[derive(Debug, clap::Args)]
struct SwitchArgs {
    /// filter.supported false; the filter parameter is silently ignored.
    #[arg(long)]
    no_filter: bool,
    /// A filter on meta.lastModified answers 400 invalidFilter.
    #[arg(long)]
    refuse_last_modified_filter: bool,
    /// PATCH remove with a value filter in the path (members[value eq "…"]) answers 501.
    #[arg(long)]
    refuse_value_path_remove: bool,
    /// patch.supported false; PATCH answers 501.
    #[arg(long)]
    no_patch: bool,
    /// DELETE of a user only sets active: false.
    #[arg(long)]
    delete_deactivates: bool,
    /// bulk.supported false; /Bulk answers 501.
    #[arg(long)]
    no_bulk: bool,
    /// etag.supported false; no ETag or meta.version; If-Match ignored.
    #[arg(long)]
    no_etag: bool,
    /// The Roster extension is neither advertised nor returned; /Licenses and
    /// /Invitations answer 404.
    #[arg(long)]
    no_roster_extension: bool,
    /// User resources carry no groups attribute.
    #[arg(long)]
    users_without_groups: bool,
}

impl SwitchArgs {
    fn switches(&self) -> Switches {
        Switches {
            no_filter: self.no_filter,
            refuse_last_modified_filter: self.refuse_last_modified_filter,
            refuse_value_path_remove: self.refuse_value_path_remove,
            no_patch: self.no_patch,
            delete_deactivates: self.delete_deactivates,
            no_bulk: self.no_bulk,
            no_etag: self.no_etag,
            no_roster_extension: self.no_roster_extension,
            users_without_groups: self.users_without_groups,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "roster_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let organisation =
        (args.org_name.is_some() || !args.authorized_domains.is_empty()).then(|| {
            let defaults = if args.seed_demo {
                seed::demo_organisation()
            } else {
                OrgSettings::default()
            };
            OrgSettings {
                name: args.org_name.clone().unwrap_or(defaults.name),
                authorized_domains: if args.authorized_domains.is_empty() {
                    defaults.authorized_domains
                } else {
                    args.authorized_domains.clone()
                },
                identity_provider: args.identity_provider,
            }
        });
    let smtp = match &args.smtp {
        None => None,
        Some(target) => {
            let (host, port) = target
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_owned(), p.parse().ok()?)))
                .ok_or_else(|| format!("--smtp {target}: expected HOST:PORT"))?;
            Some(SmtpConfig {
                host,
                port,
                from: args.smtp_from.clone(),
                organisation: args.org_name.clone().unwrap_or_else(|| "Roster".into()),
            })
        }
    };
    let server = Server::start(ServerConfig {
        db_path: args.db.clone(),
        bind: args.bind,
        organisation,
        seed_demo: args.seed_demo,
        seed_users: args.seed_users,
        smtp,
        limits: Limits {
            header_read_timeout: Duration::from_secs(args.header_read_timeout.max(1)),
            body_read_timeout: Duration::from_secs(args.body_read_timeout.max(1)),
            max_connections: args.max_connections.max(1),
        },
        public_url: args.public_url.clone(),
        switches: args.switches.switches(),
    })
    .await
    .map_err(|e| e.to_string())?;
    if args.print_admin_token {
        let token = server
            .issue_admin_token("printed at start")
            .await
            .map_err(|e| e.detail)?;
        // stdout carries only the token, so scripts can capture it.
        println!("{token}");
    }
    eprintln!("roster-server: serving {}", server.base_url());
    tokio::select! {
        () = server_wait(server) => {}
        _ = tokio::signal::ctrl_c() => eprintln!("roster-server: stopping"),
    }
    Ok(())
}

async fn server_wait(server: Server) {
    server.wait().await;
}
