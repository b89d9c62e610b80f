//! What every changing command shares: the plan (changes in words, users left
//! alone), `--dry-run`, the confirmation, sending, and the report.

use std::io::{BufRead, IsTerminal, Write};

use roster_core::actions::paths;
use roster_core::model::{Change, User, UserId};
use roster_core::store::Snapshot;
use roster_proto::PatchOpKind;

use super::Exit;
use super::session::{Loaded, Outcome, Session};
use crate::words;

/// Output format of the commands that show one user or change users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Lines for reading.
    Table,
    /// One JSON object.
    Json,
}

/// What a command would do, checked.
#[derive(Debug, Default)]
pub struct Plan {
    /// The changes, in the order they are sent.
    pub changes: Vec<Change>,
    /// Selected users left alone, and why.
    pub skipped: Vec<(String, String)>,
    /// The question a destructive plan asks (on a terminal; `--yes` otherwise).
    pub confirm: Option<String>,
    /// The consequence for the signed-in administrator themself: needs `--yes`,
    /// even on a terminal.
    pub yourself: Option<&'static str>,
}

/// How a command runs: its name in the report, `--dry-run`, `--yes`, the format.
pub struct Run {
    pub command: &'static str,
    pub dry_run: bool,
    pub yes: bool,
    pub format: Output,
}

/// Plans with `plan` on the organisation of `profile`, then prints the plan
/// (`--dry-run`) or asks, sends and reports.
pub fn act(
    profile: Option<&str>,
    run: &Run,
    plan: impl FnOnce(&Loaded) -> Result<Plan, Exit>,
) -> Result<(), Exit> {
    let session = Session::open(profile)?;
    let loaded = session.load()?;
    let plan = plan(&loaded)?;
    let described: Vec<Described> = plan
        .changes
        .iter()
        .map(|c| describe(c, &loaded.snapshot))
        .collect();
    if plan.changes.is_empty() {
        report(run, &described, &[], &plan.skipped, loaded.online)?;
        eprintln!("roster: nothing to change");
        return Ok(());
    }
    if run.dry_run {
        report(run, &described, &[], &plan.skipped, loaded.online)?;
        if let Some(text) = plan.yourself {
            eprintln!("roster: {text}\nroster: this needs --yes");
        } else if let Some(question) = &plan.confirm {
            eprintln!("roster: would ask: {question}");
        }
        eprintln!("roster: dry run: nothing was sent");
        return Ok(());
    }
    confirm(&plan, run.yes)?;
    let outcomes = session.submit(plan.changes)?;
    report(run, &described, &outcomes, &plan.skipped, loaded.online)?;
    let queued = outcomes.iter().filter(|o| **o == Outcome::Queued).count();
    if queued > 0 {
        eprintln!(
            "roster: offline: {} in the outbox; {} sent by `roster sync` or the \
             window once the server answers",
            words::count(queued, "change waits", "changes wait"),
            if queued == 1 { "it is" } else { "they are" }
        );
    }
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed(_)))
        .count();
    if failed > 0 {
        return Err(Exit::Refused(format!(
            "{failed} of {} failed",
            words::count(outcomes.len(), "change", "changes")
        )));
    }
    Ok(())
}

/// Asks on a terminal, or takes `--yes`; the consequence for yourself always needs
/// `--yes`.
fn confirm(plan: &Plan, yes: bool) -> Result<(), Exit> {
    if let Some(text) = plan.yourself {
        eprintln!("roster: {text}");
        if !yes {
            return Err(Exit::Refused(
                "not sent: this concerns your own account; run again with --yes to confirm"
                    .to_owned(),
            ));
        }
    }
    let Some(question) = &plan.confirm else {
        return Ok(());
    };
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Exit::Refused(format!(
            "not sent: {question} Without a terminal to ask on, confirm with --yes"
        )));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Exit::Refused(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Exit::Refused("cancelled: nothing was sent".to_owned())),
    }
}

/// One change in words.
#[derive(Debug, Clone)]
pub struct Described {
    /// The users it is about, by email.
    pub users: Vec<String>,
    /// What it does.
    pub action: String,
}

