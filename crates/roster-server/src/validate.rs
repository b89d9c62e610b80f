//! Input normalisation: a client's JSON resource becomes the canonical stored *doc*.
//!
//! The doc holds only client-writable data under canonical attribute names: core
//! attributes at the top level, extension attributes in an object under the
//! extension's canonical URN. Everything else in the server (PATCH, filters,
//! projection) relies on that shape, so every write goes through [`normalize`].
//!
//! This module also holds the attribute-path resolution the other modules share
//! ([`resolve`], [`resolve_text`]) and small doc accessors.

use serde_json::{Map, Value};

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

/// Splits `<URN>:<rest>` where URN is one of `resource`'s schemas (case-insensitive).
fn split_urn<'t>(resource: &ResourceDef, text: &'t str) -> Option<(&'static SchemaDef, &'t str)> {
    std::iter::once(resource.schema)
        .chain(resource.extensions.iter().copied())
        .find_map(|s| {
            let head = text.get(..s.id.len())?;
            let rest = text.get(s.id.len()..)?.strip_prefix(':')?;
            head.eq_ignore_ascii_case(s.id).then_some((s, rest))
        })
}

fn core_attr(resource: &ResourceDef, name: &str) -> Option<&'static AttrDef> {
    resource.schema.attr(name).or_else(|| {
        EXTERNAL_ID
            .name
            .eq_ignore_ascii_case(name)
            .then_some(&EXTERNAL_ID)
    })
}

