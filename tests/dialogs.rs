//! Each dialog drawn and driven on its own, from its own state and a read-only
//! context built in memory: no app, no server. The engine's answers are played by
//! changing the bench's jobs, as the connection would. The end-to-end tests of the
//! same flows against roster-server are in tests/actions.rs.

mod common;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use roster::activity::Tone;
use roster::connection::jobs::{Failure, Origin, Outcome as JobOutcome};
use roster::ui::dialogs::bulk_dialog::BulkDialog;
use roster::ui::dialogs::delete_dialog::{DeleteDialog, UNDO_WINDOW};
use roster::ui::dialogs::edit_dialog::{Conflict, EditDialog};
use roster::ui::dialogs::invite_dialog::InviteDialog;
use roster::ui::dialogs::local_login_dialog::LocalLoginDialog;
use roster::ui::intent::{Intent, Outcome, Submission};
use roster_core::engine::Command;
use roster_core::model::Change;
use roster_core::store::{OutboxEntry, OutboxId, OutboxState};

use common::fixture::Bench;

/// A dialog, its bench, and everything it asked so far.
struct Drive<D> {
    bench: Bench,
    dialog: D,
    asked: Vec<Intent>,
    closed: bool,
}

impl<D> Drive<D> {
    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Keep => {}
            Outcome::Close => self.closed = true,
            Outcome::Do(intent) => self.take(intent),
        }
    }

    fn take(&mut self, intent: Intent) {
        match intent {
            Intent::All(all) => all.into_iter().for_each(|i| self.take(i)),
            Intent::CloseDialog => self.closed = true,
            Intent::Submit(sub) => {
                // As the connection does when the app applies it.
                self.bench.jobs.start(
                    sub.batch,
                    sub.title.clone(),
                    sub.origin.clone(),
                    sub.changes.len(),
                );
                self.asked.push(Intent::Submit(sub));
            }
            other => self.asked.push(other),
        }
    }

    /// The batches asked for so far (and forgets them).
    fn submissions(&mut self) -> Vec<Submission> {
        let (subs, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.asked)
            .into_iter()
            .partition(|i| matches!(i, Intent::Submit(_)));
        self.asked = rest;
        subs.into_iter()
            .map(|i| match i {
                Intent::Submit(s) => s,
                _ => unreachable!(),
            })
            .collect()
    }

    /// Plays the engine: it queues the changes of `sub` in the outbox.
    fn follow(&mut self, sub: &Submission, first_entry: i64) -> Vec<OutboxId> {
        let jobs = &mut self.bench.jobs;
        let entries: Vec<OutboxEntry> = sub
            .changes
            .iter()
            .enumerate()
            .map(|(i, change)| OutboxEntry {
                id: OutboxId(first_entry + i as i64),
                key: format!("k{i}"),
                profile: "acme".into(),
                change: change.clone(),
                state: OutboxState::Sending,
                created: chrono::Utc::now(),
                attempts: 0,
                not_before: None,
            })
            .collect();
        jobs.queued(sub.batch, &entries);
        entries.iter().map(|e| e.id).collect()
    }

    fn notified(&self, tone: Tone, text: &str) -> bool {
        self.asked
            .iter()
            .any(|i| matches!(i, Intent::Notify(t, s) if *t == tone && s.contains(text)))
    }
}

type Shown<D> = fn(&mut D, &roster::ui::context::ViewContext, &mut egui::Ui) -> Outcome;

fn harness<D: 'static>(dialog: D, show: Shown<D>) -> Harness<'static, Drive<D>> {
    harness_on(Bench::new(), dialog, show)
}

fn harness_on<D: 'static>(bench: Bench, dialog: D, show: Shown<D>) -> Harness<'static, Drive<D>> {
    let mut h = Harness::builder().with_size([900.0, 760.0]).build_ui_state(
        move |ui, s: &mut Drive<D>| {
            if s.closed {
                return;
            }
            let outcome = {
                let ctx = s.bench.ctx();
                show(&mut s.dialog, &ctx, ui)
            };
            s.record(outcome);
        },
        Drive {
            bench,
            dialog,
            asked: Vec::new(),
            closed: false,
        },
    );
    h.run_steps(2);
    h
}

