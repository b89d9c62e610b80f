//! PATCH operations (RFC 7644 §3.5.2) on a canonical doc (for a Group, the
//! patchable view that includes `members`).
//!
//! All or nothing: operations apply in order to a copy, which replaces the doc only
//! when every operation succeeded and the result still has its required attributes
//! (400 invalidValue, RFC 7644 §3.12 "a required value was missing") and unchanged
//! immutable values (400 mutability).
//!
//! Choices where the RFC is open or clients differ:
//! - Values go through [`validate`] first (case-insensitive names, coercions such
//!   as `"active": "False"`); an explicit `null` (or `[]`) in `replace` unassigns
//!   the attribute (RFC 7643 §2.5), and is a no-op in `add`.
//! - `replace` of a single-valued complex attribute merges the given
//!   sub-attributes and leaves the others unchanged, with or without a path
//!   (RFC 7644 §3.5.2.3); a multi-valued attribute is replaced whole.
//! - `add` or `replace` through a value path that matches nothing creates the
//!   element when the filter is `sub eq "x"` (or an `and` of such), as Azure AD
//!   expects for `emails[type eq "work"].value`; otherwise 400 noTarget.
//! - `remove` through a value path that matches nothing is 400 noTarget (RFC 7644
//!   §3.12); removing an attribute that has no value is a no-op.
//! - `remove` of a multi-valued attribute with a `value` list (Azure AD's
//!   `{"op":"remove","path":"members","value":[{"value":"id"}]}`) removes the
//!   elements with those values; values not present are ignored.
//! - `add` skips elements equal to an existing one; when the `value`
//!   sub-attribute is immutable (group `members`), an element with the same
//!   `value` is the same record and is skipped too.
//! - When an operation writes an element with `"primary": true`, other elements
//!   lose their `primary` flag (RFC 7643 §2.4: at most one primary).
//! - A path naming a readOnly attribute is 400 mutability (RFC 7644 §3.5.2); an
//!   unknown attribute, sub-attribute or malformed path is 400 invalidPath.

use roster_proto::ScimType;
use std::collections::HashSet;

use roster_proto::filter::{
    AttrExp, AttrPath, CompValue, CompareOp, PatchPath, PatchValuePath, ValFilter,
};
use roster_proto::{PatchOp, PatchOpKind};
use serde_json::{Map, Value};

use crate::attr_path::{self, Located, Named};
use crate::error::ApiError;
use crate::schema::{AttrDef, AttrType, Mutability, ResourceDef};
use crate::validate::{self, Mode};
use crate::value_filter;

/// Applies `ops` to `doc` (all or nothing), see the module docs.
pub fn apply(resource: &ResourceDef, doc: &mut Value, ops: &[PatchOp]) -> Result<(), ApiError> {
    let mut work = match doc {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (i, op) in ops.iter().enumerate() {
        apply_op(resource, &mut work, op).map_err(|mut e| {
            e.detail = format!("Operations[{i}]: {}", e.detail);
            e
        })?;
    }
    tidy(resource, &mut work);
    let patched = Value::Object(work);
    validate::check_required(resource, &patched)?;
    validate::check_immutable(resource, &*doc, &patched)?;
    *doc = patched;
    Ok(())
}

fn apply_op(
    resource: &ResourceDef,
    doc: &mut Map<String, Value>,
    op: &PatchOp,
) -> Result<(), ApiError> {
    let Some(path) = op.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        return match op.op {
            PatchOpKind::Remove => Err(ApiError::no_target("remove needs a path")),
            _ => apply_object(resource, doc, op.op, value_of(op)?),
        };
    };
    let parsed: PatchPath = path
        .parse()
        .map_err(|e| ApiError::invalid_path(format!("'{path}' is not a valid path: {e}")))?;
    match parsed {
        PatchPath::Attr(ap) => attr_op(resource, doc, op, &ap),
        PatchPath::Value(vp) => value_path_op(resource, doc, op, &vp),
    }
}

