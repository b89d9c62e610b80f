//! The engine's events, one small handler each: state changes here, words and news
//! for the window go out as [`Notice`]s.

use std::sync::Arc;

use roster_core::CoreError;
use roster_core::engine::{Event, ImportProgress, ImportRun, Source};
use roster_core::store::{OutboxEntry, OutboxId};

use super::jobs::{self, Failure, Origin, Outcome};
use super::{Connection, Link, Notice, describe, loading};
use crate::activity::{LogLevel, Tone};
use crate::users::org::OrgState;

impl Connection {
    /// A new copy is shown.
    pub(super) fn loaded(&mut self, source: Source, users: usize, out: &mut Vec<Notice>) {
        self.progress = None;
        let what = match source {
            Source::Cache => "Showing the local copy",
            Source::Server => "Loaded",
        };
        out.push(Notice::Log(
            LogLevel::Info,
            format!("{what}: {users} users"),
        ));
        out.push(Notice::DataChanged);
    }

    pub(super) fn on_event(&mut self, event: Event, org: &mut OrgState, out: &mut Vec<Notice>) {
        let log = |out: &mut Vec<Notice>, level, text| out.push(Notice::Log(level, text));
        match event {
            Event::Loaded { snapshot, source } => {
                self.waiting = None;
                let users = snapshot.users.len();
                if users >= self.build_apart_from
                    && let Some(wake) = self.session.as_ref().map(|s| Arc::clone(&s.wake))
                {
                    // The loading screen (or the old copy) stays meanwhile.
                    self.building = loading::Building::start(Arc::clone(&snapshot), source, wake);
                    if self.building.is_some() {
                        self.progress = Some((users, users));
                        // Only the thread holds it now: it is moved, not copied.
                        drop(snapshot);
                        return;
                    }
                }
                org.load_shared(snapshot);
                self.loaded(source, users, out);
            }
            Event::Progress { loaded, total } => {
                self.waiting = None;
                self.progress = Some((loaded, total));
            }
            Event::Changed {
                users,
                deleted,
                groups,
                licenses,
                organisation,
                synced_at,
            } => {
                self.waiting = None;
                if !users.is_empty() || !deleted.is_empty() {
                    let text = format!(
                        "{} changed, {} removed",
                        crate::words::users(users.len()),
                        deleted.len()
                    );
                    log(out, LogLevel::Info, text);
                }
                org.apply(users, &deleted, groups, licenses, organisation, synced_at);
                out.push(Notice::DataChanged);
            }
            Event::Refreshed { how, at } => {
                self.waiting = None;
                self.refreshed = Some((how, at));
                self.stale = None;
            }
            Event::Stale { error, .. } => {
                let text = format!("The copy shown may be out of date: {error}");
                log(out, LogLevel::Warning, text);
                self.stale = Some(error.to_string());
            }
            Event::Capabilities(capabilities) => {
                if let Some(server) = &mut self.server {
                    server.capabilities = (*capabilities).clone();
                }
                self.capabilities = Some(*capabilities);
            }
            Event::Deactivated { entry, user } => {
                let text = format!(
                    "{}: the server deactivated {} instead of deleting it; the account is \
                     still there, inactive.",
                    describe(org, &entry.change),
                    user.user_name
                );
                log(out, LogLevel::Warning, text.clone());
                out.push(Notice::Toast(Tone::Warning, text));
            }
            Event::Connected(info) => {
                self.capabilities = Some(info.capabilities.clone());
                self.link = Link::Online;
                if let Some(me) = &info.me {
                    log(
                        out,
                        LogLevel::Info,
                        format!("Connected as {}", me.user_name),
                    );
                }
                self.server = Some(*info);
            }
            Event::NotAdministrator => {
                self.link = Link::NotAdministrator;
                log(
                    out,
                    LogLevel::Error,
                    CoreError::NotAdministrator.to_string(),
                );
            }
            Event::Offline { reason, last_sync } => {
                self.waiting = None;
                log(out, LogLevel::Warning, format!("Offline: {reason}"));
                self.link = Link::Offline { reason, last_sync };
            }
            Event::Online => {
                log(out, LogLevel::Info, "Back online".to_owned());
                out.push(Notice::Toast(Tone::Info, "Back online".to_owned()));
                self.link = Link::Online;
            }
            Event::Outbox(list) => {
                self.outbox = list;
                out.push(Notice::OutboxChanged);
            }
            Event::BatchQueued { batch, entries } => {
                self.jobs.queued(batch, &entries);
                // Cancelled (e.g. Undo) before the engine said it had queued them.
                if self.jobs.get(batch).is_some_and(|j| j.cancel_requested) {
                    self.cancel(batch);
                }
            }
            Event::Cancelled(ids) => {
                for id in ids {
                    self.job_outcome(id, Outcome::Cancelled, None, out);
                }
            }
            Event::Applied { entry } => {
                if !self.job_outcome(entry.id, Outcome::Done, None, out) {
                    let text = format!("Done: {}", describe(org, &entry.change));
                    out.push(Notice::Toast(Tone::Success, text.clone()));
                    log(out, LogLevel::Info, text);
                }
            }
            Event::Failed { entry, error } => self.on_failed(&entry, &error, org, out),
            Event::Conflict { entry, current } => self.on_conflict(&entry, current, org, out),
            Event::Import(progress) => self.on_import(progress, out),
            Event::Error(error) => {
                if matches!(error, CoreError::Unauthorized) {
                    self.link = Link::Failed(error.to_string());
                }
                log(out, LogLevel::Error, error.to_string());
            }
            Event::ListingWarnings(warnings) => {
                let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
                for text in &texts {
                    log(out, LogLevel::Warning, text.clone());
                }
                if let Some(first) = texts.first() {
                    let toast = match texts.len() {
                        1 => format!("The server's listing: {first}"),
                        n => format!("The server's listing has {n} problems (see Log): {first}"),
                    };
                    out.push(Notice::Toast(Tone::Warning, toast));
                }
            }
            Event::SlowAnswer(slow) => {
                let so_far = so_far(slow.waited, slow.bytes);
                let text = if slow.stalled {
                    format!(
                        "Waiting for the server: {} has sent nothing new for a while ({so_far})",
                        slow.request
                    )
                } else {
                    format!("The server answers slowly: {} ({so_far})", slow.request)
                };
                if self.waiting.is_none() {
                    log(out, LogLevel::Warning, text.clone());
                }
                self.waiting = Some(text);
            }
        }
    }

