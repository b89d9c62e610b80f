//! Connection profiles and the API token.

use std::fmt;

/// An API token. The secret never leaves this type by accident: `Debug` and `Display`
/// print `Token(****)`, it has no `Serialize`, and the client never puts it in an
/// error or a log line. Only [`Token::expose`] gives the text, for the keyring and
/// the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps `secret` (surrounding white space, as pasted, is trimmed).
    pub fn new(secret: impl Into<String>) -> Self {
        let secret = secret.into();
        let trimmed = secret.trim();
        if trimmed.len() == secret.len() {
            Self(secret)
        } else {
            Self(trimmed.to_owned())
        }
    }

    /// The secret itself. Call it only to hand the token to the keyring or to an
    /// HTTP header; never format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

impl From<String> for Token {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for Token {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

/// Where and as whom Roster connects: one organisation's server.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    /// A name the administrator chose ("Production", "Lumen demo").
    pub name: String,
    /// The API root, e.g. `https://scim.example.com/scim/v2` (no trailing slash needed).
    pub base_url: String,
    /// The API token (from the operating system's keyring).
    pub token: Token,
    /// An extra CA certificate (PEM, one or more certificates) trusted in addition to
    /// the system's roots, for servers with a private CA.
    pub ca_certificate_pem: Option<Vec<u8>>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("base_url", &redact_url(&self.base_url))
            .field("token", &self.token)
            .field(
                "ca_certificate_pem",
                &self
                    .ca_certificate_pem
                    .as_ref()
                    .map(|pem| format!("<{} bytes of PEM>", pem.len())),
            )
            .finish()
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, redact_url(&self.base_url))
    }
}

/// `url` with any `user:password@` part replaced by `****@`, for messages and logs
/// (a token pasted into the address must not be printed either).
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("****@{host}"),
        None => authority.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_url_secrets_are_not_printed() {
        let p = Profile {
            name: "Prod".into(),
            base_url: "https://me:s3cret@scim.example.com/scim/v2".into(),
            token: Token::new(" s3cret "),
            ca_certificate_pem: Some(b"-----BEGIN CERTIFICATE-----".to_vec()),
        };
        assert_eq!(p.token.expose(), "s3cret");
        for text in [format!("{p:?}"), format!("{p}"), format!("{:?}", p.token)] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert_eq!(format!("{}", p.token), "Token(****)");
        assert_eq!(redact_url("http://h:1/x"), "http://h:1/x");
        assert_eq!(redact_url("http://a@h/x@y"), "http://****@h/x@y");
    }
}
