//! CSV export that spreadsheets open safely.

/// A cell made safe for spreadsheets: text starting with `=`, `+`, `-`, `@` (or a
/// tab or carriage return) would be read as a formula, so it gets a leading `'`
/// (the OWASP advice against CSV injection).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes `rows` (the first being the header) as CSV with every cell neutralised.
pub fn write_csv<W: std::io::Write, R: AsRef<[String]>>(
    out: W,
    rows: impl IntoIterator<Item = R>,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    for row in rows {
        writer.write_record(row.as_ref().iter().map(|c| neutralise(c).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoting_is_kept() {
        let rows = vec![
            vec!["email".to_owned(), "name".to_owned()],
            vec!["=HYPERLINK(\"x\")".to_owned(), "+1".to_owned()],
            vec!["-2".to_owned(), "@SUM(A1)".to_owned()],
            vec!["a@b.example".to_owned(), "Smith, Ann".to_owned()],
        ];
        let mut out = Vec::new();
        write_csv(&mut out, rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "email,name\n\"'=HYPERLINK(\"\"x\"\")\",'+1\n'-2,'@SUM(A1)\na@b.example,\"Smith, Ann\"\n"
        );
    }
}
