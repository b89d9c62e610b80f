//! Input normalisation: a client's JSON resource becomes the canonical stored *doc*.
//!
//! The doc holds only client-writable data under canonical attribute names: core
//! attributes at the top level, extension attributes in an object under the
//! extension's canonical URN. Everything else in the server (PATCH, filters,
//! projection) relies on that shape, so every write goes through [`normalize`].
//!
//! Which attribute a key names is [`crate::attr_path`]'s job.

use serde_json::{Map, Value};

use crate::attr_path::{
    Located, all_attrs, attr_in_schema, container_mut, core_attr, get, split_urn,
};
use crate::error::ApiError;
use crate::schema::{AttrDef, AttrType, Mutability, ResourceDef, SchemaDef};

/// How [`normalize`] treats its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new resource (POST): required attributes must be present.
    Create,
    /// A whole replacement (PUT): required attributes must be present.
    Replace,
    /// A value inside a PATCH operation: no required-attribute check. An explicit
    /// `null` (or empty array) of an attribute or of a sub-attribute of a
    /// single-valued complex attribute is kept as `null`, so PATCH can tell
    /// "unassign this" (RFC 7643 §2.5) from "not mentioned".
    Fragment,
}

/// Normalises a client's resource (or PATCH value object) into the canonical doc.
///
/// - `schemas`, when present, must list only URNs of `resource` (400 invalidSyntax);
///   it is not kept. `id` and `meta` are ignored.
/// - A key equal to an extension URN holds that extension's attributes; a key
///   `<URN>:<attr>` (core or extension URN, as Azure AD sends) names one attribute.
///   Other keys are core attributes (or `externalId`), matched case-insensitively.
///   Unknown attributes and sub-attributes are 400 invalidSyntax.
/// - readOnly attributes are dropped silently (RFC 7643 §2.2), and so would be
///   writeOnly ones (the schemas have none: the server stores no secrets).
/// - `null` and empty arrays mean "absent" (kept as `null` in [`Mode::Fragment`]).
/// - Values are type-checked (400 invalidValue) with the coercions real clients
///   need: booleans from `"true"`/`"False"`, integers from integral numbers,
///   dateTimes normalised to the stored UTC format, a single value wrapped into an
///   array for multi-valued attributes, and a bare string element of a multi-valued
///   complex attribute read as `{"value": …}`.
/// - At most one element of a multi-valued attribute may be `primary`.
/// - In [`Mode::Create`] and [`Mode::Replace`], required attributes must be present
///   and not blank (400 invalidValue).
pub fn normalize(resource: &ResourceDef, input: &Value, mode: Mode) -> Result<Value, ApiError> {
    let Value::Object(input) = input else {
        return Err(ApiError::invalid_syntax(format!(
            "a {} must be a JSON object",
            resource.name
        )));
    };
    let keep_null = mode == Mode::Fragment;
    let mut doc = Map::new();
    for (key, value) in input {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas(resource, value)?;
            continue;
        }
        if key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        if let Some(schema) = resource.schema_by_urn(key) {
            put_schema_object(resource, &mut doc, schema, value, keep_null)?;
            continue;
        }
        let loc = match split_urn(resource, key) {
            Some((schema, name)) => attr_in_schema(resource, schema, name),
            None => core_attr(resource, key).map(|def| Located { ext: None, def }),
        }
        .ok_or_else(|| ApiError::invalid_syntax(format!("unknown attribute '{key}'")))?;
        put(&mut doc, loc, value, keep_null)?;
    }
    let doc = Value::Object(doc);
    if mode != Mode::Fragment {
        check_required(resource, &doc)?;
    }
    Ok(doc)
}

