//! The optional columns of an import file: `admin`, `local_login`, `licenses` and
//! `groups`, giving each row its own role, local login, licenses and groups on top
//! of what the import gives everyone ([`ImportOptions`](super::ImportOptions)).
//!
//! Cells are kept as written (trimmed) and resolved against the organisation's
//! licenses and groups when the rows are checked and again when they are sent, so a
//! prepared import saved offline is checked against what the organisation has then.
//!
//! They are kept by the row's line in the import's options: the store keeps options
//! as one serialized value, so imports saved before these columns existed still read
//! (every field has a serde default).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::validate::header_key;
use crate::model::{Group, GroupId, License, LicenseId};

/// An optional column of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extra {
    /// `admin`: true makes the user an administrator.
    Admin,
    /// `local_login`: local authentication (a password) besides the identity provider.
    LocalLogin,
    /// `licenses`: license names (or ids) separated by `;`.
    Licenses,
    /// `groups`: group names (or ids) separated by `;`.
    Groups,
}

impl Extra {
    /// Every optional column, in template order.
    pub const ALL: [Extra; 4] = [
        Extra::Admin,
        Extra::LocalLogin,
        Extra::Licenses,
        Extra::Groups,
    ];

    /// The header name.
    pub fn column(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::LocalLogin => "local_login",
            Self::Licenses => "licenses",
            Self::Groups => "groups",
        }
    }

    /// The column a header cell names: case, spaces, `_` and `-` do not matter, and
    /// the singular is taken for the plural.
    pub fn from_header(cell: &str) -> Option<Self> {
        match header_key(cell).as_str() {
            "admin" => Some(Self::Admin),
            "locallogin" => Some(Self::LocalLogin),
            "licenses" | "license" => Some(Self::Licenses),
            "groups" | "group" => Some(Self::Groups),
            _ => None,
        }
    }
}

impl fmt::Display for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}

/// A row's cells in the optional columns, trimmed; empty for a column the file does
/// not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCells {
    /// The `admin` cell.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub admin: String,
    /// The `local_login` cell.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_login: String,
    /// The `licenses` cell.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub licenses: String,
    /// The `groups` cell.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub groups: String,
}

impl RowCells {
    /// The cell of `column`.
    pub fn get(&self, column: Extra) -> &str {
        match column {
            Extra::Admin => &self.admin,
            Extra::LocalLogin => &self.local_login,
            Extra::Licenses => &self.licenses,
            Extra::Groups => &self.groups,
        }
    }

    /// Replaces the cell of `column` with `value`, trimmed.
    pub fn set(&mut self, column: Extra, value: &str) {
        let value = value.trim().to_owned();
        match column {
            Extra::Admin => self.admin = value,
            Extra::LocalLogin => self.local_login = value,
            Extra::Licenses => self.licenses = value,
            Extra::Groups => self.groups = value,
        }
    }

    /// Whether every cell is empty (the row takes the import's options only).
    pub fn is_empty(&self) -> bool {
        Extra::ALL.iter().all(|c| self.get(*c).is_empty())
    }
}

/// The optional columns a file has, and each row's cells by its line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraColumns {
    /// The optional columns of the file's header, in template order.
    #[serde(default)]
    pub present: Vec<Extra>,
    /// Cells of the rows that fill at least one of them, by the row's line.
    #[serde(default)]
    pub cells: BTreeMap<u64, RowCells>,
}

impl ExtraColumns {
    /// Whether the file has none of the optional columns.
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// The cells of the row starting on `line`, if it fills any.
    pub fn of(&self, line: u64) -> Option<&RowCells> {
        self.cells.get(&line)
    }

    /// The cell of `column` on `line` (empty when not filled).
    pub fn cell(&self, line: u64, column: Extra) -> &str {
        self.of(line).map_or("", |c| c.get(column))
    }

