//! What a server supports, feature by feature: what discovery advertised, and what
//! its answers showed (a refusal or an implausible answer downgrades a feature for
//! the profile; the engine remembers it in the store).
//!
//! [`Capabilities::features`] is the list "What this server supports" shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Capabilities;

/// A feature Roster uses and a server may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Feature {
    /// Filtering of listings (`userName eq`), used to recognise a replayed create.
    Filter,
    /// Delta sync: filtering on `meta.lastModified gt`, proven by a probe.
    DeltaSync,
    /// PATCH of users and groups (else PUT of the freshly read resource).
    Patch,
    /// PATCH `remove members[value eq "…"]` (else `remove members` with a value list).
    PatchMemberFilter,
    /// ETags and `If-Match` (else the version is compared on a re-read before writing).
    Etag,
    /// `/Bulk` for imports.
    Bulk,
    /// `sortBy`.
    Sort,
    /// `/Me`: who the caller is, and the role check.
    Me,
    /// The Roster extension (administrator, local login, last connection, inherited
    /// licenses, invitation state).
    RosterExtension,
    /// The `/Licenses` resource type.
    Licenses,
    /// The `/Invitations` resource type (invitation emails).
    Invitations,
    /// `User.groups` carries memberships (else they are read from `/Groups` members).
    UserGroups,
}

impl Feature {
    /// Every feature, in the order the list shows them.
    pub const ALL: [Feature; 12] = [
        Feature::Filter,
        Feature::DeltaSync,
        Feature::Patch,
        Feature::PatchMemberFilter,
        Feature::Etag,
        Feature::Bulk,
        Feature::Sort,
        Feature::Me,
        Feature::RosterExtension,
        Feature::Licenses,
        Feature::Invitations,
        Feature::UserGroups,
    ];

    /// A short name for the list.
    pub fn label(self) -> &'static str {
        match self {
            Self::Filter => "Filtering",
            Self::DeltaSync => "Changes since the last sync (meta.lastModified)",
            Self::Patch => "PATCH",
            Self::PatchMemberFilter => "PATCH remove members[value eq …]",
            Self::Etag => "ETags (If-Match)",
            Self::Bulk => "/Bulk",
            Self::Sort => "Sorting",
            Self::Me => "/Me",
            Self::RosterExtension => {
                "Roster extension (administrator, local login, last connection)"
            }
            Self::Licenses => "Licenses",
            Self::Invitations => "Invitation emails",
            Self::UserGroups => "Groups on users (User.groups)",
        }
    }

    /// What Roster does without it, for the list's second line or a tooltip.
    pub fn without(self) -> &'static str {
        match self {
            Self::Filter => "existing users are found by listing all of them",
            Self::DeltaSync => "every refresh lists all users and compares versions",
            Self::Patch => "edits PUT the freshly read user with the changes",
            Self::PatchMemberFilter => "members are removed with a value list",
            Self::Etag => "conflicts are detected by re-reading the version before writing",
            Self::Bulk => "imports send one create at a time",
            Self::Sort => "the grid sorts locally",
            Self::Me => "the role is not checked in advance",
            Self::RosterExtension => {
                "administrator, local login and last connection are shown as unknown (—)"
            }
            Self::Licenses => "licenses are hidden",
            Self::Invitations => "users are created without an invitation email",
            Self::UserGroups => "memberships are read from each group's members",
        }
    }
}

/// Where a feature stands with one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureState {
    /// Advertised and working.
    Supported,
    /// The server does not advertise it (discovery).
    NotAdvertised,
    /// Advertised (or assumed) but the server's answers showed otherwise: the reason.
    Downgraded(String),
}

impl FeatureState {
    /// Whether Roster uses the feature.
    pub fn usable(&self) -> bool {
        matches!(self, Self::Supported)
    }
}

/// One line of "What this server supports".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureStatus {
    /// The feature.
    pub feature: Feature,
    /// Its state.
    pub state: FeatureState,
}

/// Features downgraded for a profile, with the reason (what the server answered).
pub type Downgrades = BTreeMap<Feature, String>;

impl Capabilities {
    /// Whether discovery advertised `feature` (or, for what discovery cannot tell,
    /// whether it is assumed).
    pub fn advertised(&self, feature: Feature) -> bool {
        match feature {
            Feature::Filter => self.filter,
            Feature::DeltaSync => self.filter,
            Feature::Patch | Feature::PatchMemberFilter => self.patch,
            Feature::Etag => self.etag,
            Feature::Bulk => self.bulk.is_some(),
            Feature::Sort => self.sort,
            Feature::Me => self.me,
            Feature::RosterExtension => self.roster_extension,
            Feature::Licenses => self.licenses,
            Feature::Invitations => self.invitations,
            Feature::UserGroups => true,
        }
    }

    /// Whether Roster uses `feature`: advertised and not downgraded.
    pub fn has(&self, feature: Feature) -> bool {
        self.advertised(feature) && !self.downgrades.contains_key(&feature)
    }

    /// The state of `feature`.
    pub fn state(&self, feature: Feature) -> FeatureState {
        match self.downgrades.get(&feature) {
            Some(reason) => FeatureState::Downgraded(reason.clone()),
            None if self.advertised(feature) => FeatureState::Supported,
            None => FeatureState::NotAdvertised,
        }
    }

    /// Every feature with its state: "What this server supports".
    pub fn features(&self) -> Vec<FeatureStatus> {
        Feature::ALL
            .iter()
            .map(|&feature| FeatureStatus {
                feature,
                state: self.state(feature),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_downgrade_wins_over_what_was_advertised() {
        let mut caps = Capabilities::minimal();
        caps.filter = true;
        caps.patch = true;
        assert!(caps.has(Feature::DeltaSync));
        caps.downgrades
            .insert(Feature::DeltaSync, "400 invalidFilter".into());
        assert!(!caps.has(Feature::DeltaSync) && caps.has(Feature::Filter));
        let list = caps.features();
        assert_eq!(list.len(), Feature::ALL.len());
        let state = |f| {
            list.iter()
                .find(|s| s.feature == f)
                .map(|s| s.state.clone())
        };
        assert_eq!(
            state(Feature::DeltaSync),
            Some(FeatureState::Downgraded("400 invalidFilter".into()))
        );
        assert_eq!(state(Feature::Bulk), Some(FeatureState::NotAdvertised));
        assert_eq!(state(Feature::Patch), Some(FeatureState::Supported));
    }
}
