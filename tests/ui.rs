//! The window, driven through egui_kittest against real roster-servers on 127.0.0.1:
//! the demo organisation, and a server the tests stop and restart.

mod common;

use std::sync::Arc;

use common::{TestOrg, fill, harness, save_profile, secrets, step_until};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use roster::app::StartMode;
use roster::app::modal::Modal;
use roster::connection::Link;
use roster_core::profiles::{self, TokenPlace};
use roster_proto::urn;
use roster_server::seed;

#[test]
fn first_start_shows_the_demo_organisation_grid() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), secrets(dir.path()), StartMode::LastUsed);
    step_until(&mut h, "the demo organisation", |app| {
        app.org.is_loaded() && app.conn.link == Link::Online
    });
    assert_eq!(h.state().org.users.len(), 300);
    assert!(h.state().conn.is_demo());
    h.get_by_label(" Sample data ");
    assert!(
        h.query_by_label(" Demo organisation ").is_none(),
        "the demo's name shows once (in the switcher), not again in the badge"
    );
    // Your own row is marked.
    h.state_mut().page.query.search = roster_server::seed::DEMO_ADMIN.to_owned();
    h.run_steps(2);
    h.get_by_label("(you)");
    h.state_mut().page.query.search.clear();
    h.run_steps(2);
    h.get_by_label_contains("300 users");
    // Rows are sorted by email; the first ones are on screen with their columns.
    let first = h.state().org.rows[h.state().page.view[0] as usize]
        .email
        .clone();
    h.get_by_label(&first);
    h.get_by_label("Admin").click();
    h.get_by_label("Last Connection").click();
    h.run_steps(2);
    assert_eq!(
        h.state().page.query.sort,
        (
            roster::users::view::Column::LastConnection,
            roster::users::view::Direction::Ascending
        )
    );
}

#[test]
fn search_quick_filters_sort_and_selection() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), secrets(dir.path()), StartMode::Demo);
    step_until(&mut h, "load", |app| app.org.is_loaded());

    fill(&mut h, Role::TextInput, "Search", "camille");
    h.run_steps(2);
    let shown: Vec<String> = {
        let app = h.state();
        app.page
            .view
            .iter()
            .map(|&i| app.org.rows[i as usize].email.clone())
            .collect()
    };
    assert!(
        !shown.is_empty() && shown.iter().all(|e| e.contains("camille")),
        "{} shown",
        shown.len()
    );
    h.get_by_label("camille.laurent@lumen-analytics.example");
    h.get_by_label("Clear the search").click();
    h.run_steps(2);
    assert_eq!(h.state().page.view.len(), 300);

    for (filter, keeps) in [
        (
            "Administrators",
            &(|u: &roster_core::model::User| u.admin) as &dyn Fn(&roster_core::model::User) -> bool,
        ),
        ("Local login on", &|u| u.local_login),
        ("Local login off", &|u| !u.local_login),
        ("No license", &|u| u.licenses.is_empty()),
        ("Never connected", &|u| u.last_connection.is_none()),
        ("Invitation pending", &|u| {
            matches!(
                u.invitation,
                roster_core::model::InvitationStatus::Pending(_)
            )
        }),
        ("Inactive > 90 days", &|u| {
            u.last_connection
                .is_some_and(|t| chrono::Utc::now() - t > chrono::Duration::days(90))
        }),
    ] {
        h.get_by_label(filter).click();
        h.run_steps(2);
        let app = h.state();
        let expected = app.org.users.iter().filter(|u| keeps(u)).count();
        assert_eq!(app.page.view.len(), expected, "filter {filter}");
        assert!(
            expected > 0 && expected < 300,
            "filter {filter} keeps {expected}"
        );
        h.get_by_label(filter).click();
        h.run_steps(2);
    }

    // Sort by name, descending on the second click.
    h.get_by_label("Name").click();
    h.run_steps(2);
    h.get_by_label("Name").click();
    h.run_steps(2);
    {
        let app = h.state();
        let names: Vec<String> = app
            .page
            .view
            .iter()
            .take(20)
            .map(|&i| app.org.rows[i as usize].name.to_lowercase())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(names, sorted);
    }

    // Click, Ctrl-click, Shift-click, the header checkbox, Clear selection.
    let ids: Vec<(String, roster_core::model::UserId)> = {
        let app = h.state();
        app.page
            .view
            .iter()
            .take(6)
            .map(|&i| {
                let r = &app.org.rows[i as usize];
                (r.email.clone(), r.id.clone())
            })
            .collect()
    };
    h.get_by_label(&ids[0].0).click();
    h.run_steps(1);
    h.get_by_label(&ids[3].0)
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run_steps(1);
    assert_eq!(h.state().page.selection.len(), 4);
    h.get_by_label(&ids[1].0)
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(1);
    assert_eq!(h.state().page.selection.len(), 3);
    assert!(!h.state().page.selection.contains(&ids[1].1));
    h.get_by_label(&format!("Select {}", ids[5].0)).click();
    h.run_steps(2);
    assert!(h.state().page.selection.contains(&ids[5].1));
    h.get_by_label_contains("4 selected");
    h.get_by_label("Select all shown").click();
    h.run_steps(1);
    assert_eq!(h.state().page.selection.len(), 300);
    h.key_press(egui::Key::Escape);
    h.run_steps(1);
    assert_eq!(h.state().page.selection.len(), 300, "Escape is not a clear");
    h.get_by_label("Clear selection").click();
    h.run_steps(2);
    assert_eq!(h.state().page.selection.len(), 0);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    assert_eq!(h.state().page.selection.len(), 300);
}

