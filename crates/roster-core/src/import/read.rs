//! Reading an import file: its shape, then its rows, streamed.
//!
//! The rules: comma delimiter, a header row naming `email`, `first_name` and
//! `last_name` in any order (case, spaces, `_` and `-` do not matter) and maybe the
//! optional `admin`, `local_login`, `licenses` and `groups` columns, UTF-8 with or
//! without a byte order mark, CRLF, LF or CR (old Mac) line ends, quoted fields
//! (with commas and newlines), blank lines anywhere, and the `sep=,` line Excel
//! may write first (passed over; one naming another separator is said). Any other shape is one [`ShapeError`] that names the line
//! and what to change. The file is read once, through a buffer: a 100 MB file is
//! never held in memory as text, only as its rows.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::ImportRow;
use super::columns::{Extra, ExtraColumns, RowCells};
use super::encoding::{self, Encoding, Sniffed};
use super::newlines::CrAsNewline;
use super::validate::Field;

/// Read buffer: large enough to sniff the encoding from its first fill.
const BUFFER: usize = 256 * 1024;

/// The rows of a well-formed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    /// Data rows, in file order, trimmed.
    pub rows: Vec<ImportRow>,
    /// Header names that are not used (reported, never imported).
    pub ignored_columns: Vec<String>,
    /// Lines holding only empty fields (such as `,,`): not rows, but said.
    pub blank_lines: Vec<u64>,
    /// The line of Excel's `sep=,` hint before the header, if there was one
    /// (passed over).
    pub sep_line: Option<u64>,
    /// The optional columns the header names and the rows' cells in them.
    pub columns: ExtraColumns,
}

impl ReadFile {
    /// Notes for the administrator about what was left out, one per line.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(line) = self.sep_line {
            notes.push(format!(
                "Line {line} (`sep=,`, a hint Excel writes) was passed over; the header is \
                 the line after it."
            ));
        }
        if !self.ignored_columns.is_empty() {
            let (noun, verb) = match self.ignored_columns.len() {
                1 => ("Column", "is"),
                _ => ("Columns", "are"),
            };
            notes.push(format!(
                "{noun} {} {verb} not imported (Roster uses email, first_name and last_name, \
                 and optionally admin, local_login, licenses and groups).",
                quoted_list(&self.ignored_columns)
            ));
        }
        if !self.blank_lines.is_empty() {
            let shown: Vec<String> = self
                .blank_lines
                .iter()
                .take(10)
                .map(u64::to_string)
                .collect();
            let more = if self.blank_lines.len() > 10 {
                ", …"
            } else {
                ""
            };
            notes.push(format!(
                "{} with only empty fields {} passed over (line {}{more}).",
                crate::words::count(self.blank_lines.len() as u64, "line", "lines"),
                if self.blank_lines.len() == 1 {
                    "was"
                } else {
                    "were"
                },
                shown.join(", ")
            ));
        }
        notes
    }
}

/// "1 field", "4 fields" (for [`ShapeError::Ragged`]'s message).
fn fields(n: &usize) -> String {
    crate::words::count(*n as u64, "field", "fields")
}

