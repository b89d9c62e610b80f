//! What an import did to each row, and its CSV export.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::UserId;

/// The result of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    /// The user was created (and joined the chosen groups).
    Created(UserId),
    /// The existing user was updated ("update users who already exist"); what
    /// changed, in words (see [`UserUpdate`](super::UserUpdate)).
    Updated(UserId, String),
    /// Not sent, or the server had the user already; why.
    Skipped(String),
    /// Refused or invalid; why.
    Failed(String),
}

impl RowOutcome {
    /// "created", "updated", "skipped" or "failed".
    pub fn label(&self) -> &'static str {
        match self {
            Self::Created(_) => "created",
            Self::Updated(..) => "updated",

            Self::Skipped(_) => "skipped",
            Self::Failed(_) => "failed",
        }
    }
}

impl fmt::Display for RowOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Created(_) => f.write_str("created"),
            Self::Updated(_, what) => write!(f, "updated: {what}"),
            Self::Skipped(r) => write!(f, "skipped: {r}"),
            Self::Failed(r) => write!(f, "failed: {r}"),
        }
    }
}

/// Rows by result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Users created.
    pub created: usize,
    /// Existing users updated.
    pub updated: usize,
    /// Rows skipped.
    pub skipped: usize,
    /// Rows failed.
    pub failed: usize,
    /// Rows with no result yet.
    pub pending: usize,
}

impl ImportCounts {
    /// Every row.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.skipped + self.failed + self.pending
    }

    /// Rows with a result.
    pub fn done(&self) -> usize {
        self.created + self.updated + self.skipped + self.failed
    }

    /// Adds one row's result (`None` = pending).
    pub fn add(&mut self, outcome: Option<&RowOutcome>) {
        match outcome {
            None => self.pending += 1,
            Some(RowOutcome::Created(_)) => self.created += 1,
            Some(RowOutcome::Updated(..)) => self.updated += 1,
            Some(RowOutcome::Skipped(_)) => self.skipped += 1,
            Some(RowOutcome::Failed(_)) => self.failed += 1,
        }
    }
}

impl fmt::Display for ImportCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} created, ", self.created)?;
        // Only imports that update existing users have any.
        if self.updated > 0 {
            write!(f, "{} updated, ", self.updated)?;
        }
        write!(f, "{} skipped, {} failed", self.skipped, self.failed)?;
        if self.pending > 0 {
            write!(f, ", {} pending", self.pending)?;
        }
        Ok(())
    }
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The file line.
    pub line: u64,
    /// The address as imported.
    pub email: String,
    /// First name as imported.
    pub first_name: String,
    /// Last name as imported.
    pub last_name: String,
    /// Result; `None` while pending.
    pub outcome: Option<RowOutcome>,
}

/// Per-row results of one import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// In file order.
    pub rows: Vec<ReportRow>,
}

impl ImportReport {
    /// Rows by result.
    pub fn counts(&self) -> ImportCounts {
        let mut c = ImportCounts::default();
        for r in &self.rows {
            c.add(r.outcome.as_ref());
        }
        c
    }

    /// The ids of the users created.
    pub fn created(&self) -> Vec<UserId> {
        self.rows
            .iter()
            .filter_map(|r| match &r.outcome {
                Some(RowOutcome::Created(id)) => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    /// Writes the report as CSV (`line,email,first_name,last_name,result,reason,user_id`;
    /// an updated row's reason says what changed), every cell neutralised against
    /// formula injection.
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> Result<(), csv::Error> {
        let header = [
            "line",
            "email",
            "first_name",
            "last_name",
            "result",
            "reason",
            "user_id",
        ]
        .map(str::to_owned)
        .to_vec();
        let rows = self.rows.iter().map(|r| {
            let (result, reason, id) = match &r.outcome {
                None => ("pending", String::new(), String::new()),
                Some(RowOutcome::Created(id)) => ("created", String::new(), id.to_string()),
                Some(RowOutcome::Updated(id, what)) => ("updated", what.clone(), id.to_string()),
                Some(RowOutcome::Skipped(why)) => ("skipped", why.clone(), String::new()),
                Some(RowOutcome::Failed(why)) => ("failed", why.clone(), String::new()),
            };
            vec![
                r.line.to_string(),
                r.email.clone(),
                r.first_name.clone(),
                r.last_name.clone(),
                result.to_owned(),
                reason,
                id,
            ]
        });
        crate::export::write_csv(out, std::iter::once(header).chain(rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_export_is_formula_safe() {
        let report = ImportReport {
            rows: vec![
                ReportRow {
                    line: 2,
                    email: "a@b.example".into(),
                    first_name: "=HYPERLINK(\"x\")".into(),
                    last_name: "Lee".into(),
                    outcome: Some(RowOutcome::Created(UserId::from("u1"))),
                },
                ReportRow {
                    line: 3,
                    email: "c@b.example".into(),
                    first_name: "C".into(),
                    last_name: "-D".into(),
                    outcome: Some(RowOutcome::Failed("no seats".into())),
                },
            ],
        };
        let mut out = Vec::new();
        report.write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "line,email,first_name,last_name,result,reason,user_id\n\
             2,a@b.example,\"'=HYPERLINK(\"\"x\"\")\",Lee,created,,u1\n\
             3,c@b.example,C,'-D,failed,no seats,\n"
        );
        assert_eq!(
            report.counts().to_string(),
            "1 created, 0 skipped, 1 failed"
        );
    }
}
