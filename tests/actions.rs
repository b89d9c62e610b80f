//! User actions through the window (issue 5), against a real roster-server on
//! 127.0.0.1; every test checks what the server holds afterwards.

mod common;

use std::time::Duration;

use common::{click, fill, open_as_admin, shown_contains, step_until};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use roster::app::RosterApp;
use roster::app::modal::Modal;
use roster::connection::Link;
use roster_core::model::{InvitationStatus, User};
use roster_proto::urn;
use roster_server::seed::DEMO_ADMIN;
use serde_json::json;

const EXT: &str = urn::ROSTER_USER;

/// Users of the loaded organisation that `keep` accepts (never the administrator).
fn pick(h: &Harness<'_, RosterApp>, n: usize, keep: impl Fn(&User) -> bool) -> Vec<User> {
    let app = h.state();
    let mut users: Vec<User> = app
        .org
        .users
        .iter()
        .filter(|u| u.user_name != DEMO_ADMIN && keep(u))
        .take(n)
        .cloned()
        .collect();
    users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    assert_eq!(users.len(), n, "the demo organisation has such users");
    users
}

/// Shows only `user` in the grid (searching for its email).
fn search(h: &mut Harness<'_, RosterApp>, text: &str) {
    h.state_mut().page.query.search = text.to_owned();
    h.run_steps(2);
}

/// Edits `user`'s first name (appending `mine`) while the server's last name becomes
/// `theirs`, and applies: the edit dialog shows the conflict.
fn edit_into_conflict(
    h: &mut Harness<'_, RosterApp>,
    org: &common::TestOrg,
    user: &User,
    mine: &str,
    theirs: &str,
) {
    search(h, &user.user_name);
    click(h, &format!("Edit {}", user.user_name));
    fill(h, Role::TextInput, "First Name", mine);
    org.admin_patch(
        user.id.as_str(),
        json!({"schemas": [urn::PATCH_OP],
               "Operations": [{"op": "replace", "path": "name.familyName", "value": theirs}]}),
    );
    click(h, "Apply");
    step_until(h, "the conflict", |app| {
        app.modal()
            .and_then(Modal::edit)
            .is_some_and(|d| d.conflict.is_some())
    });
}

/// The log window has an entry containing `text` (who did what, and the result).
fn assert_logged(h: &Harness<'_, RosterApp>, text: &str) {
    let log: Vec<&str> = h
        .state()
        .shell
        .log
        .entries()
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        log.iter().any(|e| e.contains(text)),
        "{text:?} not in {log:#?}"
    );
}

fn ticked_license_label(h: &Harness<'_, RosterApp>, id: &str) -> String {
    let l = h
        .state()
        .org
        .licenses
        .iter()
        .find(|l| l.id.as_str() == id)
        .expect("license")
        .clone();
    format!("{} ({} seats left)", l.name, l.seats_left())
}

#[test]
fn invite_checks_each_field_then_sends_the_invitation() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());

    click(&mut h, "New User +");
    fill(&mut h, Role::TextInput, "Email", "ada@elsewhere.example");
    h.get_by_label_contains("elsewhere.example is not an authorized domain");
    h.get_by_label_contains("Allowed: ");
    click(&mut h, "Cancel");
    assert!(h.state().dialog() != Some("invite"));

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    h.run_steps(2);
    fill(&mut h, Role::TextInput, "Email", &DEMO_ADMIN.to_uppercase());
    h.get_by_label_contains("already exists");
    click(&mut h, "Cancel");

    click(&mut h, "New User +");
    let email = "ada.lovelace@lumen-analytics.example";
    fill(&mut h, Role::TextInput, "Email", email);
    click(&mut h, "Invite");
    h.get_by_label("First name is required.");
    h.get_by_label("Last name is required.");
    assert!(org.user(email).is_none(), "nothing sent with missing names");
    fill(&mut h, Role::TextInput, "First Name", "Ada");
    fill(&mut h, Role::TextInput, "Last Name", "Lovelace");
    let design = ticked_license_label(&h, "design");
    h.get_by_role_and_label(Role::CheckBox, &design).click();
    h.run_steps(1);
    click(&mut h, "Invite");
    step_until(&mut h, "the invitation sent", |app| {
        app.dialog() != Some("invite")
    });

    let doc = org.user(email).expect("created on the server");
    assert_eq!(doc["name"]["givenName"], "Ada");
    assert_eq!(doc["entitlements"][0]["value"], "design");
    assert_eq!(org.emails_to(email), ["invitation"]);
    step_until(&mut h, "the new user in the grid", |app| {
        app.org
            .users
            .iter()
            .any(|u| u.user_name == email && matches!(u.invitation, InvitationStatus::Pending(_)))
    });
    search(&mut h, "ada.lovelace");
    h.get_by_label(email);
    h.get_by_label("invitation pending");
    assert_logged(
        &h,
        &format!("{DEMO_ADMIN}: Invite {email} — 1 of 1 change done"),
    );
}

