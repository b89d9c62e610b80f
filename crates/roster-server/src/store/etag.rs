//! Entity tags (`meta.version`, `ETag`, `If-Match`).

use crate::error::{ApiError, ApiResult};

/// The weak entity tag of `version`, e.g. `W/"3"`.
pub fn of(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Checks an `If-Match` header (or a bulk operation's `version`) against `version`.
/// `*` matches any; weak and strong forms of the same tag are equal; absent matches.
pub fn check_if_match(if_match: Option<&str>, version: i64) -> ApiResult<()> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = version.to_string();
    let matches = header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::precondition_failed(format!(
            "the resource has changed: it is now at version {}, not {header}",
            of(version)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        assert!(check_if_match(None, 3).is_ok());
        assert!(check_if_match(Some("*"), 3).is_ok());
        assert!(check_if_match(Some("W/\"3\""), 3).is_ok());
        assert!(check_if_match(Some("\"3\""), 3).is_ok());
        assert!(check_if_match(Some("W/\"1\", W/\"3\""), 3).is_ok());
        let err = check_if_match(Some("W/\"2\""), 3).unwrap_err();
        assert_eq!(err.status.as_u16(), 412);
    }
}
