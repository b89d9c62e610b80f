//! `roster profile add|list|remove`.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Subcommand;
use roster_core::client::{ApiClient, Profile, Token};
use roster_core::profiles::{self, ProfileSettings, TokenPlace};

use super::session::{open_store, secrets};

/// `roster profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add (or replace) a connection. The API token is read from the environment
    /// variable named by --token-env, else from the first line of standard input.
    Add {
        /// A name for the connection, e.g. "acme".
        name: String,
        /// The SCIM base URL, e.g. https://admin.example.com/scim/v2
        #[arg(long)]
        url: String,
        /// An extra CA certificate (PEM) to trust, for a company CA.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<PathBuf>,
        /// Read the token from this environment variable instead of standard input.
        #[arg(long, value_name = "VAR")]
        token_env: Option<String>,
        /// Keep the token in a file only you can read (0600) instead of the system
        /// keyring, e.g. where no keyring runs.
        #[arg(long)]
        token_file: bool,
        /// Save without testing the connection first.
        #[arg(long)]
        no_verify: bool,
    },
    /// List the connections.
    List,
    /// Remove a connection, its token and its local data.
    Remove {
        /// The connection's name.
        name: String,
    },
}

pub fn run(command: ProfileCommand) -> Result<(), String> {
    match command {
        ProfileCommand::Add {
            name,
            url,
            ca_cert,
            token_env,
            token_file,
            no_verify,
        } => add(name, url, ca_cert, token_env, token_file, no_verify),
        ProfileCommand::List => list(),
        ProfileCommand::Remove { name } => {
            let (store, _lock) = open_store()?;
            profiles::remove(&store, &secrets()?, &name).map_err(|e| e.to_string())?;
            eprintln!("roster: removed {name}");
            Ok(())
        }
    }
}

fn read_token(token_env: Option<&str>) -> Result<Token, String> {
    let token = match token_env {
        Some(var) => {
            std::env::var(var).map_err(|_| format!("the environment variable {var} is not set"))?
        }
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the token from standard input: {e}"))?;
            line
        }
    };
    let token = Token::new(token);
    if token.is_empty() {
        return Err("the API token is empty".to_owned());
    }
    Ok(token)
}

fn add(
    name: String,
    url: String,
    ca_cert: Option<PathBuf>,
    token_env: Option<String>,
    token_file: bool,
    no_verify: bool,
) -> Result<(), String> {
    if name == crate::demo_org::DEMO_PROFILE {
        return Err("\"demo\" is the built-in demo organisation; choose another name".to_owned());
    }
    let secrets = secrets()?;
    let token_place = if token_file {
        TokenPlace::File
    } else {
        secrets
            .keyring_status()
            .map_err(|e| format!("{e}\nTo keep the token in a file instead, add --token-file."))?;
        TokenPlace::Keyring
    };
    let token = read_token(token_env.as_deref())?;
    let settings = ProfileSettings {
        name: name.clone(),
        base_url: url.trim_end_matches('/').to_owned(),
        ca_certificate: ca_cert,
        token_place,
    };
    if !no_verify {
        verify(&settings, &token)?;
    }
    let (store, _lock) = open_store()?;
    profiles::save(&store, &secrets, &settings, &token).map_err(|e| e.to_string())?;
    // A connection just added is what the next command (and the window) opens.
    profiles::set_last_used(&store, &name).map_err(|e| e.to_string())?;
    eprintln!(
        "roster: saved {name}; its token is kept in {}",
        match token_place {
            TokenPlace::Keyring => "the system keyring".to_owned(),
            TokenPlace::File =>
                format!("a private file in {}", crate::paths::token_dir()?.display()),
        }
    );
    Ok(())
}

/// Connects once and says what the server supports.
fn verify(settings: &ProfileSettings, token: &Token) -> Result<(), String> {
    let ca_certificate_pem = match &settings.ca_certificate {
        None => None,
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?,
        ),
    };
    let profile = Profile {
        name: settings.name.clone(),
        base_url: settings.base_url.clone(),
        token: token.clone(),
        ca_certificate_pem,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let info = runtime
        .block_on(async { ApiClient::new(&profile)?.connect().await })
        .map_err(|e| e.to_string())?;
    let c = &info.capabilities;
    let org = info
        .organisation
        .as_ref()
        .map_or_else(|| "a SCIM server".to_owned(), |o| o.name.clone());
    eprintln!(
        "roster: connected to {org}: bulk {}, ETags {}, filters {}, Roster extension {}",
        if c.bulk.is_some() { "yes" } else { "no" },
        if c.etag { "yes" } else { "no" },
        if c.filter { "yes" } else { "no" },
        if c.roster_extension { "yes" } else { "no" },
    );
    Ok(())
}

fn list() -> Result<(), String> {
    let (store, _lock) = open_store()?;
    let last = profiles::last_used(&store).map_err(|e| e.to_string())?;
    println!("{:<20} {:<50} TOKEN", "NAME", "URL");
    println!(
        "{:<20} {:<50} (built in)",
        "demo", "embedded demo organisation"
    );
    for p in profiles::list(&store).map_err(|e| e.to_string())? {
        let mark = if last.as_deref() == Some(p.name.as_str()) {
            " (last used)"
        } else {
            ""
        };
        let place = match p.token_place {
            TokenPlace::Keyring => "keyring",
            TokenPlace::File => "file",
        };
        println!("{:<20} {:<50} {place}{mark}", p.name, p.base_url);
    }
    Ok(())
}
