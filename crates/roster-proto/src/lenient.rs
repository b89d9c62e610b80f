//! Lenient readers for what servers in the wild send: ids as JSON numbers, and
//! statuses as numbers where RFC 7644 says strings.

use serde::{Deserialize, Deserializer};

/// A string, or a number / boolean taken as its text (`42` → `"42"`). `null` is "".
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    // Through `Value`, which reads numbers whatever serde_json's features are (an
    // untagged enum does not when `arbitrary_precision` is on somewhere in the build).
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a string or a number, found {other}"
            )));
        }
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

#[cfg(test)]
mod value_tests {
    #[test]
    fn from_a_value_too() {
        let r: crate::resources::UserResource =
            serde_json::from_value(serde_json::json!({"id": 7, "userName": "a"})).unwrap();
        assert_eq!(r.id, "7");
    }
}
