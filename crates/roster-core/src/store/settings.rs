//! Small key/value settings, global or per profile (never secrets: tokens live in the
//! OS keyring).

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

impl Store {
    /// A global setting (e.g. the last opened profile).
    pub fn get_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        Ok(conn
            .prepare_cached("SELECT value FROM setting WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a global setting, replacing its value.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.prepare_cached("INSERT OR REPLACE INTO setting (key, value) VALUES (?1, ?2)")?
            .execute([key, value])?;
        Ok(())
    }

    /// Removes a global setting (no error if it was not set).
    pub fn remove_setting(&self, key: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.prepare_cached("DELETE FROM setting WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }

    /// A setting of one profile (e.g. its connection: base URL, CA certificate path).
    pub fn get_profile_setting(
        &self,
        profile: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let conn = self.lock();
        Ok(conn
            .prepare_cached("SELECT value FROM profile_setting WHERE profile = ?1 AND key = ?2")?
            .query_row([profile, key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a setting of one profile, replacing its value.
    pub fn set_profile_setting(
        &self,
        profile: &str,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.prepare_cached(
            "INSERT OR REPLACE INTO profile_setting (profile, key, value) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![profile, key, value])?;
        Ok(())
    }

    /// Removes a setting of one profile (no error if it was not set).
    pub fn remove_profile_setting(&self, profile: &str, key: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.prepare_cached("DELETE FROM profile_setting WHERE profile = ?1 AND key = ?2")?
            .execute([profile, key])?;
        Ok(())
    }

    /// Every profile that has setting `key`, with its value, by profile name: e.g. all
    /// configured connections.
    pub fn profiles_with_setting(&self, key: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT profile, value FROM profile_setting WHERE key = ?1 ORDER BY profile",
        )?;
        let rows = stmt.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
