//! Whether the licenses an import assigns have seats enough.

use std::collections::BTreeSet;
use std::fmt;

use super::ImportOptions;
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
            "{}: {} seat(s) needed, {} left; the server will refuse the users beyond that",
            self.license, self.needed, self.left
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
        };
        let short = seat_shortfalls(&options, &groups, &licenses, 3);
        assert_eq!(short.len(), 2);
        assert_eq!(
            short[0].to_string().split(';').next().unwrap(),
            "A: 3 seat(s) needed, 2 left"
        );
        assert_eq!(short[1].license, "C");
        assert!(seat_shortfalls(&options, &groups, &licenses, 0).is_empty());
    }
}