/// Why a file cannot be read as an import file. `Display` says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// The file could not be opened or read.
    #[error("The file could not be read: {detail}")]
    Io {
        /// The system's reason.
        detail: String,
    },
    /// Zero bytes, or only blank lines.
    #[error(
        "The file is empty. Put a header line `email,first_name,last_name` and one user per \
         line under it."
    )]
    Empty,
    /// NUL or control bytes: a spreadsheet, an image, an archive…
    #[error(
        "The file is not text (it looks like a binary file, such as an .xlsx workbook or an \
         image). In your spreadsheet, use Save As → \"CSV UTF-8 (comma delimited)\" and \
         choose that file."
    )]
    Binary,
    /// Text in another encoding than UTF-8.
    #[error(
        "Line {line} is not UTF-8 text; the file looks like {encoding}. Save it again as \
         \"CSV UTF-8 (comma delimited)\" (in a text editor: encoding UTF-8) and choose it again."
    )]
    NotUtf8 {
        /// First line with a byte that is not UTF-8 (1 for UTF-16 files).
        line: u64,
        /// What it looks like.
        encoding: Encoding,
    },
    /// Semicolons or tabs between fields.
    #[error(
        "Line {line} separates its fields with {name}, but Roster reads commas. Save the file \
         as \"CSV UTF-8 (comma delimited)\", or replace the {name} with commas."
    )]
    WrongDelimiter {
        /// The header line.
        line: u64,
        /// "semicolons" or "tabs".
        name: &'static str,
    },
    /// The first line is data, not column names.
    #[error(
        "Line 1 holds data ({sample}) instead of column names. Add a first line \
         `email,first_name,last_name` naming the columns in the order they appear."
    )]
    NoHeader {
        /// The first line's fields, shortened.
        sample: String,
    },
    /// Required columns are not in the header.
    #[error(
        "The header (line 1) has no {missing} column. Found: {found}. Name the columns \
         email, first_name and last_name (in any order)."
    )]
    MissingColumns {
        /// The missing names, quoted and joined.
        missing: String,
        /// What the header has, quoted and joined.
        found: String,
    },
    /// A required column appears twice.
    #[error(
        "The header (line 1) names the {column} column twice (columns {first} and {second}). \
         Keep one of them."
    )]
    DuplicateColumn {
        /// The column.
        column: &'static str,
        /// Its first position (1-based).
        first: usize,
        /// Its second position (1-based).
        second: usize,
    },
    /// A row with more or fewer fields than the header.
    #[error(
        "Line {line} has {} but the header has {expected}. A value containing \
         a comma must be in double quotes (\"Smith, Jr.\"), and every line needs all columns; \
         fix line {line} and load the file again.",
        fields(.found)
    )]
    Ragged {
        /// The row's first line.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields on that line.
        found: usize,
    },
    /// A first line `sep=X` (Excel's separator hint) naming another separator than
    /// the comma.
    #[error(
        "Line {line} says sep={separator} — this file uses {name}, but Roster reads commas. \
         Save it as comma-separated (\"CSV UTF-8 (comma delimited)\") and choose it again."
    )]
    SepLine {
        /// The hint's line.
        line: u64,
        /// The separator it names.
        separator: char,
        /// What that separator is called ("semicolons", "tabs", …).
        name: &'static str,
    },
    /// A header and nothing under it.
    #[error("The file has a header but no users under it. Add one user per line.")]
    NoRows,
}

/// Reads the import file at `path`.
pub fn read_path(path: &Path) -> Result<ReadFile, ShapeError> {
    let file = std::fs::File::open(path).map_err(|e| ShapeError::Io {
        detail: format!("{}: {e}", path.display()),
    })?;
    read_file(file)
}

