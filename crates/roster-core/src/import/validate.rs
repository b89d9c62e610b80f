//! Row validation: each row is ready, will be skipped, or has an error that says
//! what to change. Works offline from the cached organisation.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::columns::{Catalog, CellError, Extra};
use super::update::UserUpdate;
use super::{ImportOptions, ImportRow};
use crate::actions::lockout::{self, After, Lockout};
use crate::client::{Capabilities, Feature};
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
    /// "Update users who already exist" is on, and the user already matches the row.
    NoChange,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AlreadyExists => "already a user of the organisation",
            Self::Excluded => "excluded",
            Self::NoChange => "already a user of the organisation, no change",
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
    /// The row turns on the administrator role or local login, which this server
    /// cannot hold (it does not have the Roster extension of users).
    NotOnServer(Extra),
    /// Updating this user (with the file's other updates) would lock the
    /// organisation out: the reason, in words.
    Lockout(&'static str),
    /// The row takes away the signed-in administrator's own role or local login.
    Yourself,
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
            Self::NotOnServer(column) => write!(
                f,
                "{column} is yes, but this server does not have Roster's extension of users, \
                 so it cannot hold the administrator role or local login; leave {column} \
                 empty (or no)"
            ),
            Self::Lockout(why) => f.write_str(why),
            Self::Yourself => f.write_str(
                "this is your own account: the row takes away your administrator role or \
                 local login; change it in the edit dialog instead (it asks first), or \
                 exclude the row",
            ),
        }
    }
}

