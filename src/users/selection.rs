//! Row selection, keyed by user id so it survives sorting and filtering.

use std::collections::HashSet;

use roster_core::model::UserId;

/// How a row was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClickKind {
    /// A plain click: select only this row.
    Replace,
    /// Ctrl (Cmd) click or the row's checkbox: toggle this row.
    Toggle,
    /// Shift click: select the range from the anchor to this row.
    Range,
}

/// The selected users.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    selected: HashSet<UserId>,
    /// Where a Shift range starts: the last row clicked without Shift.
    anchor: Option<UserId>,
    /// Bumped on every change, so that answers derived from the selection can be
    /// remembered until it changes.
    generation: u64,
}

impl Selection {
    /// A number that changes whenever the selection does.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many users are selected.
    pub fn len(&self) -> usize {
        self.selected.len()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.selected.is_empty()
    }

    /// Whether `id` is selected.
    pub fn contains(&self, id: &UserId) -> bool {
        self.selected.contains(id)
    }

    /// The selected ids.
    pub fn ids(&self) -> impl Iterator<Item = &UserId> {
        self.selected.iter()
    }

    /// Applies a click on `id`; `shown` is the grid's current order (for ranges).
    pub fn click(&mut self, id: &UserId, kind: ClickKind, shown: &[&UserId]) {
        self.generation += 1;
        match kind {
            ClickKind::Replace => {
                self.selected.clear();
                self.selected.insert(id.clone());
                self.anchor = Some(id.clone());
            }
            ClickKind::Toggle => {
                if !self.selected.remove(id) {
                    self.selected.insert(id.clone());
                }
                self.anchor = Some(id.clone());
            }
            ClickKind::Range => {
                let to = shown.iter().position(|s| *s == id);
                let from = self
                    .anchor
                    .as_ref()
                    .and_then(|a| shown.iter().position(|s| *s == a));
                match (from, to) {
                    (Some(from), Some(to)) => {
                        let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
                        for s in &shown[lo..=hi] {
                            self.selected.insert((*s).clone());
                        }
                    }
                    _ => self.click(id, ClickKind::Replace, shown),
                }
            }
        }
    }

    /// Whether every shown row is selected (and at least one is shown).
    pub fn all_selected<'a>(&self, mut shown: impl Iterator<Item = &'a UserId>) -> bool {
        let mut any = false;
        let all = shown.all(|id| {
            any = true;
            self.selected.contains(id)
        });
        any && all
    }

    /// Selects every shown row (keeps selected rows that are filtered out).
    pub fn select_all<'a>(&mut self, shown: impl Iterator<Item = &'a UserId>) {
        self.generation += 1;
        self.selected.extend(shown.cloned());
    }

    /// Deselects every shown row.
    pub fn deselect_all<'a>(&mut self, shown: impl Iterator<Item = &'a UserId>) {
        self.generation += 1;
        for id in shown {
            self.selected.remove(id);
        }
    }

    /// Clears the selection.
    pub fn clear(&mut self) {
        self.generation += 1;
        self.selected.clear();
        self.anchor = None;
    }

    /// Drops ids that no longer exist (after a sync removed users).
    pub fn retain(&mut self, exists: impl Fn(&UserId) -> bool) {
        self.generation += 1;
        self.selected.retain(|id| exists(id));
        if self.anchor.as_ref().is_some_and(|a| !exists(a)) {
            self.anchor = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<UserId> {
        (0..n).map(|i| UserId::from(format!("u{i}"))).collect()
    }

    #[test]
    fn click_ctrl_and_shift() {
        let all = ids(6);
        let shown: Vec<&UserId> = all.iter().collect();
        let mut s = Selection::default();
        s.click(&all[1], ClickKind::Replace, &shown);
        s.click(&all[4], ClickKind::Range, &shown);
        assert_eq!(s.len(), 4);
        assert!((1..=4).all(|i| s.contains(&all[i])));
        s.click(&all[2], ClickKind::Toggle, &shown);
        assert!(!s.contains(&all[2]));
        assert_eq!(s.len(), 3);
        // The toggle moved the anchor: a range now starts at row 2.
        s.click(&all[0], ClickKind::Range, &shown);
        assert!(s.contains(&all[0]) && s.contains(&all[2]));
        s.click(&all[5], ClickKind::Replace, &shown);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn selection_survives_reordering_and_select_all_is_per_view() {
        let all = ids(4);
        let mut s = Selection::default();
        let order: Vec<&UserId> = all.iter().collect();
        s.click(&all[3], ClickKind::Replace, &order);
        let reversed: Vec<&UserId> = all.iter().rev().collect();
        assert!(s.contains(&all[3]), "keyed by id, not by row position");
        s.click(&all[1], ClickKind::Range, &reversed);
        assert_eq!(s.len(), 3, "range follows the shown order: u3, u2, u1");
        let filtered = [&all[0]];
        assert!(!s.all_selected(filtered.iter().copied()));
        s.select_all(filtered.iter().copied());
        assert!(s.all_selected(all.iter()));
        s.deselect_all(filtered.iter().copied());
        assert_eq!(s.len(), 3);
        s.retain(|id| id != &all[3]);
        assert_eq!(s.len(), 2);
    }
}
