//! The core User schema (RFC 7643 §4.1), every attribute of it.

use super::{AttrDef, AttrType, SchemaDef};

const DISPLAY: AttrDef = AttrDef::string(
    "display",
    "A human-readable name, primarily used for display purposes",
);
const PRIMARY: AttrDef = AttrDef::boolean(
    "primary",
    "Whether this is the primary value; at most one value may be primary",
);

/// Sub-attributes `value`, `display`, `type`, `primary` of a multi-valued attribute.
macro_rules! multi_sub {
    ($value:expr, $types:expr) => {
        &[
            $value,
            DISPLAY,
            AttrDef::string("type", "A label indicating the attribute's function")
                .canonical($types),
            PRIMARY,
        ]
    };
}

const NAME_SUB: &[AttrDef] = &[
    AttrDef::string("formatted", "The full name, formatted for display"),
    AttrDef::string("familyName", "The family name (last name)"),
    AttrDef::string("givenName", "The given name (first name)"),
    AttrDef::string("middleName", "The middle name(s)"),
    AttrDef::string("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'"),
    AttrDef::string("honorificSuffix", "The honorific suffix(es), e.g. 'III'"),
];

const ADDRESS_SUB: &[AttrDef] = &[
    AttrDef::string(
        "formatted",
        "The full mailing address, formatted for display",
    ),
    AttrDef::string("streetAddress", "The street address"),
    AttrDef::string("locality", "The city or locality"),
    AttrDef::string("region", "The state or region"),
    AttrDef::string("postalCode", "The zip code or postal code"),
    AttrDef::string("country", "The country name (ISO 3166-1 alpha-2)"),
    AttrDef::string("type", "A label indicating the address's function")
        .canonical(&["work", "home", "other"]),
    PRIMARY,
];

const GROUPS_SUB: &[AttrDef] = &[
    AttrDef::string("value", "The id of the group").read_only(),
    AttrDef::new("$ref", AttrType::Reference, "The URI of the group")
        .refs(&["Group"])
        .read_only(),
    AttrDef::string("display", "The group's displayName").read_only(),
    AttrDef::string("type", "direct or indirect membership")
        .canonical(&["direct", "indirect"])
        .read_only(),
];

const USER_ATTRS: &[AttrDef] = &[
    AttrDef::string(
        "userName",
        "Unique identifier of the user; for Roster, the user's email address",
    )
    .required()
    .unique(),
    AttrDef::complex("name", "The components of the user's real name", NAME_SUB),
    AttrDef::string("displayName", "The name of the user, suitable for display"),
    AttrDef::string("nickName", "The casual way to address the user"),
    AttrDef::new(
        "profileUrl",
        AttrType::Reference,
        "A URI of the user's online profile",
    )
    .refs(&["external"]),
    AttrDef::string("title", "The user's title, such as 'Vice President'"),
    AttrDef::string(
        "userType",
        "The relationship between the organisation and the user",
    ),
    AttrDef::string(
        "preferredLanguage",
        "The user's preferred written or spoken language",
    ),
    AttrDef::string("locale", "The user's default location, e.g. 'en-US'"),
    AttrDef::string(
        "timezone",
        "The user's time zone in IANA format, e.g. 'Europe/Paris'",
    ),
    AttrDef::boolean("active", "The user's administrative status"),
    AttrDef::complex(
        "emails",
        "Email addresses for the user",
        multi_sub!(
            AttrDef::string("value", "The email address"),
            &["work", "home", "other"]
        ),
    )
    .multi(),
    AttrDef::complex(
        "phoneNumbers",
        "Phone numbers for the user",
        multi_sub!(
            AttrDef::string("value", "The phone number"),
            &["work", "home", "mobile", "fax", "pager", "other"]
        ),
    )
    .multi(),
    AttrDef::complex(
        "ims",
        "Instant messaging addresses for the user",
        multi_sub!(
            AttrDef::string("value", "The instant messaging address"),
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
        ),
    )
    .multi(),
    AttrDef::complex(
        "photos",
        "URLs of photos of the user",
        multi_sub!(
            AttrDef::new("value", AttrType::Reference, "The URL of a photo").refs(&["external"]),
            &["photo", "thumbnail"]
        ),
    )
    .multi(),
    AttrDef::complex("addresses", "Physical mailing addresses", ADDRESS_SUB).multi(),
    AttrDef::complex(
        "groups",
        "Groups the user belongs to, direct or through another group",
        GROUPS_SUB,
    )
    .multi()
    .read_only(),
    AttrDef::complex(
        "entitlements",
        "Licenses assigned directly to the user; value is a license id (see /Licenses)",
        multi_sub!(
            AttrDef::string("value", "The id (or name) of a license of the organisation"),
            &["license"]
        ),
    )
    .multi(),
    AttrDef::complex(
        "roles",
        "Roles of the user",
        multi_sub!(AttrDef::string("value", "The role"), &[]),
    )
    .multi(),
    AttrDef::complex(
        "x509Certificates",
        "X.509 certificates of the user",
        multi_sub!(
            AttrDef::new("value", AttrType::Binary, "The DER certificate, base64").case_exact(),
            &[]
        ),
    )
    .multi(),
];

/// The core User schema.
pub static USER_SCHEMA: SchemaDef = SchemaDef {
    id: roster_proto::urn::USER,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRS,
};
