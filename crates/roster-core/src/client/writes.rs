//! Writes that keep what the server holds: PATCH operations applied to the freshly
//! read resource (for a PUT where PATCH is not supported), and `displayName` kept in
//! step with an edited name.

use roster_proto::{PatchOp, PatchOpKind};
use serde_json::{Map, Value, json};

use crate::CoreError;
use crate::actions::paths;

/// Adds a `replace displayName` (and `name.formatted`) to `ops` when they change the
/// given or family name and `current` (the user as the server has it) holds one, so
/// that the server does not keep showing the old name.
pub(crate) fn keep_display_name(current: &Value, ops: &mut Vec<PatchOp>) {
    let new_value = |path: &str| {
        ops.iter()
            .rev()
            .find(|op| op.op == PatchOpKind::Replace && op.path.as_deref() == Some(path))
            .and_then(|op| op.value.as_ref())
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (given, family) = (new_value(paths::GIVEN_NAME), new_value(paths::FAMILY_NAME));
    if given.is_none() && family.is_none() {
        return;
    }
    let name = &current[paths::NAME];
    let given = given.unwrap_or_else(|| name["givenName"].as_str().unwrap_or("").to_owned());
    let family = family.unwrap_or_else(|| name["familyName"].as_str().unwrap_or("").to_owned());
    let full = format!("{given} {family}").trim().to_owned();
    let touched =
        |ops: &[PatchOp], path: &str| ops.iter().any(|op| op.path.as_deref() == Some(path));
    if current[paths::DISPLAY_NAME].is_string() && !touched(ops, paths::DISPLAY_NAME) {
        ops.push(PatchOp::replace(paths::DISPLAY_NAME, json!(full)));
    }
    if name["formatted"].is_string() && !touched(ops, paths::FORMATTED_NAME) {
        ops.push(PatchOp::replace(paths::FORMATTED_NAME, json!(full)));
    }
}

/// `current` with `ops` applied, for a PUT: only the paths Roster writes are
/// understood (`a`, `a.b`, `URN:a`, `a[value eq "x"]`); read-only `meta` and
/// `groups` are left out of the body.
pub(crate) fn apply(mut current: Value, ops: &[PatchOp]) -> Result<Value, CoreError> {
    let Some(root) = current.as_object_mut() else {
        return Err(CoreError::Protocol {
            detail: "the resource read before the write is not a JSON object".to_owned(),
        });
    };
    for op in ops {
        let path = op.path.as_deref().unwrap_or("");
        let target = Target::parse(path).ok_or_else(|| CoreError::Protocol {
            detail: format!("cannot apply the change to {path:?} without PATCH"),
        })?;
        target.apply(root, op);
    }
    root.remove(paths::META);
    root.remove(paths::GROUPS);
    Ok(current)
}

/// Where one operation lands.
struct Target<'a> {
    /// An extension schema URN, when the path starts with one.
    schema: Option<&'a str>,
    attribute: &'a str,
    sub: Option<&'a str>,
    /// `value eq "…"` of a multi-valued attribute.
    value_filter: Option<String>,
}