fn value_of(op: &PatchOp) -> Result<&Value, ApiError> {
    static NULL: Value = Value::Null;
    match (&op.value, op.op) {
        (Some(v), _) => Ok(v),
        // serde reads `"value": null` as no value at all; for `replace` of a path,
        // that is the client unassigning it.
        (None, PatchOpKind::Replace) if op.path.is_some() => Ok(&NULL),
        (None, _) => Err(ApiError::invalid_value(
            format!("{:?} needs a value", op.op).to_lowercase(),
        )),
    }
}

/// `add`/`replace` without a path: `value` is an object of attributes.
fn apply_object(
    resource: &ResourceDef,
    doc: &mut Map<String, Value>,
    kind: PatchOpKind,
    value: &Value,
) -> Result<(), ApiError> {
    if !value.is_object() {
        return Err(ApiError::invalid_value(
            "without a path, the value must be an object of attributes",
        ));
    }
    let Value::Object(fragment) = validate::normalize(resource, value, Mode::Fragment)? else {
        return Ok(());
    };
    for (key, v) in fragment {
        if let Some(ext) = resource.extension(&key) {
            match v {
                // `"urn:…:User": null` unassigns the whole extension.
                Value::Null if kind == PatchOpKind::Replace => {
                    doc.remove(ext.id);
                }
                Value::Object(attrs) => {
                    for (name, av) in attrs {
                        let loc = locate(resource, Some(ext.id), &name)?;
                        set_attr(doc, loc, kind, av)?;
                    }
                }
                _ => {}
            }
            continue;
        }
        let loc = locate(resource, None, &key)?;
        set_attr(doc, loc, kind, v)?;
    }
    Ok(())
}

/// A canonical attribute name (as [`validate::normalize`] writes it) to its place.
fn locate(resource: &ResourceDef, uri: Option<&str>, name: &str) -> Result<Located, ApiError> {
    match attr_path::resolve(resource, uri, name) {
        Some(Named::Attr(loc)) => Ok(loc),
        _ => Err(ApiError::invalid_path(format!(
            "unknown attribute '{name}'"
        ))),
    }
}

/// A path to a whole attribute or to a sub-attribute (`name.givenName`).
fn attr_op(
    resource: &ResourceDef,
    doc: &mut Map<String, Value>,
    op: &PatchOp,
    ap: &AttrPath,
) -> Result<(), ApiError> {
    let loc = match attr_path::resolve(resource, ap.uri.as_deref(), &ap.name) {
        Some(Named::Attr(loc)) => loc,
        // A bare schema URN: the value holds that schema's attributes.
        Some(Named::Schema(schema)) if ap.sub_attr.is_none() => {
            return match op.op {
                PatchOpKind::Remove if resource.extension(schema.id).is_some() => {
                    doc.remove(schema.id);
                    Ok(())
                }
                PatchOpKind::Remove => {
                    Err(ApiError::invalid_path("the core schema cannot be removed"))
                }
                kind => {
                    let wrapped = Value::Object(Map::from_iter([(
                        schema.id.to_owned(),
                        value_of(op)?.clone(),
                    )]));
                    apply_object(resource, doc, kind, &wrapped)
                }
            };
        }
        _ => return Err(ApiError::invalid_path(format!("unknown attribute '{ap}'"))),
    };
    writable(loc.def, &loc.label())?;
    if !validate::accepted(loc.def) {
        // writeOnly: never stored, so there is nothing to change.
        return Ok(());
    }
    let Some(sub_name) = &ap.sub_attr else {
        return match op.op {
            PatchOpKind::Remove => remove_attr(doc, loc, op.value.as_ref()),
            kind => {
                let label = loc.label();
                let v = validate::attr_value(loc.def, value_of(op)?, &label, true)?;
                v.map_or(Ok(()), |v| set_attr(doc, loc, kind, v))
            }
        };
    };
    let sub = sub_attr(loc, sub_name)?;
    let container = attr_path::container_mut(doc, loc.ext);
    let new = match op.op {
        PatchOpKind::Remove => None,
        _ => validate::attr_value(
            sub,
            value_of(op)?,
            &format!("{}.{}", loc.label(), sub.name),
            true,
        )?,
    };
    if !loc.def.multi_valued {
        return set_sub(
            attr_path::object_entry(container, loc.def.name),
            sub,
            op.op,
            new,
        );
    }
    // `emails.type` without a filter: every element.
    let mut items = take_items(container, loc.def);
    if items.is_empty() && op.op != PatchOpKind::Remove {
        return Err(ApiError::no_target(format!(
            "'{ap}' has no values to change"
        )));
    }
    for item in items.iter_mut() {
        if let Value::Object(obj) = item {
            set_sub(obj, sub, op.op, new.clone())?;
        }
    }
    let written: Vec<usize> = (0..items.len()).collect();
    put_items(container, loc.def, items, &written);
    Ok(())
}