#[test]
fn offline_start_from_cache_then_back_online_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = secrets(dir.path());
    let mut org = TestOrg::start(dir.path());
    let token = org.token_for(seed::DEMO_ADMIN);
    save_profile(dir.path(), &secrets, "acme", &org.url(), &token);
    {
        // No profile was used yet: open acme explicitly the first time.
        let mut h = harness(
            dir.path(),
            Arc::clone(&secrets),
            StartMode::Profile("acme".into()),
        );
        step_until(&mut h, "online load", |app| {
            app.org.is_loaded() && app.conn.link == Link::Online
        });
        assert_eq!(h.state().conn.profile(), "acme");
    }
    org.stop();
    let mut h = harness(dir.path(), Arc::clone(&secrets), StartMode::LastUsed);
    step_until(&mut h, "offline from cache", |app| {
        app.org.is_loaded() && matches!(app.conn.link, Link::Offline { .. })
    });
    assert_eq!(h.state().conn.profile(), "acme", "the last profile reopens");
    assert_eq!(h.state().org.users.len(), 300);
    h.get_by_label_contains("Offline — showing data from");
    org.restart();
    step_until(&mut h, "back online", |app| app.conn.link == Link::Online);
    h.get_by_label_contains("Online — synced");
}

#[test]
fn a_token_without_the_administrator_role_gets_one_clear_screen() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = secrets(dir.path());
    let org = TestOrg::start(dir.path());
    // Someone without the role, found over SCIM, gets a token of their own.
    let filter = format!("{}:organisationAdministrator eq false", urn::ROSTER_USER);
    let found = org
        .scim_get("/Users", &[("filter", filter.as_str()), ("count", "1")])
        .expect("the server lists users");
    let name = found["Resources"][0]["userName"]
        .as_str()
        .expect("a user without the role")
        .to_owned();
    let plain = org.token_for(&name);
    save_profile(dir.path(), &secrets, "plain", &org.url(), &plain);
    let mut h = harness(dir.path(), secrets, StartMode::Profile("plain".into()));
    step_until(&mut h, "not administrator", |app| {
        app.conn.link == Link::NotAdministrator
    });
    h.get_by_label("The Organisation Administrator role is required");
    h.get_by_label_contains("Ask your organisation's administrator");
    assert!(h.query_by_label("Select all shown").is_none(), "no grid");
}

