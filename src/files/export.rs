//! "Export as CSV": the selection or every user shown, written on a background
//! thread with formula cells neutralised (roster-core's `export::write_csv`).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::users::org::OrgState;

/// The header of an export.
pub const HEADER: [&str; 9] = [
    "email",
    "first_name",
    "last_name",
    "organisation_administrator",
    "local_login",
    "last_connection",
    "licenses",
    "groups",
    "invitation_pending",
];

/// The CSV rows (header first) of the users at `rows` (indices into `org.rows`).
pub fn table(org: &OrgState, rows: impl Iterator<Item = usize>) -> Vec<Vec<String>> {
    let mut table = vec![HEADER.iter().map(|h| (*h).to_owned()).collect()];
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    for i in rows {
        let (Some(row), Some(user)) = (org.rows.get(i), org.users.get(i)) else {
            continue;
        };
        table.push(vec![
            row.email.clone(),
            user.given_name.clone(),
            user.family_name.clone(),
            yes_no(row.admin),
            yes_no(row.local_login),
            row.last_connection_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            row.licenses.to_string(),
            row.groups.to_string(),
            yes_no(row.invitation_pending),
        ]);
    }
    table
}

/// Writes `table` to `path`.
pub fn write(path: &Path, table: &[Vec<String>]) -> Result<(), String> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("{} cannot be written: {e}", path.display()))?;
    roster_core::export::write_csv(std::io::BufWriter::new(file), table)
        .map_err(|e| format!("Writing {} failed: {e}", path.display()))
}

/// An export in progress: waiting for the picker, then for the writer.
pub enum Export {
    /// The picker is open.
    Picking {
        /// Its answer.
        path: mpsc::Receiver<Option<PathBuf>>,
        /// What to write.
        table: Vec<Vec<String>>,
    },
    /// Being written.
    Writing {
        /// Users written, or why not.
        done: mpsc::Receiver<Result<(PathBuf, usize), String>>,
    },
}

/// What became of an export this frame.
pub enum Progress {
    /// Still going.
    Busy(Export),
    /// The picker was cancelled.
    Cancelled,
    /// Written: the file and the number of users.
    Written(PathBuf, usize),
    /// Failed, in words.
    Failed(String),
}

impl Export {
    /// Moves the export on without waiting.
    pub fn poll(self) -> Progress {
        match self {
            Export::Picking { path, table } => match path.try_recv() {
                Ok(Some(path)) => {
                    let (tx, rx) = mpsc::channel();
                    let users = table.len().saturating_sub(1);
                    std::thread::spawn(move || {
                        let _ = tx.send(write(&path, &table).map(|()| (path, users)));
                    });
                    Progress::Busy(Export::Writing { done: rx })
                }
                Ok(None) | Err(mpsc::TryRecvError::Disconnected) => Progress::Cancelled,
                Err(mpsc::TryRecvError::Empty) => Progress::Busy(Export::Picking { path, table }),
            },
            Export::Writing { done } => match done.try_recv() {
                Ok(Ok((path, users))) => Progress::Written(path, users),
                Ok(Err(message)) => Progress::Failed(message),
                Err(mpsc::TryRecvError::Disconnected) => {
                    Progress::Failed("The export stopped unexpectedly.".to_owned())
                }
                Err(mpsc::TryRecvError::Empty) => Progress::Busy(Export::Writing { done }),
            },
        }
    }
}
