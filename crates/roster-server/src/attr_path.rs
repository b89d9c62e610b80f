//! Attribute paths: which attribute of a resource a name or path names, and where
//! its value lives in a canonical doc.
//!
//! Shared by input normalisation ([`crate::validate`]), PATCH, filters and
//! projection, so that all of them read a path the same way: core attributes
//! first, extension attributes by URN or by their unique name, case-insensitively.

use serde_json::{Map, Value};

use crate::schema::{AttrDef, ResourceDef, SchemaDef};

/// `externalId` (RFC 7643 §3.1): a common attribute every resource may carry; it is
/// not in the schema's attribute list but is always accepted.
pub static EXTERNAL_ID: AttrDef = AttrDef::string(
    "externalId",
    "An identifier for the resource as defined by the provisioning client",
)
.case_exact();

/// An attribute of a resource and where its value lives in a doc.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    /// The extension schema holding it; `None` for a core or common attribute,
    /// which lives at the top level of the doc.
    pub ext: Option<&'static SchemaDef>,
    /// Its definition.
    pub def: &'static AttrDef,
}

impl Located {
    /// The attribute's full name for messages, e.g. `emails` or
    /// `urn:…:User:localLogin`.
    pub fn label(&self) -> String {
        match self.ext {
            Some(ext) => format!("{}:{}", ext.id, self.def.name),
            None => self.def.name.to_owned(),
        }
    }
}

/// What an attribute path names.
#[derive(Debug, Clone, Copy)]
pub enum Named {
    /// A whole schema (a bare schema URN), e.g. the Roster extension object.
    Schema(&'static SchemaDef),
    /// One attribute.
    Attr(Located),
}

/// Every attribute of `resource`: core, `externalId`, then each extension's.
pub fn all_attrs(resource: &ResourceDef) -> impl Iterator<Item = Located> + '_ {
    let core = resource
        .schema
        .attributes
        .iter()
        .chain(std::iter::once(&EXTERNAL_ID))
        .map(|def| Located { ext: None, def });
    let ext = resource.extensions.iter().flat_map(|s| {
        s.attributes
            .iter()
            .map(move |def| Located { ext: Some(*s), def })
    });
    core.chain(ext)
}

/// Resolves an attribute path as the `scim_v2` parser splits it (`uri`, `name`).
///
/// The parser splits at the last `:`, so a bare schema URN such as
/// `urn:…:2.0:User` arrives as `uri = "urn:…:2.0"`, `name = "User"`: that names the
/// whole schema. Without a URN, core attributes win and an extension attribute is
/// found by its unique name (clients often omit the URN in filters and paths).
/// `None` when nothing matches.
pub fn resolve(resource: &ResourceDef, uri: Option<&str>, name: &str) -> Option<Named> {
    let Some(uri) = uri else {
        return core_attr(resource, name)
            .map(|def| Located { ext: None, def })
            .or_else(|| {
                resource
                    .extensions
                    .iter()
                    .find_map(|s| s.attr(name).map(|def| Located { ext: Some(*s), def }))
            })
            .map(Named::Attr);
    };
    if let Some(schema) = resource.schema_by_urn(&format!("{uri}:{name}")) {
        return Some(Named::Schema(schema));
    }
    let schema = resource.schema_by_urn(uri)?;
    attr_in_schema(resource, schema, name).map(Named::Attr)
}

/// Resolves a textual attribute path such as `name.givenName`,
/// `urn:…:User:localLogin` or a bare schema URN (as in `attributes=`), returning
/// what it names and the sub-attribute text after the dot, if any.
pub fn resolve_text<'t>(resource: &ResourceDef, text: &'t str) -> Option<(Named, Option<&'t str>)> {
    if let Some(schema) = resource.schema_by_urn(text) {
        return Some((Named::Schema(schema), None));
    }
    let (uri, rest) = match split_urn(resource, text) {
        Some((schema, rest)) => (Some(schema.id), rest),
        None => (None, text),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    resolve(resource, uri, name).map(|named| (named, sub))
}

/// The value of `loc` in `doc`, if any.
pub fn get(doc: &Value, loc: Located) -> Option<&Value> {
    match loc.ext {
        Some(ext) => doc.get(ext.id)?.get(loc.def.name),
        None => doc.get(loc.def.name),
    }
}

/// The object that holds `loc`'s value in `doc`, created when missing.
pub(crate) fn container_mut<'d>(
    doc: &'d mut Map<String, Value>,
    ext: Option<&SchemaDef>,
) -> &'d mut Map<String, Value> {
    match ext {
        Some(ext) => object_entry(doc, ext.id),
        None => doc,
    }
}

/// The object under `key` in `map`, created (or replacing a non-object) when needed.
pub(crate) fn object_entry<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> &'m mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(obj) => obj,
        _ => unreachable!("just made an object"),
    }
}

/// Splits `<URN>:<rest>` where URN is one of `resource`'s schemas (case-insensitive).
pub(crate) fn split_urn<'t>(
    resource: &ResourceDef,
    text: &'t str,
) -> Option<(&'static SchemaDef, &'t str)> {
    std::iter::once(resource.schema)
        .chain(resource.extensions.iter().copied())
        .find_map(|s| {
            let head = text.get(..s.id.len())?;
            let rest = text.get(s.id.len()..)?.strip_prefix(':')?;
            head.eq_ignore_ascii_case(s.id).then_some((s, rest))
        })
}

pub(crate) fn core_attr(resource: &ResourceDef, name: &str) -> Option<&'static AttrDef> {
    resource.schema.attr(name).or_else(|| {
        EXTERNAL_ID
            .name
            .eq_ignore_ascii_case(name)
            .then_some(&EXTERNAL_ID)
    })
}

pub(crate) fn attr_in_schema(
    resource: &ResourceDef,
    schema: &'static SchemaDef,
    name: &str,
) -> Option<Located> {
    if std::ptr::eq(schema, resource.schema) {
        core_attr(resource, name).map(|def| Located { ext: None, def })
    } else {
        schema.attr(name).map(|def| Located {
            ext: Some(schema),
            def,
        })
    }
}

#[cfg(test)]
mod tests;
