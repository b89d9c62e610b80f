//! What the grid shows: search, quick filters and sort over the rows, as an index
//! vector (the rows themselves never move).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::rows::Row;

/// Quick filters; several combine with "and".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum QuickFilter {
    /// Organisation Administrators.
    Administrators,
    /// Local login allowed.
    LocalLoginOn,
    /// Local login not allowed.
    LocalLoginOff,
    /// Holding no license.
    NoLicense,
    /// Last connected more than 90 days ago (never connected excluded).
    InactiveOver90Days,
    /// Never connected.
    NeverConnected,
    /// Invitation sent and not yet accepted.
    InvitationPending,
    /// Deactivated on the server (`active: false`).
    Deactivated,
}

impl QuickFilter {
    /// Every filter, in toolbar order.
    pub const ALL: [QuickFilter; 8] = [
        Self::Administrators,
        Self::LocalLoginOn,
        Self::LocalLoginOff,
        Self::NoLicense,
        Self::InactiveOver90Days,
        Self::NeverConnected,
        Self::InvitationPending,
        Self::Deactivated,
    ];

    /// The label on its toggle.
    pub fn label(self) -> &'static str {
        match self {
            Self::Administrators => "Administrators",
            Self::LocalLoginOn => "Local login on",
            Self::LocalLoginOff => "Local login off",
            Self::NoLicense => "No license",
            Self::InactiveOver90Days => "Inactive > 90 days",
            Self::NeverConnected => "Never connected",
            Self::InvitationPending => "Invitation pending",
            Self::Deactivated => "Deactivated",
        }
    }

    fn keeps(self, row: &Row, now: DateTime<Utc>) -> bool {
        match self {
            Self::Administrators => row.admin,
            Self::LocalLoginOn => row.local_login,
            Self::LocalLoginOff => !row.local_login,
            Self::NoLicense => row.no_license,
            Self::InactiveOver90Days => row
                .last_connection_at
                .is_some_and(|t| now - t > Duration::days(90)),
            Self::NeverConnected => row.last_connection_at.is_none(),
            Self::InvitationPending => row.invitation_pending,
            Self::Deactivated => !row.active,
        }
    }
}

/// A grid column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Column {
    Email,
    Name,
    Administrator,
    LastConnection,
    LocalLogin,
    Licenses,
    Groups,
}

impl Column {
    /// Every column, left to right.
    pub const ALL: [Column; 7] = [
        Self::Email,
        Self::Name,
        Self::Administrator,
        Self::LastConnection,
        Self::LocalLogin,
        Self::Licenses,
        Self::Groups,
    ];

    /// The header text.
    pub fn title(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Name => "Name",
            Self::Administrator => "Organisation Administrator",
            Self::LastConnection => "Last Connection",
            Self::LocalLogin => "Local Login",
            Self::Licenses => "Licenses",
            Self::Groups => "Groups",
        }
    }

    /// The header text: short enough that the sort arrow stays in view (the full
    /// title is on hover).
    pub fn header(self) -> &'static str {
        match self {
            Self::Administrator => "Admin",
            other => other.title(),
        }
    }

    fn compare(self, a: &Row, b: &Row) -> Ordering {
        match self {
            Self::Email => a.email.to_lowercase().cmp(&b.email.to_lowercase()),
            Self::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            Self::Administrator => a.admin.cmp(&b.admin),
            Self::LastConnection => a.last_connection_at.cmp(&b.last_connection_at),
            Self::LocalLogin => a.local_login.cmp(&b.local_login),
            Self::Licenses => a.licenses.cmp(&b.licenses),
            Self::Groups => a.groups.cmp(&b.groups),
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Ascending,
    Descending,
}

/// Search, filters and sort: what the user asked the grid to show. Kept between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewQuery {
    /// Search-as-you-type text.
    pub search: String,
    /// Active quick filters.
    pub filters: BTreeSet<QuickFilter>,
    /// Sort column and direction.
    pub sort: (Column, Direction),
}

impl Default for ViewQuery {
    fn default() -> Self {
        Self {
            search: String::new(),
            filters: BTreeSet::new(),
            sort: (Column::Email, Direction::Ascending),
        }
    }
}

