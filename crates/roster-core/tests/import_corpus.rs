//! Every file of the import corpus (`tests/data/import/`) read and validated against
//! the demo organisation's domains and an existing user, checked against its
//! expected outcome below. Files with the optional columns (`columns_*.csv`) are
//! checked against a catalogue of licenses and groups too, and every file's seat
//! shortfalls (counted across the file) against its expected ones.

use std::path::PathBuf;

use roster_core::import::{
    self, CellError, Encoding, Extra, PreparedImport, RowError, RowStatus, SeatShortfall,
    ShapeError, SkipReason, StatusCounts, ValidationContext,
};
use roster_core::model::{Group, GroupId, License, LicenseId};

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/import")
        .join(name)
}

fn demo() -> ValidationContext {
    ValidationContext {
        domains: Some(vec![
            "lumen-analytics.example".into(),
            "lumen.example".into(),
        ]),
        existing: ["camille.laurent@lumen-analytics.example".to_owned()]
            .into_iter()
            .collect(),
        synced_at: None,
        catalog: None,
        ..ValidationContext::default()
    }
    .with_catalog(&licenses(), &groups())
}

fn licenses() -> Vec<License> {
    let license = |id: &str, name: &str, seats, seats_assigned| License {
        id: LicenseId::from(id),
        name: name.into(),
        seats,
        seats_assigned,
    };
    vec![
        license("office", "Office Suite", 500, 10),
        license("analytics", "Analytics Pro", 3, 1),
    ]
}

fn groups() -> Vec<Group> {
    let group = |id: &str, name: &str, licenses: &[&str]| Group {
        id: GroupId::from(id),
        name: name.into(),
        members: vec![],
        licenses: licenses.iter().map(|l| LicenseId::from(*l)).collect(),
        version: None,
    };
    vec![
        group("eng", "Engineering", &["analytics"]),
        group("fin", "Finance", &[]),
    ]
}

/// The seat shortfalls a file must give: (license, needed, left).
fn expected_seats(name: &str) -> &'static [(&'static str, usize, u64)] {
    match name {
        "columns_seats_exceeded.csv" => &[("Analytics Pro", 3, 2)],
        _ => &[],
    }
}

fn not_a_boolean(s: &RowStatus, column: Extra, value: &str) -> bool {
    matches!(s, RowStatus::Error(RowError::Column(CellError::NotABoolean { column: c, value: v }))
        if *c == column && v == value)
}

fn unknown_license(s: &RowStatus, name: &str) -> bool {
    matches!(s, RowStatus::Error(RowError::Column(CellError::UnknownLicense { name: n, .. }))
        if n == name)
}

fn unknown_group(s: &RowStatus, name: &str) -> bool {
    matches!(s, RowStatus::Error(RowError::Column(CellError::UnknownGroup { name: n, .. }))
        if n == name)
}

/// A line of a file and what its status must be.
type LineCheck = (u64, fn(&RowStatus) -> bool);