/// A row's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowStatus {
    /// Will be created.
    Ready,
    /// An existing user that will be updated ("update users who already exist").
    WillUpdate(Box<UserUpdate>),
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
            Self::WillUpdate(_) => "will update",
            Self::WillSkip(_) => "will be skipped",
            Self::Error(_) => "error",
        }
    }

    /// The label with its reason.
    pub fn describe(&self) -> String {
        match self {
            Self::Ready => "ready".to_owned(),
            Self::WillUpdate(u) => format!("will update: {u}"),
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
    /// Existing users to update.
    pub update: usize,
    /// Existing users (skipped), also those that need no change.
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
                RowStatus::WillUpdate(_) => c.update += 1,
                RowStatus::WillSkip(SkipReason::AlreadyExists | SkipReason::NoChange) => {
                    c.existing += 1
                }
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
    /// The existing users, by lower-case address and userName, that "update users
    /// who already exist" compares rows with (see [`ValidationContext::with_users`];
    /// empty, such rows are skipped).
    pub users: HashMap<String, Arc<User>>,
    /// Whether the organisation signs in through an identity provider (the lockout
    /// check of updates that remove the role or local login).
    pub identity_provider: bool,
    /// The server does not have the Roster extension of users (known from its
    /// capabilities): a row turning on `admin` or `local_login` is an error.
    pub lacks_extension: bool,
    /// The signed-in administrator, when known: an update may not take away their
    /// own role or local login (the edit dialog asks first; an import cannot).
    pub me: Option<crate::model::UserId>,
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
        .with_users(&snapshot.users)
    }

    /// With a copy of the existing `users`, for "update users who already exist" to
    /// compare rows with. Left out of [`ValidationContext::from_parts`]: a copy of a
    /// large organisation is only worth making when the option is on.
    pub fn with_users(mut self, users: &[User]) -> Self {
        let mut by_key = HashMap::with_capacity(users.len() * 2);
        for u in users {
            let user = Arc::new(u.clone());
            if let Some(e) = &u.email {
                by_key.insert(e.key().to_owned(), Arc::clone(&user));
            }
            by_key.insert(u.user_name.to_lowercase(), user);
        }
        self.users = by_key;
        self
    }

    /// With what the server supports: a server without the Roster extension cannot
    /// hold a row's `admin` or `local_login`.
    pub fn with_capabilities(mut self, capabilities: Option<&Capabilities>) -> Self {
        self.lacks_extension = capabilities.is_some_and(|c| !c.has(Feature::RosterExtension));
        self
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
            users: HashMap::new(),
            identity_provider: organisation.is_some_and(|o| o.identity_provider),
            lacks_extension: false,
            me: None,
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
/// `local_login`, `licenses` or `groups` cell is wrong is an error, and so is one
/// turning on `admin` or `local_login` on a server that cannot hold them.
///
/// With [`ImportOptions::update_existing`], a row of an existing user says what it
/// changes ([`RowStatus::WillUpdate`], see [`UserUpdate`]), or that it changes
/// nothing ([`SkipReason::NoChange`]); updates that together would leave no
/// administrator (or none who can sign in) are errors. The result is parallel to
/// `rows`.
pub fn validate_import(
    rows: &[ImportRow],
    options: &ImportOptions,
    ctx: &ValidationContext,
) -> Vec<RowStatus> {
    let mut statuses = validate(rows, ctx);
    if options.columns.cells.is_empty() && !options.update_existing {
        return statuses;
    }
    for (row, status) in rows.iter().zip(statuses.iter_mut()) {
        let update = match status {
            RowStatus::Ready => false,
            RowStatus::WillSkip(SkipReason::AlreadyExists) if options.update_existing => true,
            _ => continue,
        };
        let values = match options.row_values(row, ctx.catalog.as_ref()) {
            Ok(values) => values,
            Err(e) => {
                *status = RowStatus::Error(RowError::Column(e));
                continue;
            }
        };
        if let Some(column) = unsupported(&values, ctx) {
            *status = RowStatus::Error(RowError::NotOnServer(column));
            continue;
        }
        if !update {
            continue;
        }
        let Some(user) = ctx.users.get(&row.email.to_lowercase()) else {
            // Known to exist but not in the copy (a context without users): skipped.
            continue;
        };
        let plan = UserUpdate::plan(user, row, &values, options, ctx.catalog.as_ref());
        *status = if plan.is_empty() {
            RowStatus::WillSkip(SkipReason::NoChange)
        } else {
            RowStatus::WillUpdate(Box::new(plan))
        };
    }
    refuse_lockouts(&mut statuses, ctx);
    statuses
}

/// The column of a row's values that turns on what the server cannot hold.
pub(crate) fn unsupported(
    values: &super::columns::RowValues,
    ctx: &ValidationContext,
) -> Option<Extra> {
    if !ctx.lacks_extension {
        return None;
    }
    if values.admin == Some(true) {
        Some(Extra::Admin)
    } else if values.local_login == Some(true) {
        Some(Extra::LocalLogin)
    } else {
        None
    }
}

/// Makes errors of the updates that take away the role or local login when, all
/// together, they would leave the organisation without an administrator (or one who
/// can sign in), as the edit dialog refuses it; and of the row that takes them away
/// from the signed-in administrator (the dialog asks first, an import cannot).
fn refuse_lockouts(statuses: &mut [RowStatus], ctx: &ValidationContext) {
    let takes_away = |u: &UserUpdate| u.admin == Some(false) || u.local_login == Some(false);
    if !statuses
        .iter()
        .any(|s| matches!(s, RowStatus::WillUpdate(u) if takes_away(u)))
    {
        return;
    }
    // Each user once (the map holds them under two keys at most).
    let mut all: Vec<User> = Vec::with_capacity(ctx.users.len());
    let mut by_id: HashMap<&crate::model::UserId, usize> = HashMap::with_capacity(ctx.users.len());
    for u in ctx.users.values() {
        if !by_id.contains_key(&u.id) {
            by_id.insert(&u.id, all.len());
            all.push(User::clone(u));
        }
    }
    let changed: Vec<(&crate::model::UserId, After)> = statuses
        .iter()
        .filter_map(|s| match s {
            RowStatus::WillUpdate(u) if u.admin.is_some() || u.local_login.is_some() => {
                let user = &all[*by_id.get(&u.user)?];
                Some((
                    &u.user,
                    After {
                        admin: u.admin.unwrap_or(user.admin),
                        local_login: u.local_login.unwrap_or(user.local_login),
                    },
                ))
            }
            _ => None,
        })
        .collect();
    let verdict = lockout::check(&all, &changed, ctx.me.as_ref(), ctx.identity_provider);
    let error = match verdict {
        Lockout::None => return,
        Lockout::Yourself => RowError::Yourself,
        refused => match refused.message() {
            Some(why) => RowError::Lockout(why),
            None => return,
        },
    };
    for s in statuses.iter_mut() {
        let hit = match s {
            RowStatus::WillUpdate(u) if takes_away(u) => {
                error != RowError::Yourself || ctx.me.as_ref() == Some(&u.user)
            }
            _ => false,
        };
        if hit {
            *s = RowStatus::Error(error.clone());
        }
    }
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
            ..ValidationContext::default()
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

    mod updates {
        use super::*;
        use crate::import::{ExtraColumns, RowCells};
        use crate::model::{
            Change, GroupId, InvitationStatus, LicenseGrant, LicenseId, LicenseOrigin, UserId,
        };

        fn user(id: &str, admin: bool, licenses: &[&str], groups: &[&str]) -> User {
            User {
                id: UserId::from(id),
                user_name: format!("{id}@corp.example"),
                email: None,
                given_name: id[..1].to_uppercase() + &id[1..],
                family_name: "Lee".into(),
                active: true,
                admin,
                local_login: admin,
                last_connection: None,
                licenses: licenses
                    .iter()
                    .map(|l| LicenseGrant {
                        license: LicenseId::from(*l),
                        origin: LicenseOrigin::Direct,
                    })
                    .collect(),
                groups: groups.iter().map(|g| GroupId::from(*g)).collect(),
                invitation: InvitationStatus::Accepted,
                version: Some(format!("W/\"{id}\"")),
                last_modified: None,
                unknown: Default::default(),
            }
        }

        fn context(users: &[User]) -> ValidationContext {
            let org = Organisation {
                name: "Corp".into(),
                authorized_domains: vec!["corp.example".into()],
                identity_provider: false,
            };
            let license = |id: &str, name: &str| License {
                id: LicenseId::from(id),
                name: name.into(),
                seats: 10,
                seats_assigned: 0,
            };
            let group = |id: &str, name: &str| Group {
                id: GroupId::from(id),
                name: name.into(),
                members: vec![],
                licenses: vec![],
                version: None,
            };
            ValidationContext::from_parts(Some(&org), users, None)
                .with_catalog(
                    &[license("pro", "Pro"), license("basic", "Basic")],
                    &[group("sales", "Sales"), group("support", "Support")],
                )
                .with_users(users)
        }

        fn options(present: &[Extra], cells: &[(u64, RowCells)]) -> ImportOptions {
            ImportOptions {
                local_login: true,
                columns: ExtraColumns {
                    present: present.to_vec(),
                    cells: cells.iter().cloned().collect(),
                },
                update_existing: true,
                ..ImportOptions::default()
            }
        }

        #[test]
        fn an_update_changes_only_what_the_row_says_and_a_match_is_no_change() {
            let users = [
                user("ann", false, &["pro"], &["sales"]),
                user("bob", false, &["pro"], &["sales"]),
                user("cy", false, &[], &[]),
            ];
            let ctx = context(&users);
            let rows = vec![
                row(2, "ANN@corp.example", "Ann", "Leigh"),
                row(3, "bob@corp.example", "Bob", "Lee"),
                row(4, "cy@corp.example", "Cy", "Lee"),
                row(5, "new@corp.example", "New", "Comer"),
            ];
            let cells = RowCells {
                admin: "yes".into(),
                licenses: "Basic".into(),
                groups: "support".into(),
                ..RowCells::default()
            };
            // Bob's cells say what he has already; Cy's are empty; local_login is not a
            // column, so the import's local authentication changes nobody.
            let bob = RowCells {
                admin: "no".into(),
                licenses: "Pro".into(),
                groups: "Sales".into(),
                ..RowCells::default()
            };
            let options = options(
                &[Extra::Admin, Extra::Licenses, Extra::Groups],
                &[(2, cells), (3, bob)],
            );
            let s = validate_import(&rows, &options, &ctx);
            let RowStatus::WillUpdate(ann) = &s[0] else {
                panic!("{:?}", s[0]);
            };
            assert_eq!(
                ann.to_string(),
                "last name to Leigh; role to administrator; + license Basic; − license Pro; \
                 + group Support; − group Sales"
            );
            assert_eq!(ann.given_name, None);
            assert_eq!(ann.local_login, None);
            assert_eq!(s[1], RowStatus::WillSkip(SkipReason::NoChange));
            assert_eq!(s[2], RowStatus::WillSkip(SkipReason::NoChange));
            assert_eq!(s[3], RowStatus::Ready);
            let c = StatusCounts::of(&s);
            assert_eq!((c.ready, c.update, c.existing), (1, 1, 2));
            assert!(
                s[0].describe()
                    .starts_with("will update: last name to Leigh")
            );

            // One PATCH (against Ann's version), then one change per group.
            let changes = ann.changes(&users[0]);
            let Change::PatchUser { ops, if_match, .. } = &changes[0] else {
                panic!("{changes:?}");
            };
            assert_eq!(if_match.as_deref(), Some("W/\"ann\""));
            let paths: Vec<&str> = ops.iter().filter_map(|o| o.path.as_deref()).collect();
            assert_eq!(paths.len(), 4, "{paths:?}");
            assert_eq!(changes.len(), 3, "{changes:?}");

            // Off: existing users are skipped, as before.
            let off = ImportOptions {
                update_existing: false,
                ..options
            };
            let s = validate_import(&rows, &off, &ctx);
            assert_eq!(s[0], RowStatus::WillSkip(SkipReason::AlreadyExists));
            assert_eq!(s[1], RowStatus::WillSkip(SkipReason::AlreadyExists));
        }

        #[test]
        fn local_login_is_one_more_operation_of_the_same_patch() {
            let users = [user("ann", false, &[], &[])];
            let cells = RowCells {
                local_login: "true".into(),
                ..RowCells::default()
            };
            let options = options(&[Extra::LocalLogin], &[(2, cells)]);
            let s = validate_import(
                &[row(2, "ann@corp.example", "Ann", "Lee")],
                &options,
                &context(&users),
            );
            let RowStatus::WillUpdate(u) = &s[0] else {
                panic!("{:?}", s[0]);
            };
            assert_eq!(u.to_string(), "local login on");
            let changes = u.changes(&users[0]);
            assert_eq!(changes.len(), 1);
            let Change::PatchUser { ops, .. } = &changes[0] else {
                panic!("{changes:?}");
            };
            assert_eq!(
                ops[0].path.as_deref(),
                Some(crate::actions::paths::local_login().as_str())
            );
        }

        #[test]
        fn what_the_server_cannot_hold_is_an_error_of_the_row() {
            let users = [user("ann", false, &[], &[])];
            let mut ctx = context(&users);
            ctx.lacks_extension = true;
            let yes = RowCells {
                admin: "yes".into(),
                ..RowCells::default()
            };
            let local = RowCells {
                local_login: "1".into(),
                ..RowCells::default()
            };
            let no = RowCells {
                admin: "no".into(),
                ..RowCells::default()
            };
            let options = options(
                &[Extra::Admin, Extra::LocalLogin],
                &[(2, yes.clone()), (3, yes), (4, local), (5, no)],
            );
            let rows = [
                row(2, "ann@corp.example", "Ann", "Lee"),
                row(3, "new@corp.example", "New", "One"),
                row(4, "two@corp.example", "Two", "One"),
                row(5, "three@corp.example", "Three", "One"),
            ];
            let s = validate_import(&rows, &options, &ctx);
            assert_eq!(s[0], RowStatus::Error(RowError::NotOnServer(Extra::Admin)));
            assert_eq!(s[1], RowStatus::Error(RowError::NotOnServer(Extra::Admin)));
            assert_eq!(
                s[2],
                RowStatus::Error(RowError::NotOnServer(Extra::LocalLogin))
            );
            assert!(
                s[2].describe().contains("does not have Roster's extension"),
                "{}",
                s[2].describe()
            );
            assert_eq!(s[3], RowStatus::Ready);
            ctx.lacks_extension = false;
            assert_eq!(validate_import(&rows, &options, &ctx)[1], RowStatus::Ready);
        }

        #[test]
        fn updates_that_remove_the_last_administrator_are_refused() {
            let users = [user("ann", true, &[], &[]), user("bob", false, &[], &[])];
            let demote = RowCells {
                admin: "no".into(),
                ..RowCells::default()
            };
            let options = options(&[Extra::Admin], &[(2, demote)]);
            let rows = [row(2, "ann@corp.example", "Ann", "Lee")];
            let s = validate_import(&rows, &options, &context(&users));
            assert!(
                matches!(&s[0], RowStatus::Error(RowError::Lockout(why)) if why.contains("without an Organisation Administrator")),
                "{:?}",
                s[0]
            );
            // With another administrator it goes through.
            let users = [user("ann", true, &[], &[]), user("bob", true, &[], &[])];
            let mut ctx = context(&users);
            let s = validate_import(&rows, &options, &ctx);
            assert!(matches!(s[0], RowStatus::WillUpdate(_)), "{:?}", s[0]);
            // Unless Ann is the one signed in: not from an import.
            ctx.me = Some(UserId::from("ann"));
            let s = validate_import(&rows, &options, &ctx);
            assert_eq!(s[0], RowStatus::Error(RowError::Yourself));
            assert!(s[0].describe().contains("your own account"));
            ctx.me = Some(UserId::from("bob"));
            let s = validate_import(&rows, &options, &ctx);
            assert!(matches!(s[0], RowStatus::WillUpdate(_)), "{:?}", s[0]);
        }
    }
}
