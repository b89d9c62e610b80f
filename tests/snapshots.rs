//! Pixel snapshots of the users grid and the "role required" screen, light and dark,
//! rendered with wgpu (Mesa lavapipe on CI, which gives the same pixels every run).
//! `UPDATE_SNAPSHOTS=1 cargo test --test snapshots` rewrites them after a deliberate
//! change.

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use roster::app::modal::Modal;
use roster::ui::{grid, not_admin};
use roster::users::org::OrgState;
use roster::users::page::UsersPage;
use roster_core::model::{
    Email, Group, GroupId, InvitationStatus, License, LicenseGrant, LicenseId, LicenseOrigin,
    Organisation, User, UserId,
};
use roster_core::store::Snapshot;

fn user(i: usize, given: &str, family: &str, admin: bool, local: bool, seen: Option<u32>) -> User {
    let email = format!(
        "{}.{}@lumen-analytics.example",
        given.to_lowercase(),
        family.to_lowercase()
    );
    let mut licenses = vec![LicenseGrant {
        license: LicenseId::from("office"),
        origin: LicenseOrigin::Direct,
    }];
    if i.is_multiple_of(3) {
        licenses.push(LicenseGrant {
            license: LicenseId::from("crm"),
            origin: LicenseOrigin::Group(GroupId::from("sales")),
        });
    }
    User {
        id: UserId(format!("u{i}")),
        user_name: email.clone(),
        email: Email::parse(&email).ok(),
        given_name: given.into(),
        family_name: family.into(),
        active: true,
        admin,
        local_login: local,
        last_connection: seen.map(|d| Utc.with_ymd_and_hms(2026, 11, d, 9, 30, 0).unwrap()),
        licenses,
        groups: if i.is_multiple_of(3) {
            vec![GroupId::from("sales")]
        } else {
            vec![]
        },
        invitation: if seen.is_some() {
            InvitationStatus::Accepted
        } else {
            InvitationStatus::Pending(None)
        },
        version: None,
        last_modified: None,
    }
}

fn fixture() -> (OrgState, UsersPage) {
    let users = vec![
        user(0, "Amara", "Okafor", true, true, Some(28)),
        user(1, "Bastien", "Moreau", false, false, Some(12)),
        user(2, "Chen", "Xu", false, true, None),
        user(3, "Dalia", "Haddad", false, false, Some(3)),
        user(4, "Emeka", "Adeyemi", true, false, Some(20)),
        user(5, "Freya", "Lindqvist", false, false, None),
    ];
    let mut org = OrgState::default();
    org.load(&Snapshot {
        users,
        groups: vec![Group {
            id: GroupId::from("sales"),
            name: "Sales".into(),
            members: vec![],
            licenses: vec![LicenseId::from("crm")],
            version: None,
        }],
        licenses: vec![
            License {
                id: LicenseId::from("office"),
                name: "Office Suite".into(),
                seats: 10,
                seats_assigned: 6,
            },
            License {
                id: LicenseId::from("crm"),
                name: "CRM Enterprise".into(),
                seats: 5,
                seats_assigned: 2,
            },
        ],
        organisation: Some(Organisation {
            name: "Lumen Analytics".into(),
            authorized_domains: vec!["lumen-analytics.example".into()],
            identity_provider: false,
        }),
        synced_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        max_last_modified: None,
    });
    let mut page = UsersPage::default();
    page.refresh(&org, Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    let second = org.rows[page.view[1] as usize].id.clone();
    page.selection.click(
        &second,
        roster::users::selection::ClickKind::Replace,
        &[&second],
    );
    (org, page)
}

fn grid_snapshot(theme: egui::Theme, name: &str) {
    let mut h = Harness::builder()
        .with_size([1200.0, 260.0])
        .build_ui_state(
            |ui, state: &mut (OrgState, UsersPage)| {
                egui::CentralPanel::default().show(ui, |ui| grid::show(&state.0, &mut state.1, ui));
            },
            fixture(),
        );
    h.ctx.set_theme(theme);
    h.run();
    h.snapshot(name);
}

fn not_admin_snapshot(theme: egui::Theme, name: &str) {
    let mut h = Harness::builder().with_size([900.0, 420.0]).build_ui(|ui| {
        egui::CentralPanel::default().show(ui, not_admin::show);
    });
    h.ctx.set_theme(theme);
    h.run();
    h.snapshot(name);
}

#[test]
fn grid_light() {
    grid_snapshot(egui::Theme::Light, "grid_light");
}

#[test]
fn grid_dark() {
    grid_snapshot(egui::Theme::Dark, "grid_dark");
}

#[test]
fn not_admin_light() {
    not_admin_snapshot(egui::Theme::Light, "not_admin_light");
}

#[test]
fn not_admin_dark() {
    not_admin_snapshot(egui::Theme::Dark, "not_admin_dark");
}

mod common;

/// The whole window with a dialog open over the fixture organisation (nobody has
/// connected yet, so no figure depends on today's date). The profile "offline"
/// does not exist: no engine runs, nothing changes between frames.
fn dialog_snapshot(theme: egui::Theme, name: &str, open: impl FnOnce(&mut roster::app::RosterApp)) {
    let dir = tempfile::tempdir().unwrap();
    let mut h = common::harness(
        dir.path(),
        common::secrets(dir.path()),
        roster::app::StartMode::Profile("offline".into()),
    );
    common::step_until(&mut h, "the profile refused", |app| {
        matches!(app.conn.link, roster::connection::Link::Failed(_))
    });
    let (org, page) = fixture();
    let app = h.state_mut();
    app.org.load(&Snapshot {
        users: org
            .users
            .iter()
            .cloned()
            .map(|mut u| {
                u.last_connection = None;
                u
            })
            .collect(),
        groups: org.groups.clone(),
        licenses: org.licenses.clone(),
        organisation: org.organisation.clone(),
        synced_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        max_last_modified: None,
    });
    app.page.selection = page.selection.clone();
    open(app);
    h.ctx.set_theme(theme);
    h.run_steps(4);
    h.snapshot(name);
}

fn fixture_user(app: &roster::app::RosterApp, i: usize) -> User {
    app.org.users[i].clone()
}

#[test]
fn invite_dialog_light() {
    dialog_snapshot(egui::Theme::Light, "invite_dialog_light", |app| {
        let mut dialog = roster::ui::dialogs::invite_dialog::InviteDialog::default();
        dialog.draft.email = "ada@elsewhere.example".into();
        dialog.draft.given_name = "Ada".into();
        dialog.draft.licenses.insert(LicenseId::from("office"));
        app.shell.modal = Some(Modal::Invite(dialog));
    });
}

#[test]
fn edit_dialog_dark() {
    dialog_snapshot(egui::Theme::Dark, "edit_dialog_dark", |app| {
        let user = fixture_user(app, 3);
        app.shell.modal = Some(Modal::Edit(Box::new(
            roster::ui::dialogs::edit_dialog::EditDialog::new(user),
        )));
    });
}

#[test]
fn delete_dialog_light() {
    dialog_snapshot(egui::Theme::Light, "delete_dialog_light", |app| {
        let users = vec![fixture_user(app, 1), fixture_user(app, 2)];
        app.shell.modal = Some(Modal::Delete(
            roster::ui::dialogs::delete_dialog::DeleteDialog::new(users),
        ));
    });
}