fn type_into<D>(h: &mut Harness<'_, Drive<D>>, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    h.run_steps(2);
}

fn click<D>(h: &mut Harness<'_, Drive<D>>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
}

#[test]
fn invite_checks_fields_asks_for_the_batch_and_shows_a_refusal_on_the_email() {
    let mut h = harness(InviteDialog::default(), InviteDialog::show);
    type_into(&mut h, "Email", "ada@elsewhere.example");
    h.get_by_label_contains("not an authorized domain");
    click(&mut h, "Invite");
    assert!(
        h.state_mut().submissions().is_empty(),
        "a bad draft is not sent"
    );
    h.get_by_label_contains("First name is required");

    h.get_by_role_and_label(Role::TextInput, "Email").click();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Email")
        .type_text("ada@lumen-analytics.example");
    h.run_steps(1);
    type_into(&mut h, "First Name", "Ada");
    type_into(&mut h, "Last Name", "Lovelace");
    click(&mut h, "Invite");
    let subs = h.state_mut().submissions();
    assert_eq!(subs.len(), 1, "{:?}", h.state().dialog.draft);
    let sub = &subs[0];
    assert_eq!(sub.origin, Origin::Invite);
    assert!(
        matches!(&sub.changes[..], [Change::CreateUser(new)] if new.email.as_str() == "ada@lumen-analytics.example")
    );
    assert!(!h.state().closed);

    // The server refuses: the reason lands under the Email field, the refused
    // entry is discarded, the dialog keeps what was typed.
    let ids = h.state_mut().follow(sub, 1);
    h.run_steps(1);
    h.get_by_label_contains("Sending the invitation");
    let failure = Failure {
        id: ids[0],
        change: sub.changes[0].clone(),
        reason: "ada@lumen-analytics.example already exists".into(),
        about_email: true,
    };
    h.state_mut()
        .bench
        .jobs
        .on_outcome(ids[0], JobOutcome::Failed, Some(failure));
    h.run_steps(2);
    h.get_by_label("ada@lumen-analytics.example already exists");
    assert!(
        h.state()
            .asked
            .iter()
            .any(|i| matches!(i, Intent::Engine(Command::Discard(id)) if *id == ids[0]))
    );
    assert!(
        h.state()
            .asked
            .iter()
            .any(|i| matches!(i, Intent::ForgetJob(b) if *b == sub.batch))
    );
    assert!(!h.state().closed);

    // Sent again and confirmed: the dialog closes and says so.
    click(&mut h, "Invite");
    let again = h.state_mut().submissions().remove(0);
    let ids = h.state_mut().follow(&again, 10);
    h.state_mut()
        .bench
        .jobs
        .on_outcome(ids[0], JobOutcome::Done, None);
    h.run_steps(2);
    assert!(h.state().closed);
    assert!(h.state().notified(
        Tone::Success,
        "Invitation sent to ada@lumen-analytics.example"
    ));
}

#[test]
fn invite_offline_is_queued_and_the_dialog_closes_saying_so() {
    let mut bench = Bench::new();
    bench.link = roster::connection::Link::Offline {
        reason: "connection refused".into(),
        last_sync: None,
    };
    let mut h = harness_on(bench, InviteDialog::default(), InviteDialog::show);
    type_into(&mut h, "Email", "grace@lumen-analytics.example");
    type_into(&mut h, "First Name", "Grace");
    type_into(&mut h, "Last Name", "Hopper");
    click(&mut h, "Invite");
    let sub = h.state_mut().submissions().remove(0);
    h.state_mut().follow(&sub, 1);
    h.run_steps(2);
    assert!(h.state().closed);
    assert!(h.state().notified(
        Tone::Info,
        "queued; it will be sent when the connection returns"
    ));
}

