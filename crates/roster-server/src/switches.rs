//! Switches that make roster-server behave like SCIM servers seen in the wild, for
//! interoperability tests of clients: each turns a feature off (or changes it the
//! way some servers do) and discovery says so where SCIM has a way to say it.
//!
//! All off by default. See docs/api.md, "Switches for interoperability tests".

use roster_proto::PatchOp;
use serde_json::Value;

use crate::error::ApiError;

/// The start of the Roster extension schemas' URNs.
const EXTENSION_PREFIX: &str = "urn:roster:params:scim:schemas:extension:";

/// Which features are turned off or changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Switches {
    /// `filter.supported: false`, and the `filter` parameter silently ignored
    /// (listings return everything).
    pub no_filter: bool,
    /// A filter naming `meta.lastModified` answers 400 invalidFilter
    /// "Unknown attribute: meta.lastModified".
    pub refuse_last_modified_filter: bool,
    /// PATCH `remove` with a value-path filter (`members[value eq "…"]`) answers 501;
    /// `remove` with a `value` list still works.
    pub refuse_value_path_remove: bool,
    /// `patch.supported: false`, and PATCH answers 501.
    pub no_patch: bool,
    /// DELETE of a user only sets `active: false` (and answers 204).
    pub delete_deactivates: bool,
    /// `bulk.supported: false`, and `/Bulk` answers 501.
    pub no_bulk: bool,
    /// `etag.supported: false`: no `ETag` header, no `meta.version`, `If-Match`
    /// (and a Bulk operation's `version`) ignored.
    pub no_etag: bool,
    /// The Roster extension schemas are not advertised or returned; writes naming
    /// their attributes answer 400 invalidPath; `/Licenses` and `/Invitations` 404.
    pub no_roster_extension: bool,
    /// User resources carry no `groups` (membership only through `/Groups`), and
    /// the User schema does not list it.
    pub users_without_groups: bool,
}

impl Switches {
    /// Whether answers must be rewritten by [`Switches::adjust_resource`].
    pub fn rewrites_answers(&self) -> bool {
        self.no_etag || self.no_roster_extension || self.users_without_groups
    }

    /// `if_match`, or `None` when ETags are off.
    pub fn if_match<'a>(&self, if_match: Option<&'a str>) -> Option<&'a str> {
        if self.no_etag { None } else { if_match }
    }

    /// The filter text a listing uses: `None` when filtering is off; 400 when it
    /// names `meta.lastModified` and that is refused.
    pub fn filter<'f>(&self, filter: Option<&'f str>) -> Result<Option<&'f str>, ApiError> {
        if self.no_filter {
            return Ok(None);
        }
        let Some(text) = filter else {
            return Ok(None);
        };
        let outside = outside_strings(text);
        if self.refuse_last_modified_filter && outside.contains("meta.lastmodified") {
            return Err(ApiError::invalid_filter(
                "Unknown attribute: meta.lastModified",
            ));
        }
        if self.no_roster_extension
            && let Some(name) = outside
                .split(|c: char| !(c.is_alphanumeric() || matches!(c, ':' | '.' | '_' | '-')))
                .find(|word| is_extension(word) || names_extension_path(word))
        {
            return Err(ApiError::invalid_filter(format!(
                "Unknown attribute: {name}"
            )));
        }
        Ok(filter)
    }

    /// Refuses PATCH operations the switches turn off (501), or that name the Roster
    /// extension when it is off (400 invalidPath).
    pub fn check_patch(&self, ops: &[PatchOp]) -> Result<(), ApiError> {
        if self.no_patch {
            return Err(not_implemented("PATCH is not supported by this server"));
        }
        for op in ops {
            let path = op.path.as_deref().unwrap_or_default();
            if self.refuse_value_path_remove
                && op.op == roster_proto::PatchOpKind::Remove
                && path.contains('[')
            {
                return Err(not_implemented(
                    "PATCH remove with a value filter in the path is not supported; \
                     send the values to remove in \"value\" instead",
                ));
            }
            if self.no_roster_extension {
                if names_extension_path(path) {
                    return Err(unknown_extension(path));
                }
                if let Some(value) = &op.value {
                    self.check_body(value)?;
                }
            }
        }
        Ok(())
    }

    /// Refuses (400 invalidPath) a resource body naming the Roster extension when it
    /// is off.
    pub fn check_body(&self, body: &Value) -> Result<(), ApiError> {
        if !self.no_roster_extension {
            return Ok(());
        }
        match body
            .as_object()
            .and_then(|o| o.keys().find(|k| is_extension(k)))
        {
            Some(key) => Err(unknown_extension(key)),
            None => Ok(()),
        }
    }

    /// Rewrites one resource as the switches want it shown (recursing into the
    /// `Resources` of a listing).
    pub fn adjust_resource(&self, value: &mut Value) {
        let Value::Object(obj) = value else {
            return;
        };
        if let Some(Value::Array(items)) = obj.get_mut("Resources") {
            for item in items {
                self.adjust_resource(item);
            }
            return;
        }
        let is_user = obj
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u == roster_proto::urn::USER));
        if self.no_etag {
            if let Some(Value::Object(meta)) = obj.get_mut("meta") {
                meta.remove("version");
            }
            if let Some(Value::Array(ops)) = obj.get_mut("Operations") {
                for op in ops.iter_mut().filter_map(Value::as_object_mut) {
                    op.remove("version");
                }
            }
        }
        if self.no_roster_extension {
            obj.retain(|k, _| !is_extension(k));
            if let Some(Value::Array(schemas)) = obj.get_mut("schemas") {
                schemas.retain(|s| !s.as_str().is_some_and(is_extension));
            }
        }
        if self.users_without_groups && is_user {
            obj.remove("groups");
        }
    }
}

/// 501 with a SCIM body.
pub fn not_implemented(detail: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_IMPLEMENTED, None, detail)
}

fn unknown_extension(name: &str) -> ApiError {
    ApiError::invalid_path(format!(
        "{name:?}: this server does not support the Roster extension"
    ))
}

/// Whether a key or path names the Roster extension (its URN, in any case).
fn is_extension(key: &str) -> bool {
    key.get(..EXTENSION_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(EXTENSION_PREFIX))
}

/// Whether a PATCH path names the Roster extension or one of its attributes by
/// their bare names (which the server otherwise resolves).
fn names_extension_path(path: &str) -> bool {
    if is_extension(path) {
        return true;
    }
    let head = path.split(['[', '.']).next().unwrap_or_default().trim();
    crate::schema::USER
        .extensions
        .iter()
        .chain(crate::schema::GROUP.extensions)
        .any(|s| s.attr(head).is_some())
        && crate::schema::USER.schema.attr(head).is_none()
        && crate::schema::GROUP.schema.attr(head).is_none()
}

/// A filter's text without its string literals, in lower case: what is left names
/// attributes and operators only.
fn outside_strings(filter: &str) -> String {
    let mut outside = String::with_capacity(filter.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in filter.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => {
                in_string = true;
                outside.push(' ');
            }
            (false, _, c) => outside.push(c.to_ascii_lowercase()),
        }
    }
    outside
}

#[cfg(test)]
mod tests;
