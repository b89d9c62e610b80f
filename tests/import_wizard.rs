//! The import wizard driven through egui_kittest against a real roster-server on
//! 127.0.0.1, checking the server afterwards: a full import with fixes, exclusion,
//! options and report; an import interrupted by the server stopping and resumed
//! after the app restarts, creating nobody twice; an import prepared offline and
//! submitted later; the seat warning; a file dropped onto the window.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{TestOrg, fill, secrets, shown_contains, step_until};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use roster::app::modal::Modal;
use roster::app::{RosterApp, StartMode};
use roster::connection::Link;
use roster::files::picker::FixedPicker;
use roster::ui::import::wizard::{ImportWizard, Step};
use roster_core::engine::ImportRun;
use roster_core::import::RowOutcome;
use roster_core::profiles::Secrets;
use roster_server::seed;

const DOMAIN: &str = "lumen-analytics.example";

fn harness(data_dir: &Path, secrets: Arc<Secrets>) -> Harness<'static, RosterApp> {
    common::harness(data_dir, secrets, StartMode::Profile("acme".into()))
}

fn wizard(app: &RosterApp) -> &ImportWizard {
    app.modal()
        .and_then(Modal::import)
        .expect("the wizard is open")
}

fn at_step(app: &RosterApp, step: Step) -> bool {
    app.modal()
        .and_then(Modal::import)
        .is_some_and(|w| w.step == step && w.job.is_none())
}

fn save_profile(data_dir: &Path, secrets: &Secrets, org: &TestOrg) {
    let token = org.token_for(seed::DEMO_ADMIN);
    common::save_profile(data_dir, secrets, "acme", &org.url(), &token);
}

fn online(h: &mut Harness<'_, RosterApp>) {
    step_until(h, "the organisation online", |app| {
        app.org.is_loaded() && app.conn.link == Link::Online
    });
}

/// A fresh demo-organisation server, and the app online on it as its administrator
/// (the temp dir holds both and goes last).
fn online_on_a_fresh_server() -> (tempfile::TempDir, TestOrg, Harness<'static, RosterApp>) {
    let dir = tempfile::tempdir().unwrap();
    let org = TestOrg::start(dir.path());
    let secrets = secrets(dir.path());
    save_profile(dir.path(), &secrets, &org);
    let mut h = harness(dir.path(), secrets);
    online(&mut h);
    (dir, org, h)
}

/// Opens the wizard with the toolbar button and loads `file` by typing its path.
fn open_file(h: &mut Harness<'_, RosterApp>, file: &Path) {
    h.get_by_label("Import Users").click();
    h.run_steps(2);
    fill(h, Role::TextInput, "File path", file.to_str().unwrap());
    h.get_by_label("Load").click();
    step_until(h, "the preview", |app| at_step(app, Step::Preview));
}