/// Row indices kept by `query`, in its order.
pub fn compute(rows: &[Row], query: &ViewQuery, now: DateTime<Utc>) -> Vec<u32> {
    let needle = query.search.trim().to_lowercase();
    let mut text = Vec::new();
    let mut kept: Vec<u32> = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| {
            needle.is_empty() || {
                text.clear();
                row.search_text(&mut text);
                memchr::memmem::find(&text, needle.as_bytes()).is_some()
            }
        })
        .filter(|(_, row)| query.filters.iter().all(|f| f.keeps(row, now)))
        .map(|(i, _)| i as u32)
        .collect();
    sort(rows, &mut kept, query.sort);
    kept
}

/// `text` in lower case, borrowed when it already is (most addresses are).
fn lower(text: &str) -> Cow<'_, str> {
    if text.is_ascii() && !text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// A text's sort key: its first 40 bytes in lower case as five numbers, and where
/// its row stands in the slice being sorted. Most comparisons end on the numbers
/// without reading any text from memory: 40 bytes hold most addresses whole
/// ("firstname.lastname123@lumen-analytics.ex"), and two texts that both fit and
/// are ASCII are told apart by their lengths alone (names and addresses repeat:
/// "Amara Chen" four hundred times). With 24 bytes, ties among such texts made a
/// million-user sort read and lower-case both texts of most comparisons, 80% of
/// its time. Only longer texts are read again, byte for byte where both are
/// already lower-case ASCII. Zero padding keeps the texts' order; the position
/// breaks the last ties, so an unstable sort (in place, faster) gives the stable
/// order. The text is not kept in the key (48 bytes, not 64): the rare longer
/// comparison looks it up by position.
#[derive(Debug, Clone, Copy)]
struct SortKey {
    head: [u64; 5],
    at: u32,
    /// The text's length when it is `whole`.
    len: u8,
    /// ASCII and at most 40 bytes: the head holds all of it.
    whole: bool,
    /// ASCII without capitals: its bytes are its lower-case form.
    plain: bool,
}

impl SortKey {
    const HEAD: usize = 40;

    fn new(text: &str, at: u32) -> Self {
        let mut bytes = [0u8; Self::HEAD];
        // Lower-cased as `lower` would for ASCII; a non-ASCII text gets its head from
        // its lower-case form, so that head and text always agree.
        let ascii = text.is_ascii();
        let lowered;
        let source = if ascii {
            text.as_bytes()
        } else {
            lowered = text.to_lowercase();
            lowered.as_bytes()
        };
        for (slot, &b) in bytes.iter_mut().zip(source) {
            *slot = b.to_ascii_lowercase();
        }
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_be_bytes(w)
        };
        let whole = ascii && text.len() <= Self::HEAD;
        Self {
            head: [word(0), word(1), word(2), word(3), word(4)],
            at,
            len: if whole { text.len() as u8 } else { 0 },
            whole,
            plain: ascii && !text.bytes().any(|b| b.is_ascii_uppercase()),
        }
    }

    /// The order of the texts in lower case, then of the positions; `text(at)` is
    /// the text at a position.
    fn order<'t>(&self, other: &Self, text: &impl Fn(u32) -> &'t str) -> Ordering {
        self.head
            .cmp(&other.head)
            .then_with(|| {
                if self.whole && other.whole {
                    // Equal heads: one text is the other with zero bytes added.
                    self.len.cmp(&other.len)
                } else if self.plain && other.plain {
                    text(self.at).as_bytes().cmp(text(other.at).as_bytes())
                } else {
                    lower(text(self.at)).cmp(&lower(text(other.at)))
                }
            })
            .then(self.at.cmp(&other.at))
    }
}

/// The keys of positions `0..count` (the text of each is `text(at)`), sorted by
/// [`SortKey::order`]. A large slice is keyed and sorted in two halves on two
/// threads, then merged: reading a million rows' texts for their keys waits on
/// memory more than anything else, and two cores wait in parallel.
fn sorted_keys<'t>(count: usize, text: &(impl Fn(u32) -> &'t str + Sync)) -> Vec<SortKey> {
    const SPLIT_FROM: usize = 100_000;
    let sorted = |range: std::ops::Range<usize>| {
        let mut keys: Vec<SortKey> = range
            .map(|at| SortKey::new(text(at as u32), at as u32))
            .collect();
        keys.sort_unstable_by(|a, b| a.order(b, text));
        keys
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if count < SPLIT_FROM || cores < 2 {
        return sorted(0..count);
    }
    let mid = count / 2;
    let (left, right) = std::thread::scope(|scope| {
        let left = scope.spawn(|| sorted(0..mid));
        let right = sorted(mid..count);
        // A panic in the other half is a bug; surface it on this thread.
        (
            left.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            right,
        )
    });
    let mut merged = Vec::with_capacity(count);
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        // Never equal (positions differ).
        if a.order(b, text) == Ordering::Less {
            merged.extend(l.next());
        } else {
            merged.extend(r.next());
        }
    }
    merged.extend(l);
    merged.extend(r);
    merged
}