    fn on_failed(
        &mut self,
        entry: &OutboxEntry,
        error: &CoreError,
        org: &OrgState,
        out: &mut Vec<Notice>,
    ) {
        let failure = Failure {
            id: entry.id,
            about_email: matches!(
                error,
                CoreError::AlreadyExists { .. } | CoreError::DomainNotAuthorized { .. }
            ),
            reason: error.to_string(),
            change: entry.change.clone(),
        };
        let text = format!("{}: {error}", describe(org, &entry.change));
        out.push(Notice::Log(LogLevel::Error, text.clone()));
        if !self.job_outcome(entry.id, Outcome::Failed, Some(failure), out) {
            out.push(Notice::Toast(Tone::Error, text));
        }
    }

    fn on_conflict(
        &mut self,
        entry: &OutboxEntry,
        current: Option<Box<roster_core::model::User>>,
        org: &OrgState,
        out: &mut Vec<Notice>,
    ) {
        let text = format!("{}: {}", describe(org, &entry.change), CoreError::Conflict);
        out.push(Notice::Log(LogLevel::Warning, text.clone()));
        if let Some(batch) = self.jobs.batch_of(entry.id) {
            out.push(Notice::Conflict {
                batch,
                entry: entry.id,
                current,
            });
        }
        let failure = Failure {
            id: entry.id,
            about_email: false,
            reason: CoreError::Conflict.to_string(),
            change: entry.change.clone(),
        };
        if !self.job_outcome(entry.id, Outcome::Failed, Some(failure), out) {
            out.push(Notice::Toast(Tone::Warning, text));
        }
    }