/// A path with a value filter: `emails[type eq "work"]`, `members[value eq "id"]`,
/// `addresses[type eq "work"].streetAddress`.
fn value_path_op(
    resource: &ResourceDef,
    doc: &mut Map<String, Value>,
    op: &PatchOp,
    vp: &PatchValuePath,
) -> Result<(), ApiError> {
    let loc = match attr_path::resolve(resource, vp.attr.uri.as_deref(), &vp.attr.name) {
        Some(Named::Attr(loc)) if vp.attr.sub_attr.is_none() => loc,
        _ => {
            return Err(ApiError::invalid_path(format!(
                "unknown attribute '{}'",
                vp.attr
            )));
        }
    };
    if !loc.def.multi_valued {
        return Err(ApiError::invalid_path(format!(
            "'{}' is not multi-valued; a [filter] selects values of a multi-valued attribute",
            loc.label()
        )));
    }
    writable(loc.def, &loc.label())?;
    value_filter::check(&vp.filter, loc.def).map_err(as_invalid_path)?;
    let sub = vp
        .sub_attr
        .as_deref()
        .map(|s| sub_attr(loc, s))
        .transpose()?;
    let container = attr_path::container_mut(doc, loc.ext);
    let mut items = take_items(container, loc.def);
    let mut matched = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if value_filter::matches(&vp.filter, item, loc.def).map_err(as_invalid_path)? {
            matched.push(i);
        }
    }
    let label = loc.label();
    let new = match (op.op, sub) {
        (PatchOpKind::Remove, _) => None,
        (_, Some(sub)) => {
            validate::attr_value(sub, value_of(op)?, &format!("{label}.{}", sub.name), true)?
        }
        (_, None) => validate::element_value(loc.def, value_of(op)?, &label)?,
    };
    let created = matched.is_empty();
    if created {
        if op.op == PatchOpKind::Remove {
            return Err(ApiError::no_target(format!("no value matches '{vp}'")));
        }
        if new.as_ref().is_none_or(Value::is_null) {
            return Ok(()); // nothing to set, and nothing to unassign
        }
        // Azure AD creates `emails[type eq "work"].value` this way.
        let Some(seed) = seed_element(&vp.filter, loc.def) else {
            return Err(ApiError::no_target(format!("no value matches '{vp}'")));
        };
        items.push(Value::Object(seed));
        matched.push(items.len() - 1);
    }
    // A new element gets the value merged into what the filter says about it.
    let kind = if created { PatchOpKind::Add } else { op.op };
    for &i in &matched {
        match (kind, sub, &new) {
            (_, Some(sub), _) => {
                if let Value::Object(element) = &mut items[i] {
                    set_sub(element, sub, kind, new.clone())?;
                }
            }
            // Removed elements become null and are dropped by `put_items`.
            (PatchOpKind::Remove, None, _) | (PatchOpKind::Replace, None, None) => {
                items[i] = Value::Null;
            }
            (PatchOpKind::Replace, None, Some(v)) => items[i] = v.clone(),
            (PatchOpKind::Add, None, Some(Value::Object(fields))) => {
                if let Value::Object(element) = &mut items[i] {
                    for (name, v) in fields {
                        if let Some(sub) = loc.def.sub(name) {
                            set_sub(element, sub, PatchOpKind::Add, Some(v.clone()))?;
                        }
                    }
                }
            }
            (PatchOpKind::Add, None, _) => {}
        }
    }
    put_items(container, loc.def, items, &matched);
    Ok(())
}

