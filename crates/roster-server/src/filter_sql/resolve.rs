//! Resolution of filter and sort paths to SQL expressions over the store's tables.

use std::fmt::Write as _;

use roster_proto::filter::AttrPath;

use crate::attr_path::{self, Named};
use crate::error::ApiError;
use crate::schema::{self, AttrDef, AttrType, Returned};
use crate::value_filter;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Users,
    Groups,
}

impl Kind {
    pub(super) fn resource(self) -> &'static schema::ResourceDef {
        match self {
            Kind::Users => &schema::USER,
            Kind::Groups => &schema::GROUP,
        }
    }
    pub(super) fn alias(self) -> &'static str {
        match self {
            Kind::Users => "u",
            Kind::Groups => "g",
        }
    }
}

/// One SQL value per resource (or per element, inside an `EXISTS`).
#[derive(Debug, Clone)]
pub(super) struct Scalar {
    pub(super) expr: String,
    pub(super) def: &'static AttrDef,
    /// A column already holding `casefold(expr)` (indexed), when there is one.
    folded: Option<&'static str>,
}

impl Scalar {
    fn new(expr: impl Into<String>, def: &'static AttrDef) -> Self {
        Self {
            expr: expr.into(),
            def,
            folded: None,
        }
    }
    /// The expression to compare with a parameter lowercased in Rust.
    pub(super) fn compared(&self) -> String {
        if !value_filter::folds(self.def) {
            return self.expr.clone();
        }
        match self.folded {
            Some(col) => col.to_owned(),
            None => format!("casefold({})", self.expr),
        }
    }
}

/// Where the elements of a multi-valued attribute come from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// A JSON array in the doc, read with `json_each(…) j`.
    Json,
    /// The user's direct groups (`members m`, `groups g2`).
    UserGroups,
    /// Licenses of the user's direct groups (`members m`, `group_licenses gl`).
    UserLicenses,
    /// A group's members (`members m`, with the member's user or group).
    GroupMembers,
}

/// The elements of a multi-valued attribute (or the one value of a single-valued
/// complex attribute), as SQL rows.
#[derive(Debug, Clone)]
pub(super) struct Elements {
    pub(super) attr: &'static AttrDef,
    pub(super) source: Source,
    /// Tables of the `EXISTS` sub-query; `None` for a single-valued complex
    /// attribute, whose sub-attributes are plain JSON paths of the doc.
    pub(super) from: Option<String>,
    /// The sub-query's correlation with the outer row, if any.
    pub(super) correlate: Option<&'static str>,
    /// For JSON sources: the JSON holding the element and the path to it.
    json: (String, Vec<&'static str>),
}

impl Elements {
    /// A multi-valued attribute stored as a JSON array at `path` of `doc`.
    fn json_array(attr: &'static AttrDef, doc: &str, path: &[&'static str]) -> Self {
        Self {
            attr,
            source: Source::Json,
            from: Some(format!("json_each({doc}, {}) j", json_path(path))),
            correlate: None,
            json: ("j.value".into(), Vec::new()),
        }
    }

    /// A multi-valued attribute the store keeps in tables.
    fn relation(
        attr: &'static AttrDef,
        source: Source,
        from: &str,
        correlate: &'static str,
    ) -> Self {
        Self {
            attr,
            source,
            from: Some(from.to_owned()),
            correlate: Some(correlate),
            json: (String::new(), Vec::new()),
        }
    }

    /// A single-valued complex attribute at `path` of `doc`.
    fn single(attr: &'static AttrDef, doc: &str, path: Vec<&'static str>) -> Self {
        Self {
            attr,
            source: Source::Json,
            from: None,
            correlate: None,
            json: (doc.to_owned(), path),
        }
    }

    /// The whole value of a single-valued complex attribute (for `pr`).
    pub(super) fn whole(&self) -> Scalar {
        let (base, path) = &self.json;
        Scalar::new(
            format!("json_extract({base}, {})", json_path(path)),
            self.attr,
        )
    }

