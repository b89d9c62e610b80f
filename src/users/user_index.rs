//! Where each user is in `OrgState::users`, found by id without a second copy of
//! the ids: the table holds positions only and hashes the user's own id (at a
//! million users a map from copied ids took about 90 MB; this takes about 6 MB).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use roster_core::model::{User, UserId};

/// Positions of users in a slice, by id.
#[derive(Default)]
pub struct UserIndex {
    table: HashTable<u32>,
    // foldhash, randomly seeded per index: hashing a million ids with SipHash was a
    // third of building the index, and a seed the server cannot know still keeps
    // a hostile server from choosing colliding ids.
    hasher: hashbrown::DefaultHashBuilder,
}

impl UserIndex {
    /// The index of `users`.
    pub fn of(users: &[User]) -> Self {
        let mut index = Self::default();
        index.table.reserve(users.len(), |_| 0);
        for at in 0..users.len() {
            index.insert(users, at);
        }
        index
    }

    fn hash(&self, id: &UserId) -> u64 {
        self.hasher.hash_one(id)
    }

    /// Where the user with id `id` is in `users`.
    pub fn get(&self, users: &[User], id: &UserId) -> Option<usize> {
        self.table
            .find(self.hash(id), |&at| users[at as usize].id == *id)
            .map(|&at| at as usize)
    }

    /// Records that `users[at]` is where its id is found.
    pub fn insert(&mut self, users: &[User], at: usize) {
        let hash = self.hash(&users[at].id);
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, at as u32, |&i| hasher.hash_one(&users[i as usize].id));
    }

    /// Forgets `users[at]` (before it leaves `users`).
    pub fn remove(&mut self, users: &[User], at: usize) {
        if let Ok(entry) = self
            .table
            .find_entry(self.hash(&users[at].id), |&i| i as usize == at)
        {
            entry.remove();
        }
    }

    /// Records that the user with id `id` moved from `from` to `to`.
    pub fn moved(&mut self, id: &UserId, from: usize, to: usize) {
        if let Some(slot) = self.table.find_mut(self.hash(id), |&i| i as usize == from) {
            *slot = to as u32;
        }
    }
}
