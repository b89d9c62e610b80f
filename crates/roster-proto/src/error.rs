//! SCIM error bodies (RFC 7644 §3.12).

use serde::{Deserialize, Serialize};

/// The `scimType` detail code of a 400 (or 409, 413) error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax was invalid or the attribute and comparison are not supported.
    InvalidFilter,
    /// The filter yields too many results.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The path attribute was invalid or malformed.
    InvalidPath,
    /// The specified path did not yield an attribute or attribute value to operate on.
    NoTarget,
    /// A required value was missing or the value was not compatible.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed due to sensitive information in the URL.
    Sensitive,
}

/// A SCIM error response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    /// Always `[urn::ERROR]`.
    pub schemas: Vec<String>,
    /// The HTTP status code, as a string (RFC 7644 §3.12; a number from some
    /// servers, read as its text).
    #[serde(default, deserialize_with = "crate::lenient::string_or_number")]
    pub status: String,
    /// Detail error keyword, where one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<ScimType>,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ScimError {
    /// Builds an error body for `status`.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            schemas: vec![crate::urn::ERROR.to_owned()],
            status: status.to_string(),
            scim_type,
            detail: Some(detail.into()),
        }
    }

    /// The status as a number (0 when a peer sent something that is not a number).
    pub fn status_code(&self) -> u16 {
        self.status.trim().parse().unwrap_or(0)
    }
}