    /// The SQL for sub-attribute `name[.sub_attr]` of one element.
    pub(super) fn sub(&self, name: &str, sub_attr: Option<&str>) -> Result<Scalar, ApiError> {
        let label = match sub_attr {
            Some(s) => format!("{}.{name}.{s}", self.attr.name),
            None => format!("{}.{name}", self.attr.name),
        };
        let unknown = || ApiError::invalid_filter(format!("unknown attribute '{label}'"));
        let unsupported =
            || ApiError::invalid_filter(format!("'{label}' cannot be used in a filter"));
        if self.attr.ty != AttrType::Complex {
            // A simple multi-valued attribute: `value` is the element itself.
            return match (self.source, name.eq_ignore_ascii_case("value"), sub_attr) {
                (Source::Json, true, None) => Ok(Scalar::new(
                    "j.value",
                    value_filter::simple_value_def(self.attr),
                )),
                _ => Err(unknown()),
            };
        }
        let sub = self.attr.sub(name).ok_or_else(unknown)?;
        let inner = match sub_attr {
            Some(s) => Some(sub.sub(s).ok_or_else(unknown)?),
            None => None,
        };
        let def = inner.unwrap_or(sub);
        if def.returned == Returned::Never {
            return Err(unsupported());
        }
        let expr = match (self.source, sub.name, inner.map(|i| i.name)) {
            (Source::Json, ..) => {
                let (base, prefix) = &self.json;
                let mut path = prefix.clone();
                path.push(sub.name);
                path.extend(inner.map(|i| i.name));
                format!("json_extract({base}, {})", json_path(&path))
            }
            (Source::UserGroups, "value", None) => "m.group_id".into(),
            (Source::UserGroups, "display", None) => "g2.display_name".into(),
            // The store lists direct memberships only.
            (Source::UserGroups, "type", None) => "'direct'".into(),
            (Source::UserLicenses, "value", None) => "gl.license_id".into(),
            (Source::UserLicenses, "display", None) => "l.name".into(),
            (Source::UserLicenses, "group", Some("value")) => "m.group_id".into(),
            (Source::UserLicenses, "group", Some("display")) => "g2.display_name".into(),
            (Source::GroupMembers, "value", None) => "m.member_id".into(),
            (Source::GroupMembers, "type", None) => "m.member_type".into(),
            // The same display the store renders for a member.
            (Source::GroupMembers, "display", None) => {
                "COALESCE(json_extract(mu.doc, '$.displayName'), mu.user_name, mg.display_name)"
                    .into()
            }
            _ => return Err(unsupported()),
        };
        Ok(Scalar::new(expr, def))
    }
}

/// What a filter or sort path names.
pub(super) enum Target {
    Scalar(Scalar),
    /// A single-valued complex attribute of the doc, named without a sub-attribute.
    Single(Elements),
    /// A multi-valued attribute, with the sub-attribute the path names, if any.
    Many(Elements, Option<String>),
}

/// A JSON path literal (`'$."a"."b"'`) from canonical schema names.
fn json_path(segments: &[&str]) -> String {
    let mut path = String::from("'$");
    for s in segments {
        // Names come from the schema, never from the client; a quote would break
        // the literal, so refuse it loudly in tests.
        debug_assert!(!s.contains(['"', '\'']), "schema name with a quote: {s}");
        let _ = write!(path, ".\"{s}\"");
    }
    path.push('\'');
    path
}

static ID: AttrDef = AttrDef::string("id", "").case_exact();
static TEXT: AttrDef = AttrDef::string("text", "");
static DATE_TIME: AttrDef = AttrDef::new("dateTime", AttrType::DateTime, "");