#[test]
fn edit_sends_only_what_changed_and_shows_a_conflict_to_resolve() {
    let bench = Bench::new();
    let user = bench.user(3);
    let mut h = harness_on(bench, EditDialog::new(user.clone()), EditDialog::show);
    h.get_by_label(&format!("Editing {}", user.user_name));
    assert!(
        h.get_by_label("Apply").accesskit_node().is_disabled(),
        "nothing changed yet"
    );
    h.get_by_label_contains("CRM Enterprise via Sales (from the group)");
    type_into(&mut h, "Last Name", "-Nasser");
    click(&mut h, "Apply");
    let sub = h.state_mut().submissions().remove(0);
    assert_eq!(sub.origin, Origin::Edit);
    assert!(matches!(&sub.changes[..], [Change::PatchUser { id, .. }] if *id == user.id));
    let ids = h.state_mut().follow(&sub, 1);
    h.run_steps(1);
    h.get_by_label("Saving…");

    // 412: the server's version differs; the dialog shows what changed there.
    let mut theirs = user.clone();
    theirs.given_name = "Dahlia".into();
    let conflict = Conflict {
        current: Some(theirs),
        entry: ids[0],
    };
    assert!(h.state_mut().dialog.on_conflict(sub.batch, conflict));
    h.run_steps(2);
    h.get_by_label_contains("Someone changed this user on the server");
    h.get_by_label("Dahlia");
    click(&mut h, "Discard mine");
    let s = h.state();
    assert!(s.closed);
    assert!(
        s.asked
            .iter()
            .any(|i| matches!(i, Intent::Engine(Command::Discard(id)) if *id == ids[0]))
    );
    assert!(
        s.asked
            .iter()
            .any(|i| matches!(i, Intent::Engine(Command::Refresh)))
    );
}

#[test]
fn delete_refuses_yourself_and_sends_others_behind_the_undo() {
    let bench = Bench::new();
    let me = bench.user(0);
    let mut h = harness_on(bench, DeleteDialog::new(vec![me]), DeleteDialog::show);
    h.get_by_label_contains("You cannot delete your own account");
    assert!(h.get_by_label("Delete user").accesskit_node().is_disabled());
    click(&mut h, "Cancel");
    assert!(h.state().closed);
    assert!(h.state().asked.is_empty());

    let bench = Bench::new();
    let users = vec![bench.user(1), bench.user(2)];
    let mut h = harness_on(bench, DeleteDialog::new(users), DeleteDialog::show);
    h.get_by_label("Delete 2 users?");
    h.get_by_label_contains("permanently deletes all of the user's data");
    click(&mut h, "Delete 2 users");
    let s = h.state_mut();
    assert!(s.closed);
    assert!(s.asked.iter().any(|i| matches!(i, Intent::ClearSelection)));
    let sub = s.submissions().remove(0);
    assert_eq!(sub.delay, Some(UNDO_WINDOW));
    assert!(matches!(sub.origin, Origin::Delete { .. }));
    assert_eq!(sub.changes.len(), 2);
    assert!(
        sub.changes
            .iter()
            .all(|c| matches!(c, Change::DeleteUser { .. }))
    );
}

#[test]
fn remove_licenses_instead_is_confirmed_names_what_stays_and_can_be_undone() {
    let bench = Bench::new();
    // Dalia holds Office Suite directly and CRM Enterprise through Sales.
    let users = vec![bench.user(3)];
    let mut h = harness_on(bench, DeleteDialog::new(users), DeleteDialog::show);
    click(&mut h, "Remove licenses instead");
    assert!(h.state_mut().submissions().is_empty(), "not at once");
    h.get_by_label_contains("Remove the licenses of 1 user?");
    h.get_by_label_contains("CRM Enterprise via Sales: dalia.haddad@");
    h.get_by_label_contains("You can undo it for 10 s");
    click(&mut h, "‹ Back");
    h.get_by_label_contains("Delete dalia.haddad@");
    click(&mut h, "Remove licenses instead");
    click(&mut h, "Remove licenses");
    let s = h.state_mut();
    assert!(s.closed);
    let sub = s.submissions().remove(0);
    assert_eq!(sub.delay, Some(UNDO_WINDOW), "behind the Undo bar");
    assert!(matches!(sub.origin, Origin::Delete { .. }));
    assert!(matches!(&sub.changes[..], [Change::PatchUser { .. }]));
}

