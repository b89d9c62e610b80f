use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Meta, Reference};
use crate::urn;

/// A User resource with the attributes Roster uses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResource {
    /// Schemas of this resource.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Server-assigned id (a number from some servers, read as its text).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "crate::lenient::string_or_number"
    )]
    pub id: String,
    /// The login: for Roster, the user's email address.
    pub user_name: String,
    /// Given and family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<EmailValue>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Groups the user belongs to (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupRef>,
    /// Directly assigned licenses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<Entitlement>,
    /// The Roster organisation extension.
    #[serde(
        default,
        rename = "urn:roster:params:scim:schemas:extension:organisation:2.0:User",
        skip_serializing_if = "Option::is_none"
    )]
    pub roster: Option<RosterUserExtension>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl UserResource {
    /// A new user to create: `email` as userName and primary work email.
    pub fn invite(email: &str, given_name: &str, family_name: &str) -> Self {
        Self {
            schemas: vec![urn::USER.to_owned(), urn::ROSTER_USER.to_owned()],
            user_name: email.to_owned(),
            name: Some(Name {
                given_name: Some(given_name.to_owned()),
                family_name: Some(family_name.to_owned()),
                formatted: None,
            }),
            display_name: Some(format!("{given_name} {family_name}")),
            emails: vec![EmailValue {
                value: email.to_owned(),
                kind: Some("work".to_owned()),
                primary: Some(true),
            }],
            active: Some(true),
            ..Self::default()
        }
    }
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// Full name, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}

/// One email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailValue {
    /// The address.
    pub value: String,
    /// `work`, `home`, `other`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the primary address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// A group the user is a member of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// Group id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub value: String,
    /// Group display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A directly assigned license: `value` is the license id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    /// License id.
    pub value: String,
    /// License name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Always `license` for Roster.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The Roster organisation extension of a User.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RosterUserExtension {
    /// Whether the user is an Organisation Administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_administrator: Option<bool>,
    /// Whether the user may log in with a local password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_login: Option<bool>,
    /// When the user last connected (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_connection: Option<DateTime<Utc>>,
    /// Licenses inherited from groups (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherited_licenses: Vec<InheritedLicense>,
    /// The state of the user's invitation (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<UserInvitation>,
}

/// A license a user holds through a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InheritedLicense {
    /// License id.
    pub value: String,
    /// License name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The group it comes from.
    pub group: Reference,
}

/// The state of a user's invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInvitation {
    /// `pending` until the user first connects, then `accepted`.
    pub status: InvitationState,
    /// When the last invitation email was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
}

pub use super::invitation::InvitationState;
