//! What the server's answers showed it lacks, remembered per profile (see
//! `client::Feature`), so that a refused feature is not tried again every start.

use super::{Store, StoreError, decode, encode};
use crate::client::{Capabilities, Downgrades};

/// The profile setting that holds the downgrades (JSON).
const KEY: &str = "capability_downgrades";
/// The profile setting that holds what the last discovery found (JSON), so that an
/// offline start knows what the server supports.
const DISCOVERED: &str = "capabilities";

impl Store {
    /// The features downgraded for `profile` (none when nothing was remembered).
    pub fn downgrades(&self, profile: &str) -> Result<Downgrades, StoreError> {
        match self.get_profile_setting(profile, KEY)? {
            Some(text) => decode(&text, || format!("downgrades of profile {profile}")),
            None => Ok(Downgrades::new()),
        }
    }

    /// Remembers the downgrades of `profile` (an empty map forgets them: a re-check).
    pub fn save_downgrades(
        &self,
        profile: &str,
        downgrades: &Downgrades,
    ) -> Result<(), StoreError> {
        if downgrades.is_empty() {
            return self.remove_profile_setting(profile, KEY);
        }
        let text = encode(downgrades, || format!("downgrades of profile {profile}"))?;
        self.set_profile_setting(profile, KEY, &text)
    }
}

impl Store {
    /// What the last discovery of `profile` found (without downgrades), if any.
    /// Unreadable (written by another version) counts as unknown.
    pub fn capabilities(&self, profile: &str) -> Result<Option<Capabilities>, StoreError> {
        Ok(self
            .get_profile_setting(profile, DISCOVERED)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Remembers what discovery found for `profile`.
    pub fn save_capabilities(
        &self,
        profile: &str,
        capabilities: &Capabilities,
    ) -> Result<(), StoreError> {
        let mut plain = capabilities.clone();
        plain.downgrades.clear();
        let text = encode(&plain, || format!("capabilities of profile {profile}"))?;
        self.set_profile_setting(profile, DISCOVERED, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Feature;

    #[test]
    fn downgrades_are_remembered_per_profile_and_forgotten() {
        let store = Store::in_memory().expect("store");
        assert!(store.downgrades("a").expect("read").is_empty());
        let mut d = Downgrades::new();
        d.insert(Feature::DeltaSync, "HTTP 400: Unknown attribute".into());
        store.save_downgrades("a", &d).expect("save");
        assert_eq!(store.downgrades("a").expect("read"), d);
        assert!(store.downgrades("b").expect("read").is_empty());
        store
            .save_downgrades("a", &Downgrades::new())
            .expect("forget");
        assert!(store.downgrades("a").expect("read").is_empty());
    }
}
