//! The users page's state: what is asked (query), what is shown (view), what is
//! selected. Kept between runs (query and saved views).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roster_core::model::UserId;
use serde::{Deserialize, Serialize};

use super::columns::ColumnLayout;
use super::org::OrgState;
use crate::users::selection::Selection;
use crate::users::view::ViewQuery;
use crate::users::view_worker::{ViewComputer, Wake};

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
    /// Computes the view: in the frame, or in the background for large data.
    computer: ViewComputer,
    /// The data revision the old view was last trimmed to while a new one is
    /// computed.
    trimmed_for: Option<u64>,
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
        self.computer.forget();
        self.trimmed_for = None;
        self.view_generation += 1;
    }

    /// Sets what is called when a view computed in the background is ready.
    pub fn set_wake(&mut self, wake: Wake) {
        self.computer.set_wake(wake);
    }

    /// Sets from how many rows the view is computed in the background.
    pub fn set_background_from(&mut self, rows: usize) {
        self.computer.set_background_from(rows);
    }

    /// Whether the view shown is older than the query or the data: a new one is
    /// being computed in the background.
    pub fn is_computing(&self) -> bool {
        self.computer.is_computing()
    }

    /// How many views came from the background so far.
    pub fn background_answers(&self) -> u64 {
        self.computer.answers()
    }

    /// Recomputes the view when the data or the query changed. On large data the
    /// work goes to the background and the old view stays until the new one is in.
    pub fn refresh(&mut self, org: &OrgState, now: DateTime<Utc>) {
        if let Some(done) = self.computer.take_done() {
            // An answer for older data would point at rows that have moved.
            if done.revision == org.revision {
                self.view = done.view;
                self.computed = Some((done.revision, done.query));
                self.view_generation += 1;
            }
        }
        let current = (org.revision, self.query.clone());
        if self.computed.as_ref() == Some(&current) {
            return;
        }
        match self
            .computer
            .compute(&org.rows, org.revision, &self.query, now)
        {
            Some(view) => {
                self.view = view;
                self.computed = Some(current);
                self.view_generation += 1;
            }
            None => {
                // Meanwhile the old view stays; rows deleted since leave it (their
                // places may now hold other users until the new view is in). Once
                // per data change, not every frame of the wait.
                let stale = self
                    .computed
                    .as_ref()
                    .is_some_and(|(r, _)| *r != org.revision);
                if stale && self.trimmed_for != Some(org.revision) {
                    self.trimmed_for = Some(org.revision);
                    let rows = org.rows.len() as u32;
                    let before = self.view.len();
                    self.view.retain(|&i| i < rows);
                    if self.view.len() != before {
                        self.view_generation += 1;
                    }
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::users::org::tests::{org_of, user};

    fn emails(page: &UsersPage, org: &OrgState) -> Vec<String> {
        page.view
            .iter()
            .map(|&i| org.rows[i as usize].email.clone())
            .collect()
    }

    /// A page that computes every view in the background, and a signal per answer.
    fn background_page() -> (UsersPage, mpsc::Receiver<()>) {
        let mut page = UsersPage::default();
        page.set_background_from(0);
        let (tx, rx) = mpsc::channel();
        page.set_wake(Arc::new(move || {
            let _ = tx.send(());
        }));
        (page, rx)
    }

    fn wait(rx: &mpsc::Receiver<()>) {
        // A deadline only against a hang; nothing here is timed.
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the view thread answers");
    }

    #[test]
    fn large_views_come_from_the_background_and_the_old_view_stays_meanwhile() {
        let org = org_of(&["cy", "ann", "bob"]);
        let (mut page, rx) = background_page();
        let now = Utc::now();
        page.refresh(&org, now);
        assert!(page.is_computing());
        assert!(
            page.view.is_empty(),
            "nothing to show before the first answer"
        );
        wait(&rx);
        page.refresh(&org, now);
        assert!(!page.is_computing());
        assert_eq!(
            emails(&page, &org),
            ["ann@lumen.example", "bob@lumen.example", "cy@lumen.example"]
        );

        page.query.search = "bob".into();
        page.refresh(&org, now);
        assert!(page.is_computing());
        assert_eq!(
            page.view.len(),
            3,
            "the old view stays until the new one is in"
        );
        wait(&rx);
        page.refresh(&org, now);
        assert_eq!(emails(&page, &org), ["bob@lumen.example"]);
        assert!(!page.is_computing());
    }

    #[test]
    fn an_answer_for_data_that_changed_since_is_dropped() {
        let mut org = org_of(&["cy", "ann", "bob", "dee"]);
        let (mut page, rx) = background_page();
        let now = Utc::now();
        page.refresh(&org, now);
        wait(&rx);
        page.refresh(&org, now);
        assert_eq!(page.view.len(), 4);

        // Sorting starts; before its answer is taken, a user is deleted and another
        // is added: the rows move under the computed indices.
        page.query.sort = (
            crate::users::view::Column::Email,
            crate::users::view::Direction::Descending,
        );
        page.refresh(&org, now);
        wait(&rx);
        org.apply(
            vec![user("eve")],
            &[UserId::from("ann"), UserId::from("cy")],
            None,
            None,
            None,
            now,
        );
        page.refresh(&org, now);
        assert!(page.is_computing(), "the stale answer was not taken");
        assert!(
            page.view.iter().all(|&i| (i as usize) < org.rows.len()),
            "the old view never points past the rows"
        );
        wait(&rx);
        page.refresh(&org, now);
        assert_eq!(
            emails(&page, &org),
            [
                "eve@lumen.example",
                "dee@lumen.example",
                "bob@lumen.example"
            ]
        );
    }

    #[test]
    fn small_views_are_computed_in_the_frame() {
        let org = org_of(&["b", "a"]);
        let mut page = UsersPage::default();
        page.refresh(&org, Utc::now());
        assert!(!page.is_computing());
        assert_eq!(emails(&page, &org), ["a@lumen.example", "b@lumen.example"]);
    }
}
