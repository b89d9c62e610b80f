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

const HEADER: [&str; 7] = [
    "email",
    "name",
    "organisation_administrator",
    "last_connection",
    "local_login",
    "licenses",
    "groups",
];

fn cells(row: &Row) -> [String; 7] {
    [
        row.email.clone(),
        row.name.clone(),
        row.admin.to_string(),
        row.last_connection.clone(),
        row.local_login.to_string(),
        row.licenses.clone(),
        row.groups.clone(),
    ]
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
                        "organisation_administrator": r.admin, "local_login": r.local_login,
                        "last_connection": r.last_connection_at, "licenses": r.licenses,
                        "groups": r.groups,
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
                longest(|r| r.email.chars().count(), "EMAIL"),
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
                let yes = |b: bool| if b { "yes" } else { "no" };
                writeln!(
                    out,
                    "{:<w0$} {:<w1$} {:<w2$} {:<w3$} {:<w4$} {} / {}",
                    r.email,
                    r.name,
                    yes(r.admin),
                    r.last_connection,
                    yes(r.local_login),
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