#[test]
fn edit_sends_what_changed_and_resolves_conflicts_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    let users = pick(&h, 3, |u| !u.admin && u.direct_licenses().next().is_none());
    let group = h.state().org.groups[0].clone();

    // Name, administrator, a license and a group.
    let u = &users[0];
    search(&mut h, &u.user_name);
    click(&mut h, &format!("Edit {}", u.user_name));
    fill(&mut h, Role::TextInput, "Last Name", "-Smith");
    h.get_by_role_and_label(Role::CheckBox, "Organisation Administrator")
        .click();
    let design = ticked_license_label(&h, "design");
    h.get_by_role_and_label(Role::CheckBox, &design).click();
    let in_group = u.groups.contains(&group.id);
    h.get_by_role_and_label(Role::CheckBox, &group.name).click();
    h.run_steps(1);
    click(&mut h, "Apply");
    step_until(&mut h, "the edit saved", |app| app.dialog() != Some("edit"));
    let doc = org.user(&u.user_name).unwrap();
    assert_eq!(
        doc["name"]["familyName"],
        format!("{}-Smith", u.family_name)
    );
    assert_eq!(doc[EXT]["organisationAdministrator"], true);
    assert_eq!(doc["entitlements"][0]["value"], "design");
    assert_eq!(
        org.members(group.id.as_str())
            .contains(&u.id.as_str().to_owned()),
        !in_group,
        "group membership toggled"
    );

    // A conflict, then "reload and re-apply my changes": both changes survive.
    let v = &users[1];
    edit_into_conflict(&mut h, &org, v, "-Mine", "Theirs");
    h.get_by_label_contains("Someone changed this user on the server");
    h.get_by_label("Theirs");
    click(&mut h, "Reload and re-apply my changes");
    step_until(&mut h, "re-applied", |app| app.dialog() != Some("edit"));
    let doc = org.user(&v.user_name).unwrap();
    assert_eq!(doc["name"]["givenName"], format!("{}-Mine", v.given_name));
    assert_eq!(doc["name"]["familyName"], "Theirs");

    // A conflict, then "discard mine": the server's version stays.
    let w = &users[2];
    edit_into_conflict(&mut h, &org, w, "-Lost", "Kept");
    click(&mut h, "Discard mine");
    step_until(&mut h, "the server's version shown", |app| {
        app.dialog() != Some("edit")
            && app.conn.outbox.is_empty()
            && app.org.user(&w.id).is_some_and(|u| u.family_name == "Kept")
    });
    let doc = org.user(&w.user_name).unwrap();
    assert_eq!(doc["name"]["givenName"], w.given_name.as_str());
    assert_eq!(doc["name"]["familyName"], "Kept");
}

