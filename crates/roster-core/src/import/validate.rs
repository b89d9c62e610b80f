//! Row validation: each row is ready, will be skipped, or has an error that says
//! what to change. Works offline from the cached organisation.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};

use super::columns::{Catalog, CellError};
use super::{ImportOptions, ImportRow};
use crate::model::{Email, Group, License, Organisation, User};
use crate::store::Snapshot;

/// A column Roster imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `email`.
    Email = 0,
    /// `first_name`.
    FirstName = 1,
    /// `last_name`.
    LastName = 2,
}

impl Field {
    /// Every column, in template order.
    pub const ALL: [Field; 3] = [Field::Email, Field::FirstName, Field::LastName];

    /// The header name.
    pub fn column(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
        }
    }

    /// The column a header cell names: case, spaces, `_` and `-` do not matter.
    pub fn from_header(cell: &str) -> Option<Self> {
        match header_key(cell).as_str() {
            "email" => Some(Self::Email),
            "firstname" => Some(Self::FirstName),
            "lastname" => Some(Self::LastName),
            _ => None,
        }
    }
}

/// A header cell as columns are matched: lower case, without spaces, `_` and `-`.
pub(crate) fn header_key(cell: &str) -> String {
    cell.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}

/// Why a row will not be sent although nothing is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A user with this address exists.
    AlreadyExists,
    /// The administrator left the row out.
    Excluded,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AlreadyExists => "already a user of the organisation",
            Self::Excluded => "excluded",
        })
    }
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    /// Required cells are empty.
    Missing(Vec<Field>),
    /// A cell holds control or invisible formatting characters.
    ControlCharacters(Field),
    /// The email is not an address.
    InvalidEmail {
        /// Why, in words.
        reason: String,
    },
    /// The domain is not one the organisation authorizes.
    DomainNotAuthorized {
        /// The row's domain.
        domain: String,
        /// The organisation's domains.
        allowed: Vec<String>,
    },
    /// The same address (ignoring case) is on other lines too.
    Duplicate {
        /// The other lines.
        other_lines: Vec<u64>,
    },
    /// A cell of an optional column (`admin`, `local_login`, `licenses`, `groups`).
    Column(CellError),
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.column()).collect();
                write!(f, "{} is empty; fill it in", names.join(" and "))
            }
            Self::ControlCharacters(field) => write!(
                f,
                "{field} contains invisible control characters (a tab, line break or text \
                 direction mark); retype it"
            ),
            Self::InvalidEmail { reason } => write!(f, "not a valid email address: {reason}"),
            Self::DomainNotAuthorized { domain, allowed } => write!(
                f,
                "the domain {domain} is not authorized for this organisation (allowed: {})",
                allowed.join(", ")
            ),
            Self::Duplicate { other_lines } => {
                let lines: Vec<String> = other_lines.iter().map(u64::to_string).collect();
                write!(
                    f,
                    "the same address is also on line {}; keep one (fix or exclude the others)",
                    lines.join(", ")
                )
            }
            Self::Column(e) => e.fmt(f),
        }
    }
}

/// A row's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowStatus {
    /// Will be created.
    Ready,
    /// Will not be sent, without being wrong.
    WillSkip(SkipReason),
    /// Must be fixed (or excluded) first.
    Error(RowError),
}

impl RowStatus {
    /// A short label for the preview grid and the CLI.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::WillSkip(_) => "will be skipped",
            Self::Error(_) => "error",
        }
    }

    /// The label with its reason.
    pub fn describe(&self) -> String {
        match self {
            Self::Ready => "ready".to_owned(),
            Self::WillSkip(r) => format!("will be skipped: {r}"),
            Self::Error(e) => format!("error: {e}"),
        }
    }
}

/// Rows per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// Ready to create.
    pub ready: usize,
    /// Existing users (skipped).
    pub existing: usize,
    /// Excluded by the administrator.
    pub excluded: usize,
    /// With an error.
    pub errors: usize,
}

impl StatusCounts {
    /// Counts `statuses`.
    pub fn of(statuses: &[RowStatus]) -> Self {
        let mut c = Self::default();
        for s in statuses {
            match s {
                RowStatus::Ready => c.ready += 1,
                RowStatus::WillSkip(SkipReason::AlreadyExists) => c.existing += 1,
                RowStatus::WillSkip(SkipReason::Excluded) => c.excluded += 1,
                RowStatus::Error(_) => c.errors += 1,
            }
        }
        c
    }
}

/// What rows are checked against: the organisation's domains and users, as cached.
#[derive(Debug, Clone, Default)]
pub struct ValidationContext {
    /// Authorized domains; `None` when unknown (no cached organisation), and then the
    /// domain is not checked.
    pub domains: Option<Vec<String>>,
    /// Lower-case addresses (and userNames) of existing users.
    pub existing: HashSet<String>,
    /// When the cache was synced; `None` without a cache.
    pub synced_at: Option<DateTime<Utc>>,
    /// The organisation's licenses and groups, that the optional `licenses` and
    /// `groups` columns name; `None` when unknown (a row naming one is then an error).
    pub catalog: Option<Catalog>,
}