fn attr_in_schema(
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
mod tests {
    use super::*;
    use crate::schema::{GROUP, USER};
    use roster_proto::ScimType;
    use roster_proto::urn::{GROUP as GROUP_URN, ROSTER_GROUP, ROSTER_USER, USER as USER_URN};
    use serde_json::json;

    fn user(input: Value) -> Result<Value, ApiError> {
        normalize(&USER, &input, Mode::Create)
    }

    fn scim_type(r: Result<Value, ApiError>) -> ScimType {
        r.expect_err("should fail")
            .scim_type
            .expect("has a scimType")
    }

    #[test]
    fn canonical_names_and_dropped_keys() {
        let doc = user(json!({
            "schemas": [USER_URN.to_lowercase(), ROSTER_USER],
            "id": "ignored", "meta": {"version": "W/\"1\""},
            "USERNAME": "ann@x.org",
            "Name": {"GivenName": "Ann", "familyname": "Lee"},
            "externalid": "ext-1",
            "ACTIVE": true,
        }))
        .unwrap();
        assert_eq!(
            doc,
            json!({
                "userName": "ann@x.org",
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "externalId": "ext-1",
                "active": true,
            })
        );
    }

    #[test]
    fn extension_object_and_urn_prefixed_keys_merge() {
        let doc = user(json!({
            "userName": "a",
            (ROSTER_USER.to_uppercase()): {"OrganisationAdministrator": "TRUE"},
            (format!("{ROSTER_USER}:localLogin")): false,
            (format!("{USER_URN}:displayName")): "Ann",
        }))
        .unwrap();
        assert_eq!(
            doc,
            json!({
                "userName": "a",
                "displayName": "Ann",
                ROSTER_USER: {"organisationAdministrator": true, "localLogin": false},
            })
        );
    }

    #[test]
    fn core_urn_object_holds_core_attributes() {
        let doc = user(json!({USER_URN: {"userName": "a", "title": "Dr"}})).unwrap();
        assert_eq!(doc, json!({"userName": "a", "title": "Dr"}));
    }

    #[test]
    fn read_only_attributes_are_dropped() {
        let doc = user(json!({
            "userName": "a",
            "groups": [{"value": "g1"}],
            ROSTER_USER: {"lastConnection": "2026-01-01T00:00:00Z", "invitation": {"status": "accepted"}},
        }))
        .unwrap();
        assert_eq!(doc, json!({"userName": "a"}));
        let group = normalize(
            &GROUP,
            &json!({"displayName": "G", "members": [{"value": "u1", "display": "Ann", "type": "User"}]}),
            Mode::Create,
        )
        .unwrap();
        assert_eq!(group["members"], json!([{"value": "u1", "type": "User"}]));
    }

    #[test]
    fn write_only_attributes_are_not_kept() {
        static ATTRS: [AttrDef; 2] = [
            AttrDef::string("login", "").required(),
            AttrDef::string("secret", "").write_only(),
        ];
        static SCHEMA: SchemaDef = SchemaDef {
            id: "urn:test:Account",
            name: "Account",
            description: "",
            attributes: &ATTRS,
        };
        static ACCOUNT: ResourceDef = ResourceDef {
            name: "Account",
            endpoint: "/Accounts",
            description: "",
            schema: &SCHEMA,
            extensions: &[],
        };
        let doc = normalize(
            &ACCOUNT,
            &json!({"login": "a", "secret": "s"}),
            Mode::Create,
        )
        .unwrap();
        assert_eq!(doc, json!({"login": "a"}));
    }

    #[test]
    fn unknown_attributes_and_schemas_are_invalid_syntax() {
        for input in [
            json!({"userName": "a", "shoeSize": 42}),
            json!({"userName": "a", "name": {"nick": "x"}}),
            json!({"userName": "a", "emails": [{"value": "a@b", "label": "x"}]}),
            json!({"userName": "a", ROSTER_USER: {"colour": "red"}}),
            json!({"userName": "a", (format!("{ROSTER_USER}:colour")): 1}),
            json!({"userName": "a", "schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}),
            json!({"userName": "a", "schemas": USER_URN}),
            json!({"userName": "a", "schemas": [42]}),
            json!({"userName": "a", ROSTER_USER: true}),
            json!(["not", "an", "object"]),
        ] {
            assert_eq!(
                scim_type(user(input.clone())),
                ScimType::InvalidSyntax,
                "{input}"
            );
        }
        let err = user(json!({"userName": "a", "shoeSize": 42})).unwrap_err();
        assert!(err.detail.contains("shoeSize"), "{}", err.detail);
    }

    #[test]
    fn group_schemas_are_checked_against_the_group() {
        let ok = json!({"schemas": [GROUP_URN, ROSTER_GROUP], "displayName": "G"});
        assert!(normalize(&GROUP, &ok, Mode::Create).is_ok());
        let wrong = json!({"schemas": [USER_URN], "displayName": "G"});
        assert_eq!(
            scim_type(normalize(&GROUP, &wrong, Mode::Create)),
            ScimType::InvalidSyntax
        );
    }

    #[test]
    fn nulls_and_empty_arrays_are_absent() {
        let doc = user(
            json!({"userName": "a", "title": null, "emails": [], "name": {"givenName": null}}),
        )
        .unwrap();
        assert_eq!(doc, json!({"userName": "a"}));
    }

    #[test]
    fn fragment_keeps_explicit_nulls_and_skips_required() {
        let doc = normalize(
            &USER,
            &json!({"title": null, "emails": [], "name": {"givenName": null, "familyName": "Lee"}, ROSTER_USER: null}),
            Mode::Fragment,
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"title": null, "emails": null, "name": {"givenName": null, "familyName": "Lee"}, ROSTER_USER: null})
        );
    }

    #[test]
    fn boolean_coercions() {
        for (input, expected) in [
            (json!(true), true),
            (json!("False"), false),
            (json!("TRUE"), true),
            (json!(" true "), true),
        ] {
            let doc = user(json!({"userName": "a", "active": input})).unwrap();
            assert_eq!(doc["active"], json!(expected));
        }
        for bad in [json!("yes"), json!(1), json!({})] {
            let err = user(json!({"userName": "a", "active": bad})).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
            assert!(
                err.detail.contains("active") && err.detail.contains("boolean"),
                "{}",
                err.detail
            );
        }
    }

    #[test]
    fn scalar_type_checks() {
        for bad in [
            json!({"userName": 42}),
            json!({"userName": "a", "name": "Ann Lee"}),
            json!({"userName": "a", "emails": [{"value": 5}]}),
            json!({"userName": "a", "emails": [["a@b"]]}),
            json!({"userName": "a", "x509Certificates": [{"value": true}]}),
        ] {
            assert_eq!(
                scim_type(user(bad.clone())),
                ScimType::InvalidValue,
                "{bad}"
            );
        }
    }

    #[test]
    fn integer_decimal_and_date_time_types() {
        static N: AttrDef = AttrDef::new("n", AttrType::Integer, "");
        static D: AttrDef = AttrDef::new("d", AttrType::Decimal, "");
        static T: AttrDef = AttrDef::new("t", AttrType::DateTime, "");
        assert_eq!(
            attr_value(&N, &json!(3), "n", false).unwrap(),
            Some(json!(3))
        );
        assert_eq!(
            attr_value(&N, &json!(3.0), "n", false).unwrap(),
            Some(json!(3))
        );
        assert!(attr_value(&N, &json!(3.5), "n", false).is_err());
        assert!(attr_value(&N, &json!("3"), "n", false).is_err());
        assert_eq!(
            attr_value(&D, &json!(2.5), "d", false).unwrap(),
            Some(json!(2.5))
        );
        assert!(attr_value(&D, &json!("2.5"), "d", false).is_err());
        assert_eq!(
            attr_value(&T, &json!("2026-03-01T10:00:00+01:00"), "t", false).unwrap(),
            Some(json!("2026-03-01T09:00:00.000Z"))
        );
        let err = attr_value(&T, &json!("tomorrow"), "t", false).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn multi_valued_wrapping() {
        let doc = user(json!({
            "userName": "a",
            "emails": "a@x.org",
            "phoneNumbers": ["+33 1", {"value": "+33 2", "type": "work"}, null],
        }))
        .unwrap();
        assert_eq!(doc["emails"], json!([{"value": "a@x.org"}]));
        assert_eq!(
            doc["phoneNumbers"],
            json!([{"value": "+33 1"}, {"value": "+33 2", "type": "work"}])
        );
    }

    #[test]
    fn at_most_one_primary() {
        let two = json!({"userName": "a", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": "true"}]});
        assert_eq!(scim_type(user(two)), ScimType::InvalidValue);
        let one = json!({"userName": "a", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}]});
        assert!(user(one).is_ok());
    }

    #[test]
    fn required_attributes() {
        for bad in [
            json!({}),
            json!({"userName": "  "}),
            json!({"userName": null}),
        ] {
            let err = user(bad.clone()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
            assert!(err.detail.contains("userName"));
        }
        assert!(normalize(&USER, &json!({"title": "x"}), Mode::Replace).is_err());
        assert!(normalize(&USER, &json!({"title": "x"}), Mode::Fragment).is_ok());
        let err = normalize(&GROUP, &json!({"members": []}), Mode::Create).unwrap_err();
        assert!(err.detail.contains("displayName"));
    }

    #[test]
    fn immutable_attributes_may_be_set_once() {
        static SUBS: [AttrDef; 2] = [
            AttrDef::string("fixed", "").immutable(),
            AttrDef::string("free", ""),
        ];
        static ATTRS: [AttrDef; 2] = [
            AttrDef::string("code", "").immutable(),
            AttrDef::complex("badge", "", &SUBS),
        ];
        static SCHEMA: SchemaDef = SchemaDef {
            id: "urn:test:Thing",
            name: "Thing",
            description: "",
            attributes: &ATTRS,
        };
        static THING: ResourceDef = ResourceDef {
            name: "Thing",
            endpoint: "/Things",
            description: "",
            schema: &SCHEMA,
            extensions: &[],
        };
        let ok = |old: Value, new: Value| check_immutable(&THING, &old, &new);
        assert!(ok(json!({}), json!({"code": "a"})).is_ok());
        assert!(ok(json!({"code": "a"}), json!({"code": "a"})).is_ok());
        let err = ok(json!({"code": "a"}), json!({"code": "b"})).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        assert!(ok(json!({"code": "a"}), json!({})).is_err());
        assert!(
            ok(
                json!({"badge": {"free": "x"}}),
                json!({"badge": {"fixed": "1"}})
            )
            .is_ok()
        );
        assert!(
            ok(
                json!({"badge": {"fixed": "1"}}),
                json!({"badge": {"fixed": "1", "free": "y"}})
            )
            .is_ok()
        );
        let err = ok(
            json!({"badge": {"fixed": "1"}}),
            json!({"badge": {"fixed": "2"}}),
        )
        .unwrap_err();
        assert!(err.detail.contains("badge.fixed"), "{}", err.detail);
    }

    #[test]
    fn group_members_may_change_despite_immutable_value() {
        let old = json!({"displayName": "G", "members": [{"value": "u1"}]});
        let new = json!({"displayName": "G", "members": [{"value": "u2"}]});
        assert!(check_immutable(&GROUP, &old, &new).is_ok());
    }

    #[test]
    fn resolution_of_paths() {
        let Some(Named::Attr(l)) = resolve(&USER, None, "USERNAME") else {
            panic!()
        };
        assert_eq!((l.def.name, l.ext.is_none()), ("userName", true));
        let Some(Named::Attr(l)) = resolve(&USER, None, "locallogin") else {
            panic!()
        };
        assert_eq!(l.ext.map(|s| s.id), Some(ROSTER_USER));
        let Some(Named::Attr(l)) = resolve(&USER, Some(&ROSTER_USER.to_lowercase()), "localLogin")
        else {
            panic!()
        };
        assert_eq!(l.label(), format!("{ROSTER_USER}:localLogin"));
        let Some(Named::Schema(s)) = resolve(
            &USER,
            Some("urn:roster:params:scim:schemas:extension:organisation:2.0"),
            "User",
        ) else {
            panic!()
        };
        assert_eq!(s.id, ROSTER_USER);
        assert!(resolve(&USER, Some(USER_URN), "localLogin").is_none());
        assert!(resolve(&USER, Some("urn:other"), "userName").is_none());
        assert!(resolve(&USER, None, "nope").is_none());
        let text = format!("{USER_URN}:name.givenName");
        let Some((Named::Attr(l), Some(sub))) = resolve_text(&USER, &text) else {
            panic!()
        };
        assert_eq!((l.def.name, sub), ("name", "givenName"));
        assert!(matches!(
            resolve_text(&USER, ROSTER_USER),
            Some((Named::Schema(_), None))
        ));
        assert!(
            matches!(resolve_text(&GROUP, "urn:roster:params:scim:schemas:extension:organisation:2.0:Group:licenses.value"),
            Some((Named::Attr(l), Some("value"))) if l.ext.is_some())
        );
    }

    #[test]
    fn schemas_inside_an_extension_object_is_accepted_and_dropped() {
        let input = json!({
            "userName": "a",
            ROSTER_USER: {"schemas": [ROSTER_USER], "localLogin": true},
        });
        let doc = normalize(&USER, &input, Mode::Create).expect("accepted");
        assert_eq!(doc[ROSTER_USER], json!({"localLogin": true}));
        let bad = json!({"userName": "a", ROSTER_USER: {"schemas": ["urn:nope"]}});
        assert!(normalize(&USER, &bad, Mode::Create).is_err());
    }
}