/// Reads an import file from `source`, streaming.
pub fn read_file(source: impl Read) -> Result<ReadFile, ShapeError> {
    let mut input = BufReader::with_capacity(BUFFER, EndWithNewline::new(CrAsNewline::new(source)));
    let head = input.fill_buf().map_err(io_error)?;
    match encoding::sniff(head) {
        Sniffed::Empty => return Err(ShapeError::Empty),
        Sniffed::Binary => return Err(ShapeError::Binary),
        Sniffed::Utf16(encoding) => return Err(ShapeError::NotUtf8 { line: 1, encoding }),
        Sniffed::Text { bom } => input.consume(bom),
    }
    // Lines end at '\n' only (CrAsNewline made CRLF and CR alike): csv's own
    // line numbers are off after CRLF and blank lines, so lines are counted from
    // where each record ends (every record ends with a newline, see EndWithNewline).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Header> = None;
    let mut out = ReadFile {
        rows: Vec::new(),
        ignored_columns: Vec::new(),
        blank_lines: Vec::new(),
        sep_line: None,
        columns: ExtraColumns::default(),
    };
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        let inside: u64 = record.iter().map(|f| memchr_count(b'\n', f)).sum();
        let line = reader.position().line().saturating_sub(1 + inside).max(1);
        let mut fields: Vec<&str> = Vec::with_capacity(record.len());
        for raw in record.iter() {
            match std::str::from_utf8(raw) {
                Ok(text) => fields.push(text),
                Err(_) => {
                    return Err(ShapeError::NotUtf8 {
                        line,
                        encoding: encoding::guess_single_byte(record.as_slice()),
                    });
                }
            }
        }
        if fields.len() == 1 && fields[0].trim().is_empty() {
            // An empty line (CRLF leaves a lone '\r').
            continue;
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            if header.is_some() {
                out.blank_lines.push(line);
            }
            continue;
        }
        let Some(h) = &header else {
            if let Some(separator) = sep_line(&fields) {
                if separator == ',' {
                    // Excel's hint that the file is comma-separated: not the header.
                    out.sep_line = Some(line);
                    continue;
                }
                return Err(ShapeError::SepLine {
                    line,
                    separator,
                    name: separator_name(separator),
                });
            }
            let h = Header::parse(&fields, line)?;
            out.ignored_columns = h.ignored.clone();
            out.columns.present = Extra::ALL
                .into_iter()
                .filter(|c| h.extras.iter().any(|(x, _)| x == c))
                .collect();
            header = Some(h);
            continue;
        };
        let extra_filled = fields.iter().skip(h.width).any(|f| !f.trim().is_empty());
        if fields.len() < h.width || extra_filled {
            return Err(ShapeError::Ragged {
                line,
                expected: h.width,
                found: fields.len(),
            });
        }
        let mut cells = RowCells::default();
        for (column, at) in &h.extras {
            cells.set(*column, fields[*at]);
        }
        if !cells.is_empty() {
            out.columns.cells.insert(line, cells);
        }
        out.rows.push(ImportRow {
            line,
            email: fields[h.email].trim().to_owned(),
            first_name: fields[h.first_name].trim().to_owned(),
            last_name: fields[h.last_name].trim().to_owned(),
            excluded: false,
        });
    }
    match header {
        None => Err(ShapeError::Empty),
        Some(_) if out.rows.is_empty() => Err(ShapeError::NoRows),
        Some(_) => Ok(out),
    }
}

/// The separator of Excel's `sep=X` line, when `fields` is one.
fn sep_line(fields: &[&str]) -> Option<char> {
    // Read with commas, `sep=,` arrives as ["sep=", ""]: put it back together.
    let joined = fields.join(",");
    let text = joined.trim_end_matches(['\n', ' ']);
    let prefix = text.get(..4)?;
    if !prefix.eq_ignore_ascii_case("sep=") {
        return None;
    }
    let mut rest = text[4..].chars();
    match (rest.next(), rest.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// What a separator is called in a message.
fn separator_name(c: char) -> &'static str {
    match c {
        ';' => "semicolons",
        '\t' => "tabs",
        '|' => "vertical bars",
        ':' => "colons",
        ' ' => "spaces",
        ',' => "commas",
        _ => "another separator",
    }
}

fn memchr_count(needle: u8, hay: &[u8]) -> u64 {
    hay.iter().filter(|b| **b == needle).count() as u64
}

/// Adds a final '\n' when the file does not end with one, so that every record is
/// terminated alike and its line can be told from where it ends.
struct EndWithNewline<R> {
    inner: R,
    last: Option<u8>,
    finished: bool,
}

impl<R: Read> EndWithNewline<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            last: None,
            finished: false,
        }
    }
}

impl<R: Read> Read for EndWithNewline<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
            return Ok(n);
        }
        self.finished = true;
        if self.last.is_some_and(|b| b != b'\n') {
            buf[0] = b'\n';
            return Ok(1);
        }
        Ok(0)
    }
}

/// Where the columns are.
struct Header {
    width: usize,
    email: usize,
    first_name: usize,
    last_name: usize,
    /// The optional columns and where they are.
    extras: Vec<(Extra, usize)>,
    ignored: Vec<String>,
}