fn csv(dir: &Path, name: &str, rows: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from("email,first_name,last_name\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn full_import_with_a_fix_an_exclusion_options_and_the_report() {
    let (dir, org, mut h) = online_on_a_fresh_server();
    let before = org.user_count();
    let file = csv(
        dir.path(),
        "new-hires.csv",
        &[
            format!("wiz.one@{DOMAIN},Wiz,One"),
            format!("camille.laurent@{DOMAIN},Camille,Laurent"),
            "wiz.outsider@gmail.example,Wiz,Outsider".to_owned(),
            format!("wiz.skip.me@{DOMAIN},Skip,Me"),
            format!("wiz.two@{DOMAIN},Zoë,Ñúñez"),
        ],
    );
    open_file(&mut h, &file);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.existing, c.errors), (3, 1, 1));
    h.get_by_label_contains(
        "3 ready · 1 already exists (will be skipped) · 0 excluded · 1 with errors",
    );
    h.get_by_label_contains("the domain gmail.example is not authorized");

    // Fix the address in place: validated again at once.
    h.get_by_label("email of line 4: wiz.outsider@gmail.example")
        .click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Fix email of line 4")
        .type_text("wiz.outsider@lumen.example");
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    assert_eq!(
        wizard(h.state()).import.rows[2].email,
        "wiz.outsider@lumen.example"
    );
    assert_eq!(wizard(h.state()).counts.errors, 0);

    // Exclude a row.
    h.get_by_label("Exclude line 5").click();
    h.run_steps(2);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.excluded), (3, 1));

    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    let (group, license) = {
        let app = h.state();
        let group = app
            .org
            .groups
            .iter()
            .find(|g| g.licenses.is_empty())
            .unwrap()
            .clone();
        let license = app
            .org
            .licenses
            .iter()
            .max_by_key(|l| l.seats_left())
            .unwrap()
            .clone();
        (group, license)
    };
    h.get_by_role_and_label(Role::CheckBox, &group.name).click();
    h.get_by_label_contains(&format!("{} (", license.name))
        .click();
    h.get_by_label_contains("Local authentication").click();
    h.run_steps(2);
    h.get_by_label("Import 3 users").click();
    step_until(&mut h, "the report", |app| {
        at_step(app, Step::Report) && wizard(app).report.is_some()
    });
    let report = wizard(h.state()).report.clone().unwrap();
    let counts = report.counts();
    assert_eq!((counts.created, counts.skipped, counts.failed), (3, 2, 0));
    // (A toast says it too.)
    shown_contains(&h, "3 created, 2 skipped, 0 failed");

    // The server has them, once, with the options.
    assert_eq!(org.user_count(), before + 3);
    for email in [
        "wiz.one@lumen-analytics.example",
        "wiz.outsider@lumen.example",
    ] {
        let u = org.model_user(email).expect("created");
        assert!(u.local_login, "{email}");
        assert!(u.groups.contains(&group.id), "{email}");
        assert!(
            u.licenses.iter().any(|g| g.license == license.id),
            "{email}"
        );
    }
    assert!(
        org.model_user("wiz.skip.me@lumen-analytics.example")
            .is_none()
    );
    assert_eq!(
        org.model_user("wiz.two@lumen-analytics.example")
            .unwrap()
            .family_name,
        "Ñúñez"
    );

    // Export, then show the created users in the grid.
    let out = dir.path().join("report.csv");
    h.state_mut().shell.save_picker = Box::new(FixedPicker(out.clone()));
    h.get_by_label("Export report…").click();
    step_until(&mut h, "the export", |_| out.exists());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("line,email,first_name,last_name,result,reason,user_id\n"));
    assert_eq!(text.lines().count(), 6);
    h.get_by_label("Show the 3 created users in the grid")
        .click();
    h.run_steps(3);
    let created: Vec<_> = report
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Some(RowOutcome::Created(id)) => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(h.state().page.selection.len(), 3);
    assert!(
        created
            .iter()
            .all(|id| h.state().page.selection.contains(id))
    );
    assert!(created.iter().all(|id| h.state().org.user(id).is_some()));
}

#[test]
fn interrupted_by_the_server_stopping_and_resumed_after_a_restart_creates_nobody_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut org = TestOrg::start(dir.path());
    let secrets = secrets(dir.path());
    save_profile(dir.path(), &secrets, &org);
    let before = org.user_count();
    let rows: Vec<String> = (0..4000)
        .map(|i| format!("resumed.{i:05}@{DOMAIN},Resumed,User{i}"))
        .collect();
    let file = csv(dir.path(), "big.csv", &rows);
    {
        let mut h = harness(dir.path(), Arc::clone(&secrets));
        online(&mut h);
        open_file(&mut h, &file);
        assert_eq!(wizard(h.state()).counts.ready, 4000);
        h.get_by_label("Next: options ›").click();
        h.run_steps(2);
        h.get_by_label("Import 4000 users").click();
        step_until(&mut h, "the first batch", |app| {
            app.modal()
                .and_then(Modal::import)
                .and_then(|w| w.progress.as_ref())
                .is_some_and(|p| p.counts.created > 0)
        });
        org.stop();
        step_until(&mut h, "waiting for the server", |app| {
            matches!(
                wizard(app).progress.as_ref().map(|p| &p.run),
                Some(ImportRun::Waiting { .. })
            )
        });
        h.get_by_label_contains("Waiting for the server");
        // The status bar follows the running import too.
        assert_eq!(h.state().conn.imports_running.len(), 1);
        let p = wizard(h.state()).progress.clone().unwrap();
        assert!(
            p.counts.pending > 0 && p.counts.created > 0,
            "{:?}",
            p.counts
        );
        // The app is closed while the import waits.
    }
    org.restart();
    let mut h = harness(dir.path(), secrets);
    online(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::I);
    h.run_steps(2);
    h.get_by_label("Imports…").click();
    step_until(&mut h, "the list", |app| at_step(app, Step::PreparedList));
    h.get_by_label_contains("being sent or interrupted");
    h.get_by_label("Resume").click();
    step_until(&mut h, "the progress step", |app| {
        at_step(app, Step::Progress)
    });
    h.get_by_label("Resume").click();
    step_until(&mut h, "the report", |app| {
        at_step(app, Step::Report) && wizard(app).report.is_some()
    });
    let counts = wizard(h.state()).report.as_ref().unwrap().counts();
    assert_eq!(
        (
            counts.created,
            counts.skipped,
            counts.failed,
            counts.pending
        ),
        (4000, 0, 0, 0)
    );
    assert_eq!(org.user_count(), before + 4000);
}

