//! PATCH requests (RFC 7644 §3.5.2).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The body of a PATCH request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchRequest {
    /// Always `[urn::PATCH_OP]`.
    #[serde(rename = "schemas", default)]
    pub schemas: Vec<String>,
    /// The operations, applied in order, all or nothing.
    #[serde(alias = "operations")]
    pub operations: Vec<PatchOp>,
}

impl PatchRequest {
    /// A request carrying `operations`.
    pub fn new(operations: Vec<PatchOp>) -> Self {
        Self {
            schemas: vec![crate::urn::PATCH_OP.to_owned()],
            operations,
        }
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    /// add, remove or replace.
    pub op: PatchOpKind,
    /// Attribute path (RFC 7644 §3.5.2 `PATH`); absent means the whole resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value to add or replace with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOp {
    /// `replace` of `path` with `value`.
    pub fn replace(path: impl Into<String>, value: Value) -> Self {
        Self {
            op: PatchOpKind::Replace,
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `add` of `value` at `path`.
    pub fn add(path: impl Into<String>, value: Value) -> Self {
        Self {
            op: PatchOpKind::Add,
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `remove` of `path`.
    pub fn remove(path: impl Into<String>) -> Self {
        Self {
            op: PatchOpKind::Remove,
            path: Some(path.into()),
            value: None,
        }
    }
}

/// The PATCH operation name. Read case-insensitively (`Replace`, `ADD`), as real
/// provisioning clients send it; written in lower case as RFC 7644 spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    /// Add values (append to multi-valued attributes).
    Add,
    /// Remove values.
    Remove,
    /// Replace values.
    Replace,
}

impl<'de> Deserialize<'de> for PatchOpKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        match name.to_ascii_lowercase().as_str() {
            "add" => Ok(Self::Add),
            "remove" => Ok(Self::Remove),
            "replace" => Ok(Self::Replace),
            _ => Err(serde::de::Error::custom(format!(
                "unknown PATCH op {name:?}: expected add, remove or replace"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_names_are_read_in_any_case() {
        let req: PatchRequest = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations":[{"op":"Replace","path":"active","value":false},{"op":"ADD","value":{}}]}"#,
        )
        .expect("valid patch");
        assert_eq!(req.operations[0].op, PatchOpKind::Replace);
        assert_eq!(req.operations[1].op, PatchOpKind::Add);
        let back = serde_json::to_value(&req).expect("serialises");
        assert_eq!(back["Operations"][0]["op"], "replace");
    }

    #[test]
    fn unknown_op_is_refused() {
        let err = serde_json::from_str::<PatchOp>(r#"{"op":"merge"}"#).unwrap_err();
        assert!(err.to_string().contains("merge"), "{err}");
    }
}