#[test]
fn delete_confirms_can_be_undone_and_refuses_yourself() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    let u = pick(&h, 1, |_| true).remove(0);

    // Yourself: refused, nothing to confirm.
    search(&mut h, DEMO_ADMIN);
    click(&mut h, &format!("Delete {DEMO_ADMIN}"));
    h.get_by_label_contains("You cannot delete your own account");
    assert!(h.get_by_label("Delete user").accesskit_node().is_disabled());
    click(&mut h, "Cancel");

    // Confirmed, then undone within the 10 s: nothing deleted.
    search(&mut h, &u.user_name);
    click(&mut h, &format!("Delete {}", u.user_name));
    h.get_by_label(&format!("Delete {}?", u.user_name));
    h.get_by_label_contains("permanently deletes all of the user's data");
    h.get_by_label_contains("cannot be reversed");
    click(&mut h, "Delete user");
    h.get_by_label_contains(&format!("Delete {}: sent in", u.user_name));
    click(&mut h, "Undo");
    step_until(&mut h, "the delete undone", |app| {
        app.conn.jobs.of(|_| true).is_empty() && app.conn.outbox.is_empty()
    });
    assert_logged(
        &h,
        &format!("Delete {} — 0 of 1 change done, 1 cancelled", u.user_name),
    );
    assert!(org.user(&u.user_name).is_some(), "still on the server");

    // Confirmed with the Delete key and left alone: sent after the undo window.
    search(&mut h, &u.user_name);
    h.get_by_label(&u.user_name).click();
    h.run_steps(1);
    h.key_press(egui::Key::Delete);
    h.run_steps(2);
    click(&mut h, "Delete user");
    step_until(&mut h, "the user deleted", |app| {
        app.org.user(&u.id).is_none()
    });
    assert!(org.user(&u.user_name).is_none(), "deleted on the server");
}

#[test]
fn local_login_groups_seats_and_resend_on_a_selection() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    let off = pick(&h, 2, |u| !u.local_login && !u.admin);
    let on = pick(&h, 1, |u| u.local_login && !u.admin);
    let chosen: Vec<&User> = off.iter().chain(&on).collect();
    for u in &chosen {
        search(&mut h, &u.user_name);
        click(&mut h, &format!("Select {}", u.user_name));
    }
    search(&mut h, "");
    assert_eq!(h.state().page.selection.len(), 3);

    click(&mut h, "Allow Local Login");
    h.get_by_label_contains("Allow local login for 2 users?");
    h.get_by_label_contains(&format!("1 already have it: {}", on[0].user_name));
    click(&mut h, "Allow for 2 users");
    step_until(&mut h, "allowed", |app| {
        chosen
            .iter()
            .all(|u| app.org.user(&u.id).is_some_and(|u| u.local_login))
    });
    for u in &chosen {
        assert_eq!(org.user(&u.user_name).unwrap()[EXT]["localLogin"], true);
    }

    click(&mut h, "Disable Local Login");
    click(&mut h, "Disable for 3 users");
    step_until(&mut h, "disabled", |app| {
        chosen
            .iter()
            .all(|u| app.org.user(&u.id).is_some_and(|u| !u.local_login))
    });
    for u in &chosen {
        assert_eq!(org.user(&u.user_name).unwrap()[EXT]["localLogin"], false);
    }

    // Add the three to a group they are not all in.
    let group = h.state().org.groups[1].clone();
    click(&mut h, "Selected (3)");
    click(&mut h, "Groups…");
    h.get_by_role_and_label(Role::CheckBox, &group.name).click();
    h.run_steps(1);
    click(&mut h, "Add");
    step_until(&mut h, "added to the group", |app| {
        app.conn.jobs.of(|_| true).iter().all(|j| j.finished())
    });
    let members = org.members(group.id.as_str());
    for u in &chosen {
        assert!(
            members.contains(&u.id.as_str().to_owned()),
            "{} in {}",
            u.user_name,
            group.name
        );
    }

    // A license for everyone, beyond its seats: refused, nothing sent.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(2);
    let (license, label) = {
        let app = h.state();
        let l = app
            .org
            .licenses
            .iter()
            .min_by_key(|l| l.seats_left())
            .unwrap()
            .clone();
        let label = format!("{} ({} seats left)", l.name, l.seats_left());
        (l, label)
    };
    let count = h.state().page.selection.len();
    click(&mut h, &format!("Selected ({count})"));
    click(&mut h, "Licenses…");
    h.get_by_role_and_label(Role::CheckBox, &label).click();
    h.run_steps(1);
    click(&mut h, "Add");
    h.get_by_label_contains(&format!("Not enough seats: {} needs", license.name));
    click(&mut h, "Cancel");
    assert!(h.state().conn.outbox.is_empty(), "nothing queued");

    // Resend an invitation from a row's menu.
    let pending = pick(&h, 1, |u| {
        matches!(u.invitation, InvitationStatus::Pending(_))
    })
    .remove(0);
    let before = org.emails_to(&pending.user_name).len();
    h.get_by_label("Clear selection").click();
    h.run_steps(2);
    search(&mut h, &pending.user_name);
    h.get_by_label(&pending.user_name).click_secondary();
    h.run_steps(2);
    click(&mut h, "Resend invitation");
    step_until(&mut h, "resent", |app| {
        app.conn.jobs.of(|_| true).iter().all(|j| j.finished())
    });
    assert_eq!(org.emails_to(&pending.user_name).len(), before + 1);
}

