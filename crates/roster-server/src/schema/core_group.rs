//! The core Group schema (RFC 7643 §4.2).

use super::{AttrDef, AttrType, SchemaDef};

const MEMBER_SUB: &[AttrDef] = &[
    AttrDef::string("value", "The id of a member (a User or a Group)").immutable(),
    AttrDef::new("$ref", AttrType::Reference, "The URI of the member")
        .refs(&["User", "Group"])
        .immutable(),
    AttrDef::string("display", "The member's name. Returned when requested")
        .read_only()
        .returned(super::Returned::Request),
    AttrDef::string("type", "The kind of member")
        .canonical(&["User", "Group"])
        .immutable(),
];

const GROUP_ATTRS: &[AttrDef] = &[
    AttrDef::string("displayName", "A human-readable name for the group")
        .required()
        .unique(),
    AttrDef::complex("members", "The members of the group", MEMBER_SUB).multi(),
];

/// The core Group schema.
pub static GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: roster_proto::urn::GROUP,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRS,
};
