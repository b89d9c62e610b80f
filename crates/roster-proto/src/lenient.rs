//! Lenient readers for what servers in the wild send: ids as JSON numbers, and
//! statuses as numbers where RFC 7644 says strings.

use serde::{Deserialize, Deserializer};

/// A string, or a number / boolean taken as its text (`42` → `"42"`). `null` is "".
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Str(String),
        Int(i64),
        UInt(u64),
        Float(f64),
        Bool(bool),
        Null(()),
    }
    Ok(match Text::deserialize(d)? {
        Text::Str(s) => s,
        Text::Int(n) => n.to_string(),
        Text::UInt(n) => n.to_string(),
        Text::Float(n) => n.to_string(),
        Text::Bool(b) => b.to_string(),
        Text::Null(()) => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Id {
        #[serde(deserialize_with = "super::string_or_number")]
        id: String,
    }

    #[test]
    fn numbers_are_read_as_their_text() {
        for (json, want) in [
            (r#"{"id":"a"}"#, "a"),
            (r#"{"id":42}"#, "42"),
            (r#"{"id":-1}"#, "-1"),
        ] {
            let id: Id = serde_json::from_str(json).unwrap();
            assert_eq!(id.id, want);
        }
    }
}