#[test]
fn export_neutralises_formula_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    let u = pick(&h, 1, |_| true).remove(0);
    org.admin_patch(
        u.id.as_str(),
        json!({"schemas": [urn::PATCH_OP],
               "Operations": [{"op": "replace", "path": "name.givenName", "value": "=HYPERLINK(\"http://x\")"}]}),
    );
    h.state().conn.send(roster_core::engine::Command::Refresh);
    step_until(&mut h, "the change seen", |app| {
        app.org
            .user(&u.id)
            .is_some_and(|u| u.given_name.starts_with('='))
    });
    let path = dir.path().join("export.csv");
    h.state_mut().shell.save_picker = Box::new(roster::files::picker::FixedPicker(path.clone()));
    search(&mut h, &u.user_name);
    click(&mut h, "Export shown as CSV…");
    step_until(&mut h, "the file written", |app| {
        app.shell.exports.is_empty() && path.exists()
    });
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("email,first_name,last_name")
    );
    let row = lines.next().unwrap();
    assert!(row.contains(&u.user_name), "{row}");
    assert!(row.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{row}");
    assert!(lines.next().is_none());
}

#[test]
fn an_edit_made_offline_waits_and_is_sent_when_the_server_returns() {
    let dir = tempfile::tempdir().unwrap();
    let (mut org, mut h) = open_as_admin(dir.path());
    let u = pick(&h, 1, |_| true).remove(0);
    org.stop();
    h.state().conn.send(roster_core::engine::Command::Refresh);
    step_until(&mut h, "offline", |app| {
        matches!(app.conn.link, Link::Offline { .. })
    });
    search(&mut h, &u.user_name);
    click(&mut h, &format!("Edit {}", u.user_name));
    fill(&mut h, Role::TextInput, "Last Name", "-Offline");
    click(&mut h, "Apply");
    step_until(&mut h, "queued", |app| {
        app.dialog() != Some("edit") && app.page.pending.contains(&u.id)
    });
    h.get_by_label("pending");
    std::thread::sleep(Duration::from_millis(200));
    org.restart();
    step_until(&mut h, "sent after reconnecting", |app| {
        app.conn.outbox.is_empty()
            && app
                .org
                .user(&u.id)
                .is_some_and(|x| x.family_name.ends_with("-Offline"))
    });
    let doc = org.user(&u.user_name).unwrap();
    assert_eq!(
        doc["name"]["familyName"],
        format!("{}-Offline", u.family_name)
    );
}

