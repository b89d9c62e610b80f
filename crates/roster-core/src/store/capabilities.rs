//! What the server's answers showed it lacks, remembered per profile (see
//! `client::Feature`), so that a refused feature is not tried again every start.

use super::{Store, StoreError, decode, encode};
use crate::client::Downgrades;

/// The profile setting that holds the downgrades (JSON).
const KEY: &str = "capability_downgrades";

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
