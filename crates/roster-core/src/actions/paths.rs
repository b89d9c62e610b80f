//! SCIM attribute paths Roster patches.

use roster_proto::urn::ROSTER_USER;

pub(super) const GIVEN_NAME: &str = "name.givenName";
pub(super) const FAMILY_NAME: &str = "name.familyName";
pub(super) const ENTITLEMENTS: &str = "entitlements";

pub(super) fn admin() -> String {
    format!("{ROSTER_USER}:organisationAdministrator")
}

pub(super) fn local_login() -> String {
    format!("{ROSTER_USER}:localLogin")
}

/// The path of one directly assigned license, for `remove`.
pub(super) fn entitlement(license: &str) -> String {
    // Ids are the server's own; quotes inside are escaped per RFC 7644 §3.4.2.2 string
    // rules (JSON strings).
    let quoted = serde_json::Value::String(license.to_owned()).to_string();
    format!("entitlements[value eq {quoted}]")
}