#[test]
fn a_bulk_action_that_partly_fails_lists_who_and_why_and_retries() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    let users = pick(&h, 3, |u| !u.local_login && !u.admin);
    for u in &users {
        search(&mut h, &u.user_name);
        click(&mut h, &format!("Select {}", u.user_name));
    }
    search(&mut h, "");
    // Deleted elsewhere after the grid was loaded: its change will be refused.
    let gone = &users[1];
    org.admin_delete(gone.id.as_str());

    click(&mut h, "Allow Local Login");
    click(&mut h, "Allow for 3 users");
    step_until(&mut h, "the job finished", |app| {
        app.conn
            .jobs
            .of(|_| true)
            .iter()
            .all(|j| j.finished() && j.failed() == 1)
    });
    // (A toast says it too.)
    shown_contains(&h, "2 of 3 changes done, 1 failed");
    shown_contains(&h, &format!("{}: Not found", gone.user_name));
    for u in [&users[0], &users[2]] {
        assert_eq!(org.user(&u.user_name).unwrap()[EXT]["localLogin"], true);
    }
    click(&mut h, "Retry failed");
    step_until(&mut h, "the retry answered", |app| {
        app.conn
            .jobs
            .of(|_| true)
            .iter()
            .all(|j| j.finished() && j.failed() == 1)
    });
    click(&mut h, "Close");
    assert!(h.state().conn.jobs.of(|_| true).is_empty());
    assert_logged(
        &h,
        "Allow local login for 3 users — 2 of 3 changes done, 1 failed",
    );
}

#[test]
fn escape_closes_the_dialog_or_menu_and_keeps_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let (_org, mut h) = open_as_admin(dir.path());
    let chosen = pick(&h, 5, |_| true);
    for u in &chosen {
        search(&mut h, &u.user_name);
        click(&mut h, &format!("Select {}", u.user_name));
    }
    search(&mut h, "");
    assert_eq!(h.state().page.selection.len(), 5);
    for opens in ["Allow Local Login", "Selected (5)"] {
        click(&mut h, opens);
        h.key_press(egui::Key::Escape);
        h.run_steps(2);
        assert_eq!(h.state().dialog(), None, "{opens}: closed");
        assert_eq!(h.state().page.selection.len(), 5, "{opens}: still selected");
    }
    search(&mut h, &chosen[0].user_name);
    click(&mut h, &format!("Edit {}", chosen[0].user_name));
    assert_eq!(h.state().dialog(), Some("edit"));
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().dialog(), None);
    assert_eq!(h.state().page.selection.len(), 5);
    click(&mut h, "Clear selection");
    assert_eq!(h.state().page.selection.len(), 0);
}

