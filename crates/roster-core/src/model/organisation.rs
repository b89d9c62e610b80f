//! Groups, licenses and the organisation itself.

use roster_proto::resources::{GroupResource, LicenseResource, OrganisationResource};
use serde::{Deserialize, Serialize};

use super::{Email, GroupId, LicenseId, UserId};

/// A group of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Server id.
    pub id: GroupId,
    /// Name.
    pub name: String,
    /// Member users, when the group was read on its own (listings leave it empty:
    /// each user's `groups` says the same).
    pub members: Vec<UserId>,
    /// Licenses members inherit.
    pub licenses: Vec<LicenseId>,
    /// The server's version (ETag).
    pub version: Option<String>,
}

impl Group {
    /// Reads a SCIM Group resource.
    pub fn from_resource(r: GroupResource) -> Self {
        Self {
            id: GroupId::from(r.id),
            name: r.display_name,
            members: r
                .members
                .into_iter()
                .filter(|m| m.kind.as_deref().is_none_or(|k| k == "User"))
                .map(|m| UserId::from(m.value))
                .collect(),
            licenses: r
                .roster
                .map(|e| {
                    e.licenses
                        .into_iter()
                        .map(|l| LicenseId::from(l.value))
                        .collect()
                })
                .unwrap_or_default(),
            version: r.meta.and_then(|m| m.version),
        }
    }
}

/// A license the organisation holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// Id, as users' entitlements carry it.
    pub id: LicenseId,
    /// Product name.
    pub name: String,
    /// Seats bought.
    pub seats: u64,
    /// Seats in use.
    pub seats_assigned: u64,
}

impl License {
    /// Seats still free.
    pub fn seats_left(&self) -> u64 {
        self.seats.saturating_sub(self.seats_assigned)
    }

    /// Reads a License resource.
    pub fn from_resource(r: LicenseResource) -> Self {
        Self {
            id: LicenseId::from(r.id),
            name: r.name,
            seats: r.seats,
            seats_assigned: r.seats_assigned,
        }
    }
}

/// The organisation: its name and sign-in rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Name.
    pub name: String,
    /// Email domains users may have; `*` authorizes every domain.
    pub authorized_domains: Vec<String>,
    /// Whether users sign in through an identity provider.
    pub identity_provider: bool,
}

impl Organisation {
    /// Whether `email` may belong to a user of this organisation.
    pub fn authorizes(&self, email: &Email) -> bool {
        email.in_domains(&self.authorized_domains)
    }

    /// Reads the `/Organisation` resource.
    pub fn from_resource(r: OrganisationResource) -> Self {
        Self {
            name: r.name,
            authorized_domains: r.authorized_domains,
            identity_provider: r.identity_provider_configured,
        }
    }
}