/// Sorts `indices` by `sort`, stably (ties keep their previous order).
pub fn sort(rows: &[Row], indices: &mut [u32], (column, direction): (Column, Direction)) {
    // Case-insensitive text columns compare a prepared key instead of lower-casing
    // on every comparison.
    let keyed = matches!(column, Column::Email | Column::Name);
    if keyed {
        let field = |i: u32| {
            let row = &rows[i as usize];
            match column {
                Column::Email => row.email.as_str(),
                _ => row.name.as_str(),
            }
        };
        let text = |at: u32| field(indices[at as usize]);
        let keys = sorted_keys(indices.len(), &text);
        let sorted: Vec<u32> = match direction {
            Direction::Ascending => keys.iter().map(|k| indices[k.at as usize]).collect(),
            Direction::Descending => keys.iter().rev().map(|k| indices[k.at as usize]).collect(),
        };
        indices.copy_from_slice(&sorted);
        return;
    }
    indices.sort_by(|&a, &b| {
        let ord = column.compare(&rows[a as usize], &rows[b as usize]);
        match direction {
            Direction::Ascending => ord,
            Direction::Descending => ord.reverse(),
        }
    });
}

#[cfg(test)]
mod tests_support {
    pub use super::tests::rows;
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::model::UserId;

    fn row(email: &str, name: &str, admin: bool, days_ago: Option<i64>, groups: &str) -> Row {
        let now = Utc::now();
        Row {
            id: UserId::from(email.to_owned()),
            email: email.to_owned(),
            name: name.to_owned(),
            admin,
            local_login: admin,
            admin_known: true,
            local_login_known: true,
            last_connection_at: days_ago.map(|d| now - Duration::days(d)),
            last_connection_known: true,
            licenses: if admin { "Office Suite" } else { "" }.into(),
            no_license: !admin,
            groups: groups.into(),
            invitation_pending: days_ago.is_none(),
            // Bob was deactivated (a server that deactivates instead of deleting).
            active: !email.starts_with("bob"),
        }
    }

    pub fn rows() -> Vec<Row> {
        vec![
            row("bob@x.example", "Bob Jones", false, Some(200), "Sales"),
            row("Ann@x.example", "Ann Smith", true, Some(1), "Engineering"),
            row("cy@x.example", "Cy Young", false, None, "Sales"),
            row("dee@x.example", "Élodie Dee", true, Some(95), ""),
        ]
    }

    fn emails(rows: &[Row], idx: &[u32]) -> Vec<String> {
        idx.iter()
            .map(|&i| rows[i as usize].email.clone())
            .collect()
    }

    #[test]
    fn search_filters_and_sort() {
        let rows = rows();
        let now = Utc::now();
        let mut q = ViewQuery::default();
        assert_eq!(
            emails(&rows, &compute(&rows, &q, now)),
            [
                "Ann@x.example",
                "bob@x.example",
                "cy@x.example",
                "dee@x.example"
            ]
        );
        q.search = "SALES".into();
        assert_eq!(
            emails(&rows, &compute(&rows, &q, now)),
            ["bob@x.example", "cy@x.example"]
        );
        q.search = "élodie".into();
        assert_eq!(emails(&rows, &compute(&rows, &q, now)), ["dee@x.example"]);
        q.search.clear();
        q.filters.insert(QuickFilter::Administrators);
        q.filters.insert(QuickFilter::InactiveOver90Days);
        assert_eq!(emails(&rows, &compute(&rows, &q, now)), ["dee@x.example"]);
        q.filters.clear();
        q.filters.insert(QuickFilter::NeverConnected);
        assert_eq!(emails(&rows, &compute(&rows, &q, now)), ["cy@x.example"]);
        q.filters.clear();
        q.filters.insert(QuickFilter::NoLicense);
        q.filters.insert(QuickFilter::InvitationPending);
        assert_eq!(emails(&rows, &compute(&rows, &q, now)), ["cy@x.example"]);
        q.filters.clear();
        q.filters.insert(QuickFilter::Deactivated);
        assert_eq!(emails(&rows, &compute(&rows, &q, now)), ["bob@x.example"]);
        q.filters.clear();
        q.sort = (Column::LastConnection, Direction::Descending);
        assert_eq!(
            emails(&rows, &compute(&rows, &q, now)),
            [
                "Ann@x.example",
                "dee@x.example",
                "bob@x.example",
                "cy@x.example"
            ]
        );
        q.sort = (Column::Name, Direction::Descending);
        assert_eq!(emails(&rows, &compute(&rows, &q, now))[0], "dee@x.example");
    }
}

