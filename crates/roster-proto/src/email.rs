//! Strict email addresses: exactly one RFC 5322 addr-spec, in the narrow form an
//! organisation's users have, so that the client and the server accept the same
//! addresses and a domain check cannot be fooled.
//!
//! Accepted: `local@domain`, where `local` is a dot-atom (RFC 5322 §3.2.3 `atext`,
//! plus non-ASCII letters as RFC 6531 allows) and `domain` is at least two LDH
//! labels (letters, digits, hyphens; RFC 1035 §2.3.1). Refused, each with its own
//! reason: display names (`Ann <ann@x.org>`), lists (`a@x.org, b@x.org`), quoted
//! local parts (`"a@b"@x.org`), comments, spaces, control characters (CR, LF, NUL…),
//! a second `@`, and domain literals (`a@[10.0.0.1]`).
//!
//! Why so strict: the address is compared with the authorized domains, put in mail
//! headers and written to logs. Anything that a mail system could read as a second
//! recipient or a second header must not get through.

use std::fmt;

/// The longest address accepted (RFC 5321 §4.5.3.1.3: a path is at most 256 octets,
/// of which the angle brackets take two).
pub const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;
const MAX_LABEL: usize = 63;

/// An address that passed [`parse`]: the text as given, split at its `@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    /// The part before the `@`.
    pub local: &'a str,
    /// The part after the `@`, as given (compare it case-insensitively).
    pub domain: &'a str,
}

/// Why a text is not one plain email address. The `Display` text says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Nothing was given.
    #[error("it is empty")]
    Empty,
    /// Longer than [`MAX_LEN`] bytes.
    #[error("it is longer than {MAX_LEN} characters")]
    TooLong,
    /// A control character (line break, tab, NUL…).
    #[error("it contains a control character ({0:?}); type the address on one line")]
    ControlCharacter(char),
    /// A comma or semicolon: a list of addresses.
    #[error("it contains a {0:?}; give one address only")]
    SeveralAddresses(char),
    /// A display name or angle brackets (`Ann Lee <ann@x.org>`).
    #[error("{}", display_name_text(.address))]
    DisplayName {
        /// The address inside the angle brackets, when there is exactly one.
        address: Option<String>,
    },
    /// A double quote (quoted local parts are not accepted).
    #[error("it contains a double quote; quoted addresses are not accepted")]
    Quoted,
    /// A space or other white space.
    #[error("it contains a space")]
    Space,
    /// No `@`.
    #[error("it has no @")]
    NoAt,
    /// More than one `@`.
    #[error("it has more than one @")]
    SeveralAt,
    /// The part before the `@` is not a dot-atom.
    #[error("the part before the @ {0}")]
    Local(&'static str),
    /// The part after the `@` is not a domain name of LDH labels.
    #[error("the domain {0}")]
    Domain(&'static str),
}

fn display_name_text(address: &Option<String>) -> String {
    match address {
        Some(a) => format!("only the address belongs here, without a name or angle brackets: {a}"),
        None => "it contains angle brackets; give only the address".to_owned(),
    }
}

/// Parses `text` as exactly one plain address. Surrounding white space is not
/// trimmed (callers decide whether a cell's spaces are noise).
pub fn parse(text: &str) -> Result<Address<'_>, AddressError> {
    if text.is_empty() {
        return Err(AddressError::Empty);
    }
    // Nearly every address is plain ASCII without any of the characters the checks
    // below look for one by one: one pass over the bytes shows that they all pass.
    // (A loaded copy of a million users checks a million addresses.)
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b',' | b';' | b'<' | b'>' | b'"'));
    if !plain {
        check_characters(text)?;
    }
    if text.len() > MAX_LEN {
        return Err(AddressError::TooLong);
    }
    let (local, domain) = text.split_once('@').ok_or(AddressError::NoAt)?;
    if domain.contains('@') {
        return Err(AddressError::SeveralAt);
    }
    check_local(local)?;
    check_domain(domain)?;
    Ok(Address { local, domain })
}

/// The checks of single characters, in the order their errors are given.
fn check_characters(text: &str) -> Result<(), AddressError> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(AddressError::ControlCharacter(c));
    }
    if let Some(c) = text.chars().find(|c| matches!(c, ',' | ';')) {
        return Err(AddressError::SeveralAddresses(c));
    }
    if text.contains(['<', '>']) {
        return Err(AddressError::DisplayName {
            address: bracketed(text),
        });
    }
    if text.contains('"') {
        return Err(AddressError::Quoted);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(AddressError::Space);
    }
    Ok(())
}

/// Whether `text` is one plain address.
pub fn is_valid(text: &str) -> bool {
    parse(text).is_ok()
}

/// The address of `Name <address>` when the text has that shape, so a message can
/// show what to keep (that address may have faults of its own, reported once it
/// stands alone).
fn bracketed(text: &str) -> Option<String> {
    let (_, rest) = text.split_once('<')?;
    let (inner, tail) = rest.split_once('>')?;
    let inner = inner.trim();
    let single = !inner.contains(['<', '>']) && !tail.contains(['<', '>']);
    let plausible = inner.contains('@') && !inner.chars().any(char::is_whitespace);
    (single && plausible && tail.trim().is_empty()).then(|| inner.to_owned())
}

/// RFC 5322 `atext`, and any non-ASCII character (RFC 6531 UTF-8 local parts).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '-'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
        )
        || !c.is_ascii()
}

fn check_local(local: &str) -> Result<(), AddressError> {
    if local.is_empty() {
        return Err(AddressError::Local("is empty"));
    }
    if local.len() > MAX_LOCAL {
        return Err(AddressError::Local("is longer than 64 characters"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(AddressError::Local(
            "must not start or end with a dot, nor have two dots in a row",
        ));
    }
    if !local.chars().all(|c| c == '.' || is_atext(c)) {
        return Err(AddressError::Local(
            "has a character an address cannot have, such as ( ) [ ] \\ or :",
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), AddressError> {
    if domain.is_empty() {
        return Err(AddressError::Domain("is empty"));
    }
    if domain.len() > MAX_DOMAIN {
        return Err(AddressError::Domain("is longer than 253 characters"));
    }
    if !domain.contains('.') {
        return Err(AddressError::Domain("has no dot"));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(AddressError::Domain(
                "must not start or end with a dot, nor have two dots in a row",
            ));
        }
        if label.len() > MAX_LABEL {
            return Err(AddressError::Domain("has a part longer than 63 characters"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AddressError::Domain(
                "may hold only letters, digits, hyphens and dots",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(AddressError::Domain(
                "has a part that starts or ends with a hyphen",
            ));
        }
    }
    Ok(())
}

/// `text` with control characters escaped (`\r`, `\n`, `\u{0}`…), for one log line
/// or one message line that quotes what a client sent.
pub fn escape(text: &str) -> String {
    text.escape_debug().to_string()
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

#[cfg(test)]
mod tests;
