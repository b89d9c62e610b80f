//! SCIM attribute paths and names Roster reads, asks for and patches: the one place
//! they are spelled (the schema URNs come from [`roster_proto::urn`]).

use roster_proto::urn::ROSTER_USER;

/// `userName` (for Roster, the email address).
pub const USER_NAME: &str = "userName";
/// The complex `name` attribute.
pub const NAME: &str = "name";
/// `name.givenName`.
pub const GIVEN_NAME: &str = "name.givenName";
/// `name.familyName`.
pub const FAMILY_NAME: &str = "name.familyName";
/// `name.formatted`.
pub const FORMATTED_NAME: &str = "name.formatted";
/// `displayName` (users and groups).
pub const DISPLAY_NAME: &str = "displayName";
/// `emails`.
pub const EMAILS: &str = "emails";
/// `active`.
pub const ACTIVE: &str = "active";
/// `groups` of a user (read-only).
pub const GROUPS: &str = "groups";
/// `entitlements`: directly assigned licenses.
pub const ENTITLEMENTS: &str = "entitlements";
/// `members` of a group.
pub const MEMBERS: &str = "members";
/// `meta` (version, lastModified).
pub const META: &str = "meta";
/// `meta.lastModified`, the attribute a delta filters on.
pub const LAST_MODIFIED: &str = "meta.lastModified";
/// `id`.
pub const ID: &str = "id";

/// Roster extension attribute: Organisation Administrator.
pub const EXT_ADMIN: &str = "organisationAdministrator";
/// Roster extension attribute: local login.
pub const EXT_LOCAL_LOGIN: &str = "localLogin";
/// Roster extension attribute: last connection (read-only).
pub const EXT_LAST_CONNECTION: &str = "lastConnection";
/// Roster extension attribute: licenses inherited from groups (read-only).
pub const EXT_INHERITED_LICENSES: &str = "inheritedLicenses";
/// Roster extension attribute: the invitation's state (read-only).
pub const EXT_INVITATION: &str = "invitation";
/// Roster Group extension attribute: licenses members inherit.
pub const EXT_GROUP_LICENSES: &str = "licenses";

/// The full path of the Organisation Administrator flag.
pub fn admin() -> String {
    format!("{ROSTER_USER}:{EXT_ADMIN}")
}

/// The full path of the local-login flag.
pub fn local_login() -> String {
    format!("{ROSTER_USER}:{EXT_LOCAL_LOGIN}")
}

/// The path of one directly assigned license, for `remove`.
pub fn entitlement(license: &str) -> String {
    format!("{ENTITLEMENTS}[value eq {}]", quoted(license))
}

/// The path of one member of a group, for `remove` (RFC 7644 §3.5.2.2).
pub fn member(id: &str) -> String {
    format!("{MEMBERS}[value eq {}]", quoted(id))
}

/// A SCIM string literal: ids are the server's own; quotes inside are escaped per RFC
/// 7644 §3.4.2.2 string rules (JSON strings).
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
