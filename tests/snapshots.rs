//! Pixel snapshots of the users grid, the "role required" screen and the dialogs,
//! light and dark,
//! rendered with wgpu (Mesa lavapipe on CI, which gives the same pixels every run).
//! `UPDATE_SNAPSHOTS=1 cargo test --test snapshots` rewrites them after a deliberate
//! change.

use common::fixture::{Bench, fixture};
use egui_kittest::Harness;
use roster::ui::dialogs::delete_dialog::DeleteDialog;
use roster::ui::dialogs::edit_dialog::EditDialog;
use roster::ui::dialogs::invite_dialog::InviteDialog;
use roster::ui::intent::Outcome;
use roster::ui::supports::Lacking;
use roster::ui::{grid, not_admin};
use roster::users::org::OrgState;
use roster::users::page::UsersPage;
use roster_core::model::LicenseId;

fn grid_snapshot(theme: egui::Theme, name: &str) {
    let mut h = Harness::builder()
        .with_size([1200.0, 260.0])
        .build_ui_state(
            |ui, state: &mut (OrgState, UsersPage)| {
                egui::CentralPanel::default().show(ui, |ui| {
                    grid::show(&state.0, &mut state.1, &Lacking::default(), true, ui)
                });
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

/// A dialog over an empty window, drawn from its own state and a context built in
/// memory (the fixture organisation, nobody connected yet: no figure depends on
/// today's date).
fn dialog_snapshot<D: 'static>(
    theme: egui::Theme,
    name: &str,
    dialog: impl FnOnce(&Bench) -> D,
    show: fn(&mut D, &roster::ui::context::ViewContext, &mut egui::Ui) -> Outcome,
) {
    let mut bench = Bench::new();
    for u in &mut bench.org.users {
        u.last_connection = None;
    }
    let dialog = dialog(&bench);
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_ui_state(
            move |ui, (bench, dialog): &mut (Bench, D)| {
                egui::CentralPanel::default().show(ui, |_| {});
                show(dialog, &bench.ctx(), ui);
            },
            (bench, dialog),
        );
    h.ctx.set_theme(theme);
    h.run_steps(4);
    h.snapshot(name);
}

#[test]
fn invite_dialog_light() {
    dialog_snapshot(
        egui::Theme::Light,
        "invite_dialog_light",
        |_| {
            let mut dialog = InviteDialog::default();
            dialog.draft.email = "ada@elsewhere.example".into();
            dialog.draft.given_name = "Ada".into();
            dialog.draft.licenses.insert(LicenseId::from("office"));
            dialog
        },
        InviteDialog::show,
    );
}

#[test]
fn edit_dialog_dark() {
    dialog_snapshot(
        egui::Theme::Dark,
        "edit_dialog_dark",
        |bench| EditDialog::new(bench.user(3)),
        EditDialog::show,
    );
}

#[test]
fn delete_dialog_light() {
    dialog_snapshot(
        egui::Theme::Light,
        "delete_dialog_light",
        |bench| DeleteDialog::new(vec![bench.user(1), bench.user(2)]),
        DeleteDialog::show,
    );
}