#[test]
fn connect_dialog_explains_a_wrong_url_and_a_wrong_token_then_adds_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let org = TestOrg::start(dir.path());
    let mut h = harness(dir.path(), secrets(dir.path()), StartMode::Demo);
    step_until(&mut h, "load", |app| app.org.is_loaded());
    h.get_by_label("Connect your organisation…").click();
    h.run_steps(2);
    fill(&mut h, Role::TextInput, "Name", "acme");
    fill(
        &mut h,
        Role::TextInput,
        "Base URL",
        "http://127.0.0.1:9/scim/v2",
    );
    fill(&mut h, Role::PasswordInput, "API token", "not-a-token");
    h.get_by_label("Test connection").click();
    step_until(&mut h, "unreachable", |app| {
        app.modal()
            .and_then(Modal::connect)
            .and_then(|d| d.result.as_ref())
            .is_some()
    });
    h.get_by_label_contains("Cannot reach the server");

    h.get_by_role_and_label(Role::TextInput, "Base URL").click();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Base URL")
        .type_text(&org.url());
    h.run_steps(1);
    h.get_by_label("Test connection").click();
    step_until(&mut h, "refused token", |app| {
        app.modal()
            .and_then(Modal::connect)
            .and_then(|d| d.result.as_ref())
            .is_some_and(|r| r.is_err())
            && app.modal().and_then(Modal::connect).is_some_and(|d| {
                d.result
                    .as_ref()
                    .is_some_and(|r| r.as_ref().err().is_some_and(|m| m.contains("token")))
            })
    });
    h.get_by_label_contains("did not accept the API token");

    // The right token: the test shows what the server supports, then the profile is
    // saved (token in the keyring) and opened.
    let token = org.token_for(seed::DEMO_ADMIN);
    h.get_by_role_and_label(Role::PasswordInput, "API token")
        .click();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_role_and_label(Role::PasswordInput, "API token")
        .type_text(&token);
    h.run_steps(1);
    h.get_by_label("Test connection").click();
    step_until(&mut h, "connected", |app| {
        app.modal()
            .and_then(Modal::connect)
            .and_then(|d| d.result.as_ref())
            .is_some_and(|r| r.is_ok())
    });
    h.get_by_label("Connected to Lumen Analytics.");
    h.get_by_label_contains("Bulk: yes");
    h.get_by_label("Save and open").click();
    step_until(&mut h, "the new profile open", |app| {
        app.conn.profile() == "acme" && app.conn.link == Link::Online && app.org.is_loaded()
    });
    assert!(h.state().dialog() != Some("connect"));
    assert!(!h.state().conn.is_demo());
    let saved = profiles::get(h.state().store(), "acme").unwrap();
    assert_eq!(saved.base_url, org.url());
    assert_eq!(saved.token_place, TokenPlace::Keyring);
}

#[test]
fn a_narrow_window_folds_the_side_panel_and_hides_reorders_and_keeps_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path(), secrets(dir.path()), StartMode::Demo);
    step_until(&mut h, "load", |app| app.org.is_loaded());
    h.set_size(egui::vec2(900.0, 600.0));
    h.run_steps(3);

    // The side panel folds away and comes back; the choice is kept between runs.
    h.get_by_label("Fold the organisation panel").click();
    h.run_steps(2);
    assert!(h.state().page.side_panel_folded);
    assert!(h.query_by_label("What this server supports").is_none());
    assert!(
        h.state().page.saved().side_panel_folded,
        "kept between runs"
    );
    h.get_by_label("Show the organisation panel").click();
    h.run_steps(2);
    assert!(!h.state().page.side_panel_folded);

    // Every column is still there, reachable by scrolling sideways.
    for header in [
        "Email",
        "Name",
        "Admin",
        "Last Connection",
        "Licenses",
        "Groups",
        "Actions",
    ] {
        h.get_by_label(header);
    }

    // Columns hide and move, from the Columns menu.
    h.get_by_label("Columns").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::CheckBox, "Last Connection")
        .click();
    h.run_steps(2);
    h.get_by_label("Move Groups left").click();
    h.run_steps(2);
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(
        h.query_by_label("Last Connection").is_none(),
        "the hidden column is gone"
    );
    let shown: Vec<_> = h.state().page.columns.shown().collect();
    use roster::users::view::Column;
    assert_eq!(
        shown,
        [
            Column::Email,
            Column::Name,
            Column::Administrator,
            Column::LocalLogin,
            Column::Groups,
            Column::Licenses
        ]
    );

    // A saved view keeps its columns.
    h.get_by_label("Views").click();
    h.run_steps(2);
    fill(&mut h, Role::TextInput, "Save current view as", "narrow");
    h.get_by_label("Save view").click();
    h.run_steps(2);
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    h.state_mut().page.columns = Default::default();
    h.run_steps(2);
    h.get_by_label("Last Connection");
    h.get_by_label("Views").click();
    h.run_steps(2);
    h.get_by_label("narrow").click();
    h.run_steps(2);
    assert_eq!(h.state().page.columns.shown().collect::<Vec<_>>(), shown);
    assert!(h.state().page.saved().saved_layouts.contains_key("narrow"));
}