#[test]
fn local_login_refuses_to_leave_no_administrator_who_can_sign_in() {
    let bench = Bench::new();
    // Amara is the only administrator with local login, and there is no identity
    // provider: disabling hers would leave nobody able to sign in.
    let users = vec![bench.user(0), bench.user(1)];
    let mut h = harness_on(
        bench,
        LocalLoginDialog::new(false, users),
        LocalLoginDialog::show,
    );
    h.get_by_label("Disable local login");
    h.get_by_label_contains("No administrator could sign in afterwards");
    h.get_by_label_contains("1 already have it disabled");
    assert!(
        h.get_by_label("Disable for 1 user")
            .accesskit_node()
            .is_disabled()
    );
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert!(
        h.state_mut().submissions().is_empty(),
        "Enter is refused too"
    );
}

#[test]
fn disabling_your_own_password_sign_in_needs_a_second_confirmation() {
    let mut bench = Bench::new();
    bench.org.users[4].local_login = true; // Emeka, the other administrator, can sign in
    let users = vec![bench.user(0)];
    let mut h = harness_on(
        bench,
        LocalLoginDialog::new(false, users),
        LocalLoginDialog::show,
    );
    h.get_by_label_contains("This is your own account");
    assert!(
        h.get_by_label("Disable for 1 user")
            .accesskit_node()
            .is_disabled()
    );
    click(&mut h, "I understand: disable my own password sign-in");
    click(&mut h, "Disable for 1 user");
    let s = h.state_mut();
    assert!(s.closed);
    assert_eq!(s.submissions().len(), 1);
}

#[test]
fn removing_your_own_administrator_role_needs_a_second_confirmation() {
    let mut bench = Bench::new();
    bench.org.users[4].local_login = true;
    let me = bench.user(0);
    let mut h = harness_on(bench, EditDialog::new(me), EditDialog::show);
    click(&mut h, "Organisation Administrator");
    h.get_by_label_contains("This is your own account");
    assert!(h.get_by_label("Apply").accesskit_node().is_disabled());
    click(&mut h, "I understand: remove my own administrator role");
    click(&mut h, "Apply");
    let sub = h.state_mut().submissions().remove(0);
    assert!(matches!(&sub.changes[..], [Change::PatchUser { .. }]));
}

#[test]
fn the_last_administrator_cannot_remove_the_role() {
    let mut bench = Bench::new();
    bench.org.users[4].admin = false; // Amara is now the only administrator
    let me = bench.user(0);
    let mut h = harness_on(bench, EditDialog::new(me), EditDialog::show);
    click(&mut h, "Organisation Administrator");
    h.get_by_label_contains("without an Organisation Administrator");
    assert!(h.get_by_label("Apply").accesskit_node().is_disabled());
    assert!(
        h.query_by_label("I understand: remove my own administrator role")
            .is_none()
    );
}

