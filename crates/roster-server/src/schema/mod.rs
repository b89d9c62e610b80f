//! The schemas the server supports (RFC 7643 §7), as data.
//!
//! One definition drives everything: input validation, PATCH path resolution, filter
//! translation, attribute projection, and the `/Schemas` and `/ResourceTypes`
//! documents. What is not described here is refused, so `/Schemas` tells exactly
//! what the server supports.

mod core_group;
mod core_user;
mod roster;

use serde_json::{Value, json};

pub use core_group::GROUP_SCHEMA;
pub use core_user::USER_SCHEMA;
pub use roster::{
    INVITATION_SCHEMA, LICENSE_SCHEMA, ORGANISATION_SCHEMA, ROSTER_GROUP_SCHEMA, ROSTER_USER_SCHEMA,
};

/// SCIM attribute data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Binary,
    Complex,
}

impl AttrType {
    fn wire(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Reference => "reference",
            Self::Binary => "binary",
            Self::Complex => "complex",
        }
    }
}

/// When an attribute may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// When an attribute is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// How unique an attribute's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
}

/// One attribute definition.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub description: &'static str,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttrDef],
}

impl AttrDef {
    /// A single-valued, optional, read-write attribute of type `ty`.
    pub const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        Self {
            name,
            ty,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            description,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }
    pub const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    pub const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    pub const fn complex(
        name: &'static str,
        description: &'static str,
        sub: &'static [AttrDef],
    ) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = sub;
        a
    }
    pub const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    pub const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    pub const fn write_only(mut self) -> Self {
        self.mutability = Mutability::WriteOnly;
        self.returned = Returned::Never;
        self
    }
    pub const fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }
    pub const fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    pub const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
    pub const fn refs(mut self, types: &'static [&'static str]) -> Self {
        self.reference_types = types;
        self
    }

    /// The sub-attribute called `name` (case-insensitive).
    pub fn sub(&self, name: &str) -> Option<&'static AttrDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether a client may write this attribute.
    pub fn writable(&self) -> bool {
        self.mutability != Mutability::ReadOnly
    }

    fn describe(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.ty.wire(),
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::Immutable => "immutable",
                Mutability::WriteOnly => "writeOnly",
            },
            "returned": match self.returned {
                Returned::Always => "always",
                Returned::Never => "never",
                Returned::Default => "default",
                Returned::Request => "request",
            },
            "uniqueness": match self.uniqueness {
                Uniqueness::None => "none",
                Uniqueness::Server => "server",
            },
        });
        if !self.canonical_values.is_empty() {
            v["canonicalValues"] = json!(self.canonical_values);
        }
        if self.ty == AttrType::Reference {
            v["referenceTypes"] = json!(self.reference_types);
        }
        if self.ty == AttrType::Complex {
            v["subAttributes"] =
                Value::Array(self.sub_attributes.iter().map(AttrDef::describe).collect());
        }
        v
    }
}

/// A schema: an id (URN) and its attributes.
#[derive(Debug)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttrDef],
}

impl SchemaDef {
    /// The attribute called `name` (case-insensitive).
    pub fn attr(&self, name: &str) -> Option<&'static AttrDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The `/Schemas/{id}` document.
    pub fn to_json(&self, base: &str) -> Value {
        json!({
            "schemas": [roster_proto::urn::SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(AttrDef::describe).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base}/Schemas/{}", self.id),
            }
        })
    }
}

/// A resource type: its endpoint, core schema and extensions.
#[derive(Debug)]
pub struct ResourceDef {
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub schema: &'static SchemaDef,
    pub extensions: &'static [&'static SchemaDef],
}

impl ResourceDef {
    /// The extension schema with URN `urn` (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&'static SchemaDef> {
        self.extensions
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The core schema or an extension, by URN (case-insensitive).
    pub fn schema_by_urn(&self, urn: &str) -> Option<&'static SchemaDef> {
        if self.schema.id.eq_ignore_ascii_case(urn) {
            Some(self.schema)
        } else {
            self.extension(urn)
        }
    }

    /// The schema URNs a resource of this type lists in `schemas`.
    pub fn schema_urns(&self) -> Vec<&'static str> {
        std::iter::once(self.schema.id)
            .chain(self.extensions.iter().map(|s| s.id))
            .collect()
    }

    /// The `/ResourceTypes/{name}` document.
    pub fn to_json(&self, base: &str) -> Value {
        json!({
            "schemas": [roster_proto::urn::RESOURCE_TYPE],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema.id,
            "schemaExtensions": self.extensions.iter()
                .map(|s| json!({"schema": s.id, "required": false}))
                .collect::<Vec<_>>(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{}", self.name),
            }
        })
    }
}

/// Users.
pub static USER: ResourceDef = ResourceDef {
    name: "User",
    endpoint: "/Users",
    description: "People of the organisation",
    schema: &USER_SCHEMA,
    extensions: &[&ROSTER_USER_SCHEMA],
};

/// Groups.
pub static GROUP: ResourceDef = ResourceDef {
    name: "Group",
    endpoint: "/Groups",
    description: "Groups of users; members inherit the group's licenses",
    schema: &GROUP_SCHEMA,
    extensions: &[&ROSTER_GROUP_SCHEMA],
};

/// Licenses (read-only).
pub static LICENSE: ResourceDef = ResourceDef {
    name: "License",
    endpoint: "/Licenses",
    description: "Licenses the organisation holds, with seats",
    schema: &LICENSE_SCHEMA,
    extensions: &[],
};

/// Emails the server recorded (invitations and set-password emails).
pub static INVITATION: ResourceDef = ResourceDef {
    name: "Invitation",
    endpoint: "/Invitations",
    description: "Invitation and set-password emails recorded for users; POST one to resend",
    schema: &INVITATION_SCHEMA,
    extensions: &[],
};

/// Every resource type, in `/ResourceTypes` order. The organisation is a singleton
/// like `/Me`, not a collection, so it has a schema but no resource type.
pub static RESOURCE_TYPES: [&ResourceDef; 4] = [&USER, &GROUP, &LICENSE, &INVITATION];

/// Every schema, in `/Schemas` order.
pub static SCHEMAS: [&SchemaDef; 7] = [
    &USER_SCHEMA,
    &ROSTER_USER_SCHEMA,
    &GROUP_SCHEMA,
    &ROSTER_GROUP_SCHEMA,
    &LICENSE_SCHEMA,
    &ORGANISATION_SCHEMA,
    &INVITATION_SCHEMA,
];