impl ValidationContext {
    /// From a cached (or fresh) snapshot.
    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        Self::from_parts(
            snapshot.organisation.as_ref(),
            &snapshot.users,
            Some(snapshot.synced_at),
        )
        .with_catalog(&snapshot.licenses, &snapshot.groups)
    }

    /// With the organisation's `licenses` and `groups`, to check the optional
    /// `licenses` and `groups` columns against.
    pub fn with_catalog(mut self, licenses: &[License], groups: &[Group]) -> Self {
        self.catalog = Some(Catalog {
            licenses: licenses.to_vec(),
            groups: groups.to_vec(),
        });
        self
    }

    /// From the organisation and users the app holds, synced at `synced_at`.
    pub fn from_parts(
        organisation: Option<&Organisation>,
        users: &[User],
        synced_at: Option<DateTime<Utc>>,
    ) -> Self {
        let mut existing = HashSet::with_capacity(users.len() * 2);
        for u in users {
            let name = u.user_name.to_lowercase();
            if let Some(e) = &u.email
                && e.key() != name
            {
                existing.insert(e.key().to_owned());
            }
            existing.insert(name);
        }
        Self {
            domains: organisation.map(|o| o.authorized_domains.clone()),
            existing,
            synced_at,
            catalog: None,
        }
    }

    /// Says how old the data is, e.g. "checked against the local copy from 2026-11-30
    /// 09:12 UTC (3 hours old)".
    pub fn describe_age(&self, now: DateTime<Utc>) -> String {
        let Some(at) = self.synced_at else {
            return "No local copy of the organisation: domains and existing users could \
                    not be checked."
                .to_owned();
        };
        let minutes = (now - at).num_minutes().max(0);
        let old = |n: i64, unit: &str| {
            let s = if n == 1 { "" } else { "s" };
            format!("{n} {unit}{s} old")
        };
        let age = match minutes {
            0 => "just synced".to_owned(),
            m if m < 60 => old(m, "minute"),
            m if m < 48 * 60 => old(m / 60, "hour"),
            m => old(m / (24 * 60), "day"),
        };
        let mut text = format!(
            "Checked against the organisation as synced at {} ({age}).",
            at.format("%Y-%m-%d %H:%M UTC")
        );
        if self.domains.is_none() {
            text.push_str(" The server gives no authorized domains: domains were not checked.");
        }
        text
    }
}

/// Validates every row; the result is parallel to `rows`.
pub fn validate(rows: &[ImportRow], ctx: &ValidationContext) -> Vec<RowStatus> {
    // Addresses are compared in lower case, among rows that are not excluded.
    let keys: Vec<Option<String>> = rows
        .iter()
        .map(|r| (!r.excluded && !r.email.is_empty()).then(|| r.email.to_lowercase()))
        .collect();
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut repeated: HashMap<&str, Vec<u64>> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(key) = key.as_deref() else { continue };
        match first.get(key) {
            None => {
                first.insert(key, i);
            }
            Some(&f) => repeated
                .entry(key)
                .or_insert_with(|| vec![rows[f].line])
                .push(rows[i].line),
        }
    }
    rows.iter()
        .zip(&keys)
        .map(|(row, key)| {
            if row.excluded {
                return RowStatus::WillSkip(SkipReason::Excluded);
            }
            match check(row, key.as_deref(), ctx, &repeated) {
                Ok(()) => RowStatus::Ready,
                Err(Verdict::Skip(r)) => RowStatus::WillSkip(r),
                Err(Verdict::Error(e)) => RowStatus::Error(e),
            }
        })
        .collect()
}

/// Validates every row with its cells of the optional columns (kept in `options`,
/// see [`ExtraColumns`](super::ExtraColumns)): a ready row whose `admin`,
/// `local_login`, `licenses` or `groups` cell is wrong is an error. The result is
/// parallel to `rows`.
pub fn validate_import(
    rows: &[ImportRow],
    options: &ImportOptions,
    ctx: &ValidationContext,
) -> Vec<RowStatus> {
    let mut statuses = validate(rows, ctx);
    if options.columns.cells.is_empty() {
        return statuses;
    }
    for (row, status) in rows.iter().zip(statuses.iter_mut()) {
        if *status != RowStatus::Ready {
            continue;
        }
        if let Err(e) = options.row_values(row, ctx.catalog.as_ref()) {
            *status = RowStatus::Error(RowError::Column(e));
        }
    }
    statuses
}

enum Verdict {
    Skip(SkipReason),
    Error(RowError),
}