/// What a file must give.
enum Expect {
    /// This shape error, whose message contains the text.
    Shape(fn(&ShapeError) -> bool, &'static str),
    /// (ready, existing, errors) and, per line, a check of its status.
    Rows(usize, usize, usize, &'static [LineCheck]),
}

fn ready(s: &RowStatus) -> bool {
    *s == RowStatus::Ready
}

fn expected(name: &str) -> Expect {
    use Expect::*;
    match name {
        "basic.csv" => Rows(3, 0, 0, &[(4, ready)]),
        "bom_crlf.csv" => Rows(2, 0, 0, &[(2, ready), (3, ready)]),
        "quoted_commas_newlines.csv" => Rows(2, 0, 0, &[(2, ready), (4, ready)]),
        "header_any_order.csv" => Rows(1, 0, 0, &[(2, ready)]),
        "extra_columns.csv" => Rows(1, 0, 0, &[]),
        "trailing_blank_lines.csv" => Rows(1, 0, 0, &[(2, ready)]),
        "semicolons.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::WrongDelimiter {
                        line: 1,
                        name: "semicolons"
                    }
                )
            },
            "Line 1 separates its fields with semicolons",
        ),
        "tabs.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::WrongDelimiter {
                        line: 1,
                        name: "tabs"
                    }
                )
            },
            "replace the tabs with commas",
        ),
        "no_header.csv" => Shape(
            |e| matches!(e, ShapeError::NoHeader { .. }),
            "Add a first line `email,first_name,last_name`",
        ),
        "missing_column.csv" => Shape(
            |e| matches!(e, ShapeError::MissingColumns { .. }),
            "has no \"last_name\" column",
        ),
        "latin1.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::NotUtf8 {
                        line: 3,
                        encoding: Encoding::Latin1
                    }
                )
            },
            "Line 3 is not UTF-8 text; the file looks like Latin-1",
        ),
        "windows1252.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::NotUtf8 {
                        line: 2,
                        encoding: Encoding::Windows1252
                    }
                )
            },
            "looks like Windows-1252",
        ),
        "utf16.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::NotUtf8 {
                        encoding: Encoding::Utf16Le,
                        ..
                    }
                )
            },
            "UTF-16",
        ),
        "binary.csv" => Shape(|e| *e == ShapeError::Binary, "not text"),
        "empty.csv" => Shape(|e| *e == ShapeError::Empty, "The file is empty"),
        "header_only.csv" => Shape(|e| *e == ShapeError::NoRows, "no users under it"),
        "ragged.csv" => Shape(
            |e| {
                *e == ShapeError::Ragged {
                    line: 3,
                    expected: 3,
                    found: 4,
                }
            },
            "Line 3 has 4 fields but the header has 3",
        ),
        "duplicates_case.csv" => Rows(
            1,
            0,
            2,
            &[
                (2, |s| {
                    *s == RowStatus::Error(RowError::Duplicate {
                        other_lines: vec![4],
                    })
                }),
                (3, ready),
                (4, |s| {
                    *s == RowStatus::Error(RowError::Duplicate {
                        other_lines: vec![2],
                    })
                }),
            ],
        ),
        "unicode_names.csv" => Rows(3, 0, 0, &[(2, ready), (3, ready), (4, ready)]),
        "plus_addressing.csv" => Rows(2, 0, 0, &[(2, ready), (3, ready)]),
        "unauthorized_domain.csv" => Rows(
            1,
            0,
            1,
            &[(2, |s| {
                matches!(s, RowStatus::Error(RowError::DomainNotAuthorized { domain, .. })
                    if domain == "gmail.example")
            })],
        ),
        "existing_users.csv" => Rows(
            1,
            1,
            0,
            &[
                (2, |s| *s == RowStatus::WillSkip(SkipReason::AlreadyExists)),
                (3, ready),
            ],
        ),
        "control_chars.csv" => Rows(
            0,
            0,
            2,
            &[
                (2, |s| {
                    matches!(s, RowStatus::Error(RowError::ControlCharacters(_)))
                }),
                (3, |s| {
                    matches!(s, RowStatus::Error(RowError::ControlCharacters(_)))
                }),
            ],
        ),
        "bad_rows.csv" => Rows(
            1,
            0,
            3,
            &[
                (2, |s| {
                    matches!(s, RowStatus::Error(RowError::InvalidEmail { .. }))
                }),
                (3, |s| matches!(s, RowStatus::Error(RowError::Missing(_)))),
                (4, |s| matches!(s, RowStatus::Error(RowError::Missing(_)))),
                (5, ready),
            ],
        ),
        "formula_names.csv" => Rows(1, 0, 0, &[(2, ready)]),
        "generated_10k.csv" => Rows(10_000, 0, 0, &[(10_001, ready)]),
        "excel_sep_line.csv" => Rows(2, 0, 0, &[(3, ready), (4, ready)]),
        "excel_sep_semicolon.csv" => Shape(
            |e| {
                matches!(
                    e,
                    ShapeError::SepLine {
                        line: 1,
                        separator: ';',
                        name: "semicolons"
                    }
                )
            },
            "Line 1 says sep=; — this file uses semicolons",
        ),
        "mac_cr.csv" => Rows(2, 0, 0, &[(2, ready), (3, ready)]),
        // An existing user's cells are not looked at: it is skipped.
        "columns_good.csv" => Rows(
            3,
            1,
            0,
            &[
                (2, ready),
                (3, ready),
                (4, ready),
                (5, |s| *s == RowStatus::WillSkip(SkipReason::AlreadyExists)),
            ],
        ),
        "columns_bad_boolean.csv" => Rows(
            1,
            0,
            2,
            &[
                (2, |s| not_a_boolean(s, Extra::Admin, "maybe")),
                (3, |s| not_a_boolean(s, Extra::LocalLogin, "oui")),
                (4, ready),
            ],
        ),
        "columns_unknown_names.csv" => Rows(
            1,
            0,
            2,
            &[
                (2, |s| unknown_license(s, "Photoshop")),
                (3, |s| unknown_group(s, "Nowhere")),
                (4, ready),
            ],
        ),
        "columns_seats_exceeded.csv" => Rows(4, 0, 0, &[]),
        other => panic!("{other} has no expected outcome: add it to the table"),
    }
}

