//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a
//! returned resource carries.
//!
//! The query parameters are resolved against the schema once ([`Projection::parse`])
//! into a plan with one decision per top-level attribute, so pruning each resource
//! of a page ([`Projection::apply`]) is a cheap walk, and the store can ask
//! [`Projection::wants`] before computing attributes that would be pruned anyway.
//!
//! Decisions that the RFC leaves open:
//! - Names that match no attribute of the resource are ignored (they select and
//!   exclude nothing) rather than refused: RFC 7644 defines no error for them, and
//!   clients send one list to several resource types.
//! - The two parameters are mutually exclusive (RFC 7644 §3.9); when a client sends
//!   both, `attributes` wins and `excludedAttributes` is ignored.
//! - `meta` is returned by default (it is not `returned: always`), so
//!   `attributes=userName` yields `schemas`, `id` and `userName` only, as in the
//!   RFC 7644 §3.9 example.

use serde_json::{Map, Value};

use crate::attr_path::{self, EXTERNAL_ID, Named};
use crate::error::ApiError;
use crate::schema::{AttrDef, AttrType, ResourceDef, Returned};

/// `id` (RFC 7643 §3.1): always returned.
static ID: AttrDef = AttrDef::string("id", "Unique identifier of the resource")
    .case_exact()
    .read_only()
    .returned(Returned::Always);

const META_SUB: &[AttrDef] = &[
    AttrDef::string("resourceType", "").read_only(),
    AttrDef::new("created", AttrType::DateTime, "").read_only(),
    AttrDef::new("lastModified", AttrType::DateTime, "").read_only(),
    AttrDef::new("location", AttrType::Reference, "").read_only(),
    AttrDef::string("version", "").read_only(),
];

/// `meta` (RFC 7643 §3.1).
static META: AttrDef = AttrDef::complex("meta", "Resource metadata", META_SUB).read_only();

/// Which attributes of a resource to return.
#[derive(Debug, Clone)]
pub struct Projection {
    plan: Vec<Entry>,
    /// Neither list was given: every attribute returned by default.
    default: bool,
}

/// The decision for one top-level attribute.
#[derive(Debug, Clone)]
struct Entry {
    /// The extension URN holding it, or `None` at the top level.
    ext: Option<&'static str>,
    name: &'static str,
    keep: Keep,
}

#[derive(Debug, Clone, PartialEq)]
enum Keep {
    /// Keep the value as it is.
    Whole,
    /// Keep only these sub-attributes (of the value, or of each element).
    Subs(Vec<&'static str>),
    /// Remove the attribute.
    Drop,
}

/// What a client named in `attributes` or `excludedAttributes`.
#[derive(Debug, Clone, Copy)]
enum Sel {
    /// A whole schema (bare URN): every attribute it defines.
    Schema(&'static str),
    /// An attribute, or one sub-attribute of it.
    Attr {
        ext: Option<&'static str>,
        name: &'static str,
        sub: Option<&'static str>,
    },
}

enum Mode {
    Include(Vec<Sel>),
    Exclude(Vec<Sel>),
}

impl Projection {
    /// Resolves the comma-separated `attributes` / `excludedAttributes` lists against
    /// `resource` (names case-insensitive, optionally URN-qualified, `name.sub`
    /// for a sub-attribute, a bare extension URN for the whole extension).
    ///
    /// Never fails today (unknown names are ignored, see the module docs); the
    /// `Result` leaves room for stricter checks without changing callers.
    pub fn parse(
        resource: &ResourceDef,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ApiError> {
        let attributes = attributes.filter(|l| !l.trim().is_empty());
        let excluded = excluded.filter(|l| !l.trim().is_empty());
        let mode = match (attributes, excluded) {
            (Some(list), _) => Mode::Include(selections(resource, list)),
            (None, Some(list)) => Mode::Exclude(selections(resource, list)),
            (None, None) => Mode::Exclude(Vec::new()),
        };
        let default = attributes.is_none() && excluded.is_none();
        let plan = top_level(resource)
            .map(|(ext, schema_id, def)| Entry {
                ext,
                name: def.name,
                keep: decide(&mode, schema_id, ext, def),
            })
            .collect();
        Ok(Projection { plan, default })
    }

    /// Whether no attribute list was given (the response carries what every
    /// attribute's `returned` says by default), so that the store may take a faster
    /// path that builds exactly that.
    pub fn is_default(&self) -> bool {
        self.default
    }

    /// Prunes a full output resource (with `id`, `schemas`, `meta`, readOnly
    /// attributes and extension objects) in place: removes what the projection
    /// leaves out, drops extension objects left empty, and rewrites `schemas` to the
    /// core URN plus the extensions still present.
    pub fn apply(&self, resource: &ResourceDef, full: &mut Value) {
        let Some(obj) = full.as_object_mut() else {
            return;
        };
        for entry in &self.plan {
            let container = match entry.ext {
                None => Some(&mut *obj),
                Some(urn) => obj.get_mut(urn).and_then(Value::as_object_mut),
            };
            let Some(container) = container else {
                continue;
            };
            match &entry.keep {
                Keep::Whole => {}
                Keep::Drop => {
                    container.remove(entry.name);
                }
                Keep::Subs(keep) => {
                    let emptied = container
                        .get_mut(entry.name)
                        .is_some_and(|v| keep_subs(v, keep));
                    if emptied {
                        container.remove(entry.name);
                    }
                }
            }
        }
        let mut schemas = vec![Value::from(resource.schema.id)];
        for ext in resource.extensions {
            let present = obj
                .get(ext.id)
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty());
            if present {
                schemas.push(Value::from(ext.id));
            } else {
                obj.remove(ext.id);
            }
        }
        obj.insert("schemas".to_owned(), Value::Array(schemas));
    }

