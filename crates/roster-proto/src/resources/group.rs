use serde::{Deserialize, Serialize};

use super::{Meta, Reference};

/// A Group resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupResource {
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
    /// The group's name.
    pub display_name: String,
    /// Members (users).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// The Roster organisation extension.
    #[serde(
        default,
        rename = "urn:roster:params:scim:schemas:extension:organisation:2.0:Group",
        skip_serializing_if = "Option::is_none"
    )]
    pub roster: Option<RosterGroupExtension>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub value: String,
    /// The member's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User` or `Group`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The Roster organisation extension of a Group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RosterGroupExtension {
    /// Licenses every member inherits.
    #[serde(default)]
    pub licenses: Vec<Reference>,
}
