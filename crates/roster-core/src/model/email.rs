//! Email addresses: validated once, compared case-insensitively.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An email address that passed syntax validation: exactly one plain addr-spec, as
/// [`roster_proto::email`] (shared with roster-server) defines it. Two addresses
/// that differ only in case are equal.
#[derive(Clone)]
pub struct Email {
    text: String,
    /// The lower-case form, only where it differs from `text`: most addresses are
    /// lower case already, and a million users need not carry a second copy.
    lower: Option<Box<str>>,
}

/// Why a text is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a valid email address: {reason}")]
pub struct InvalidEmail {
    /// What was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Email {
    /// Validates `text` (surrounding spaces are trimmed).
    pub fn parse(text: &str) -> Result<Self, InvalidEmail> {
        let trimmed = text.trim();
        roster_proto::email::parse(trimmed).map_err(|e| InvalidEmail {
            text: text.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(Self::checked(trimmed))
    }

    /// [`Email::parse`] where only whether it is an address matters: no error text
    /// is made (reading a million userNames that are logins, not addresses, made
    /// two strings each).
    pub fn if_valid(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        roster_proto::email::is_valid(trimmed).then(|| Self::checked(trimmed))
    }

    /// `trimmed`, which passed the check.
    fn checked(trimmed: &str) -> Self {
        // Most addresses are lower-case ASCII: then nothing more is allocated.
        let already_lower = trimmed.is_ascii() && !trimmed.bytes().any(|b| b.is_ascii_uppercase());
        let lower = if already_lower {
            None
        } else {
            let lower = trimmed.to_lowercase();
            (lower != trimmed).then(|| lower.into_boxed_str())
        };
        Self {
            lower,
            text: trimmed.to_owned(),
        }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The address in lower case, for comparisons and indexes.
    pub fn key(&self) -> &str {
        self.lower.as_deref().unwrap_or(&self.text)
    }

    /// The part after the @, in lower case.
    pub fn domain(&self) -> &str {
        self.key().rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// Whether the domain is one of `authorized` (`*` authorizes all).
    pub fn in_domains<S: AsRef<str>>(&self, authorized: &[S]) -> bool {
        authorized
            .iter()
            .any(|d| d.as_ref() == "*" || d.as_ref().eq_ignore_ascii_case(self.domain()))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.text)
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Email {}

impl Hash for Email {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(other.key())
    }
}

impl FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_valid_agrees_with_parse() {
        for text in [
            " Ann.Smith@Example.COM ",
            "bjensen",
            "Ann <ann@x.example>",
            "a@b@x.example",
            "",
            "élodie@corp.example",
        ] {
            let parsed = Email::parse(text).ok();
            let valid = Email::if_valid(text);
            assert_eq!(
                valid.as_ref().map(|e| (e.as_str(), e.key())),
                parsed.as_ref().map(|e| (e.as_str(), e.key())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn compares_case_insensitively_and_keeps_spelling() {
        let a = Email::parse(" Ann.Smith@Example.COM ").unwrap();
        let b = Email::parse("ann.smith@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Ann.Smith@Example.COM");
        assert_eq!(a.domain(), "example.com");
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "plain",
            "a@",
            "@b.com",
            "a b@c.com",
            "a@localhost",
            "a@@b.com",
            "x@evil.example@chaos.example",
            "evil@evil.example, ok@chaos.example",
            "\"evil@evil.example\"@chaos.example",
            "Evil <evil@evil.example>, x@chaos.example",
            "ok@chaos.example\r\nBcc: evil@evil.example",
            "ok\0@chaos.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["a+tag@b.co", "élodie@exemple.fr", "o'brien@x.org"] {
            assert!(Email::parse(good).is_ok(), "{good:?} refused");
        }
        let e = Email::parse("x@evil.example@chaos.example").unwrap_err();
        assert_eq!(e.reason, "it has more than one @");
    }

    #[test]
    fn domain_rule() {
        let e = Email::parse("x@Corp.example").unwrap();
        assert!(e.in_domains(&["corp.example"]));
        assert!(e.in_domains(&["*"]));
        assert!(!e.in_domains(&["other.example", "sub.corp.example"]));
    }
}
