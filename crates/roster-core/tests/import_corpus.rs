//! Every file of the import corpus (`tests/data/import/`) read and validated against
//! the demo organisation's domains and an existing user, checked against its
//! expected outcome below.

use std::path::PathBuf;

use roster_core::import::{
    self, Encoding, RowError, RowStatus, ShapeError, SkipReason, StatusCounts, ValidationContext,
};

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
    }
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
            "Line 3 has 4 field(s) but the header has 3",
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
                let statuses = import::validate(&file.rows, &ctx);
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