impl Header {
    fn parse(fields: &[&str], line: u64) -> Result<Self, ShapeError> {
        let mut found: [Option<usize>; 3] = [None; 3];
        let mut ignored = Vec::new();
        let mut extras: Vec<(Extra, usize)> = Vec::new();
        for (i, name) in fields.iter().enumerate() {
            if let Some(extra) = Extra::from_header(name) {
                if let Some((_, first)) = extras.iter().find(|(x, _)| *x == extra) {
                    return Err(ShapeError::DuplicateColumn {
                        column: extra.column(),
                        first: first + 1,
                        second: i + 1,
                    });
                }
                extras.push((extra, i));
                continue;
            }
            match Field::from_header(name) {
                Some(field) => {
                    let slot = &mut found[field as usize];
                    if let Some(first) = *slot {
                        return Err(ShapeError::DuplicateColumn {
                            column: field.column(),
                            first: first + 1,
                            second: i + 1,
                        });
                    }
                    *slot = Some(i);
                }
                None if name.trim().is_empty() => {}
                None => ignored.push(name.trim().to_owned()),
            }
        }
        if let [Some(email), Some(first_name), Some(last_name)] = found {
            return Ok(Self {
                width: fields.len(),
                email,
                first_name,
                last_name,
                extras,
                ignored,
            });
        }
        let joined = fields.join(",");
        if found.iter().all(Option::is_none) || fields.len() == 1 {
            for (delimiter, name) in [(';', "semicolons"), ('\t', "tabs")] {
                if joined.contains(delimiter) {
                    return Err(ShapeError::WrongDelimiter { line, name });
                }
            }
        }
        if found.iter().all(Option::is_none) && fields.iter().any(|f| f.contains('@')) {
            return Err(ShapeError::NoHeader {
                sample: shorten(&joined, 60),
            });
        }
        let missing: Vec<String> = Field::ALL
            .iter()
            .filter(|f| found[**f as usize].is_none())
            .map(|f| f.column().to_owned())
            .collect();
        let found: Vec<String> = fields.iter().map(|f| f.trim().to_owned()).collect();
        Err(ShapeError::MissingColumns {
            missing: quoted_list(&missing),
            found: quoted_list(&found),
        })
    }
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

fn io_error(e: std::io::Error) -> ShapeError {
    ShapeError::Io {
        detail: e.to_string(),
    }
}

fn csv_error(e: csv::Error) -> ShapeError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io_error(io),
        other => ShapeError::Io {
            detail: format!("line {line}: {other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<ReadFile, ShapeError> {
        read_file(text)
    }

    #[test]
    fn header_in_any_order_and_spelling() {
        let f =
            read(b"Last Name, EMAIL ,first-name,Notes\r\nDoe,a@b.example,Ann,x\r\n\r\n").unwrap();
        assert_eq!(f.rows.len(), 1);
        let r = &f.rows[0];
        assert_eq!(
            (
                r.email.as_str(),
                r.first_name.as_str(),
                r.last_name.as_str(),
                r.line
            ),
            ("a@b.example", "Ann", "Doe", 2)
        );
        assert_eq!(f.ignored_columns, ["Notes"]);
    }

    #[test]
    fn optional_columns_are_read_by_line() {
        let f = read(
            b"Email,First Name,Last Name,Licenses,ADMIN,notes\n\
              a@b.example,A,B, Pro ; Basic ,yes,x\n\
              c@b.example,C,D,,,\n",
        )
        .unwrap();
        assert_eq!(f.columns.present, [Extra::Admin, Extra::Licenses]);
        assert_eq!(f.columns.cell(2, Extra::Licenses), "Pro ; Basic");
        assert_eq!(f.columns.cell(2, Extra::Admin), "yes");
        assert!(f.columns.of(3).is_none());
        assert_eq!(f.ignored_columns, ["notes"]);
        assert!(matches!(
            read(b"email,first_name,last_name,group,groups\n"),
            Err(ShapeError::DuplicateColumn {
                column: "groups",
                first: 4,
                second: 5
            })
        ));
    }

    #[test]
    fn shapes_get_one_message() {
        assert_eq!(read(b""), Err(ShapeError::Empty));
        assert_eq!(read(b"\n\n"), Err(ShapeError::Empty));
        assert_eq!(
            read(b"email,first_name,last_name\n"),
            Err(ShapeError::NoRows)
        );
        assert!(matches!(
            read(b"email;first_name;last_name\na@b.c;A;B\n"),
            Err(ShapeError::WrongDelimiter {
                line: 1,
                name: "semicolons"
            })
        ));
        assert!(matches!(
            read(b"email\tfirst_name\tlast_name\n"),
            Err(ShapeError::WrongDelimiter { name: "tabs", .. })
        ));
        assert!(matches!(
            read(b"a@b.example,Ann,Doe\n"),
            Err(ShapeError::NoHeader { .. })
        ));
        let e = read(b"email,first_name\na@b.example,Ann\n").unwrap_err();
        assert!(e.to_string().contains("no \"last_name\" column"), "{e}");
        assert_eq!(
            read(b"email,first_name,last_name\na@b.example,Ann\n"),
            Err(ShapeError::Ragged {
                line: 2,
                expected: 3,
                found: 2
            })
        );
        assert_eq!(
            read(b"email,first_name,last_name\na@b.example,Ann,Doe,Jr\n"),
            Err(ShapeError::Ragged {
                line: 2,
                expected: 3,
                found: 4
            })
        );
        assert_eq!(
            read(b"email,first_name,last_name\na@b.example,Fran\xe7ois,Doe\n"),
            Err(ShapeError::NotUtf8 {
                line: 2,
                encoding: Encoding::Latin1
            })
        );
        assert!(matches!(
            read(b"email,email,last_name\n"),
            Err(ShapeError::DuplicateColumn {
                column: "email",
                first: 1,
                second: 2
            })
        ));
    }

    #[test]
    fn lines_are_counted_through_crlf_blank_lines_and_quoted_newlines() {
        for text in [
            &b"email,first_name,last_name\na@b.example,A,B\n\n\"c@b.example\",\"C\nx\",D\ne@b.example,E,F"[..],
            &b"email,first_name,last_name\r\na@b.example,A,B\r\n\r\n\"c@b.example\",\"C\r\nx\",D\r\ne@b.example,E,F\r\n"[..],
        ] {
            let f = read(text).unwrap();
            let lines: Vec<u64> = f.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 4, 6]);
            assert_eq!(f.rows[2].last_name, "F");
            assert!(f.blank_lines.is_empty());
        }
    }

    #[test]
    fn excel_sep_lines_are_passed_over_or_named() {
        for text in [
            &b"sep=,\nemail,first_name,last_name\na@b.example,A,B\n"[..],
            &b"\xEF\xBB\xBFSEP=,\r\nemail,first_name,last_name\r\na@b.example,A,B\r\n"[..],
        ] {
            let f = read(text).unwrap();
            assert_eq!(f.rows.len(), 1);
            assert_eq!((f.rows[0].line, f.sep_line), (3, Some(1)));
            assert!(f.notes()[0].contains("`sep=,`"));
        }
        let e = read(b"sep=;\nemail;first_name;last_name\na@b.example;A;B\n").unwrap_err();
        assert_eq!(
            e,
            ShapeError::SepLine {
                line: 1,
                separator: ';',
                name: "semicolons"
            }
        );
        assert!(
            e.to_string()
                .starts_with("Line 1 says sep=; — this file uses semicolons"),
            "{e}"
        );
        assert!(matches!(
            read(b"sep=\t\nemail\tfirst_name\tlast_name\n"),
            Err(ShapeError::SepLine { name: "tabs", .. })
        ));
        // A header cell that only starts like the hint is a header.
        assert!(matches!(
            read(b"sep=x,y\n"),
            Err(ShapeError::MissingColumns { .. })
        ));
    }

    #[test]
    fn old_mac_line_ends_are_read_line_by_line() {
        let f =
            read(b"email,first_name,last_name\ra@b.example,A,B\r\r\"c@b.example\",\"C\rx\",D\r")
                .unwrap();
        let lines: Vec<u64> = f.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
        assert_eq!(f.rows[0].last_name, "B");
        assert_eq!(f.rows[1].first_name, "C\nx");
    }

    #[test]
    fn trailing_empty_fields_and_blank_rows_are_tolerated_and_said() {
        let f =
            read(b"email,first_name,last_name\na@b.example,A,B,\n,,\nc@b.example,C,D\n").unwrap();
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.blank_lines, [3]);
        assert_eq!(f.rows[1].line, 4);
        assert!(f.notes()[0].contains("line 3"));
    }
}
