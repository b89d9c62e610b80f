use serde::{Deserialize, Serialize};

use super::Meta;

/// A License the organisation holds (`/Licenses`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseResource {
    /// Schemas of this resource.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// License id, the value users' `entitlements` carry.
    pub id: String,
    /// Product name.
    pub name: String,
    /// Seats bought.
    pub seats: u64,
    /// Users holding it, directly or through a group.
    pub seats_assigned: u64,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl LicenseResource {
    /// Seats still free (0 when over-assigned).
    pub fn seats_left(&self) -> u64 {
        self.seats.saturating_sub(self.seats_assigned)
    }
}
