//! Whether the licenses an import assigns have seats enough.

use std::collections::BTreeSet;
use std::fmt;

use std::collections::BTreeMap;

use super::columns::Catalog;
use super::{ImportOptions, ImportRow, RowStatus};
use crate::model::{Group, License, LicenseId};

/// A license that would run out of seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatShortfall {
    /// Its name.
    pub license: String,
    /// Seats the import needs.
    pub needed: usize,
    /// Seats left.
    pub left: u64,
}

impl fmt::Display for SeatShortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} needed, {} left; the server will refuse the users beyond that",
            self.license,
            crate::words::count(self.needed as u64, "seat", "seats"),
            self.left
        )
    }
}

/// The licenses (direct, or inherited from the chosen groups) that do not have a seat
/// for each of `users` new users.
pub fn seat_shortfalls(
    options: &ImportOptions,
    groups: &[Group],
    licenses: &[License],
    users: usize,
) -> Vec<SeatShortfall> {
    let mut needed: BTreeSet<&LicenseId> = options.licenses.iter().collect();
    for g in groups.iter().filter(|g| options.groups.contains(&g.id)) {
        needed.extend(g.licenses.iter());
    }
    licenses
        .iter()
        .filter(|l| needed.contains(&l.id) && (users as u64) > l.seats_left())
        .map(|l| SeatShortfall {
            license: l.name.clone(),
            needed: users,
            left: l.seats_left(),
        })
        .collect()
}

/// The licenses that do not have a seat for each ready row that gets them, counted
/// across the whole file: the import's licenses, the row's own `licenses`, and those
/// the import's and the row's `groups` give (a user holding a license twice takes one
/// seat), and those that updated users get. `statuses` is parallel to `rows` (see
/// [`validate_import`](super::validate_import)); rows that are not ready are not
/// counted, nor the cells of a row that does not resolve (it is an error).
pub fn import_seat_shortfalls(
    options: &ImportOptions,
    rows: &[ImportRow],
    statuses: &[RowStatus],
    groups: &[Group],
    licenses: &[License],
) -> Vec<SeatShortfall> {
    let catalog = (!options.columns.cells.is_empty()).then(|| Catalog {
        licenses: licenses.to_vec(),
        groups: groups.to_vec(),
    });
    let mut needed: BTreeMap<&LicenseId, usize> = BTreeMap::new();
    for (row, _) in rows
        .iter()
        .zip(statuses)
        .filter(|(_, s)| **s == RowStatus::Ready)
    {
        let values = options
            .row_values(row, catalog.as_ref())
            .unwrap_or_default();
        let mut held: BTreeSet<&LicenseId> = options.licenses.iter().collect();
        held.extend(
            licenses
                .iter()
                .filter(|l| values.licenses.contains(&l.id))
                .map(|l| &l.id),
        );
        for g in groups
            .iter()
            .filter(|g| options.groups.contains(&g.id) || values.groups.contains(&g.id))
        {
            held.extend(g.licenses.iter());
        }
        for l in held {
            *needed.entry(l).or_default() += 1;
        }
    }
    // Updated users take a seat of each license they get, directly or through a
    // group they join (seats freed by licenses removed are not counted on).
    for status in statuses {
        let RowStatus::WillUpdate(u) = status else {
            continue;
        };
        let mut held: BTreeSet<&LicenseId> = u.licenses_added.iter().map(|l| &l.id).collect();
        for g in groups
            .iter()
            .filter(|g| u.groups_added.iter().any(|a| a.id == g.id))
        {
            held.extend(g.licenses.iter());
        }
        for l in held {
            *needed.entry(l).or_default() += 1;
        }
    }
    licenses
        .iter()
        .filter_map(|l| {
            let n = needed.get(&l.id).copied().unwrap_or(0);
            (n as u64 > l.seats_left()).then(|| SeatShortfall {
                license: l.name.clone(),
                needed: n,
                left: l.seats_left(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GroupId;

    #[test]
    fn direct_and_group_licenses_are_counted() {
        let lic = |id: &str, seats, used| License {
            id: LicenseId::from(id),
            name: id.to_uppercase(),
            seats,
            seats_assigned: used,
        };
        let licenses = [lic("a", 10, 8), lic("b", 100, 0), lic("c", 5, 5)];
        let groups = [Group {
            id: GroupId::from("g"),
            name: "G".into(),
            members: vec![],
            licenses: vec![LicenseId::from("c")],
            version: None,
        }];
        let options = ImportOptions {
            licenses: vec![LicenseId::from("a"), LicenseId::from("b")],
            groups: vec![GroupId::from("g")],
            local_login: false,
            ..ImportOptions::default()
        };
        let short = seat_shortfalls(&options, &groups, &licenses, 3);
        assert_eq!(short.len(), 2);
        assert_eq!(
            short[0].to_string().split(';').next().unwrap(),
            "A: 3 seats needed, 2 left"
        );
        assert_eq!(short[1].license, "C");
        assert!(seat_shortfalls(&options, &groups, &licenses, 0).is_empty());
    }

    #[test]
    fn per_row_licenses_and_groups_are_counted_across_the_file() {
        use crate::import::{ExtraColumns, ImportRow, RowCells};
        let licenses = [License {
            id: LicenseId::from("pro"),
            name: "Pro".into(),
            seats: 3,
            seats_assigned: 1,
        }];
        let groups = [Group {
            id: GroupId::from("g"),
            name: "Data".into(),
            members: vec![],
            licenses: vec![LicenseId::from("pro")],
            version: None,
        }];
        let row = |line: u64| ImportRow {
            line,
            email: format!("u{line}@x.example"),
            first_name: "U".into(),
            last_name: "V".into(),
            excluded: false,
        };
        let rows: Vec<ImportRow> = (2..6).map(row).collect();
        let mut columns = ExtraColumns::default();
        // Line 2 holds Pro directly and through the group: one seat.
        for (line, licenses, groups) in [(2, "pro", "data"), (3, "PRO", ""), (4, "", "Data")] {
            columns.cells.insert(
                line,
                RowCells {
                    licenses: licenses.into(),
                    groups: groups.into(),
                    ..RowCells::default()
                },
            );
        }
        let options = ImportOptions {
            columns,
            ..ImportOptions::default()
        };
        let mut statuses = vec![RowStatus::Ready; 4];
        let short = import_seat_shortfalls(&options, &rows, &statuses, &groups, &licenses);
        assert_eq!(
            short,
            [SeatShortfall {
                license: "Pro".into(),
                needed: 3,
                left: 2
            }]
        );
        statuses[1] = RowStatus::WillSkip(crate::import::SkipReason::Excluded);
        assert!(import_seat_shortfalls(&options, &rows, &statuses, &groups, &licenses).is_empty());
    }
}