fn as_invalid_path(e: ApiError) -> ApiError {
    if e.scim_type == Some(ScimType::InvalidFilter) {
        ApiError::invalid_path(e.detail)
    } else {
        e
    }
}

fn writable(def: &AttrDef, label: &str) -> Result<(), ApiError> {
    if def.writable() {
        Ok(())
    } else {
        Err(ApiError::mutability(format!(
            "attribute '{label}' is readOnly"
        )))
    }
}

fn sub_attr(loc: Located, name: &str) -> Result<&'static AttrDef, ApiError> {
    let sub = (loc.def.ty == AttrType::Complex)
        .then(|| loc.def.sub(name))
        .flatten()
        .ok_or_else(|| {
            ApiError::invalid_path(format!("unknown attribute '{}.{name}'", loc.label()))
        })?;
    writable(sub, &format!("{}.{}", loc.label(), sub.name))?;
    Ok(sub)
}

/// Writes a whole attribute: `add` appends to a multi-valued one and merges a
/// complex one; `replace` replaces, except that it merges a single-valued complex
/// one (RFC 7644 §3.5.2.3); `null` unassigns on `replace`.
fn set_attr(
    doc: &mut Map<String, Value>,
    loc: Located,
    kind: PatchOpKind,
    new: Value,
) -> Result<(), ApiError> {
    let def = loc.def;
    let container = attr_path::container_mut(doc, loc.ext);
    match new {
        Value::Null => {
            if kind == PatchOpKind::Replace {
                container.remove(def.name);
            }
        }
        Value::Array(new_items) if def.multi_valued => {
            let mut items = match kind {
                PatchOpKind::Add => take_items(container, def),
                _ => Vec::new(),
            };
            // Sets, not scans: a large group may get hundreds of members at once.
            let mut keys: HashSet<String> =
                items.iter().filter_map(|e| record_key(def, e)).collect();
            let mut written = Vec::new();
            for item in new_items {
                let repeated = match record_key(def, &item) {
                    Some(key) => !keys.insert(key),
                    None => items.contains(&item),
                };
                if repeated {
                    continue;
                }
                items.push(item);
                written.push(items.len() - 1);
            }
            put_items(container, def, items, &written);
        }
        Value::Object(fields) if !def.multi_valued => {
            let obj = attr_path::object_entry(container, def.name);
            for (name, v) in fields {
                if let Some(sub) = def.sub(&name) {
                    set_sub(obj, sub, kind, Some(v))?;
                }
            }
        }
        other => {
            container.insert(def.name.to_owned(), other);
        }
    }
    Ok(())
}

/// Sets (or with `None`/`null`, removes) one sub-attribute of an object; an
/// immutable sub-attribute that has a value may not change.
fn set_sub(
    obj: &mut Map<String, Value>,
    sub: &AttrDef,
    kind: PatchOpKind,
    new: Option<Value>,
) -> Result<(), ApiError> {
    let old = obj.get(sub.name).filter(|v| !v.is_null());
    let new = new.filter(|v| !v.is_null());
    let changes = match (&new, kind) {
        (None, PatchOpKind::Add) => false,
        (None, _) => old.is_some(),
        (Some(v), _) => old != Some(v),
    };
    if !changes {
        return Ok(());
    }
    if sub.mutability == Mutability::Immutable && old.is_some() {
        return Err(ApiError::mutability(format!(
            "sub-attribute '{}' is immutable",
            sub.name
        )));
    }
    match new {
        Some(v) => obj.insert(sub.name.to_owned(), v),
        None => obj.remove(sub.name),
    };
    Ok(())
}