#[test]
fn prepared_offline_from_the_cache_then_submitted_when_online() {
    let dir = tempfile::tempdir().unwrap();
    let mut org = TestOrg::start(dir.path());
    let secrets = secrets(dir.path());
    save_profile(dir.path(), &secrets, &org);
    {
        let mut h = harness(dir.path(), Arc::clone(&secrets));
        online(&mut h);
    }
    org.stop();
    let file = csv(
        dir.path(),
        "helpdesk.csv",
        &[
            format!("helpdesk.a@{DOMAIN},Help,A"),
            format!("CAMILLE.LAURENT@{DOMAIN},Camille,Laurent"),
            format!("helpdesk.b@{DOMAIN},Help,B"),
        ],
    );
    {
        let mut h = harness(dir.path(), Arc::clone(&secrets));
        step_until(&mut h, "offline from the cache", |app| {
            app.org.is_loaded() && matches!(app.conn.link, Link::Offline { .. })
        });
        open_file(&mut h, &file);
        h.get_by_label_contains("Checked against the organisation as synced at");
        let c = wizard(h.state()).counts;
        assert_eq!((c.ready, c.existing), (2, 1));
        h.get_by_label("Save for later").click();
        step_until(&mut h, "saved", |app| {
            app.modal()
                .and_then(Modal::import)
                .is_some_and(|w| w.job.is_none() && w.import.id.is_some())
        });
        h.get_by_label_contains("Saved for later as import");
    }
    org.restart();
    let before = org.user_count();
    let mut h = harness(dir.path(), secrets);
    online(&mut h);
    h.get_by_label("Import Users").click();
    h.run_steps(2);
    h.get_by_label("Imports…").click();
    step_until(&mut h, "the list", |app| at_step(app, Step::PreparedList));
    h.get_by_label_contains("prepared, not sent");
    h.get_by_label("Open").click();
    step_until(&mut h, "the preview", |app| at_step(app, Step::Preview));
    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    h.get_by_label("Import 2 users").click();
    step_until(&mut h, "the report", |app| {
        at_step(app, Step::Report) && wizard(app).report.is_some()
    });
    let counts = wizard(h.state()).report.as_ref().unwrap().counts();
    assert_eq!((counts.created, counts.skipped), (2, 1));
    assert_eq!(org.user_count(), before + 2);
    assert!(
        org.model_user("helpdesk.b@lumen-analytics.example")
            .is_some()
    );
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_file_opens_the_wizard_and_too_few_seats_are_warned() {
    let (dir, _org, mut h) = online_on_a_fresh_server();
    let license = h
        .state()
        .org
        .licenses
        .iter()
        .min_by_key(|l| l.seats_left())
        .unwrap()
        .clone();
    let n = license.seats_left() as usize + 2;
    let rows: Vec<String> = (0..n)
        .map(|i| format!("seat.{i:04}@{DOMAIN},Seat,User{i}"))
        .collect();
    let file = csv(dir.path(), "seats.csv", &rows);
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(file.clone())));
    h.run_steps(1);
    step_until(&mut h, "the preview of the dropped file", |app| {
        at_step(app, Step::Preview)
    });
    assert_eq!(wizard(h.state()).counts.ready, n);
    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("Not enough seats").is_none());
    h.get_by_label_contains(&format!("{} (", license.name))
        .click();
    h.run_steps(2);
    h.get_by_label_contains(&format!(
        "Not enough seats: {}: {n} seats needed, {} left",
        license.name,
        license.seats_left()
    ));
}