impl<'a> Target<'a> {
    fn parse(path: &'a str) -> Option<Self> {
        let (schema, rest) = match path.strip_prefix("urn:") {
            Some(_) => {
                let cut = path.rfind(':')?;
                (Some(&path[..cut]), &path[cut + 1..])
            }
            None => (None, path),
        };
        let (attr_path, value_filter) = match rest.split_once('[') {
            Some((attr, filter)) => {
                let literal = filter.strip_suffix(']')?.trim().strip_prefix("value eq")?;
                let value: String = serde_json::from_str(literal.trim()).ok()?;
                (attr, Some(value))
            }
            None => (rest, None),
        };
        let (attribute, sub) = match attr_path.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (attr_path, None),
        };
        (!attribute.is_empty()).then_some(Self {
            schema,
            attribute,
            sub,
            value_filter,
        })
    }

    fn apply(&self, root: &mut Map<String, Value>, op: &PatchOp) {
        let container = match self.schema {
            Some(urn) => {
                let ext = root
                    .entry(urn.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !ext.is_object() {
                    *ext = Value::Object(Map::new());
                }
                match ext.as_object_mut() {
                    Some(map) => map,
                    None => return,
                }
            }
            None => root,
        };
        let value = op.value.clone().unwrap_or(Value::Null);
        match (&op.op, self.sub, &self.value_filter) {
            (PatchOpKind::Remove, None, Some(wanted)) => {
                if let Some(Value::Array(items)) = container.get_mut(self.attribute) {
                    items.retain(|item| item["value"].as_str() != Some(wanted));
                }
            }
            (PatchOpKind::Remove, None, None) => {
                container.remove(self.attribute);
            }
            (PatchOpKind::Remove, Some(sub), _) => {
                if let Some(Value::Object(inner)) = container.get_mut(self.attribute) {
                    inner.remove(sub);
                }
            }
            (_, Some(sub), _) => {
                let inner = container
                    .entry(self.attribute.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(map) = inner.as_object_mut() {
                    map.insert(sub.to_owned(), value);
                }
            }
            (PatchOpKind::Add, None, _) if value.is_array() => {
                let slot = container
                    .entry(self.attribute.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !slot.is_array() {
                    *slot = Value::Array(Vec::new());
                }
                if let (Value::Array(items), Value::Array(new)) = (slot, value) {
                    for item in new {
                        let same =
                            |i: &Value| i["value"] == item["value"] && !item["value"].is_null();
                        if !items.iter().any(same) {
                            items.push(item);
                        }
                    }
                }
            }
            (_, None, _) => {
                container.insert(self.attribute.to_owned(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_proto::urn;

    fn current() -> Value {
        json!({
            "schemas": [urn::USER], "id": "7", "userName": "ada@x.example",
            "name": {"givenName": "Ada", "familyName": "Byron", "formatted": "Ada Byron"},
            "displayName": "Ada Byron", "title": "Countess",
            "entitlements": [{"value": "office"}, {"value": "crm"}],
            "groups": [{"value": "g"}], "meta": {"version": "W/\"1\""}
        })
    }

    #[test]
    fn an_edited_name_keeps_display_name_and_formatted_in_step() {
        let mut ops = vec![PatchOp::replace(paths::FAMILY_NAME, json!("Lovelace"))];
        keep_display_name(&current(), &mut ops);
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[1].path.as_deref(), Some(paths::DISPLAY_NAME));
        assert_eq!(ops[1].value, Some(json!("Ada Lovelace")));
        assert_eq!(ops[2].path.as_deref(), Some(paths::FORMATTED_NAME));
        let mut other = vec![PatchOp::replace(paths::admin(), json!(true))];
        keep_display_name(&current(), &mut other);
        assert_eq!(other.len(), 1, "no name change, no displayName");
    }

    #[test]
    fn ops_applied_for_a_put_keep_every_other_attribute() {
        let ops = vec![
            PatchOp::replace(paths::GIVEN_NAME, json!("Augusta")),
            PatchOp::replace(paths::admin(), json!(true)),
            PatchOp::add(
                paths::ENTITLEMENTS,
                json!([{"value": "design"}, {"value": "crm"}]),
            ),
            PatchOp::remove(paths::entitlement("office")),
        ];
        let body = apply(current(), &ops).unwrap();
        assert_eq!(body["title"], "Countess", "unknown attributes are kept");
        assert_eq!(body["displayName"], "Ada Byron");
        assert_eq!(body["name"]["givenName"], "Augusta");
        assert_eq!(body["name"]["familyName"], "Byron");
        assert_eq!(body[urn::ROSTER_USER]["organisationAdministrator"], true);
        assert_eq!(
            body["entitlements"],
            json!([{"value": "crm"}, {"value": "design"}])
        );
        assert!(body.get("meta").is_none() && body.get("groups").is_none());
    }
}
