//! `roster users …` and `roster sync`.

use clap::Subcommand;

use super::format::{self, Format};
use super::session::Session;

/// `roster users` subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Print every user of the organisation.
    List {
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(command: UsersCommand) -> Result<(), String> {
    match command {
        UsersCommand::List { profile, format } => {
            let session = Session::open(profile.as_deref())?;
            let snapshot = session.organisation()?;
            let rows = format::rows(&snapshot);
            format::write(std::io::stdout().lock(), &rows, format)
        }
    }
}

/// `roster sync`: refresh and send pending changes; prints a summary.
pub fn sync(profile: Option<&str>) -> Result<(), String> {
    let session = Session::open(profile)?;
    let snapshot = session.organisation()?;
    let outstanding = session.flush()?;
    println!(
        "{}: {} users, {} groups, {} licenses; {} change(s) not yet confirmed by the server",
        session.name,
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.licenses.len(),
        outstanding
    );
    Ok(())
}