#[test]
fn cancel_keeps_what_was_sent_and_resume_sends_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let org = TestOrg::start(dir.path());
    let secrets = secrets(dir.path());
    save_profile(dir.path(), &secrets, &org);
    let before = org.user_count();
    let rows: Vec<String> = (0..4000)
        .map(|i| format!("cancelled.{i:05}@{DOMAIN},Cancel,User{i}"))
        .collect();
    let file = csv(dir.path(), "cancel.csv", &rows);
    let mut h = harness(dir.path(), secrets);
    online(&mut h);
    // Browse… and the example template, through pickers that answer at once.
    h.get_by_label("Import Users").click();
    h.run_steps(2);
    let template = dir.path().join("template.csv");
    h.state_mut().shell.save_picker = Box::new(FixedPicker(template.clone()));
    h.get_by_label("Save an example template…").click();
    step_until(&mut h, "the template", |_| template.exists());
    let text = std::fs::read_to_string(&template).unwrap();
    assert!(text.starts_with("email,first_name,last_name\n"), "{text}");
    h.get_by_label_contains("Example template saved to");
    h.state_mut()
        .shell
        .modal
        .as_mut()
        .and_then(Modal::import_mut)
        .unwrap()
        .open_picker = Arc::new(FixedPicker(file.clone()));
    h.get_by_label("Browse…").click();
    step_until(&mut h, "the preview", |app| at_step(app, Step::Preview));
    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    h.get_by_label("Import 4000 users").click();
    step_until(&mut h, "the first batch", |app| {
        app.modal()
            .and_then(Modal::import)
            .and_then(|w| w.progress.as_ref())
            .is_some_and(|p| p.counts.created > 0)
    });
    h.get_by_label("Cancel").click();
    step_until(&mut h, "cancelled", |app| {
        wizard(app).progress.as_ref().map(|p| &p.run) == Some(&ImportRun::Cancelled)
    });
    let p = wizard(h.state()).progress.clone().unwrap();
    assert!(
        p.counts.created > 0 && p.counts.pending > 0,
        "{:?}",
        p.counts
    );
    // What was sent stays on the server; nothing else was.
    assert_eq!(org.user_count(), before + p.counts.created);
    h.get_by_label_contains("rows are pending");
    h.get_by_label("Resume").click();
    step_until(&mut h, "the report", |app| {
        at_step(app, Step::Report) && wizard(app).report.is_some()
    });
    let counts = wizard(h.state()).report.as_ref().unwrap().counts();
    assert_eq!((counts.created, counts.pending), (4000, 0));
    assert_eq!(org.user_count(), before + 4000);
}

#[test]
fn the_optional_columns_are_shown_checked_and_checked_again_after_a_fix() {
    let (dir, _org, mut h) = online_on_a_fresh_server();
    let path = dir.path().join("cols.csv");
    std::fs::write(
        &path,
        format!(
            "email,first_name,last_name,admin,licenses\n\
             c.one@{DOMAIN},C,One,yes,Office Suite\n\
             c.two@{DOMAIN},C,Two,maybe,\n\
             c.three@{DOMAIN},C,Three,,Nope\n\
             c.four@{DOMAIN},C,Four,,\n"
        ),
    )
    .unwrap();
    open_file(&mut h, &path);
    h.run_steps(3);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.errors), (2, 2));
    assert!(
        h.query_all_by_label("licenses").count() >= 1,
        "the column shows"
    );
    h.get_by_label_contains("admin is \"maybe\"");
    h.get_by_label_contains("no license \"Nope\"");
    // A fix validates again, the optional columns too.
    h.get_by_label("email of line 5: c.four@lumen-analytics.example")
        .click();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Fix email of line 5")
        .type_text("c.five@lumen-analytics.example");
    h.key_press(egui::Key::Enter);
    h.run_steps(4);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.errors), (2, 2));

    // The optional cells are fixed in place like the others, and checked again.
    for (label, field, text) in [
        ("admin of line 3: maybe", "Fix admin of line 3", "no"),
        (
            "licenses of line 4: Nope",
            "Fix licenses of line 4",
            "Office Suite",
        ),
    ] {
        h.get_by_label(label).click();
        h.run_steps(2);
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label(field).type_text(text);
        h.key_press(egui::Key::Enter);
        h.run_steps(4);
    }
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.errors), (4, 0));
    let columns = &wizard(h.state()).import.options.columns;
    assert_eq!(columns.cell(3, roster_core::import::Extra::Admin), "no");
    assert_eq!(
        columns.cell(4, roster_core::import::Extra::Licenses),
        "Office Suite"
    );
}