fn check(
    row: &ImportRow,
    key: Option<&str>,
    ctx: &ValidationContext,
    repeated: &HashMap<&str, Vec<u64>>,
) -> Result<(), Verdict> {
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| row.get(*f).is_empty())
        .collect();
    if !missing.is_empty() {
        return Err(Verdict::Error(RowError::Missing(missing)));
    }
    for field in Field::ALL {
        if row.get(field).chars().any(is_odd) {
            return Err(Verdict::Error(RowError::ControlCharacters(field)));
        }
    }
    let email = Email::parse(&row.email).map_err(|e| {
        // `Jane Doe <jd@x>` is an address with a name around it: say what to keep.
        let reason = match roster_proto::email::parse(row.email.trim()) {
            Err(roster_proto::email::AddressError::DisplayName {
                address: Some(address),
            }) => format!("only the address belongs in this cell: {address}"),
            _ => e.reason.clone(),
        };
        Verdict::Error(RowError::InvalidEmail { reason })
    })?;
    if let Some(domains) = &ctx.domains
        && !email.in_domains(domains)
    {
        return Err(Verdict::Error(RowError::DomainNotAuthorized {
            domain: email.domain().to_owned(),
            allowed: domains.clone(),
        }));
    }
    if let Some(lines) = key.and_then(|k| repeated.get(k)) {
        let other_lines = lines.iter().copied().filter(|l| *l != row.line).collect();
        return Err(Verdict::Error(RowError::Duplicate { other_lines }));
    }
    if ctx.existing.contains(email.key()) {
        return Err(Verdict::Skip(SkipReason::AlreadyExists));
    }
    Ok(())
}

/// Control characters, and invisible characters that change how text displays
/// (zero-width, bidirectional overrides, byte order mark).
fn is_odd(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, email: &str, first: &str, last: &str) -> ImportRow {
        ImportRow {
            line,
            email: email.into(),
            first_name: first.into(),
            last_name: last.into(),
            excluded: false,
        }
    }

    fn ctx() -> ValidationContext {
        ValidationContext {
            domains: Some(vec!["corp.example".into()]),
            existing: ["old@corp.example".to_owned()].into_iter().collect(),
            synced_at: None,
            catalog: None,
        }
    }

    #[test]
    fn each_rule_gives_its_status() {
        let mut rows = vec![
            row(2, "ann@corp.example", "Ann", "Lee"),
            row(3, "OLD@corp.example", "Old", "Timer"),
            row(4, "x@other.example", "X", "Y"),
            row(5, "not an address", "X", "Y"),
            row(6, "", "", "Y"),
            row(7, "tab@corp.example", "Ta\tb", "Y"),
            row(8, "Dup@Corp.example", "D", "One"),
            row(9, "dup@corp.example", "D", "Two"),
            row(10, "rtl@corp.example", "Eve\u{202E}", "Y"),
            row(11, "dup@corp.example", "D", "Three"),
        ];
        rows[9].excluded = true;
        let s = validate(&rows, &ctx());
        assert_eq!(s[0], RowStatus::Ready);
        assert_eq!(s[1], RowStatus::WillSkip(SkipReason::AlreadyExists));
        assert!(
            matches!(&s[2], RowStatus::Error(RowError::DomainNotAuthorized { domain, .. }) if domain == "other.example")
        );
        assert!(matches!(
            s[3],
            RowStatus::Error(RowError::InvalidEmail { .. })
        ));
        assert_eq!(
            s[4],
            RowStatus::Error(RowError::Missing(vec![Field::Email, Field::FirstName]))
        );
        assert_eq!(
            s[5],
            RowStatus::Error(RowError::ControlCharacters(Field::FirstName))
        );
        assert_eq!(
            s[6],
            RowStatus::Error(RowError::Duplicate {
                other_lines: vec![9]
            })
        );
        assert_eq!(
            s[7],
            RowStatus::Error(RowError::Duplicate {
                other_lines: vec![8]
            })
        );
        assert_eq!(
            s[8],
            RowStatus::Error(RowError::ControlCharacters(Field::FirstName))
        );
        assert_eq!(s[9], RowStatus::WillSkip(SkipReason::Excluded));
        let c = StatusCounts::of(&s);
        assert_eq!((c.ready, c.existing, c.excluded, c.errors), (1, 1, 1, 7));
        assert!(s[6].describe().contains("also on line 9"));
    }

    #[test]
    fn a_name_around_the_address_says_only_the_address_belongs() {
        let rows = vec![
            row(2, "Jane Doe <jd@x>", "Jane", "Doe"),
            row(3, "Jane Doe <jd@corp.example>", "Jane", "Doe"),
        ];
        let s = validate(&rows, &ctx());
        for (status, address) in s.iter().zip(["jd@x", "jd@corp.example"]) {
            let RowStatus::Error(e @ RowError::InvalidEmail { .. }) = status else {
                panic!("{status:?}");
            };
            let message = e.to_string();
            assert!(
                message.contains(&format!("only the address belongs in this cell: {address}")),
                "{message}"
            );
            assert!(!message.contains("not authorized"), "{message}");
        }
    }
}
