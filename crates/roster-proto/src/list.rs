//! List responses (RFC 7644 §3.4.2).

use serde::{Deserialize, Serialize};

/// A page of resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Always `[urn::LIST_RESPONSE]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Number of results matched by the query, across all pages.
    pub total_results: u64,
    /// 1-based index of the first result of this page.
    #[serde(default = "one")]
    pub start_index: u64,
    /// Number of resources on this page.
    #[serde(default)]
    pub items_per_page: u64,
    /// The resources of this page.
    #[serde(default = "Vec::new", rename = "Resources", alias = "resources")]
    pub resources: Vec<T>,
}

fn one() -> u64 {
    1
}

impl<T> ListResponse<T> {
    /// A page starting at `start_index` of `total_results` matches.
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        Self {
            schemas: vec![crate::urn::LIST_RESPONSE.to_owned()],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }
}
