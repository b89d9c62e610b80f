//! The Roster schemas: the organisation extensions of User and Group, and the
//! License, Organisation and Invitation resources.

use super::{AttrDef, AttrType, Returned, SchemaDef};
use roster_proto::urn;

const LICENSE_REF_SUB: &[AttrDef] = &[
    AttrDef::string(
        "value",
        "The license id (or name) of a license of the organisation",
    ),
    AttrDef::string("display", "The license name; filled in when not given"),
];

const INHERITED_SUB: &[AttrDef] = &[
    AttrDef::string("value", "The license id").read_only(),
    AttrDef::string("display", "The license name").read_only(),
    AttrDef::complex(
        "group",
        "The group the license comes from",
        &[
            AttrDef::string("value", "The group id").read_only(),
            AttrDef::string("display", "The group's displayName").read_only(),
        ],
    )
    .read_only(),
];

const INVITATION_STATE_SUB: &[AttrDef] = &[
    AttrDef::string(
        "status",
        "pending until the user first connects, then accepted",
    )
    .canonical(&["pending", "accepted"])
    .read_only(),
    AttrDef::new(
        "sentAt",
        AttrType::DateTime,
        "When the last invitation email was recorded",
    )
    .read_only(),
];

const ROSTER_USER_ATTRS: &[AttrDef] = &[
    AttrDef::boolean(
        "organisationAdministrator",
        "Whether the user holds the Organisation Administrator role",
    ),
    AttrDef::boolean(
        "localLogin",
        "Whether the user may sign in with a local password; enabling it sends a set-password email",
    ),
    AttrDef::new(
        "lastConnection",
        AttrType::DateTime,
        "When the user last connected; absent when never. Returned when requested",
    )
    .read_only()
    .returned(Returned::Request),
    AttrDef::complex(
        "inheritedLicenses",
        "Licenses the user holds through group membership. Returned when requested",
        INHERITED_SUB,
    )
    .multi()
    .read_only()
    .returned(Returned::Request),
    AttrDef::complex(
        "invitation",
        "The state of the user's invitation. Returned when requested",
        INVITATION_STATE_SUB,
    )
    .read_only()
    .returned(Returned::Request),
];

/// The Roster organisation extension of User.
pub static ROSTER_USER_SCHEMA: SchemaDef = SchemaDef {
    id: urn::ROSTER_USER,
    name: "OrganisationUser",
    description: "Roster organisation attributes of a user",
    attributes: ROSTER_USER_ATTRS,
};

const ROSTER_GROUP_ATTRS: &[AttrDef] = &[AttrDef::complex(
    "licenses",
    "Licenses every member of the group inherits",
    LICENSE_REF_SUB,
)
.multi()];

/// The Roster organisation extension of Group.
pub static ROSTER_GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: urn::ROSTER_GROUP,
    name: "OrganisationGroup",
    description: "Roster organisation attributes of a group",
    attributes: ROSTER_GROUP_ATTRS,
};

const LICENSE_ATTRS: &[AttrDef] = &[
    AttrDef::string("name", "The product name").read_only(),
    AttrDef::new("seats", AttrType::Integer, "Seats bought").read_only(),
    AttrDef::new(
        "seatsAssigned",
        AttrType::Integer,
        "Users holding the license, directly or through a group",
    )
    .read_only(),
];

/// The License resource schema.
pub static LICENSE_SCHEMA: SchemaDef = SchemaDef {
    id: urn::LICENSE,
    name: "License",
    description: "A license the organisation holds",
    attributes: LICENSE_ATTRS,
};

const ORGANISATION_ATTRS: &[AttrDef] = &[
    AttrDef::string("name", "The organisation's name").read_only(),
    AttrDef::string(
        "authorizedDomains",
        "Email domains users may have; '*' authorizes every domain",
    )
    .multi()
    .read_only(),
    AttrDef::boolean(
        "identityProviderConfigured",
        "Whether users sign in through an identity provider (SSO)",
    )
    .read_only(),
];

/// The Organisation resource schema.
pub static ORGANISATION_SCHEMA: SchemaDef = SchemaDef {
    id: urn::ORGANISATION,
    name: "Organisation",
    description: "The organisation the caller administers",
    attributes: ORGANISATION_ATTRS,
};

const INVITATION_ATTRS: &[AttrDef] = &[
    AttrDef::string("userId", "The user the email is for")
        .required()
        .immutable(),
    AttrDef::string("recipient", "The address the email goes to").read_only(),
    AttrDef::string("kind", "invitation or setPassword")
        .canonical(&["invitation", "setPassword"])
        .immutable(),
    AttrDef::new("sentAt", AttrType::DateTime, "When the email was recorded").read_only(),
    AttrDef::boolean("delivered", "Whether an SMTP server accepted it").read_only(),
];

/// The Invitation resource schema.
pub static INVITATION_SCHEMA: SchemaDef = SchemaDef {
    id: urn::INVITATION,
    name: "Invitation",
    description: "An invitation or set-password email recorded for a user",
    attributes: INVITATION_ATTRS,
};