    /// Records the outcome of outbox entry `id` on its job; returns whether it
    /// belongs to one. A finished job is logged (who, what, result) and announced.
    fn job_outcome(
        &mut self,
        id: OutboxId,
        outcome: Outcome,
        failure: Option<Failure>,
        out: &mut Vec<Notice>,
    ) -> bool {
        let Some(job) = self.jobs.on_outcome(id, outcome, failure) else {
            return false;
        };
        if !job.finished() {
            return true;
        }
        let job = job.clone();
        let result = jobs::progress_text(&job);
        let level = if job.failed() > 0 {
            LogLevel::Error
        } else {
            LogLevel::Info
        };
        let actor = self.actor();
        out.push(Notice::Log(
            level,
            format!("{actor}: {} — {result}", job.title),
        ));
        match job.origin {
            Origin::Delete { .. } => {
                if job.failed() > 0 {
                    // The failures stay visible in a progress window.
                    if let Some(j) = self.jobs.get_mut(job.batch) {
                        j.origin = Origin::Bulk;
                    }
                } else {
                    self.jobs.forget(job.batch);
                }
                if job.cancelled() == job.total {
                    out.push(Notice::Toast(
                        Tone::Info,
                        format!("Undone: {} (nothing was sent).", job.title),
                    ));
                } else if job.failed() == 0 {
                    out.push(Notice::Toast(Tone::Success, format!("{}: done", job.title)));
                }
            }
            Origin::Bulk if job.failed() > 0 => {
                out.push(Notice::Toast(
                    Tone::Warning,
                    format!("{}: {result}", job.title),
                ));
            }
            Origin::Bulk => {
                // Nothing left to look at: the toast says it, the window goes.
                out.push(Notice::Toast(
                    Tone::Success,
                    format!("{}: {result}", job.title),
                ));
                self.jobs.forget(job.batch);
            }
            // The dialog that sent it says what became of it.
            Origin::Invite | Origin::Edit => {}
        }
        true
    }

    /// An import's progress: the status bar's list, the log, a toast when it stops,
    /// and the news for the wizard.
    fn on_import(&mut self, progress: ImportProgress, out: &mut Vec<Notice>) {
        match progress.run {
            ImportRun::Sending | ImportRun::Waiting { .. } => {
                self.imports_running.insert(progress.id, progress.clone());
            }
            _ => {
                self.imports_running.remove(&progress.id);
            }
        }
        let id = progress.id;
        match &progress.run {
            ImportRun::Sending => {}
            ImportRun::Waiting { reason } => out.push(Notice::Log(
                LogLevel::Warning,
                format!("Import {id}: waiting for the server ({reason})"),
            )),
            ImportRun::Finished => {
                let text = format!("Import {id} finished: {}", progress.counts);
                out.push(Notice::Toast(Tone::Success, text.clone()));
                out.push(Notice::Log(LogLevel::Info, text));
            }
            ImportRun::Cancelled => out.push(Notice::Log(
                LogLevel::Info,
                format!("Import {id} cancelled: {}", progress.counts),
            )),
            ImportRun::Failed(e) => {
                let text = format!("Import {id} stopped: {e}");
                out.push(Notice::Toast(Tone::Error, text.clone()));
                out.push(Notice::Log(LogLevel::Error, text));
            }
        }
        out.push(Notice::Import(progress));
    }
}