#[test]
fn local_login_with_nothing_to_change_cannot_be_confirmed() {
    let bench = Bench::new();
    let users = vec![bench.user(0), bench.user(2)];
    let h = harness_on(
        bench,
        LocalLoginDialog::new(true, users),
        LocalLoginDialog::show,
    );
    h.get_by_label_contains("already have local login allowed");
    assert!(
        h.get_by_label("Allow for 0 users")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn bulk_licenses_beyond_the_seats_are_refused_and_groups_are_sent() {
    let bench = Bench::new();
    // CRM Enterprise has 3 free seats; none of these four holds it.
    let users = vec![bench.user(1), bench.user(2), bench.user(4), bench.user(5)];
    let mut h = harness_on(bench, BulkDialog::licenses(users), BulkDialog::show);
    h.get_by_label("Licenses for 4 users");
    click(&mut h, "CRM Enterprise (3 seats left)");
    click(&mut h, "Add");
    h.get_by_label_contains("Not enough seats");
    assert!(h.state_mut().submissions().is_empty());
    assert!(!h.state().closed);

    let bench = Bench::new();
    let users = vec![bench.user(1), bench.user(2)];
    let mut h = harness_on(bench, BulkDialog::groups(users), BulkDialog::show);
    click(&mut h, "Sales");
    click(&mut h, "Add");
    let s = h.state_mut();
    assert!(s.closed);
    let sub = s.submissions().remove(0);
    assert_eq!(sub.title, "Add groups to 2 users");
    assert!(matches!(&sub.changes[..], [Change::GroupMembers { add, .. }] if add.len() == 2));
}

/// A bench on a plain SCIM server: no Roster extension, no licenses, no invitations.
fn bare_server() -> Bench {
    let mut bench = Bench::new();
    if let Some(server) = bench.server.as_mut() {
        server.capabilities = roster_core::client::Capabilities::minimal();
    }
    bench
}

#[test]
fn on_a_plain_scim_server_new_user_offers_no_role_login_or_licenses_and_says_created() {
    let mut h = harness_on(bare_server(), InviteDialog::default(), InviteDialog::show);
    h.get_by_label("New user");
    for field in ["Organisation Administrator", "Local Authentication"] {
        assert!(
            h.get_by_label(field).accesskit_node().is_disabled(),
            "{field} is offered on a server that cannot hold it"
        );
    }
    h.get_by_label("This server has no licenses.");
    assert!(
        h.query_by_label("Licenses").is_none(),
        "no license to choose"
    );
    type_into(&mut h, "Email", "ada@lumen-analytics.example");
    type_into(&mut h, "First Name", "Ada");
    type_into(&mut h, "Last Name", "Lovelace");
    click(&mut h, "Create");
    let sub = h.state_mut().submissions().remove(0);
    assert!(
        matches!(&sub.changes[..], [Change::CreateUser(new)]
            if !new.admin && !new.local_login && new.licenses.is_empty()),
        "{:?}",
        sub.changes
    );
    let ids = h.state_mut().follow(&sub, 1);
    h.state_mut()
        .bench
        .jobs
        .on_outcome(ids[0], JobOutcome::Done, None);
    h.run_steps(2);
    assert!(h.state().closed);
    assert!(
        h.state()
            .notified(Tone::Success, "User created: ada@lumen-analytics.example"),
        "no invitation claimed where none is sent"
    );
}

#[test]
fn on_a_plain_scim_server_edit_keeps_the_role_and_licenses_it_cannot_hold() {
    let bench = bare_server();
    let user = bench.user(3);
    let mut h = harness_on(bench, EditDialog::new(user.clone()), EditDialog::show);
    let admin = h.get_by_label("Organisation Administrator");
    assert!(admin.accesskit_node().is_disabled());
    h.get_by_label("This server has no licenses.");
    // Clicking the disabled box changes nothing: only the name is sent.
    click(&mut h, "Organisation Administrator");
    type_into(&mut h, "Last Name", "-Nasser");
    click(&mut h, "Apply");
    let sub = h.state_mut().submissions().remove(0);
    match &sub.changes[..] {
        [Change::PatchUser { ops, .. }] => {
            let sent = format!("{ops:?}");
            assert!(!sent.contains("admin"), "{sent}");
            assert!(!sent.to_lowercase().contains("license"), "{sent}");
        }
        other => panic!("expected one patch of the name, got {other:?}"),
    }
}

#[test]
fn on_a_plain_scim_server_delete_offers_no_license_removal() {
    let bench = bare_server();
    let users = vec![bench.user(3)];
    let h = harness_on(bench, DeleteDialog::new(users), DeleteDialog::show);
    assert!(
        h.get_by_label("Remove licenses instead")
            .accesskit_node()
            .is_disabled()
    );
    assert!(
        h.query_by_label_contains("remove their licenses instead")
            .is_none()
    );
}

#[test]
fn remove_licenses_instead_can_also_take_the_user_out_of_the_group_that_holds_one() {
    let bench = Bench::new();
    let user = bench.user(3);
    let mut h = harness_on(
        bench,
        DeleteDialog::new(vec![user.clone()]),
        DeleteDialog::show,
    );
    click(&mut h, "Remove licenses instead");
    click(
        &mut h,
        "Also remove them from Sales (frees those seats too)",
    );
    click(&mut h, "Remove licenses");
    let s = h.state_mut();
    assert!(s.closed);
    let sub = s.submissions().remove(0);
    assert_eq!(
        sub.delay,
        Some(UNDO_WINDOW),
        "undoable, the group change too"
    );
    assert!(
        sub.changes
            .iter()
            .any(|c| matches!(c, Change::GroupMembers { remove, .. }
            if remove == &vec![user.id.clone()])),
        "{:?}",
        sub.changes
    );
}
