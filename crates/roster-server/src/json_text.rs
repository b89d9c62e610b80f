//! JSON printed straight into a `String`, byte for byte as `serde_json` prints a
//! `Value` (keys in order, the same escapes), for the hot paths that would
//! otherwise build `Value`s only to print them: seeding and listing users.

use std::fmt::Write as _;

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Only ASCII bytes are escaped: `i` is on a character boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_print_as_serde_json_prints_them() {
        for s in [
            "",
            "plain",
            "Léa O'Brien",
            "quote \" and backslash \\",
            "\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}",
            "日本語 🚀 </script>",
        ] {
            let mut out = String::new();
            push_str(&mut out, s);
            assert_eq!(out, serde_json::Value::from(s).to_string(), "{s:?}");
        }
    }
}
