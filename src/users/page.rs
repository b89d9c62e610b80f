//! The users page's state: what is asked (query), what is shown (view), what is
//! selected. Kept between runs (query and saved views).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roster_core::model::UserId;
use serde::{Deserialize, Serialize};

use super::columns::ColumnLayout;
use super::org::OrgState;
use crate::users::selection::Selection;
use crate::users::view::{self, ViewQuery};

/// The users page.
#[derive(Default)]
pub struct UsersPage {
    /// Search, filters, sort.
    pub query: ViewQuery,
    /// Named views the user saved.
    pub saved_views: BTreeMap<String, ViewQuery>,
    /// Which columns show, in what order.
    pub columns: ColumnLayout,
    /// The column layout of each saved view that has its own.
    pub saved_layouts: BTreeMap<String, ColumnLayout>,
    /// Whether the organisation side panel is folded away (narrow windows).
    pub side_panel_folded: bool,
    /// Indices into `OrgState::rows`, in display order.
    pub view: Vec<u32>,
    /// Selected users.
    pub selection: Selection,
    /// The row with keyboard focus.
    pub cursor: Option<UserId>,
    /// The signed-in administrator, marked "(you)" in the grid.
    pub me: Option<UserId>,
    /// Users with a change waiting in the outbox (marked in the grid).
    pub pending: std::collections::HashSet<UserId>,
    /// What `view` was computed from: (data revision, query).
    computed: Option<(u64, ViewQuery)>,
    /// Bumped whenever `view` is recomputed.
    view_generation: u64,
    /// Sort orders and search text, kept across keystrokes.
    index: view::ViewIndex,
}

/// What is kept between runs. Fields added later default when an older file
/// lacks them.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SavedPage {
    pub query: ViewQuery,
    pub saved_views: BTreeMap<String, ViewQuery>,
    #[serde(default)]
    pub columns: ColumnLayout,
    #[serde(default)]
    pub saved_layouts: BTreeMap<String, ColumnLayout>,
    #[serde(default)]
    pub side_panel_folded: bool,
}

impl UsersPage {
    /// Restores the kept state.
    pub fn from_saved(saved: SavedPage) -> Self {
        Self {
            query: saved.query,
            saved_views: saved.saved_views,
            columns: saved.columns,
            saved_layouts: saved.saved_layouts,
            side_panel_folded: saved.side_panel_folded,
            ..Self::default()
        }
    }

    /// The state to keep.
    pub fn saved(&self) -> SavedPage {
        SavedPage {
            query: self.query.clone(),
            saved_views: self.saved_views.clone(),
            columns: self.columns.clone(),
            saved_layouts: self.saved_layouts.clone(),
            side_panel_folded: self.side_panel_folded,
        }
    }

    /// Drops what belongs to the previous organisation (another profile opens).
    pub fn forget_data(&mut self) {
        self.view.clear();
        self.selection.clear();
        self.cursor = None;
        self.pending.clear();
        self.computed = None;
        self.index = view::ViewIndex::default();
        self.view_generation += 1;
    }

    /// Recomputes the view when the data or the query changed.
    pub fn refresh(&mut self, org: &OrgState, now: DateTime<Utc>) {
        let current = (org.revision, self.query.clone());
        if self.computed.as_ref() == Some(&current) {
            return;
        }
        self.view = self
            .index
            .compute(&org.rows, org.revision, &self.query, now);
        self.computed = Some(current);
        self.view_generation += 1;
    }

    /// A number that changes whenever `view` is recomputed.
    pub fn view_generation(&self) -> u64 {
        self.view_generation
    }

    /// The ids of the shown rows, in order.
    pub fn shown_ids<'a>(&'a self, org: &'a OrgState) -> impl Iterator<Item = &'a UserId> + 'a {
        self.view.iter().map(|&i| &org.rows[i as usize].id)
    }
}