/// `remove` of a whole attribute, or of the listed elements when a `value` list
/// is given for a multi-valued complex attribute.
fn remove_attr(
    doc: &mut Map<String, Value>,
    loc: Located,
    value: Option<&Value>,
) -> Result<(), ApiError> {
    let container = attr_path::container_mut(doc, loc.ext);
    let def = loc.def;
    let listed = value.filter(|v| !v.is_null() && def.multi_valued && def.ty == AttrType::Complex);
    let (Some(listed), Some(value_def)) = (listed, def.sub("value")) else {
        container.remove(def.name);
        return Ok(());
    };
    let Some(Value::Array(gone)) = validate::attr_value(def, listed, &loc.label(), false)? else {
        return Ok(());
    };
    let gone: HashSet<String> = gone
        .iter()
        .filter_map(|e| element_key(value_def, e))
        .collect();
    let mut items = take_items(container, def);
    items.retain(|e| element_key(value_def, e).is_none_or(|k| !gone.contains(&k)));
    put_items(container, def, items, &[]);
    Ok(())
}

/// The elements `sub eq "x" [and …]` describes, for creating a missing one.
fn seed_element(filter: &ValFilter, def: &AttrDef) -> Option<Map<String, Value>> {
    let mut seed = Map::new();
    let leaves: Vec<&ValFilter> = match filter {
        ValFilter::And(items) => items.iter().collect(),
        one => vec![one],
    };
    for leaf in leaves {
        let ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, comp)) = leaf else {
            return None;
        };
        if path.uri.is_some() || path.sub_attr.is_some() {
            return None;
        }
        let sub = def.sub(&path.name).filter(|s| s.writable())?;
        let raw = match comp {
            CompValue::Str(s) => Value::String(s.clone()),
            CompValue::True => Value::Bool(true),
            CompValue::False => Value::Bool(false),
            CompValue::Number(n) => Value::Number(n.clone()),
            CompValue::Null => return None,
        };
        let v = validate::attr_value(sub, &raw, sub.name, false).ok()??;
        seed.insert(sub.name.to_owned(), v);
    }
    Some(seed)
}

/// The identity of an element when its `value` sub-attribute is immutable (group
/// members): two elements with the same value are the same record.
fn record_key(def: &AttrDef, element: &Value) -> Option<String> {
    let value_def = def
        .sub("value")
        .filter(|v| v.mutability == Mutability::Immutable)?;
    element_key(value_def, element)
}

/// An element's `value`, folded as the sub-attribute compares.
fn element_key(value_def: &AttrDef, element: &Value) -> Option<String> {
    element
        .get("value")
        .and_then(Value::as_str)
        .map(|s| value_filter::fold(s, value_def))
}

fn take_items(container: &mut Map<String, Value>, def: &AttrDef) -> Vec<Value> {
    match container.remove(def.name) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

/// Stores `items` back without null or empty elements (removing the attribute
/// when none is left); when one of the `written` elements is primary, the others
/// stop being primary.
fn put_items(
    container: &mut Map<String, Value>,
    def: &AttrDef,
    mut items: Vec<Value>,
    written: &[usize],
) {
    let winner = written
        .iter()
        .copied()
        .find(|&i| items.get(i).is_some_and(validate::is_primary));
    if let Some(winner) = winner {
        for (i, item) in items.iter_mut().enumerate() {
            if let (false, Value::Object(obj)) = (i == winner, item)
                && obj.get("primary") == Some(&Value::Bool(true))
            {
                obj.remove("primary");
            }
        }
    }
    items.retain(|i| !i.is_null() && !i.as_object().is_some_and(Map::is_empty));
    if !items.is_empty() {
        container.insert(def.name.to_owned(), Value::Array(items));
    }
}

/// Removes empty values and extension objects left by the operations.
fn tidy(resource: &ResourceDef, doc: &mut Map<String, Value>) {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    doc.retain(|_, v| !empty(v));
    for ext in resource.extensions {
        if let Some(Value::Object(obj)) = doc.get_mut(ext.id) {
            obj.retain(|_, v| !empty(v));
            if obj.is_empty() {
                doc.remove(ext.id);
            }
        }
    }
}

#[cfg(test)]
mod tests;
