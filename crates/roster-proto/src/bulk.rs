//! Bulk requests (RFC 7644 §3.7).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of a POST to `/Bulk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// Always `[urn::BULK_REQUEST]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Stop after this many errors; absent means process every operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u32>,
    /// The operations, processed in order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkOperation>,
}

/// One operation of a bulk request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// POST, PUT, PATCH or DELETE.
    pub method: String,
    /// Client-chosen id; later operations refer to the created resource as `bulkId:ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The version (ETag) the resource must still have, as with `If-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Resource path relative to the API root, e.g. `/Users` or `/Users/ID`.
    pub path: String,
    /// The request body of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The body answered by `/Bulk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponse {
    /// Always `[urn::BULK_RESPONSE]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// One result per processed operation, in request order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkOperationResponse>,
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResponse {
    /// The method of the operation.
    pub method: String,
    /// The operation's bulkId, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// HTTP status of the operation, as a string (RFC 7644 §3.7.3).
    pub status: String,
    /// The error body for a failed operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// The status as a number (0 when the peer sent something that is not a number).
    pub fn status_code(&self) -> u16 {
        self.status.trim().parse().unwrap_or(0)
    }
}
