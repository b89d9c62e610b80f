use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Resource metadata (RFC 7643 §3.1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// `User`, `Group`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    /// When the resource last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The entity tag of this version, e.g. `W/"3"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
