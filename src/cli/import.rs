//! `roster import check|run|resume|list`: the import engine without the window.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use roster_core::client::Capabilities;
use roster_core::engine::{Command, Event, ImportProgress, ImportRun};
use roster_core::import::{
    self, ImportId, PreparedImport, RowStatus, StatusCounts, ValidationContext,
};
use roster_core::model::{GroupId, LicenseId};
use roster_core::store::Snapshot;

use super::session::Session;
use crate::words;

/// `roster import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Validate a CSV file against the organisation (or its local copy, offline):
    /// prints each row's status and a summary; exits non-zero when a row has an error.
    Check {
        /// The CSV file (email, first_name, last_name; optionally admin, local_login,
        /// licenses, groups).
        file: PathBuf,
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
        /// Check as `run --update-existing` would: rows of existing users say what
        /// they would change (or "no change") instead of "will be skipped".
        #[arg(long)]
        update_existing: bool,
    },
    /// Import the ready rows of a CSV file, then print the report.
    Run {
        /// The CSV file (email, first_name, last_name; optionally admin, local_login,
        /// licenses, groups per row, added to the options below).
        file: PathBuf,
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
        /// A license (name or id) for every imported user; repeat for several.
        #[arg(long = "license")]
        licenses: Vec<String>,
        /// A group (name or id) every imported user joins; repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Allow local authentication (a password) for the imported users.
        #[arg(long)]
        local_login: bool,
        /// Update users who already exist instead of skipping them: their names, and
        /// their admin, local_login, licenses and groups where the row fills those
        /// columns (a filled licenses or groups cell is the user's whole list). One
        /// edit per user; the options above are for new users only.
        #[arg(long)]
        update_existing: bool,
        /// Write the per-row report to this CSV file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Resume an interrupted or cancelled import (see `roster import list`).
    Resume {
        /// The import's number.
        id: i64,
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
        /// Write the per-row report to this CSV file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// List the imports kept in the local store (prepared, interrupted, finished).
    List {
        /// Connection profile (default: the last one used, else the demo organisation).
        #[arg(long)]
        profile: Option<String>,
    },
}

pub fn run(command: ImportCommand) -> Result<(), String> {
    match command {
        ImportCommand::Check {
            file,
            profile,
            update_existing,
        } => check(&file, profile.as_deref(), update_existing),
        ImportCommand::Run {
            file,
            profile,
            licenses,
            groups,
            local_login,
            update_existing,
            report,
        } => {
            let session = Session::open(profile.as_deref())?;
            let loaded = session.load()?;
            let snapshot = loaded.snapshot;
            let (prepared, statuses) = read_and_validate(
                &file,
                &snapshot,
                update_existing,
                loaded.capabilities.as_ref(),
                loaded.me.as_ref(),
            )?;
            let mut options = prepared.options.clone();
            options.licenses = resolve_licenses(&snapshot, &licenses)?;
            options.groups = resolve_groups(&snapshot, &groups)?;
            options.local_login = local_login;
            let counts = StatusCounts::of(&statuses);
            warn_seats(&options, &prepared, &statuses, &snapshot);
            let import = PreparedImport {
                options,
                ..prepared
            };
            let id = session
                .store
                .save_import(&session.name, &import)
                .map_err(|e| roster_core::CoreError::from(e).to_string())?;
            let update = if update_existing {
                format!("{} to update, ", counts.update)
            } else {
                String::new()
            };
            eprintln!(
                "roster: import {id}: {} ready, {update}{} already exist, {} excluded, {} with errors",
                counts.ready, counts.existing, counts.excluded, counts.errors
            );
            submit(&session, id, report.as_deref())
        }
        ImportCommand::Resume {
            id,
            profile,
            report,
        } => {
            let session = Session::open(profile.as_deref())?;
            submit(&session, ImportId(id), report.as_deref())
        }
        ImportCommand::List { profile } => {
            let (store, _lock) = super::session::open_store()?;
            let profile = match profile {
                Some(p) => p,
                None => roster_core::profiles::last_used(&store)
                    .map_err(|e| e.to_string())?
                    .unwrap_or_else(|| crate::demo_org::DEMO_PROFILE.to_owned()),
            };
            let list = store
                .list_imports(&profile)
                .map_err(|e| roster_core::CoreError::from(e).to_string())?;
            if list.is_empty() {
                println!("No imports kept for {profile}.");
            }
            for s in list {
                println!(
                    "{:>5}  {}  {:<28}  {}  ({})",
                    s.id.0,
                    s.updated
                        .with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M"),
                    s.state.describe(),
                    s.name,
                    s.counts
                );
            }
            Ok(())
        }
    }
}

fn check(file: &Path, profile: Option<&str>, update_existing: bool) -> Result<(), String> {
    let session = Session::open(profile)?;
    let loaded = session.load()?;
    let snapshot = loaded.snapshot;
    let (prepared, statuses) = read_and_validate(
        file,
        &snapshot,
        update_existing,
        loaded.capabilities.as_ref(),
        loaded.me.as_ref(),
    )?;
    warn_seats(&prepared.options, &prepared, &statuses, &snapshot);
    let mut out = String::new();
    for (row, status) in prepared.rows.iter().zip(&statuses) {
        out.push_str(&format!(
            "line {:>6}  {:<16} {}",
            row.line,
            status.label(),
            row.email
        ));
        match status {
            RowStatus::Ready => {}
            RowStatus::WillUpdate(u) => out.push_str(&format!("  {u}")),
            RowStatus::WillSkip(r) => out.push_str(&format!("  ({r})")),
            RowStatus::Error(e) => out.push_str(&format!("  {e}")),
        }
        out.push('\n');
    }
    print!("{out}");
    let c = StatusCounts::of(&statuses);
    if update_existing {
        println!(
            "{}: {} ready, {} to update, {} with no change (will be skipped), {} \
             with errors",
            words::rows(statuses.len()),
            c.ready,
            c.update,
            already_exist(c.existing),
            c.errors
        );
    } else {
        println!(
            "{}: {} ready, {} (will be skipped), {} with errors",
            words::rows(statuses.len()),
            c.ready,
            already_exist(c.existing),
            c.errors
        );
    }
    if c.errors > 0 {
        return Err(format!(
            "{} errors; fix them in the file (or exclude them in the app) before \
             importing",
            words::count(c.errors, "row has", "rows have")
        ));
    }
    Ok(())
}

/// Reads `file` and validates it against `snapshot`, what the server supports
/// (`capabilities`) and who is signed in (`me`), updating existing users or not,
/// printing the notes and how old the data is on stderr.
/// "1 already exists", "3 already exist".
fn already_exist(n: usize) -> String {
    words::count(n, "already exists", "already exist")
}

fn read_and_validate(
    file: &Path,
    snapshot: &Snapshot,
    update_existing: bool,
    capabilities: Option<&Capabilities>,
    me: Option<&roster_core::model::UserId>,
) -> Result<(PreparedImport, Vec<RowStatus>), String> {
    let read = import::read_path(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for note in read.notes() {
        eprintln!("roster: {note}");
    }
    let mut ctx = ValidationContext::from_snapshot(snapshot).with_capabilities(capabilities);
    ctx.me = me.cloned();
    eprintln!("roster: {}", ctx.describe_age(chrono::Utc::now()));
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut prepared = PreparedImport::from_file(name, read);
    prepared.options.update_existing = update_existing;
    let statuses = import::validate_import(&prepared.rows, &prepared.options, &ctx);
    Ok((prepared, statuses))
}

/// Warns, on stderr, of the licenses whose seats the ready rows would exceed, counted
/// across the file (the options' licenses and groups and each row's own).
fn warn_seats(
    options: &import::ImportOptions,
    prepared: &PreparedImport,
    statuses: &[RowStatus],
    snapshot: &Snapshot,
) {
    for shortfall in import::import_seat_shortfalls(
        options,
        &prepared.rows,
        statuses,
        &snapshot.groups,
        &snapshot.licenses,
    ) {
        eprintln!("roster: warning: {shortfall}");
    }
}

pub(super) fn resolve_licenses(
    snapshot: &Snapshot,
    given: &[String],
) -> Result<Vec<LicenseId>, String> {
    given
        .iter()
        .map(|g| {
            snapshot
                .licenses
                .iter()
                .find(|l| l.id.as_str() == g || l.name.eq_ignore_ascii_case(g))
                .map(|l| l.id.clone())
                .ok_or_else(|| {
                    let names: Vec<&str> =
                        snapshot.licenses.iter().map(|l| l.name.as_str()).collect();
                    format!(
                        "no license {g:?}; the organisation has: {}",
                        names.join(", ")
                    )
                })
        })
        .collect()
}

pub(super) fn resolve_groups(
    snapshot: &Snapshot,
    given: &[String],
) -> Result<Vec<GroupId>, String> {
    given
        .iter()
        .map(|g| {
            snapshot
                .groups
                .iter()
                .find(|x| x.id.as_str() == g || x.name.eq_ignore_ascii_case(g))
                .map(|x| x.id.clone())
                .ok_or_else(|| {
                    let names: Vec<&str> =
                        snapshot.groups.iter().map(|x| x.name.as_str()).collect();
                    format!("no group {g:?}; the organisation has: {}", names.join(", "))
                })
        })
        .collect()
}

/// Sends import `id`, showing progress on a terminal, and prints the report.
fn submit(session: &Session, id: ImportId, report: Option<&Path>) -> Result<(), String> {
    let store_err = |e| roster_core::CoreError::from(e).to_string();
    let stored = session
        .store
        .load_import(id)
        .map_err(store_err)?
        .ok_or_else(|| format!("there is no import {id}"))?;
    let total = stored.import.rows.len() as u64;
    // indicatif draws nothing when stderr is not a terminal (scripts, CI).
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    session.engine.send(Command::SubmitImport(id));
    let last = loop {
        let Some(event) = session.engine.recv_timeout(Duration::from_secs(600)) else {
            bar.abandon();
            return Err(format!(
                "no progress from import {id} for 10 minutes; resume it with `roster import resume {}`",
                id.0
            ));
        };
        let Event::Import(ImportProgress {
            id: of,
            counts,
            run,
        }) = event
        else {
            continue;
        };
        if of != id {
            continue;
        }
        bar.set_position(counts.done() as u64);
        match run {
            ImportRun::Sending => bar.set_message(counts.to_string()),
            ImportRun::Waiting { reason } => {
                bar.set_message(format!("waiting for the server: {reason}"));
                if !console_visible(&bar) {
                    eprintln!("roster: waiting for the server: {reason}");
                }
            }
            ImportRun::Finished | ImportRun::Cancelled => break Ok(counts),
            ImportRun::Failed(e) => break Err(e),
        }
    };
    bar.finish_and_clear();
    let result = session.store.import_report(id).map_err(store_err)?;
    for row in &result.rows {
        match &row.outcome {
            Some(o @ (import::RowOutcome::Skipped(_) | import::RowOutcome::Failed(_))) => {
                println!("line {:>6}  {}  {o}", row.line, row.email);
            }
            Some(o @ import::RowOutcome::Updated(..)) => {
                println!("line {:>6}  {}  {o}", row.line, row.email);
            }
            None => println!("line {:>6}  {}  pending", row.line, row.email),
            Some(import::RowOutcome::Created(_)) => {}
        }
    }
    let counts = result.counts();
    println!("import {id}: {counts}");
    if let Some(path) = report {
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        result
            .write_csv(std::io::BufWriter::new(file))
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        eprintln!("roster: report written to {}", path.display());
    }
    match last {
        Err(e) => Err(format!(
            "import {id} stopped: {e}; resume it with `roster import resume {}`",
            id.0
        )),
        Ok(_) if counts.failed > 0 => Err(format!("{} failed", words::rows(counts.failed))),
        Ok(_) => Ok(()),
    }
}

fn console_visible(bar: &ProgressBar) -> bool {
    !bar.is_hidden()
}