/// What makes a keystroke cheap on a large organisation: each column's ascending
/// order, computed once per data change (a keystroke then filters in that order
/// instead of sorting), and every row's search text in one buffer searched in a
/// single pass.
#[derive(Default)]
pub struct ViewIndex {
    revision: Option<u64>,
    orders: std::collections::HashMap<Column, Vec<u32>>,
    text: Vec<u8>,
    /// Where each row's text starts in `text` (one extra entry: the end).
    starts: Vec<usize>,
}

impl ViewIndex {
    /// Row indices kept by `query`, in its order; `revision` identifies `rows`.
    pub fn compute(
        &mut self,
        rows: &[Row],
        revision: u64,
        query: &ViewQuery,
        now: DateTime<Utc>,
    ) -> Vec<u32> {
        if self.revision != Some(revision) {
            self.rebuild(revision);
        }
        let needle = query.search.trim().to_lowercase();
        let matches = (!needle.is_empty()).then(|| {
            // Built on the first search, not with the data: a first view needs no
            // search text, and at a million users it takes a good part of a second.
            if self.starts.is_empty() {
                self.write_text(rows);
            }
            self.search(&needle, rows.len())
        });
        let (column, direction) = query.sort;
        let order = self.orders.entry(column).or_insert_with(|| {
            let mut all: Vec<u32> = (0..rows.len() as u32).collect();
            sort(rows, &mut all, (column, Direction::Ascending));
            all
        });
        let keep = |&i: &u32| {
            matches.as_ref().is_none_or(|m| m[i as usize])
                && query
                    .filters
                    .iter()
                    .all(|f| f.keeps(&rows[i as usize], now))
        };
        match direction {
            Direction::Ascending => order.iter().filter(|i| keep(i)).copied().collect(),
            Direction::Descending => order.iter().rev().filter(|i| keep(i)).copied().collect(),
        }
    }

    fn rebuild(&mut self, revision: u64) {
        self.revision = Some(revision);
        self.orders.clear();
        self.text.clear();
        self.starts.clear();
    }

    /// Every row's search text, into one buffer.
    fn write_text(&mut self, rows: &[Row]) {
        for row in rows {
            self.starts.push(self.text.len());
            row.search_text(&mut self.text);
            // A separator no search text contains, so a match never spans two rows.
            self.text.push(0);
        }
        self.starts.push(self.text.len());
    }

    /// Which rows contain `needle` (lower-case).
    fn search(&self, needle: &str, count: usize) -> Vec<bool> {
        let mut hit = vec![false; count];
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        // A large buffer is searched in two halves at once, split between rows.
        const SPLIT_FROM: usize = 200_000;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if count < SPLIT_FROM || cores < 2 {
            self.search_rows(&finder, 0, &mut hit);
            return hit;
        }
        let mid = count / 2;
        let (first, second) = hit.split_at_mut(mid);
        std::thread::scope(|scope| {
            scope.spawn(|| self.search_rows(&finder, mid, second));
            self.search_rows(&finder, 0, first);
        });
        hit
    }