/// Refuses a change of an immutable attribute (or immutable sub-attribute of a
/// single-valued complex attribute) that already had a value (RFC 7644 §3.5.1:
/// "the input value(s) MUST match", else 400 mutability).
///
/// Multi-valued attributes are not compared element by element: their elements
/// have no identity across a replacement, and adding or removing whole elements
/// (e.g. group members, whose `value` is immutable) is allowed.
pub fn check_immutable(
    resource: &ResourceDef,
    old_doc: &Value,
    new_doc: &Value,
) -> Result<(), ApiError> {
    for loc in all_attrs(resource) {
        let old = get(old_doc, loc).filter(|v| !v.is_null());
        let new = get(new_doc, loc);
        if loc.def.mutability == Mutability::Immutable && old.is_some() && old != new {
            return Err(ApiError::mutability(format!(
                "attribute '{}' is immutable",
                loc.label()
            )));
        }
        if loc.def.ty != AttrType::Complex || loc.def.multi_valued {
            continue;
        }
        for sub in loc.def.sub_attributes {
            let old_sub = old.and_then(|o| o.get(sub.name)).filter(|v| !v.is_null());
            let new_sub = new.and_then(|n| n.get(sub.name));
            if sub.mutability == Mutability::Immutable && old_sub.is_some() && old_sub != new_sub {
                return Err(ApiError::mutability(format!(
                    "attribute '{}.{}' is immutable",
                    loc.label(),
                    sub.name
                )));
            }
        }
    }
    Ok(())
}

/// Normalises the value of one attribute (an array for a multi-valued one).
/// `Ok(None)` means absent; with `keep_null` an absent value is `Some(Null)`.
pub(crate) fn attr_value(
    def: &AttrDef,
    value: &Value,
    label: &str,
    keep_null: bool,
) -> Result<Option<Value>, ApiError> {
    let absent = || keep_null.then_some(Value::Null);
    if value.is_null() {
        return Ok(absent());
    }
    if !def.multi_valued {
        return single_value(def, value, label, keep_null);
    }
    let items = match value {
        Value::Array(items) => items.as_slice(),
        one => std::slice::from_ref(one),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = element_value(def, item, label)? {
            out.push(v);
        }
    }
    if out.is_empty() {
        return Ok(absent());
    }
    if out.iter().filter(|e| is_primary(e)).count() > 1 {
        return Err(ApiError::invalid_value(format!(
            "attribute '{label}': at most one value may be primary"
        )));
    }
    Ok(Some(Value::Array(out)))
}

/// Normalises one element of the multi-valued attribute `def`.
pub(crate) fn element_value(
    def: &AttrDef,
    item: &Value,
    label: &str,
) -> Result<Option<Value>, ApiError> {
    match item {
        Value::Null => Ok(None),
        Value::Array(_) => Err(ApiError::invalid_value(format!(
            "attribute '{label}': a value must not be an array"
        ))),
        // Clients send `"emails": ["a@b.c"]` and `"members": ["id"]`.
        Value::String(s) if def.ty == AttrType::Complex && def.sub("value").is_some() => {
            let wrapped = Value::Object(Map::from_iter([(
                "value".to_owned(),
                Value::String(s.clone()),
            )]));
            single_value(def, &wrapped, label, false)
        }
        _ => single_value(def, item, label, false),
    }
}

/// Whether an element is marked `"primary": true`.
pub(crate) fn is_primary(element: &Value) -> bool {
    element.get("primary") == Some(&Value::Bool(true))
}

/// Whether a client's value for `def` is kept: readOnly attributes are ignored on
/// input, and writeOnly ones too, since the server would never return them.
pub(crate) fn accepted(def: &AttrDef) -> bool {
    matches!(
        def.mutability,
        Mutability::ReadWrite | Mutability::Immutable
    )
}

/// Checks that required attributes of every schema are present and not blank.
pub(crate) fn check_required(resource: &ResourceDef, doc: &Value) -> Result<(), ApiError> {
    for loc in all_attrs(resource).filter(|l| l.def.required) {
        let present = match get(doc, loc) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if !present {
            return Err(ApiError::invalid_value(format!(
                "attribute '{}' is required",
                loc.label()
            )));
        }
    }
    Ok(())
}