#[test]
fn removing_your_own_administrator_role_asks_twice_then_the_server_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    search(&mut h, DEMO_ADMIN);
    click(&mut h, &format!("Edit {DEMO_ADMIN}"));
    // The first field has the keyboard: typing goes straight into it.
    h.event(egui::Event::Text("X".into()));
    h.run_steps(2);
    let edit = h.state().modal().and_then(Modal::edit).unwrap();
    assert!(edit.edit.given_name.ends_with('X'), "typed into First Name");
    h.get_by_role_and_label(Role::CheckBox, "Organisation Administrator")
        .click();
    h.run_steps(2);
    h.get_by_label_contains("This is your own account");
    click(&mut h, "Apply");
    assert_eq!(
        org.user(DEMO_ADMIN).unwrap()[EXT]["organisationAdministrator"],
        true
    );
    assert_eq!(
        h.state().dialog(),
        Some("edit"),
        "not sent without the confirmation"
    );
    click(&mut h, "I understand: remove my own administrator role");
    // Enter runs the default button.
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    step_until(&mut h, "saved", |app| app.dialog().is_none());
    // Read as another administrator: the demo admin's own token no longer may.
    let other = pick(&h, 1, |u| u.admin).remove(0);
    let filter = format!("userName eq \"{DEMO_ADMIN}\"");
    let role = || {
        org.scim_get_as(&other.user_name, "/Users", &[("filter", filter.as_str())])
            .map(|l| l["Resources"][0][EXT]["organisationAdministrator"].clone())
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while role() != Some(json!(false)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the role removed on the server"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_dialog_names_its_users_and_says_which_the_search_hides() {
    let dir = tempfile::tempdir().unwrap();
    let (_org, mut h) = open_as_admin(dir.path());
    let chosen = pick(&h, 3, |u| !u.local_login && !u.admin);
    for u in &chosen {
        search(&mut h, &u.user_name);
        click(&mut h, &format!("Select {}", u.user_name));
    }
    // Only the first shows now; the action still covers all three.
    search(&mut h, &chosen[0].user_name);
    click(&mut h, "Allow Local Login");
    h.get_by_label_contains("2 of them are hidden by the current search and filters.");
    h.get_by_label_contains(&chosen[2].user_name);
    h.get_by_label_contains("Allow local login for 3 users?");
}

#[test]
fn on_a_server_without_the_roster_extension_its_features_are_disabled_and_a_new_user_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let switches = roster_server::switches::Switches {
        no_roster_extension: true,
        ..Default::default()
    };
    let (org, mut h) = common::open_as_admin_on(dir.path(), switches);
    let someone = pick(&h, 1, |_| true).remove(0);
    search(&mut h, &someone.user_name);
    click(&mut h, &format!("Select {}", someone.user_name));
    for control in ["Allow Local Login", "Disable Local Login", "Administrators"] {
        assert!(
            h.get_by_label(control).accesskit_node().is_disabled(),
            "{control} is offered on a server without the extension"
        );
    }
    click(&mut h, "Selected (1)");
    assert!(h.get_by_label("Licenses…").accesskit_node().is_disabled());
    assert!(
        h.get_by_label("Resend invitation")
            .accesskit_node()
            .is_disabled()
    );
    h.key_press(egui::Key::Escape);
    h.run_steps(2);

    click(&mut h, "New User +");
    h.get_by_label("New user");
    let email = "grace.hopper@lumen-analytics.example";
    fill(&mut h, Role::TextInput, "Email", email);
    fill(&mut h, Role::TextInput, "First Name", "Grace");
    fill(&mut h, Role::TextInput, "Last Name", "Hopper");
    assert!(
        h.get_by_label("Organisation Administrator")
            .accesskit_node()
            .is_disabled()
    );
    click(&mut h, "Create");
    step_until(&mut h, "the user created", |app| {
        app.dialog() != Some("invite")
    });
    let doc = org.user(email).expect("created on the server");
    assert_eq!(doc["name"]["familyName"], "Hopper");
    assert!(
        doc.get(EXT).is_none(),
        "nothing of the extension sent: {doc}"
    );
    assert_logged(&h, &format!("Create {email} — 1 of 1 change done"));
}

/// Issue 13, point 6: a new user from the keyboard alone. Ctrl+N opens the dialog
/// with Email focused (the first keys are not lost), Tab goes to First Name and
/// then Last Name (the form's order; text typed right after a Tab lands in the
/// field Tab reached), and Enter sends, which the server then holds.
#[test]
fn a_new_user_can_be_invited_from_the_keyboard_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (org, mut h) = open_as_admin(dir.path());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    h.run_steps(2);
    assert_eq!(h.state().dialog(), Some("invite"));
    let email = "grace.hopper@lumen-analytics.example";
    let typed = |h: &mut Harness<'_, RosterApp>, text: &str| {
        h.event(egui::Event::Text(text.to_owned()));
        h.run_steps(2);
    };
    typed(&mut h, email);
    h.key_press(egui::Key::Tab);
    h.run_steps(1);
    typed(&mut h, "Grace");
    h.key_press(egui::Key::Tab);
    h.run_steps(1);
    typed(&mut h, "Hopper");
    h.key_press(egui::Key::Enter);
    step_until(&mut h, "the invitation sent", |app| {
        app.dialog() != Some("invite")
    });
    let doc = org.user(email).expect("created on the server");
    assert_eq!(doc["name"]["givenName"], "Grace");
    assert_eq!(doc["name"]["familyName"], "Hopper");
}
