//! Counts in words for messages people read: "1 seat", "3 seats", never "seat(s)".

/// `n` followed by `one` or `many`, as `n` asks: `count(1, "user", "users")` is
/// "1 user", `count(0, "user", "users")` is "0 users".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(count(1, "seat", "seats"), "1 seat");
        assert_eq!(count(0, "seat", "seats"), "0 seats");
        assert_eq!(count(3, "line", "lines"), "3 lines");
    }
}
