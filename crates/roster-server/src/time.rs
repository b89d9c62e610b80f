//! Timestamps as the server stores and sends them.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats `t` as RFC 3339 in UTC with milliseconds, e.g. `2026-11-30T08:25:32.123Z`.
///
/// Every stored dateTime uses this one fixed format, so that comparing two stored
/// strings compares the instants (filters like `meta.lastModified gt "..."`).
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Now, in the stored format.
pub fn now() -> String {
    format(Utc::now())
}

/// Parses an RFC 3339 dateTime in any offset and returns it in the stored format.
pub fn normalize(s: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| format(t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_offsets_to_utc_millis() {
        assert_eq!(
            super::normalize("2026-01-02T03:04:05+02:00").as_deref(),
            Some("2026-01-02T01:04:05.000Z")
        );
        assert_eq!(super::normalize("yesterday"), None);
    }
}
