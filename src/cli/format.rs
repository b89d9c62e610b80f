//! How `roster users list` prints users.

use std::io::Write;

use roster_core::store::Snapshot;

use crate::users::rows::{Names, Row};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    Table,
    /// CSV with a header row (cells that spreadsheets would run as formulas are
    /// neutralised).
    Csv,
    /// A JSON array of objects.
    Json,
}

/// The grid's rows of `snapshot`, sorted by email.
pub fn rows(snapshot: &Snapshot) -> Vec<Row> {
    let names = Names::from_snapshot(snapshot);
    let mut rows: Vec<Row> = snapshot.users.iter().map(|u| Row::new(u, &names)).collect();
    rows.sort_by_key(|r| r.email.to_lowercase());
    rows
}

const HEADER: [&str; 8] = [
    "email",
    "name",
    "organisation_administrator",
    "last_connection",
    "local_login",
    "active",
    "licenses",
    "groups",
];

/// What the server says of a yes/no attribute: `None` when it says nothing (a server
/// without Roster's extension), printed "—" or `null`, never as "no".
fn known(value: bool, known: bool) -> Option<bool> {
    known.then_some(value)
}

fn text(value: Option<bool>) -> String {
    value.map_or_else(|| "—".to_owned(), |b| b.to_string())
}

fn cells(row: &Row) -> [String; 8] {
    [
        row.email.clone(),
        row.name.clone(),
        text(known(row.admin, row.admin_known)),
        row.last_connection(),
        text(known(row.local_login, row.local_login_known)),
        row.active.to_string(),
        row.licenses.to_string(),
        row.groups.to_string(),
    ]
}

/// `last_connection` in JSON: the time, "never", or `null` when the server says
/// nothing about it.
fn last_connection_json(row: &Row) -> serde_json::Value {
    match (row.last_connection_at, row.last_connection_known) {
        (Some(at), _) => serde_json::json!(at),
        (None, true) => serde_json::json!("never"),
        (None, false) => serde_json::Value::Null,
    }
}

/// Writes `rows` to `out` in `format`. A reader that stops early (`| head`) is not
/// an error.
pub fn write(out: impl Write, rows: &[Row], format: Format) -> Result<(), String> {
    match write_all(out, rows, format) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the list: {e}")),
        Ok(()) => Ok(()),
    }
}

fn write_all(mut out: impl Write, rows: &[Row], format: Format) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            let header = HEADER.map(str::to_owned);
            let all = std::iter::once(header).chain(rows.iter().map(cells));
            roster_core::export::write_csv(out, all).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(io) => io,
                other => std::io::Error::other(format!("{other:?}")),
            })
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id.as_str(), "email": r.email, "name": r.name,
                        "organisation_administrator": known(r.admin, r.admin_known),
                        "local_login": known(r.local_login, r.local_login_known),
                        "last_connection": last_connection_json(r), "active": r.active,
                        "licenses": r.licenses, "groups": r.groups,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list).map_err(std::io::Error::from)?;
            writeln!(out)
        }
        Format::Table => {
            let longest = |f: fn(&Row) -> usize, title: &str| {
                rows.iter()
                    .map(f)
                    .max()
                    .unwrap_or(0)
                    .max(title.len())
                    .min(60)
            };
            let widths = [
                longest(
                    |r| r.email.chars().count() + if r.active { 0 } else { 14 },
                    "EMAIL",
                ),
                longest(|r| r.name.chars().count(), "NAME"),
                5,
                16,
                5,
            ];
            writeln!(
                out,
                "{:<w0$} {:<w1$} {:<5} {:<16} {:<5} LICENSES / GROUPS",
                "EMAIL",
                "NAME",
                "ADMIN",
                "LAST CONNECTION",
                "LOCAL",
                w0 = widths[0],
                w1 = widths[1],
            )?;
            for r in rows {
                let yes = |b: Option<bool>| match b {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "—",
                };
                let email = if r.active {
                    r.email.clone()
                } else {
                    format!("{} (deactivated)", r.email)
                };
                writeln!(
                    out,
                    "{:<w0$} {:<w1$} {:<w2$} {:<w3$} {:<w4$} {} / {}",
                    email,
                    r.name,
                    yes(known(r.admin, r.admin_known)),
                    r.last_connection(),
                    yes(known(r.local_login, r.local_login_known)),
                    r.licenses,
                    r.groups,
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3],
                    w4 = widths[4],
                )?;
            }
            Ok(())
        }
    }
}