pub(super) fn resolve(kind: Kind, path: &AttrPath) -> Result<Target, ApiError> {
    let a = kind.alias();
    let unknown = || ApiError::invalid_filter(format!("unknown attribute '{path}'"));
    let unsupported = || ApiError::invalid_filter(format!("'{path}' cannot be used in a filter"));
    let resource = kind.resource();
    let core_uri = path
        .uri
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(resource.schema.id));
    let sub = path.sub_attr.as_deref();
    // Common attributes the schema does not list.
    if core_uri && path.name.eq_ignore_ascii_case("id") {
        return match sub {
            None => Ok(Target::Scalar(Scalar::new(format!("{a}.id"), &ID))),
            Some(_) => Err(unknown()),
        };
    }
    if core_uri && path.name.eq_ignore_ascii_case("meta") {
        let (expr, def) = match sub.map(str::to_ascii_lowercase).as_deref() {
            Some("created") => (format!("{a}.created"), &DATE_TIME),
            Some("lastmodified") => (format!("{a}.last_modified"), &DATE_TIME),
            Some("resourcetype") => (format!("'{}'", resource.name), &TEXT),
            Some("location" | "version") => return Err(unsupported()),
            _ => return Err(unknown()),
        };
        return Ok(Target::Scalar(Scalar::new(expr, def)));
    }
    let loc = match attr_path::resolve(resource, path.uri.as_deref(), &path.name) {
        Some(Named::Attr(loc)) => loc,
        Some(Named::Schema(_)) => return Err(unsupported()),
        None => return Err(unknown()),
    };
    let def = loc.def;
    if def.returned == Returned::Never {
        return Err(unsupported());
    }
    let many = |elements| Target::Many(elements, sub.map(str::to_owned));
    // Attributes the store keeps outside the doc.
    let scalar = match (kind, def.name) {
        (Kind::Users, "userName") => Scalar {
            folded: Some("u.user_name_key"),
            ..Scalar::new("u.user_name", def)
        },
        (Kind::Groups, "displayName") => Scalar {
            folded: Some("g.display_name_key"),
            ..Scalar::new("g.display_name", def)
        },
        (Kind::Users, "lastConnection") => Scalar::new("u.last_connection", def),
        (Kind::Users, "invitation") => {
            return match sub.and_then(|s| def.sub(s)).map(|s| (s.name, s)) {
                // Every user has an invitation state.
                None if sub.is_none() => Ok(Target::Scalar(Scalar::new("1", def))),
                Some(("status", s)) => Ok(Target::Scalar(Scalar::new(
                    "CASE WHEN u.last_connection IS NULL THEN 'pending' ELSE 'accepted' END",
                    s,
                ))),
                Some(("sentAt", s)) => Ok(Target::Scalar(Scalar::new("u.invited_at", s))),
                _ => Err(unknown()),
            };
        }
        (Kind::Users, "groups") => {
            return Ok(many(Elements::relation(
                def,
                Source::UserGroups,
                "members m LEFT JOIN groups g2 ON g2.id = m.group_id",
                "m.member_id = u.id",
            )));
        }
        (Kind::Users, "inheritedLicenses") => {
            return Ok(many(Elements::relation(
                def,
                Source::UserLicenses,
                "members m JOIN group_licenses gl ON gl.group_id = m.group_id \
                 LEFT JOIN groups g2 ON g2.id = m.group_id LEFT JOIN licenses l ON l.id = gl.license_id",
                "m.member_id = u.id",
            )));
        }
        (Kind::Groups, "members") => {
            return Ok(many(Elements::relation(
                def,
                Source::GroupMembers,
                "members m LEFT JOIN users mu ON mu.id = m.member_id \
                 LEFT JOIN groups mg ON mg.id = m.member_id",
                "m.group_id = g.id",
            )));
        }
        // Other readOnly attributes are not in the doc.
        _ if !def.writable() => return Err(unsupported()),
        _ => {
            let doc = format!("{a}.doc");
            let mut json: Vec<&'static str> = loc.ext.map(|s| s.id).into_iter().collect();
            json.push(def.name);
            if def.multi_valued {
                return Ok(many(Elements::json_array(def, &doc, &json)));
            }
            if def.ty == AttrType::Complex {
                let elements = Elements::single(def, &doc, json);
                return match sub {
                    Some(s) => elements.sub(s, None).map(Target::Scalar),
                    None => Ok(Target::Single(elements)),
                };
            }
            Scalar::new(format!("json_extract({doc}, {})", json_path(&json)), def)
        }
    };
    match sub {
        Some(_) => Err(unknown()),
        None => Ok(Target::Scalar(scalar)),
    }
}
