//! Schema URNs (RFC 7643 §8.7 and the Roster extension).

/// Core User schema.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema.
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Roster organisation extension of User.
pub const ROSTER_USER: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";
/// Roster organisation extension of Group.
pub const ROSTER_GROUP: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:Group";
/// Roster License resource schema.
pub const LICENSE: &str = "urn:roster:params:scim:schemas:core:2.0:License";
/// Roster Organisation resource schema.
pub const ORGANISATION: &str = "urn:roster:params:scim:schemas:core:2.0:Organisation";
/// Roster Invitation resource schema (the server's email outbox).
pub const INVITATION: &str = "urn:roster:params:scim:schemas:core:2.0:Invitation";

/// Service provider configuration schema.
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Resource type schema.
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema of schemas.
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// List response message.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// PATCH request message.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Bulk request message.
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// Bulk response message.
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// Error message.
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