#[test]
fn updating_existing_users_shows_each_change_and_applies_it() {
    let (dir, org, mut h) = online_on_a_fresh_server();
    // A seeded member with a direct license and a group, and what to give instead.
    let (user, license, old_license, group) = {
        let app = h.state();
        let user = app
            .org
            .users
            .iter()
            .find(|u| {
                !u.admin
                    && u.active
                    && u.user_name != seed::DEMO_ADMIN
                    && u.direct_licenses().count() == 1
                    && u.groups.len() == 1
            })
            .expect("a seeded member with one license and one group")
            .clone();
        let held = user.direct_licenses().next().unwrap().clone();
        let license = app
            .org
            .licenses
            .iter()
            .filter(|l| l.id != held)
            .max_by_key(|l| l.seats_left())
            .unwrap()
            .clone();
        let old_license = app
            .org
            .licenses
            .iter()
            .find(|l| l.id == held)
            .unwrap()
            .clone();
        let group = app
            .org
            .groups
            .iter()
            .find(|g| g.licenses.is_empty() && !user.groups.contains(&g.id))
            .unwrap()
            .clone();
        (user, license, old_license, group)
    };
    let old_group = h
        .state()
        .org
        .groups
        .iter()
        .find(|g| g.id == user.groups[0])
        .unwrap()
        .name
        .clone();
    let path = dir.path().join("update.csv");
    std::fs::write(
        &path,
        format!(
            "email,first_name,last_name,admin,licenses,groups\n\
             {},{},Renamed,yes,{},{}\n\
             u.new@{DOMAIN},U,New,,,\n",
            user.user_name, user.given_name, license.name, group.name
        ),
    )
    .unwrap();
    open_file(&mut h, &path);
    h.run_steps(2);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.update, c.existing), (1, 0, 1));
    h.get_by_label_contains("turn on \"Update users who already exist\"");

    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::CheckBox, "Update users who already exist")
        .click();
    h.run_steps(2);
    assert!(wizard(h.state()).import.options.update_existing);
    let c = wizard(h.state()).counts;
    assert_eq!((c.ready, c.update, c.existing), (1, 1, 0));

    // The preview says what the update changes.
    h.get_by_label("‹ Back").click();
    h.run_steps(2);
    h.get_by_label_contains("1 ready · 1 to update · 0 already exist (no change)");
    h.get_by_label(&format!(
        "Update: last name to Renamed; role to administrator; + license {}; − license {}; \
         + group {}; − group {old_group}",
        license.name, old_license.name, group.name
    ));

    h.get_by_label("Next: options ›").click();
    h.run_steps(2);
    h.get_by_label("Import 1 user and update 1").click();
    step_until(&mut h, "the report", |app| {
        at_step(app, Step::Report) && wizard(app).report.is_some()
    });
    h.run_steps(2);
    shown_contains(&h, "1 created, 1 updated, 0 skipped, 0 failed");
    h.get_by_label("updated");
    h.get_by_label_contains("last name to Renamed; role to administrator");

    // The server has the change, made once.
    let now = org.model_user(&user.user_name).expect("still there");
    assert_eq!(now.family_name, "Renamed");
    assert_eq!(now.given_name, user.given_name);
    assert!(now.admin);
    assert_eq!(now.direct_licenses().collect::<Vec<_>>(), [&license.id]);
    assert_eq!(now.groups, std::slice::from_ref(&group.id));
    assert!(org.model_user(&format!("u.new@{DOMAIN}")).is_some());
    // And the grid's copy too.
    let cached = h.state().org.user(&user.id).unwrap();
    assert!(cached.admin);
}

#[test]
fn both_templates_can_be_saved_from_the_first_step() {
    let (dir, _org, mut h) = online_on_a_fresh_server();
    h.get_by_label("Import Users").click();
    h.run_steps(2);
    for (link, expected) in [
        (
            "Save an example template…",
            include_str!("../assets/import-template.csv"),
        ),
        (
            "Save a template with the optional columns…",
            include_str!("../assets/import-template-columns.csv"),
        ),
    ] {
        let out = dir.path().join(format!("{}.csv", link.len()));
        h.state_mut().shell.save_picker = Box::new(FixedPicker(out.clone()));
        h.get_by_label(link).click();
        step_until(&mut h, "the template", |_| out.exists());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), expected, "{link}");
    }
}
