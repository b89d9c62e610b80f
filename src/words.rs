//! Counts in words: "1 user", "3 users", never "user(s)".

/// `n` followed by `one` or `many`, as `n` asks: `count(1, "user", "users")` is
/// "1 user".
pub fn count(n: usize, one: &str, many: &str) -> String {
    roster_core::words::count(n as u64, one, many)
}

/// "1 user", "3 users".
pub fn users(n: usize) -> String {
    count(n, "user", "users")
}

/// "1 row", "3 rows".
pub fn rows(n: usize) -> String {
    count(n, "row", "rows")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(users(1), "1 user");
        assert_eq!(users(0), "0 users");
        assert_eq!(users(3), "3 users");
        assert_eq!(rows(1), "1 row");
        assert_eq!(count(2, "change", "changes"), "2 changes");
    }
}
