//! The window with the size thresholds at zero, as it runs for a million users: a
//! loaded copy's rows are built off the UI thread and every view is sorted, filtered
//! and searched in the background. Against a real roster-server on 127.0.0.1.

mod common;

use common::{TestOrg, click, fill, harness_config, save_profile, secrets, step_until};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use roster::app::{Apart, AppConfig, RosterApp, StartMode};
use roster::connection::Link;

fn shown_emails(app: &RosterApp) -> Vec<String> {
    app.page
        .view
        .iter()
        .map(|&i| app.org.rows[i as usize].email.clone())
        .collect()
}

#[test]
fn rows_and_views_made_off_the_ui_thread_show_search_sort_and_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = secrets(dir.path());
    let org = TestOrg::start(dir.path());
    let token = org.token_for(roster_server::seed::DEMO_ADMIN);
    save_profile(dir.path(), &secrets, "acme", &org.url(), &token);
    let mut h = harness_config(AppConfig {
        data_dir: dir.path().to_owned(),
        secrets,
        start: StartMode::Profile("acme".into()),
        client: Default::default(),
        apart: Apart {
            rows_from: 0,
            views_from: 0,
        },
    });
    // Seen for at least one frame when the rows really are built apart: the copy is
    // taken only in a later frame than the one that started it.
    let seen_preparing = std::cell::Cell::new(false);
    step_until(&mut h, "the copy built and its first view", |app| {
        seen_preparing.set(seen_preparing.get() || app.conn.is_preparing());
        app.org.is_loaded()
            && app.conn.link == Link::Online
            && !app.conn.is_preparing()
            && !app.page.is_computing()
            && !app.page.view.is_empty()
    });
    assert!(
        seen_preparing.get(),
        "the rows were built off the UI thread"
    );
    assert!(
        h.state().page.background_answers() > 0,
        "the first view came from the background"
    );
    let everyone = org.user_count();
    assert_eq!(h.state().page.view.len(), everyone);
    let first = shown_emails(h.state())[0].clone();
    h.get_by_label(&first);

    let before = h.state().page.background_answers();
    fill(&mut h, Role::TextInput, "Search", "camille");
    step_until(&mut h, "the search's answer", |app| {
        !app.page.is_computing() && app.page.view.len() < everyone
    });
    let found = shown_emails(h.state());
    assert!(
        !found.is_empty() && found.iter().all(|e| e.contains("camille")),
        "{found:?}"
    );
    h.get_by_label(&found[0]);

    // Sorting by email the other way round.
    h.get_by_label("Clear the search").click();
    h.run_steps(1);
    h.get_by_label("Email").click();
    step_until(&mut h, "the sort's answer", |app| {
        !app.page.is_computing() && app.page.view.len() == everyone
    });
    let sorted = shown_emails(h.state());
    let mut expected = sorted.clone();
    expected.sort_by_key(|e| std::cmp::Reverse(e.to_lowercase()));
    assert_eq!(sorted, expected, "descending by email");
    assert!(
        h.state().page.background_answers() >= before + 2,
        "the search and the sort were answered from the background"
    );

    // An edit confirmed by the server reaches the grid while views come from the
    // background.
    let target = found[0].clone();
    fill(&mut h, Role::TextInput, "Search", &target);
    step_until(&mut h, "the user alone", |app| {
        !app.page.is_computing() && shown_emails(app) == [target.clone()]
    });
    click(&mut h, &format!("Edit {target}"));
    fill(&mut h, Role::TextInput, "First Name", "zed");
    click(&mut h, "Apply");
    step_until(&mut h, "the edit on the server and in the grid", |app| {
        org.user(&target).is_some_and(|u| {
            u["name"]["givenName"]
                .as_str()
                .is_some_and(|n| n.ends_with("zed"))
        }) && !app.page.is_computing()
            && app
                .page
                .view
                .first()
                .is_some_and(|&i| app.org.rows[i as usize].name.contains("zed"))
    });
}