fn check_schemas(resource: &ResourceDef, value: &Value) -> Result<(), ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::invalid_syntax(
            "'schemas' must be an array of schema URNs",
        ));
    };
    for item in items {
        let Value::String(urn) = item else {
            return Err(ApiError::invalid_syntax(
                "'schemas' must be an array of schema URNs",
            ));
        };
        if resource.schema_by_urn(urn).is_none() {
            return Err(ApiError::invalid_syntax(format!(
                "schema '{urn}' is not a schema of {}",
                resource.name
            )));
        }
    }
    Ok(())
}

/// A key naming a whole schema: the core URN holding core attributes, or an
/// extension URN holding the extension's attributes.
fn put_schema_object(
    resource: &ResourceDef,
    doc: &mut Map<String, Value>,
    schema: &'static SchemaDef,
    value: &Value,
    keep_null: bool,
) -> Result<(), ApiError> {
    let is_core = std::ptr::eq(schema, resource.schema);
    let attrs = match value {
        Value::Object(attrs) => attrs,
        // `"urn:…:User": null` in a PATCH value unassigns the whole extension.
        Value::Null if keep_null && !is_core => {
            doc.insert(schema.id.to_owned(), Value::Null);
            return Ok(());
        }
        Value::Null => return Ok(()),
        _ => {
            return Err(ApiError::invalid_syntax(format!(
                "'{}' must be an object of attributes",
                schema.id
            )));
        }
    };
    for (name, v) in attrs {
        // Some clients (scim2-tester among them) send an extension object with its own
        // `schemas` list inside; it says nothing the key does not already say.
        if name.eq_ignore_ascii_case("schemas") {
            check_schemas(resource, v)?;
            continue;
        }
        let loc = attr_in_schema(resource, schema, name).ok_or_else(|| {
            ApiError::invalid_syntax(format!("unknown attribute '{}:{name}'", schema.id))
        })?;
        put(doc, loc, v, keep_null)?;
    }
    Ok(())
}

fn put(
    doc: &mut Map<String, Value>,
    loc: Located,
    value: &Value,
    keep_null: bool,
) -> Result<(), ApiError> {
    if !accepted(loc.def) {
        return Ok(());
    }
    if let Some(v) = attr_value(loc.def, value, &loc.label(), keep_null)? {
        container_mut(doc, loc.ext).insert(loc.def.name.to_owned(), v);
    }
    Ok(())
}

fn single_value(
    def: &AttrDef,
    value: &Value,
    label: &str,
    keep_null: bool,
) -> Result<Option<Value>, ApiError> {
    let wrong =
        |expected: &str| ApiError::invalid_value(format!("attribute '{label}' must be {expected}"));
    let v = match def.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(_) => value.clone(),
            _ => return Err(wrong("a string")),
        },
        AttrType::Boolean => match value {
            Value::Bool(_) => value.clone(),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(wrong("a boolean")),
        },
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
            Value::Number(n) => match n.as_f64() {
                // 2^63 bounds the f64 values that fit an i64.
                Some(f) if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_775e18 => {
                    Value::from(f as i64)
                }
                _ => return Err(wrong("an integer")),
            },
            _ => return Err(wrong("an integer")),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => value.clone(),
            _ => return Err(wrong("a number")),
        },
        AttrType::DateTime => match value.as_str().and_then(crate::time::normalize) {
            Some(t) => Value::String(t),
            None => return Err(wrong("an RFC 3339 dateTime")),
        },
        AttrType::Complex => {
            let Value::Object(fields) = value else {
                return Err(wrong("an object"));
            };
            return complex_value(def, fields, label, keep_null);
        }
    };
    Ok(Some(v))
}

fn complex_value(
    def: &AttrDef,
    fields: &Map<String, Value>,
    label: &str,
    keep_null: bool,
) -> Result<Option<Value>, ApiError> {
    let mut out = Map::new();
    for (name, v) in fields {
        let sub = def.sub(name).ok_or_else(|| {
            ApiError::invalid_syntax(format!("unknown sub-attribute '{label}.{name}'"))
        })?;
        if !accepted(sub) {
            continue;
        }
        if let Some(v) = attr_value(sub, v, &format!("{label}.{}", sub.name), keep_null)? {
            out.insert(sub.name.to_owned(), v);
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

#[cfg(test)]
mod tests;
