//! The command line: the same engine as the window, without it.

mod act;
mod format;
mod import;
mod manual;
mod profile;
mod select;
mod session;
mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What the exit codes mean, in every command's help and in the man page.
pub const EXIT_CODES: &str = "\
Exit codes: 0 done (or nothing to do), 1 refused (a check, a confirmation not given, \
an unknown user) or partly failed (the server refused a change), 2 usage (the \
arguments).";

/// Roster: see, invite, edit, remove and import your organisation's users.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, after_help = EXIT_CODES)]
pub struct Args {
    /// Open the embedded demo organisation.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands of `roster`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, invite, edit, delete users; local login; invitations.
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
    /// Print a shell completion script (e.g. `roster completions bash >
    /// ~/.local/share/bash-completion/completions/roster`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) made from these definitions (`roster man | man -l -`).
    Man,
}

/// Why a command did not do what it was asked: the message, and the exit code it
/// maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Refused by a check or the administrator, or partly failed: exit code 1.
    Refused(String),
    /// The arguments do not make sense: exit code 2 (as clap's own usage errors).
    Usage(String),
}

impl From<String> for Exit {
    fn from(message: String) -> Self {
        Self::Refused(message)
    }
}

/// Runs a subcommand; messages go to stderr, data to stdout.
pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Users(c) => users::run(c),
        Command::Sync { profile } => users::sync(profile.as_deref()).map_err(Exit::from),
        Command::Profile(c) => profile::run(c).map_err(Exit::from),
        Command::Import(c) => import::run(c).map_err(Exit::from),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man => manual::man(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit::Refused(message)) => {
            eprintln!("roster: {message}");
            ExitCode::from(1)
        }
        Err(Exit::Usage(message)) => {
            eprintln!("roster: {message}");
            ExitCode::from(2)
        }
    }
}