    /// Marks in `hit` (rows `first..first + hit.len()`) the rows whose text holds
    /// what `finder` looks for.
    fn search_rows(&self, finder: &memchr::memmem::Finder<'_>, first: usize, hit: &mut [bool]) {
        let end = self.starts[first + hit.len()];
        let mut row = first;
        let mut from = self.starts[first];
        while from < end {
            let Some(at) = finder.find(&self.text[from..end]) else {
                break;
            };
            let pos = from + at;
            // Hits come in order: the row holding `pos` is found walking on from the
            // last one (every row is passed over at most once in all).
            while self.starts[row + 1] <= pos {
                row += 1;
            }
            hit[row - first] = true;
            row += 1;
            from = self.starts[row];
        }
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn a_search_in_two_halves_finds_what_one_pass_finds() {
        // Enough rows to be split, the needle on both sides of the middle, in the
        // last row and in a row's last bytes.
        let base = tests_support::rows();
        let rows: Vec<Row> = (0..210_000)
            .map(|i| {
                let mut row = base[i % base.len()].clone();
                row.email = format!("u{i}@x.example");
                row
            })
            .collect();
        let now = Utc::now();
        let mut index = ViewIndex::default();
        for search in ["u104999@", "u105000@", "u209999@", "sales", "smith", "zz"] {
            let q = ViewQuery {
                search: search.into(),
                ..ViewQuery::default()
            };
            let mut want = compute(&rows, &q, now);
            let mut got = index.compute(&rows, 1, &q, now);
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{search}");
        }
    }

    #[test]
    fn the_sort_in_two_halves_is_the_one_sort_stably() {
        // Enough rows to be split, with many ties, mixed case, texts that differ
        // only after 24 and after 40 bytes, and non-ASCII ones.
        let base = tests_support::rows();
        let rows: Vec<Row> = (0..150_000u32)
            .map(|i| {
                let k = (i.wrapping_mul(2_654_435_761) >> 20) % 5_000;
                let mut row = base[i as usize % base.len()].clone();
                row.email = match i % 5 {
                    0 => format!("User{k}"),
                    1 => format!("user{k}"),
                    2 if k % 2 == 0 => format!("user.much.much.longer.text.{k}"),
                    // Longer than the key's head, told apart only after it.
                    2 if k % 4 == 1 => format!("user.much.much.longer.text.than.forty.bytes.{k}"),
                    2 => format!("User.Much.Much.Longer.Text.Than.Forty.Bytes.{k}"),
                    3 => format!("Élodie{}", k % 11),
                    _ => format!("u{}", k % 7),
                };
                row
            })
            .collect();
        // Reversed, so that ties keeping their previous order is seen.
        let start: Vec<u32> = (0..rows.len() as u32).rev().collect();
        for direction in [Direction::Ascending, Direction::Descending] {
            let mut got = start.clone();
            sort(&rows, &mut got, (Column::Email, direction));
            let mut want = start.clone();
            want.sort_by(|&a, &b| {
                let ord = rows[a as usize]
                    .email
                    .to_lowercase()
                    .cmp(&rows[b as usize].email.to_lowercase());
                match direction {
                    Direction::Ascending => ord,
                    Direction::Descending => ord.reverse(),
                }
            });
            if direction == Direction::Descending {
                // Descending is the ascending order reversed, ties included.
                let mut asc = start.clone();
                sort(&rows, &mut asc, (Column::Email, Direction::Ascending));
                asc.reverse();
                assert_eq!(got, asc);
                let key = |i: &u32| rows[*i as usize].email.to_lowercase();
                assert!(got.iter().map(key).eq(want.iter().map(key)));
            } else {
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn the_index_gives_what_compute_gives() {
        let rows = tests_support::rows();
        let now = Utc::now();
        let mut index = ViewIndex::default();
        for search in ["", "sales", "an", "x.example", "élodie", "zzz"] {
            for sort in Column::ALL {
                for direction in [Direction::Ascending, Direction::Descending] {
                    for filters in [vec![], vec![QuickFilter::Administrators]] {
                        let q = ViewQuery {
                            search: search.into(),
                            filters: filters.into_iter().collect(),
                            sort: (sort, direction),
                        };
                        let mut want = compute(&rows, &q, now);
                        let mut got = index.compute(&rows, 1, &q, now);
                        // Ties may come in either order; the set and the order of
                        // distinct keys must agree.
                        if want != got {
                            want.sort_unstable();
                            got.sort_unstable();
                        }
                        assert_eq!(got, want, "{q:?}");
                    }
                }
            }
        }
    }
}
