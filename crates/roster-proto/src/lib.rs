//! Wire types of the Roster management API: SCIM 2.0 (RFC 7643 / RFC 7644) plus the
//! Roster organisation extension.
//!
//! Both the Roster client (`roster-core`) and the reference server (`roster-server`)
//! use this crate, so the two agree on every JSON shape. It holds data types only: no
//! HTTP, no storage, no GUI.

pub mod bulk;
pub mod email;
pub mod error;
pub mod lenient;
pub mod list;
pub mod patch;
pub mod resources;
pub mod urn;

/// SCIM filter and PATCH path syntax trees (RFC 7644 §3.4.2.2, §3.5.2), parsed and
/// printed by the `scim_v2` crate.
pub use scim_v2::filter;

pub use bulk::{BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
pub use error::{ScimError, ScimType};
pub use list::ListResponse;
pub use patch::{PatchOp, PatchOpKind, PatchRequest};

/// The media type of every SCIM request and response body (RFC 7644 §8.1).
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// Path prefix under which the API is served.
pub const API_PREFIX: &str = "/scim/v2";
