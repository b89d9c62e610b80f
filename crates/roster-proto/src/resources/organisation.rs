use serde::{Deserialize, Serialize};

use super::Meta;

/// The caller's organisation (`/Organisation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationResource {
    /// Schemas of this resource.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Organisation id.
    pub id: String,
    /// Organisation name.
    pub name: String,
    /// Email domains users may have; `*` authorizes every domain.
    pub authorized_domains: Vec<String>,
    /// Whether users sign in through an identity provider (SSO).
    pub identity_provider_configured: bool,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}
