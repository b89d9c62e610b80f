use serde::{Deserialize, Serialize};

/// What a SCIM service provider supports (RFC 7643 §5), as far as Roster cares.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// PATCH support.
    #[serde(default)]
    pub patch: Supported,
    /// Bulk support.
    #[serde(default)]
    pub bulk: BulkSupport,
    /// Filter support.
    #[serde(default)]
    pub filter: FilterSupport,
    /// Password change support.
    #[serde(default)]
    pub change_password: Supported,
    /// Sorting support.
    #[serde(default)]
    pub sort: Supported,
    /// ETag support.
    #[serde(default)]
    pub etag: Supported,
}

/// A feature flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Supported {
    /// Whether the feature is supported.
    #[serde(default)]
    pub supported: bool,
}

/// Bulk limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkSupport {
    /// Whether `/Bulk` is supported.
    #[serde(default)]
    pub supported: bool,
    /// Most operations in one request.
    #[serde(default)]
    pub max_operations: u64,
    /// Largest request body in bytes.
    #[serde(default)]
    pub max_payload_size: u64,
}

/// Filter limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterSupport {
    /// Whether filtering is supported.
    #[serde(default)]
    pub supported: bool,
    /// Most resources in one page.
    #[serde(default)]
    pub max_results: u64,
}