    /// Replaces the cell of `column` on `line` (a fix in the preview); a row left
    /// with no cell filled takes the import's options only, as if read so.
    pub fn set(&mut self, line: u64, column: Extra, value: &str) {
        let cells = self.cells.entry(line).or_default();
        cells.set(column, value);
        if cells.is_empty() {
            self.cells.remove(&line);
        }
    }
}

/// The organisation's licenses and groups, that the cells' names are matched against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Its licenses.
    pub licenses: Vec<License>,
    /// Its groups.
    pub groups: Vec<Group>,
}

/// A row's own values, resolved against the organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowValues {
    /// `admin`, when given.
    pub admin: Option<bool>,
    /// `local_login`, when given (else the import's option).
    pub local_login: Option<bool>,
    /// Licenses of the `licenses` cell.
    pub licenses: Vec<LicenseId>,
    /// Groups of the `groups` cell.
    pub groups: Vec<GroupId>,
}

/// What is wrong with a cell of an optional column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellError {
    /// `admin` or `local_login` holds something else than a yes or a no.
    NotABoolean {
        /// The column.
        column: Extra,
        /// The cell.
        value: String,
    },
    /// A name of the `licenses` cell is none of the organisation's licenses.
    UnknownLicense {
        /// The name.
        name: String,
        /// The organisation's license names.
        known: Vec<String>,
    },
    /// A name of the `groups` cell is none of the organisation's groups.
    UnknownGroup {
        /// The name.
        name: String,
        /// The organisation's group names.
        known: Vec<String>,
    },
    /// Licenses or groups are named but the organisation's are not known (no local
    /// copy yet).
    NotChecked {
        /// The column.
        column: Extra,
    },
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = |names: &[String]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        match self {
            Self::NotABoolean { column, value } => write!(
                f,
                "{column} is \"{value}\"; write true or false (yes/no and 1/0 work too), or \
                 leave it empty"
            ),
            Self::UnknownLicense { name, known: k } => write!(
                f,
                "licenses: the organisation has no license \"{name}\" (it has: {}); names are \
                 separated by ;",
                known(k)
            ),
            Self::UnknownGroup { name, known: k } => write!(
                f,
                "groups: the organisation has no group \"{name}\" (it has: {}); names are \
                 separated by ;",
                known(k)
            ),
            Self::NotChecked { column } => write!(
                f,
                "{column} cannot be checked: the organisation's {column} are not known yet; \
                 connect once (or sync) and check again"
            ),
        }
    }
}

/// A cell that is neither a yes nor a no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("write true or false (yes/no and 1/0 work too), or leave it empty")]
pub struct NotABoolean;

/// Reads a yes or a no: true/false, yes/no, 1/0, in any case; `None` for an empty cell.
pub fn parse_bool(cell: &str) -> Result<Option<bool>, NotABoolean> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.to_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(NotABoolean),
    }
}