/// "12 s, 340 KB so far": how long an answer took and how much of it came (tenths
/// of a second and bytes while they are small, so that it never reads "0 s, 0 KB").
fn so_far(waited: std::time::Duration, bytes: usize) -> String {
    let time = match waited.as_secs() {
        0..10 => format!("{:.1} s", waited.as_secs_f64()),
        s => format!("{s} s"),
    };
    let size = match bytes {
        0..1024 => format!("{bytes} bytes"),
        n => format!("{} KB", n / 1024),
    };
    format!("{time}, {size} so far")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use roster_core::client::{ListWarning, SlowAnswer};

    use super::*;

    fn handle(conn: &mut Connection, event: Event) -> Vec<Notice> {
        let mut out = Vec::new();
        conn.on_event(event, &mut OrgState::default(), &mut out);
        out
    }

    #[test]
    fn listing_warnings_reach_the_log_and_the_window() {
        let mut conn = Connection::new("acme".into());
        let out = handle(
            &mut conn,
            Event::ListingWarnings(vec![ListWarning::RepeatedIds {
                noun: "user".into(),
                count: 4,
                example: "a".into(),
            }]),
        );
        assert!(
            out.iter()
                .any(|n| matches!(n, Notice::Log(LogLevel::Warning, _)))
        );
        assert!(
            out.iter()
                .any(|n| matches!(n, Notice::Toast(Tone::Warning, t)
                if t.contains("returned 4 users twice"))),
            "{out:?}"
        );
    }

    #[test]
    fn a_change_waits_while_a_view_is_computed_from_the_rows_then_comes_in_order() {
        let mut conn = Connection::new("acme".into());
        let mut org = crate::users::org::tests::org_of(&["a", "b"]);
        let changed = |given: &str| {
            let mut user = crate::users::org::tests::user("a");
            user.given_name = given.into();
            Event::Changed {
                users: vec![user],
                deleted: vec![],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: chrono::Utc::now(),
            }
        };
        // A view worker holds the rows.
        let in_use = Arc::clone(&org.rows);
        let mut out = Vec::new();
        let revision = org.revision;
        conn.take_in(
            vec![changed("First"), changed("Second")],
            &mut org,
            &mut out,
        );
        assert_eq!(
            org.revision, revision,
            "nothing applied while the rows are in use"
        );
        assert!(Arc::ptr_eq(&in_use, &org.rows), "and nothing copied");
        drop(in_use);
        conn.take_in(vec![], &mut org, &mut out);
        let a = org.user(&roster_core::model::UserId::from("a")).unwrap();
        assert_eq!(a.given_name, "Second", "both applied, in order");
    }

    #[test]
    fn events_after_a_copy_being_built_wait_for_it_then_come_in_order() {
        let mut conn = Connection::new("acme".into());
        let mut org = OrgState::default();
        let built = crate::users::org::tests::org_of(&["a", "b", "c"]);
        let snapshot = roster_core::store::Snapshot {
            users: built.users.clone(),
            groups: vec![],
            licenses: vec![],
            organisation: None,
            synced_at: chrono::Utc::now(),
            max_last_modified: None,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let wake: crate::work::Wake = Arc::new(move || {
            let _ = tx.send(());
        });
        conn.building = loading::Building::start(Arc::new(snapshot), Source::Cache, wake);
        assert!(conn.is_preparing());
        let mut renamed = crate::users::org::tests::user("a");
        renamed.given_name = "Renamed".into();
        let mut out = Vec::new();
        conn.take_in(
            vec![Event::Changed {
                users: vec![renamed],
                deleted: vec![],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: chrono::Utc::now(),
            }],
            &mut org,
            &mut out,
        );
        assert!(
            org.users.is_empty(),
            "nothing applied before the copy is in"
        );
        // A deadline only against a hang; nothing here is timed.
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("the rows' thread answers");
        let notices = conn.poll(&mut org);
        assert!(!conn.is_preparing());
        assert_eq!(org.users.len(), 3, "the copy is in");
        let a = org.user(&roster_core::model::UserId::from("a")).unwrap();
        assert_eq!(
            a.given_name, "Renamed",
            "then the change that came after it"
        );
        assert!(
            notices.iter().any(|n| matches!(n, Notice::DataChanged)),
            "{notices:?}"
        );
    }

    #[test]
    fn how_long_and_how_much_reads_well_when_small() {
        assert_eq!(
            so_far(Duration::from_millis(1500), 300),
            "1.5 s, 300 bytes so far"
        );
        assert_eq!(
            so_far(Duration::from_secs(75), 5 << 20),
            "75 s, 5120 KB so far"
        );
    }

    #[test]
    fn a_slow_answer_is_shown_until_the_engine_moves_on() {
        let mut conn = Connection::new("acme".into());
        let slow = |stalled| {
            Event::SlowAnswer(SlowAnswer {
                request: "GET /scim/v2/Users".into(),
                waited: Duration::from_secs(20),
                bytes: 4096,
                stalled,
            })
        };
        let out = handle(&mut conn, slow(true));
        assert_eq!(out.len(), 1, "logged once");
        let shown = conn.waiting.clone().unwrap_or_default();
        assert!(
            shown.contains("GET /scim/v2/Users") && shown.contains("20 s"),
            "{shown}"
        );
        assert!(
            handle(&mut conn, slow(false)).is_empty(),
            "not logged again"
        );
        assert!(
            conn.waiting
                .as_deref()
                .is_some_and(|w| w.contains("slowly"))
        );
        handle(
            &mut conn,
            Event::Progress {
                loaded: 1000,
                total: 5000,
            },
        );
        assert_eq!(conn.waiting, None);
    }
}
