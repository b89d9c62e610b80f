//! Which users a command acts on: emails named on the command line or in a file, the
//! window's search (`--where`) and its quick filters (`--filter`).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use roster_core::model::User;
use roster_core::store::Snapshot;

use super::Exit;
use crate::users::rows::{Names, Row};
use crate::users::view::{self, QuickFilter, ViewQuery};

/// The window's quick filters, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Filter {
    /// Organisation Administrators.
    Admins,
    /// Local login allowed.
    LocalLoginOn,
    /// Local login not allowed.
    LocalLoginOff,
    /// Holding no license (direct or through a group).
    NoLicense,
    /// Last connected more than 90 days ago (never connected excluded).
    #[value(name = "inactive-90")]
    Inactive90,
    /// Never connected.
    Never,
    /// Invitation sent and not yet accepted.
    Pending,
}

impl Filter {
    fn quick(self) -> QuickFilter {
        match self {
            Self::Admins => QuickFilter::Administrators,
            Self::LocalLoginOn => QuickFilter::LocalLoginOn,
            Self::LocalLoginOff => QuickFilter::LocalLoginOff,
            Self::NoLicense => QuickFilter::NoLicense,
            Self::Inactive90 => QuickFilter::InactiveOver90Days,
            Self::Never => QuickFilter::NeverConnected,
            Self::Pending => QuickFilter::InvitationPending,
        }
    }
}

/// The users a command acts on. Emails (named or from `--from`) and the users that
/// `--where` and `--filter` find are added together; `--where` and the filters
/// narrow each other, as in the window.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Selection {
    /// Users by email (case does not matter).
    #[arg(value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Users the window's search finds: TEXT anywhere in the email, name, groups or
    /// licenses, case-insensitive.
    #[arg(long = "where", value_name = "TEXT")]
    pub search: Option<String>,
    /// Users one of the window's quick filters keeps; repeat to combine ("and").
    #[arg(long = "filter", value_enum, value_name = "FILTER")]
    pub filters: Vec<Filter>,
    /// Emails from a file, one a line (`-`: standard input); blank lines and lines
    /// starting with `#` are skipped.
    #[arg(long = "from", value_name = "FILE")]
    pub from: Option<PathBuf>,
}

impl Selection {
    /// Whether anything selects users.
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty()
            && self.search.is_none()
            && self.filters.is_empty()
            && self.from.is_none()
    }

    /// The selected users of `snapshot`, in the organisation's order (each once).
    /// An email nobody has refuses the whole command: acting on the others would
    /// leave a script unsure what happened.
    pub fn resolve<'a>(&self, snapshot: &'a Snapshot) -> Result<Vec<&'a User>, Exit> {
        if self.is_empty() {
            return Err(Exit::Usage(
                "name the users: EMAIL…, --where TEXT, --filter FILTER or --from FILE".to_owned(),
            ));
        }
        let mut emails = self.emails.clone();
        if let Some(path) = &self.from {
            emails.extend(read_emails(path)?);
        }
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        let mut unknown = Vec::new();
        for email in &emails {
            match find(&snapshot.users, email) {
                Some(i) => {
                    chosen.insert(i);
                }
                None => unknown.push(email.as_str()),
            }
        }
        if !unknown.is_empty() {
            return Err(Exit::Refused(format!(
                "no user with the email {}; nothing was changed",
                unknown.join(", ")
            )));
        }
        if self.search.is_some() || !self.filters.is_empty() {
            let names = Names::from_snapshot(snapshot);
            let rows = Row::build_all(&snapshot.users, &names);
            let query = ViewQuery {
                search: self.search.clone().unwrap_or_default(),
                filters: self.filters.iter().map(|f| f.quick()).collect(),
                ..ViewQuery::default()
            };
            chosen.extend(
                view::compute(&rows, &query, chrono::Utc::now())
                    .into_iter()
                    .map(|i| i as usize),
            );
        }
        Ok(chosen.into_iter().map(|i| &snapshot.users[i]).collect())
    }
}

/// The index of the user with `email` (as email or userName, any case).
pub fn find(users: &[User], email: &str) -> Option<usize> {
    let email = email.trim();
    users.iter().position(|u| {
        u.user_name.eq_ignore_ascii_case(email)
            || u.email
                .as_ref()
                .is_some_and(|e| e.as_str().eq_ignore_ascii_case(email))
    })
}

fn read_emails(path: &std::path::Path) -> Result<Vec<String>, Exit> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Exit::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}