/// The names of a `;`-separated cell, trimmed, empty pieces left out.
fn names(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|n| !n.is_empty())
}

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Resolves a row's cells against `catalog` (`None` when the organisation's licenses
/// and groups are not known).
pub fn resolve(cells: &RowCells, catalog: Option<&Catalog>) -> Result<RowValues, CellError> {
    let boolean = |column: Extra| {
        parse_bool(cells.get(column)).map_err(|NotABoolean| CellError::NotABoolean {
            column,
            value: cells.get(column).to_owned(),
        })
    };
    let mut values = RowValues {
        admin: boolean(Extra::Admin)?,
        local_login: boolean(Extra::LocalLogin)?,
        ..RowValues::default()
    };
    for name in names(&cells.licenses) {
        let catalog = catalog.ok_or(CellError::NotChecked {
            column: Extra::Licenses,
        })?;
        let license = catalog
            .licenses
            .iter()
            .find(|l| l.id.as_str() == name)
            .or_else(|| catalog.licenses.iter().find(|l| same_name(&l.name, name)))
            .ok_or_else(|| CellError::UnknownLicense {
                name: name.to_owned(),
                known: catalog.licenses.iter().map(|l| l.name.clone()).collect(),
            })?;
        if !values.licenses.contains(&license.id) {
            values.licenses.push(license.id.clone());
        }
    }
    for name in names(&cells.groups) {
        let catalog = catalog.ok_or(CellError::NotChecked {
            column: Extra::Groups,
        })?;
        let group = catalog
            .groups
            .iter()
            .find(|g| g.id.as_str() == name)
            .or_else(|| catalog.groups.iter().find(|g| same_name(&g.name, name)))
            .ok_or_else(|| CellError::UnknownGroup {
                name: name.to_owned(),
                known: catalog.groups.iter().map(|g| g.name.clone()).collect(),
            })?;
        if !values.groups.contains(&group.id) {
            values.groups.push(group.id.clone());
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog {
            licenses: vec![License {
                id: LicenseId::from("lic-1"),
                name: "Analytics Pro".into(),
                seats: 10,
                seats_assigned: 0,
            }],
            groups: vec![Group {
                id: GroupId::from("grp-1"),
                name: "Équipe Data".into(),
                members: vec![],
                licenses: vec![],
                version: None,
            }],
        }
    }

    #[test]
    fn booleans_in_any_spelling() {
        for (cell, value) in [
            ("TRUE", Some(true)),
            ("yes", Some(true)),
            ("1", Some(true)),
            ("False", Some(false)),
            ("NO", Some(false)),
            (" 0 ", Some(false)),
            ("", None),
        ] {
            assert_eq!(parse_bool(cell), Ok(value), "{cell:?}");
        }
        assert_eq!(parse_bool("maybe"), Err(NotABoolean));
        assert_eq!(parse_bool("y"), Err(NotABoolean));
    }

    #[test]
    fn names_and_ids_resolve_and_unknown_ones_are_named() {
        let cells = RowCells {
            admin: "yes".into(),
            local_login: String::new(),
            licenses: " analytics pro ; lic-1;".into(),
            groups: "ÉQUIPE DATA".into(),
        };
        let v = resolve(&cells, Some(&catalog())).unwrap();
        assert_eq!(v.admin, Some(true));
        assert_eq!(v.local_login, None);
        assert_eq!(v.licenses, [LicenseId::from("lic-1")]);
        assert_eq!(v.groups, [GroupId::from("grp-1")]);

        let bad = RowCells {
            licenses: "Analytics Pro;Nope".into(),
            ..RowCells::default()
        };
        let e = resolve(&bad, Some(&catalog())).unwrap_err();
        assert!(e.to_string().contains("no license \"Nope\""), "{e}");
        assert!(e.to_string().contains("it has: Analytics Pro"), "{e}");
        let e = resolve(&bad, None).unwrap_err();
        assert_eq!(
            e,
            CellError::NotChecked {
                column: Extra::Licenses
            }
        );
        let e = resolve(
            &RowCells {
                admin: "maybe".into(),
                ..RowCells::default()
            },
            None,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("admin is \"maybe\""), "{e}");
    }

    #[test]
    fn options_saved_before_the_columns_still_read_and_round_trip() {
        use crate::import::ImportOptions;
        let old: ImportOptions =
            serde_json::from_str(r#"{"licenses":["office"],"groups":[],"local_login":true}"#)
                .unwrap();
        assert!(old.local_login);
        assert!(old.columns.is_empty());
        assert!(
            !old.update_existing,
            "updating existing users is off in old imports"
        );
        // Without the columns, options are written as before.
        assert!(!serde_json::to_string(&old).unwrap().contains("columns"));
        let mut options = old.clone();
        options.columns.present = vec![Extra::Admin, Extra::Groups];
        options.columns.cells.insert(
            7,
            RowCells {
                admin: "yes".into(),
                ..RowCells::default()
            },
        );
        options.update_existing = true;
        let text = serde_json::to_string(&options).unwrap();
        let back: ImportOptions = serde_json::from_str(&text).unwrap();
        assert_eq!(back, options);
        assert!(back.update_existing, "{text}");
    }
}
