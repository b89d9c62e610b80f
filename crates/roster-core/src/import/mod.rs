//! CSV import: read a file, validate its rows against the cached organisation, and
//! report what the submission did to each row.
//!
//! - [`read`]: the file's shape (header, delimiter, encoding, ragged rows), streamed
//!   row by row, into [`ImportRow`]s.
//! - [`columns`]: the optional `admin`, `local_login`, `licenses` and `groups`
//!   columns, each row's own values on top of the import's options.
//! - [`validate`]: one [`RowStatus`] per row (ready, will be skipped, error with the
//!   reason), offline against the cached [`Snapshot`](crate::store::Snapshot).
//! - [`update`]: "update users who already exist", what a row changes on a user.
//! - [`report`]: per-row results of a submission, exportable as formula-safe CSV.
//!
//! The store keeps prepared imports and their per-row journal
//! ([`Store::save_import`](crate::store::Store::save_import)); the engine submits them
//! through `/Bulk` ([`Command::SubmitImport`](crate::engine::Command::SubmitImport)).

pub mod columns;
mod encoding;
mod newlines;
pub mod read;
pub mod report;
mod seats;
pub mod update;
pub mod validate;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Email, GroupId, LicenseId, NewUser};

pub use columns::{Catalog, CellError, Extra, ExtraColumns, RowCells, RowValues};
pub use encoding::Encoding;
pub use read::{ReadFile, ShapeError, read_file, read_path};
pub use report::{ImportCounts, ImportReport, ReportRow, RowOutcome};
pub use seats::{SeatShortfall, import_seat_shortfalls, seat_shortfalls};
pub use update::{Named, UserUpdate};
pub use validate::{
    Field, RowError, RowStatus, SkipReason, StatusCounts, ValidationContext, validate,
    validate_import,
};

/// One data row of an import file, trimmed, as the administrator may have fixed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line of the file where the row starts (1 is the header).
    pub line: u64,
    /// The `email` column.
    pub email: String,
    /// The `first_name` column.
    pub first_name: String,
    /// The `last_name` column.
    pub last_name: String,
    /// Left out by the administrator: never sent, reported as skipped.
    pub excluded: bool,
}

impl ImportRow {
    /// The cell of `field`.
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Email => &self.email,
            Field::FirstName => &self.first_name,
            Field::LastName => &self.last_name,
        }
    }

    /// Replaces the cell of `field` with `value`, trimmed.
    pub fn set(&mut self, field: Field, value: &str) {
        let value = value.trim().to_owned();
        match field {
            Field::Email => self.email = value,
            Field::FirstName => self.first_name = value,
            Field::LastName => self.last_name = value,
        }
    }
}

/// What every imported user gets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Licenses assigned directly.
    pub licenses: Vec<LicenseId>,
    /// Groups the users join.
    pub groups: Vec<GroupId>,
    /// Local authentication (a password) besides the identity provider.
    pub local_login: bool,
    /// The file's optional columns (`admin`, `local_login`, `licenses`, `groups`)
    /// and each row's cells in them. Kept here because the store keeps the options
    /// as one serialized value; absent from imports saved before these columns.
    #[serde(default, skip_serializing_if = "ExtraColumns::is_empty")]
    pub columns: ExtraColumns,
    /// "Update users who already exist": rows of existing users change them (see
    /// [`UserUpdate`]) instead of being skipped. Off in imports saved before it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub update_existing: bool,
}

impl ImportOptions {
    /// The user to create for a ready row whose address is `email`, with the
    /// import's options only (the row's own cells are not looked at).
    pub fn new_user(&self, email: Email, row: &ImportRow) -> NewUser {
        self.user_for(email, row, &RowValues::default())
    }

    /// The row's own values (its cells of the optional columns), resolved against
    /// `catalog`.
    pub fn row_values(
        &self,
        row: &ImportRow,
        catalog: Option<&Catalog>,
    ) -> Result<RowValues, CellError> {
        match self.columns.of(row.line) {
            Some(cells) => columns::resolve(cells, catalog),
            None => Ok(RowValues::default()),
        }
    }

    /// The user to create for a ready row whose address is `email` and whose own
    /// values are `values`: its `admin` (default no) and `local_login` (default the
    /// import's), and its licenses and groups added to the import's.
    pub fn user_for(&self, email: Email, row: &ImportRow, values: &RowValues) -> NewUser {
        let mut licenses = self.licenses.clone();
        for l in &values.licenses {
            if !licenses.contains(l) {
                licenses.push(l.clone());
            }
        }
        let mut groups = self.groups.clone();
        for g in &values.groups {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        NewUser {
            email,
            given_name: row.first_name.clone(),
            family_name: row.last_name.clone(),
            admin: values.admin.unwrap_or(false),
            local_login: values.local_login.unwrap_or(self.local_login),
            licenses,
            groups,
        }
    }
}

/// The local id of an import kept in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImportId(pub i64);

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where an import is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportState {
    /// Prepared (possibly offline) and saved for later; nothing sent.
    Prepared,
    /// Being sent, or interrupted while being sent (resume it).
    Submitting,
    /// Cancelled by the administrator: what was sent stays, the rest is pending.
    Cancelled,
    /// Every row has its result.
    Finished,
}

impl ImportState {
    /// The word the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prepared => "prepared",
            Self::Submitting => "submitting",
            Self::Cancelled => "cancelled",
            Self::Finished => "finished",
        }
    }

    /// Reads [`ImportState::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "prepared" => Self::Prepared,
            "submitting" => Self::Submitting,
            "cancelled" => Self::Cancelled,
            "finished" => Self::Finished,
            _ => return None,
        })
    }

    /// As the Prepared imports list says it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Prepared => "prepared, not sent",
            Self::Submitting => "being sent or interrupted",
            Self::Cancelled => "cancelled, the rest pending",
            Self::Finished => "finished",
        }
    }
}

/// An import as the store keeps it: the rows with the administrator's fixes and
/// exclusions, and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedImport {
    /// `None` until saved.
    pub id: Option<ImportId>,
    /// A name to list it by (the file's name).
    pub name: String,
    /// The rows, in file order.
    pub rows: Vec<ImportRow>,
    /// What every imported user gets.
    pub options: ImportOptions,
    /// Columns of the file that were ignored.
    pub ignored_columns: Vec<String>,
}

impl PreparedImport {
    /// A new, unsaved import of `file` named `name`.
    pub fn from_file(name: impl Into<String>, file: ReadFile) -> Self {
        Self {
            id: None,
            name: name.into(),
            rows: file.rows,
            options: ImportOptions {
                columns: file.columns,
                ..ImportOptions::default()
            },
            ignored_columns: file.ignored_columns,
        }
    }
}

/// An import in the list of saved ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// Its id.
    pub id: ImportId,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub state: ImportState,
    /// When it was first saved.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
    /// Rows by result so far.
    pub counts: ImportCounts,
}