fn email_of(snapshot: &Snapshot, id: &UserId) -> String {
    snapshot
        .users
        .iter()
        .find(|u| &u.id == id)
        .map_or_else(|| id.to_string(), user_email)
}

/// The email a user is known by (the userName when there is no email).
pub fn user_email(user: &User) -> String {
    user.email
        .as_ref()
        .map_or_else(|| user.user_name.clone(), |e| e.as_str().to_owned())
}

fn license_name(snapshot: &Snapshot, id: &str) -> String {
    snapshot
        .licenses
        .iter()
        .find(|l| l.id.as_str() == id)
        .map_or_else(|| id.to_owned(), |l| l.name.clone())
}

fn group_name(snapshot: &Snapshot, id: &str) -> String {
    snapshot
        .groups
        .iter()
        .find(|g| g.id.as_str() == id)
        .map_or_else(|| id.to_owned(), |g| g.name.clone())
}

fn yes_no(value: Option<&serde_json::Value>) -> &'static str {
    if value.and_then(serde_json::Value::as_bool) == Some(true) {
        "yes"
    } else {
        "no"
    }
}

/// `change` in words, with emails and names instead of ids.
pub fn describe(change: &Change, snapshot: &Snapshot) -> Described {
    match change {
        Change::CreateUser(n) => {
            let mut parts = vec![format!("{} {}", n.given_name, n.family_name)];
            if n.admin {
                parts.push("Organisation Administrator".to_owned());
            }
            if n.local_login {
                parts.push("local login".to_owned());
            }
            if !n.licenses.is_empty() {
                let names: Vec<String> = n
                    .licenses
                    .iter()
                    .map(|l| license_name(snapshot, l.as_str()))
                    .collect();
                parts.push(format!("licenses: {}", names.join(", ")));
            }
            if !n.groups.is_empty() {
                let names: Vec<String> = n
                    .groups
                    .iter()
                    .map(|g| group_name(snapshot, g.as_str()))
                    .collect();
                parts.push(format!("groups: {}", names.join(", ")));
            }
            Described {
                users: vec![n.email.as_str().to_owned()],
                action: format!("invite ({})", parts.join("; ")),
            }
        }
        Change::PatchUser { id, ops, .. } => {
            let user = snapshot.users.iter().find(|u| &u.id == id);
            let admin_path = paths::admin();
            let local_path = paths::local_login();
            let parts: Vec<String> = ops
                .iter()
                .map(|op| {
                    let path = op.path.as_deref().unwrap_or("");
                    let value = op.value.as_ref();
                    let text = value.and_then(serde_json::Value::as_str).unwrap_or("");
                    match (&op.op, path) {
                        (PatchOpKind::Replace, paths::GIVEN_NAME) => format!(
                            "first name {:?} → {text:?}",
                            user.map_or("", |u| u.given_name.as_str())
                        ),
                        (PatchOpKind::Replace, paths::FAMILY_NAME) => format!(
                            "last name {:?} → {text:?}",
                            user.map_or("", |u| u.family_name.as_str())
                        ),
                        (PatchOpKind::Replace, p) if p == admin_path => {
                            format!("Organisation Administrator → {}", yes_no(value))
                        }
                        (PatchOpKind::Replace, p) if p == local_path => {
                            format!("local login → {}", yes_no(value))
                        }
                        (PatchOpKind::Add, paths::ENTITLEMENTS) => {
                            let names: Vec<String> = value
                                .and_then(serde_json::Value::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(|v| v["value"].as_str())
                                .map(|l| license_name(snapshot, l))
                                .collect();
                            format!("add license {}", names.join(", "))
                        }
                        (PatchOpKind::Remove, paths::ENTITLEMENTS) => {
                            "remove every direct license".to_owned()
                        }
                        (PatchOpKind::Remove, p) => match snapshot
                            .licenses
                            .iter()
                            .find(|l| paths::entitlement(l.id.as_str()) == p)
                        {
                            Some(l) => format!("remove license {}", l.name),
                            None => format!("remove {p}"),
                        },
                        (kind, p) => format!("{kind:?} {p}").to_lowercase(),
                    }
                })
                .collect();
            Described {
                users: vec![email_of(snapshot, id)],
                action: parts.join("; "),
            }
        }
        Change::DeleteUser { id, .. } => Described {
            users: vec![email_of(snapshot, id)],
            action: "delete".to_owned(),
        },
        Change::GroupMembers { group, add, remove } => {
            let name = group_name(snapshot, group.as_str());
            let action = match (add.is_empty(), remove.is_empty()) {
                (false, true) => format!("join group {name}"),
                (true, false) => format!("leave group {name}"),
                _ => format!("change the members of group {name}"),
            };
            Described {
                users: add
                    .iter()
                    .chain(remove)
                    .map(|id| email_of(snapshot, id))
                    .collect(),
                action,
            }
        }
        Change::ResendInvitation { id } => Described {
            users: vec![email_of(snapshot, id)],
            action: "resend the invitation".to_owned(),
        },
    }
}

/// The table: one line per user and change, the users left alone, a summary.
fn write_table(
    out: &mut impl Write,
    command: &str,
    rows: &[(&Described, &str, Option<&str>)],
    skipped: &[(String, String)],
    counts: &std::collections::BTreeMap<&str, usize>,
) -> std::io::Result<()> {
    let width = rows
        .iter()
        .flat_map(|(d, _, _)| d.users.iter())
        .chain(skipped.iter().map(|(u, _)| u))
        .map(|u| u.chars().count())
        .max()
        .unwrap_or(5)
        .min(60);
    for (d, s, reason) in rows {
        // One line per user: a group change of many users stays readable.
        for user in &d.users {
            write!(out, "{s:<11} {user:<width$} {}", d.action)?;
            match reason {
                Some(r) => writeln!(out, " ({r})")?,
                None => writeln!(out)?,
            }
        }
    }
    for (user, reason) in skipped {
        writeln!(out, "{:<11} {user:<width$} {reason}", "unchanged")?;
    }
    let mut summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    if !skipped.is_empty() {
        summary.push(format!("{} unchanged", skipped.len()));
    }
    if summary.is_empty() {
        summary.push("nothing to change".to_owned());
    }
    writeln!(out, "{command}: {}", summary.join(", "))
}

fn status(outcome: Option<&Outcome>) -> (&'static str, Option<&str>) {
    match outcome {
        None => ("planned", None),
        Some(Outcome::Done) => ("done", None),
        Some(Outcome::Deactivated) => (
            "deactivated",
            Some("the server deactivated the user instead of deleting it"),
        ),
        Some(Outcome::Failed(reason)) => ("failed", Some(reason.as_str())),
        Some(Outcome::Queued) => ("queued", Some("offline: waits in the outbox")),
    }
}

/// Prints what was planned (no outcomes) or what happened, in `run.format`.
fn report(
    run: &Run,
    described: &[Described],
    outcomes: &[Outcome],
    skipped: &[(String, String)],
    online: bool,
) -> Result<(), Exit> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let rows: Vec<(&Described, &str, Option<&str>)> = described
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (s, reason) = status(outcomes.get(i));
            *counts.entry(s).or_default() += 1;
            (d, s, reason)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let written = match run.format {
        Output::Json => {
            let changes: Vec<serde_json::Value> = rows
                .iter()
                .map(|(d, s, reason)| {
                    serde_json::json!({
                        "users": d.users, "action": d.action, "status": s, "reason": reason,
                    })
                })
                .collect();
            let skipped: Vec<serde_json::Value> = skipped
                .iter()
                .map(|(user, reason)| serde_json::json!({"user": user, "reason": reason}))
                .collect();
            let value = serde_json::json!({
                "command": run.command,
                "dry_run": run.dry_run,
                "online": online,
                "changes": changes,
                "skipped": skipped,
                "counts": counts,
            });
            serde_json::to_writer_pretty(&mut out, &value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        Output::Table => write_table(&mut out, run.command, &rows, skipped, &counts),
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Exit::Refused(format!("cannot write the report: {e}")))
        }
        _ => Ok(()),
    }
}