    /// Whether the response will carry the top-level attribute `name` (core or
    /// extension, case-insensitive), or, given an extension URN, any attribute of
    /// that extension. Unknown names answer `true`, the safe side for a caller
    /// deciding whether to compute something.
    pub fn wants(&self, name: &str) -> bool {
        let mut in_ext = self
            .plan
            .iter()
            .filter(|e| e.ext.is_some_and(|u| u.eq_ignore_ascii_case(name)))
            .peekable();
        if in_ext.peek().is_some() {
            return in_ext.any(|e| e.keep != Keep::Drop);
        }
        self.plan
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
            .is_none_or(|e| e.keep != Keep::Drop)
    }
}

/// Every top-level attribute: (extension URN, schema URN, definition).
fn top_level(
    resource: &ResourceDef,
) -> impl Iterator<Item = (Option<&'static str>, &'static str, &'static AttrDef)> + '_ {
    let core_id = resource.schema.id;
    let common = [&ID, &EXTERNAL_ID, &META].into_iter();
    resource
        .schema
        .attributes
        .iter()
        .chain(common)
        .map(move |def| (None, core_id, def))
        .chain(
            resource
                .extensions
                .iter()
                .flat_map(|s| s.attributes.iter().map(move |def| (Some(s.id), s.id, def))),
        )
}

fn selections(resource: &ResourceDef, list: &str) -> Vec<Sel> {
    list.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .filter_map(|text| selection(resource, text))
        .collect()
}

fn selection(resource: &ResourceDef, text: &str) -> Option<Sel> {
    let (ext, def, sub) = match attr_path::resolve_text(resource, text) {
        Some((Named::Schema(s), _)) => return Some(Sel::Schema(s.id)),
        Some((Named::Attr(loc), sub)) => (loc.ext.map(|s| s.id), loc.def, sub),
        // `id` and `meta` are common attributes the schema does not list.
        None => {
            let (name, sub) = text
                .split_once('.')
                .map_or((text, None), |(n, s)| (n, Some(s)));
            let def = [&ID, &META]
                .into_iter()
                .find(|d| d.name.eq_ignore_ascii_case(name))?;
            (None, def, sub)
        }
    };
    let sub = match sub {
        Some(s) => Some(def.sub(s)?.name),
        None => None,
    };
    Some(Sel::Attr {
        ext,
        name: def.name,
        sub,
    })
}

/// The decision for one attribute under `mode` (RFC 7643 §7 `returned`).
fn decide(mode: &Mode, schema_id: &str, ext: Option<&str>, def: &'static AttrDef) -> Keep {
    // Named whole (attribute or its schema) and the sub-attributes named.
    let named = |sels: &[Sel], with_schema: bool| -> (bool, Vec<&'static str>) {
        let mut whole = false;
        let mut subs = Vec::new();
        for sel in sels {
            match *sel {
                Sel::Schema(id) => whole |= with_schema && id == schema_id,
                Sel::Attr { ext: e, name, sub } if e == ext && name == def.name => match sub {
                    None => whole = true,
                    Some(s) => subs.push(s),
                },
                Sel::Attr { .. } => {}
            }
        }
        (whole, subs)
    };
    match (def.returned, mode) {
        (Returned::Never, _) => Keep::Drop,
        (Returned::Always, _) => keep_subs_where(def, |_| false),
        (_, Mode::Include(sels)) => {
            // A bare schema URN selects what that schema returns by default, not
            // attributes that must be requested by name.
            let (whole, subs) = named(sels, def.returned != Returned::Request);
            if whole {
                keep_subs_where(def, |s| subs.contains(&s.name))
            } else if !subs.is_empty() {
                Keep::Subs(
                    def.sub_attributes
                        .iter()
                        .filter(|s| s.returned == Returned::Always || subs.contains(&s.name))
                        .filter(|s| s.returned != Returned::Never)
                        .map(|s| s.name)
                        .collect(),
                )
            } else {
                Keep::Drop
            }
        }
        (Returned::Request, Mode::Exclude(_)) => Keep::Drop,
        (_, Mode::Exclude(sels)) => {
            let (whole, subs) = named(sels, true);
            if whole {
                return Keep::Drop;
            }
            let kept = keep_subs_where(def, |_| false);
            match kept {
                Keep::Whole if subs.is_empty() || def.ty != AttrType::Complex => Keep::Whole,
                Keep::Whole => Keep::Subs(
                    def.sub_attributes
                        .iter()
                        .filter(|s| s.returned == Returned::Always || !subs.contains(&s.name))
                        .map(|s| s.name)
                        .collect(),
                ),
                Keep::Subs(list) => Keep::Subs(
                    list.into_iter()
                        .filter(|s| {
                            !subs.contains(s)
                                || def.sub(s).is_some_and(|d| d.returned == Returned::Always)
                        })
                        .collect(),
                ),
                Keep::Drop => Keep::Drop,
            }
        }
    }
}

/// Keeps the sub-attributes returned by default, plus `requested` ones that are
/// returned on request only; [`Keep::Whole`] when that is all of them.
fn keep_subs_where(def: &AttrDef, requested: impl Fn(&AttrDef) -> bool) -> Keep {
    if def.ty != AttrType::Complex {
        return Keep::Whole;
    }
    let kept: Vec<&'static str> = def
        .sub_attributes
        .iter()
        .filter(|s| match s.returned {
            Returned::Always | Returned::Default => true,
            Returned::Request => requested(s),
            Returned::Never => false,
        })
        .map(|s| s.name)
        .collect();
    if kept.len() == def.sub_attributes.len() {
        Keep::Whole
    } else {
        Keep::Subs(kept)
    }
}

/// Keeps only `keep` in a complex value or in each element of a multi-valued one;
/// returns whether nothing is left.
fn keep_subs(value: &mut Value, keep: &[&str]) -> bool {
    let prune = |m: &mut Map<String, Value>| m.retain(|k, _| keep.contains(&k.as_str()));
    match value {
        Value::Object(m) => {
            prune(m);
            m.is_empty()
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::Object(m) = item {
                    prune(m);
                }
            }
            items.retain(|i| !i.as_object().is_some_and(Map::is_empty));
            items.is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GROUP, SchemaDef, USER};
    use roster_proto::urn::{GROUP as GROUP_URN, ROSTER_GROUP, ROSTER_USER, USER as USER_URN};
    use serde_json::json;

    fn full_user() -> Value {
        json!({
            "schemas": [USER_URN, ROSTER_USER],
            "id": "u1",
            "externalId": "e1",
            "meta": {"resourceType": "User", "created": "c", "lastModified": "m", "version": "W/\"1\""},
            "userName": "ann@x.org",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "emails": [{"value": "ann@x.org", "type": "work", "primary": true}, {"value": "a@y.org"}],
            "groups": [{"value": "g1", "display": "Sales"}],
            ROSTER_USER: {
                "localLogin": true,
                "lastConnection": "2026-01-01T00:00:00.000Z",
                "invitation": {"status": "accepted"},
            },
        })
    }

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let p = Projection::parse(&USER, attributes, excluded).unwrap();
        let mut v = full_user();
        p.apply(&USER, &mut v);
        v
    }

    /// `full_user` without the attributes returned only on request.
    fn default_user() -> Value {
        let mut v = full_user();
        v[ROSTER_USER] = json!({"localLogin": true});
        v
    }

    #[test]
    fn default_keeps_what_is_returned_by_default() {
        assert_eq!(project(None, None), default_user());
        assert_eq!(project(Some(" "), Some("")), default_user());
    }

    #[test]
    fn attributes_keep_listed_plus_always() {
        // RFC 7644 §3.9: ?attributes=userName
        assert_eq!(
            project(Some("userName"), None),
            json!({"schemas": [USER_URN], "id": "u1", "userName": "ann@x.org"})
        );
    }

    #[test]
    fn attributes_are_case_insensitive_and_may_be_qualified() {
        let v = project(
            Some(&format!(
                "USERNAME, {USER_URN}:displayName,{ROSTER_USER}:LOCALLOGIN"
            )),
            None,
        );
        assert_eq!(
            v,
            json!({"schemas": [USER_URN, ROSTER_USER], "id": "u1", "userName": "ann@x.org",
                   ROSTER_USER: {"localLogin": true}})
        );
    }

    #[test]
    fn sub_attributes_prune_inside_values_and_elements() {
        let v = project(Some("name.givenName,emails.value,meta.lastModified"), None);
        assert_eq!(
            v,
            json!({"schemas": [USER_URN], "id": "u1",
                   "name": {"givenName": "Ann"},
                   "emails": [{"value": "ann@x.org"}, {"value": "a@y.org"}],
                   "meta": {"lastModified": "m"}})
        );
    }

    #[test]
    fn bare_extension_urn_selects_the_whole_extension() {
        let v = project(Some(ROSTER_USER), None);
        assert_eq!(v["schemas"], json!([USER_URN, ROSTER_USER]));
        // lastConnection and invitation are returned on request only.
        assert_eq!(v[ROSTER_USER], json!({"localLogin": true}));
        assert!(v.get("userName").is_none());
        let v = project(None, Some(&ROSTER_USER.to_lowercase()));
        assert!(v.get(ROSTER_USER).is_none());
        assert_eq!(v["schemas"], json!([USER_URN]));
        assert_eq!(v["userName"], "ann@x.org");
    }

    #[test]
    fn excluded_attributes_drop_listed_but_never_id() {
        let v = project(None, Some("emails,groups,id,name.familyName,meta"));
        let mut expected = default_user();
        let o = expected.as_object_mut().unwrap();
        o.remove("emails");
        o.remove("groups");
        o.remove("meta");
        o["name"] = json!({"givenName": "Ann"});
        assert_eq!(v, expected);
    }

    #[test]
    fn emptied_extension_is_dropped_from_object_and_schemas() {
        let ext = format!(
            "{ROSTER_USER}:localLogin,{ROSTER_USER}:lastConnection,{ROSTER_USER}:invitation"
        );
        let v = project(None, Some(&ext));
        assert!(v.get(ROSTER_USER).is_none());
        assert_eq!(v["schemas"], json!([USER_URN]));
    }

    #[test]
    fn attributes_win_over_excluded_and_unknown_names_are_ignored() {
        let v = project(Some("userName,shoeSize,name.nick"), Some("userName"));
        assert_eq!(
            v,
            json!({"schemas": [USER_URN], "id": "u1", "userName": "ann@x.org"})
        );
        assert_eq!(project(None, Some("shoeSize")), default_user());
    }

    #[test]
    fn request_only_extension_attributes_when_named() {
        let v = project(
            Some(&format!("{ROSTER_USER}:lastConnection,invitation.status")),
            None,
        );
        assert_eq!(
            v,
            json!({"schemas": [USER_URN, ROSTER_USER], "id": "u1", ROSTER_USER: {
                "lastConnection": "2026-01-01T00:00:00.000Z", "invitation": {"status": "accepted"}}})
        );
        let p = Projection::parse(&USER, None, None).unwrap();
        assert!(!p.wants("inheritedLicenses"));
        assert!(p.wants(ROSTER_USER), "localLogin is returned by default");
    }

    #[test]
    fn wants_answers_for_attributes_and_extensions() {
        let p = Projection::parse(&GROUP, None, Some("members")).unwrap();
        assert!(!p.wants("members"));
        assert!(!p.wants("MEMBERS"));
        assert!(p.wants("displayName"));
        assert!(p.wants(ROSTER_GROUP));
        assert!(p.wants("somethingElse"));
        let p = Projection::parse(&GROUP, Some("displayName"), None).unwrap();
        assert!(!p.wants("members"));
        assert!(!p.wants(ROSTER_GROUP));
        let p = Projection::parse(
            &USER,
            Some(
                "urn:roster:params:scim:schemas:extension:organisation:2.0:User:inheritedLicenses",
            ),
            None,
        )
        .unwrap();
        assert!(p.wants(ROSTER_USER));
        assert!(p.wants("inheritedLicenses"));
        assert!(!p.wants("groups"));
        let p = Projection::parse(&USER, Some("groups.display"), None).unwrap();
        assert!(p.wants("groups"));
    }

    #[test]
    fn group_member_sub_attributes() {
        let p = Projection::parse(&GROUP, Some("members.value"), None).unwrap();
        let mut v = json!({
            "schemas": [GROUP_URN], "id": "g1", "displayName": "G",
            "members": [{"value": "u1", "display": "Ann", "type": "User", "$ref": "x"}],
        });
        p.apply(&GROUP, &mut v);
        assert_eq!(
            v,
            json!({"schemas": [GROUP_URN], "id": "g1", "members": [{"value": "u1"}]})
        );
    }

    #[test]
    fn request_and_never_returned_attributes() {
        static SUBS: [AttrDef; 2] = [
            AttrDef::string("shown", ""),
            AttrDef::string("hidden", "").returned(Returned::Request),
        ];
        static ATTRS: [AttrDef; 4] = [
            AttrDef::string("plain", ""),
            AttrDef::string("onRequest", "").returned(Returned::Request),
            AttrDef::complex("box", "", &SUBS),
            AttrDef::string("secret", "").returned(Returned::Never),
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
        let full = json!({"id": "t", "plain": 1, "onRequest": 2, "box": {"shown": 3, "hidden": 4}, "secret": 5});
        let run = |a: Option<&str>, e: Option<&str>| {
            let mut v = full.clone();
            Projection::parse(&THING, a, e)
                .unwrap()
                .apply(&THING, &mut v);
            v.as_object_mut().unwrap().remove("schemas");
            v
        };
        assert_eq!(
            run(None, None),
            json!({"id": "t", "plain": 1, "box": {"shown": 3}})
        );
        assert_eq!(
            run(None, Some("plain")),
            json!({"id": "t", "box": {"shown": 3}})
        );
        assert_eq!(
            run(Some("onRequest"), None),
            json!({"id": "t", "onRequest": 2})
        );
        assert_eq!(
            run(Some("urn:test:Thing"), None),
            json!({"id": "t", "plain": 1, "box": {"shown": 3}})
        );
        assert_eq!(
            run(Some("box"), None),
            json!({"id": "t", "box": {"shown": 3}})
        );
        assert_eq!(
            run(Some("box.hidden"), None),
            json!({"id": "t", "box": {"hidden": 4}})
        );
        assert_eq!(
            run(Some("box,box.hidden"), None),
            json!({"id": "t", "box": {"shown": 3, "hidden": 4}})
        );
        // returned: never, even when named.
        assert_eq!(run(Some("secret"), None), json!({"id": "t"}));
        assert!(
            !Projection::parse(&THING, None, None)
                .unwrap()
                .wants("secret")
        );
    }

    #[test]
    fn non_object_input_is_left_alone() {
        let p = Projection::parse(&USER, Some("userName"), None).unwrap();
        let mut v = json!("x");
        p.apply(&USER, &mut v);
        assert_eq!(v, json!("x"));
    }
}