#[test]
fn every_corpus_file_gives_its_expected_outcome() {
    let dir = corpus("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    assert!(names.len() >= 29, "corpus incomplete: {names:?}");
    let ctx = demo();
    for name in &names {
        let read = import::read_path(&corpus(name));
        match (expected(name), read) {
            (Expect::Shape(is, text), Err(e)) => {
                assert!(is(&e), "{name}: unexpected error {e:?}");
                assert!(e.to_string().contains(text), "{name}: message {e}");
            }
            (Expect::Shape(..), Ok(f)) => panic!("{name}: read {} rows", f.rows.len()),
            (Expect::Rows(..), Err(e)) => panic!("{name}: {e}"),
            (Expect::Rows(ready, existing, errors, lines), Ok(file)) => {
                let file = PreparedImport::from_file(name.as_str(), file);
                let statuses = import::validate_import(&file.rows, &file.options, &ctx);
                let seats: Vec<SeatShortfall> = import::import_seat_shortfalls(
                    &file.options,
                    &file.rows,
                    &statuses,
                    &groups(),
                    &licenses(),
                );
                let seats: Vec<(&str, usize, u64)> = seats
                    .iter()
                    .map(|s| (s.license.as_str(), s.needed, s.left))
                    .collect();
                assert_eq!(seats, expected_seats(name), "{name}: seats");
                let c = StatusCounts::of(&statuses);
                assert_eq!(
                    (c.ready, c.existing, c.errors),
                    (ready, existing, errors),
                    "{name}: {statuses:?}"
                );
                for (line, check) in lines {
                    let i = file
                        .rows
                        .iter()
                        .position(|r| r.line == *line)
                        .unwrap_or_else(|| panic!("{name}: no row on line {line}"));
                    assert!(check(&statuses[i]), "{name} line {line}: {:?}", statuses[i]);
                }
            }
        }
    }
}

#[test]
fn what_is_left_out_is_said_and_cells_are_trimmed() {
    let f = import::read_path(&corpus("extra_columns.csv")).unwrap();
    assert_eq!(f.ignored_columns, ["department", "phone"]);
    assert!(f.notes()[0].contains("\"department\", \"phone\""));
    let f = import::read_path(&corpus("trailing_blank_lines.csv")).unwrap();
    assert_eq!(f.blank_lines, [4]);
    let f = import::read_path(&corpus("quoted_commas_newlines.csv")).unwrap();
    assert_eq!(f.rows[0].last_name, "Haddad, Jr.");
    assert_eq!(f.rows[1].last_name, "O'Dea");
    let f = import::read_path(&corpus("bad_rows.csv")).unwrap();
    let dee = &f.rows[3];
    assert_eq!(
        (
            dee.email.as_str(),
            dee.first_name.as_str(),
            dee.last_name.as_str()
        ),
        ("dee.trim@lumen-analytics.example", "Dee", "Trim")
    );
    let f = import::read_path(&corpus("unicode_names.csv")).unwrap();
    assert_eq!(f.rows[0].last_name, "山田");
    let missing = import::read_path(&corpus("no_such_file.csv")).unwrap_err();
    assert!(matches!(missing, ShapeError::Io { .. }));
    assert!(missing.to_string().contains("no_such_file.csv"));
}

#[test]
fn excluding_a_duplicate_clears_the_other() {
    let mut f = import::read_path(&corpus("duplicates_case.csv")).unwrap();
    f.rows[2].excluded = true;
    let s = import::validate(&f.rows, &demo());
    assert_eq!(s[0], RowStatus::Ready);
    assert_eq!(s[2], RowStatus::WillSkip(SkipReason::Excluded));
}

#[test]
fn a_fixed_cell_is_revalidated() {
    let mut f = import::read_path(&corpus("unauthorized_domain.csv")).unwrap();
    f.rows[0].set(import::Field::Email, " victor.hugo@lumen.example ");
    let s = import::validate(&f.rows, &demo());
    assert_eq!(s, [RowStatus::Ready, RowStatus::Ready]);
}

#[test]
fn optional_column_errors_name_the_value() {
    let f = import::read_path(&corpus("columns_unknown_names.csv")).unwrap();
    let f = PreparedImport::from_file("columns_unknown_names.csv", f);
    let s = import::validate_import(&f.rows, &f.options, &demo());
    let message = s[0].describe();
    assert!(
        message.contains("no license \"Photoshop\" (it has: Office Suite, Analytics Pro)"),
        "{message}"
    );
    assert!(s[1].describe().contains("no group \"Nowhere\""));
    let f = import::read_path(&corpus("columns_seats_exceeded.csv")).unwrap();
    let f = PreparedImport::from_file("columns_seats_exceeded.csv", f);
    let s = import::validate_import(&f.rows, &f.options, &demo());
    let short = import::import_seat_shortfalls(&f.options, &f.rows, &s, &groups(), &licenses());
    assert_eq!(
        short[0].to_string(),
        "Analytics Pro: 3 seats needed, 2 left; the server will refuse the users beyond that"
    );
}
