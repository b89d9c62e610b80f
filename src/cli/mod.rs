//! The command line: the same engine as the window, without it.

mod format;
mod import;
mod profile;
mod session;
mod users;

use std::process::ExitCode;

use clap::Subcommand;

/// Subcommands of `roster`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, export and inspect users.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Refresh the local copy from the server and send pending changes.
    Sync {
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
    },
    /// Check and import users from a CSV file.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Manage connection profiles (an organisation's URL and API token).
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
}

/// Runs a subcommand; messages go to stderr, data to stdout.
pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Users(c) => users::run(c),
        Command::Sync { profile } => users::sync(profile.as_deref()),
        Command::Profile(c) => profile::run(c),
        Command::Import(c) => import::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster: {message}");
            ExitCode::FAILURE
        }
    }
}
