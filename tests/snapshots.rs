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
use roster::ui::import::wizard::{ImportWizard, Step};
use roster::ui::intent::Outcome;
use roster::ui::supports::Lacking;
use roster::ui::{grid, not_admin};
use roster::users::org::OrgState;
use roster::users::page::UsersPage;
use roster_core::engine::{ImportProgress, ImportRun};
use roster_core::import::{
    self, ImportCounts, ImportId, ImportReport, ImportState, ImportSummary, PreparedImport,
    ReportRow, RowOutcome,
};
use roster_core::model::{LicenseId, UserId};

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
    dialog_snapshot_at([1400.0, 900.0], theme, name, dialog, show);
}

/// [`dialog_snapshot`] in a window of `size`.
fn dialog_snapshot_at<D: 'static>(
    size: [f32; 2],
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
    let mut h = Harness::builder().with_size(size).build_ui_state(
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

/// The users page at the smallest window the issue names (900×600): toolbar and
/// grid with the organisation panel, as an administrator sees it.
fn window_snapshot(theme: egui::Theme, name: &str) {
    let mut bench = Bench::new();
    for u in &mut bench.org.users {
        u.last_connection = None;
    }
    bench.org.rows = std::sync::Arc::new(roster::users::rows::Row::build_all(
        &bench.org.users,
        &bench.org.names,
    ));
    let mut h = Harness::builder().with_size([900.0, 600.0]).build_ui_state(
        |ui, bench: &mut Bench| {
            let mut page = std::mem::take(&mut bench.page);
            roster::ui::frame::panels(&bench.ctx(), &mut page, ui);
            bench.page = page;
        },
        bench,
    );
    h.ctx.set_theme(theme);
    h.run_steps(4);
    h.snapshot(name);
}

#[test]
fn window_900x600_light() {
    window_snapshot(egui::Theme::Light, "window_900x600_light");
}

#[test]
fn window_900x600_dark() {
    window_snapshot(egui::Theme::Dark, "window_900x600_dark");
}

/// The wizard at `step`, with a small file read and checked against the fixture
/// organisation (one row ready, one already there, one outside the domains).
fn wizard_at(step: Step, bench: &Bench) -> ImportWizard {
    let mut wizard = ImportWizard::default();
    if step == Step::ChooseFile {
        return wizard;
    }
    let csv = "email,first_name,last_name\n\
               ada.lovelace@lumen-analytics.example,Ada,Lovelace\n\
               amara.okafor@lumen-analytics.example,Amara,Okafor\n\
               grace@elsewhere.example,Grace,Hopper\n";
    let file = import::read_file(csv.as_bytes()).expect("the example reads");
    let prepared = PreparedImport::from_file("new-hires.csv", file);
    let checks = wizard.context(&bench.org);
    let statuses = import::validate(&prepared.rows, &checks);
    wizard.path = "new-hires.csv".into();
    wizard.loaded(prepared, Vec::new(), statuses);
    let counts = ImportCounts {
        created: 1,
        skipped: 1,
        failed: 0,
        pending: 1,
        updated: 0,
    };
    match step {
        Step::Progress => {
            wizard.running = Some(ImportId(7));
            wizard.progress = Some(ImportProgress {
                id: ImportId(7),
                counts,
                run: ImportRun::Waiting {
                    reason: "the server cannot be reached".into(),
                },
            });
        }
        Step::Report => {
            let row = |line, email: &str, first: &str, last: &str, outcome| ReportRow {
                line,
                email: email.into(),
                first_name: first.into(),
                last_name: last.into(),
                outcome: Some(outcome),
            };
            wizard.running = Some(ImportId(7));
            wizard.report = Some(ImportReport {
                rows: vec![
                    row(
                        2,
                        "ada.lovelace@lumen-analytics.example",
                        "Ada",
                        "Lovelace",
                        RowOutcome::Created(UserId::from("u-ada")),
                    ),
                    row(
                        3,
                        "amara.okafor@lumen-analytics.example",
                        "Amara",
                        "Okafor",
                        RowOutcome::Skipped(
                            "amara.okafor@lumen-analytics.example already exists".into(),
                        ),
                    ),
                    row(
                        4,
                        "grace@elsewhere.example",
                        "Grace",
                        "Hopper",
                        RowOutcome::Failed("elsewhere.example is not an authorized domain".into()),
                    ),
                ],
            });
        }
        Step::PreparedList => {
            let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 9, 0, 0)
                .single()
                .unwrap_or_default();
            let summary = |id, name: &str, state, counts| ImportSummary {
                id: ImportId(id),
                name: name.into(),
                state,
                created: at,
                updated: at,
                counts,
            };
            wizard.saved = vec![
                summary(
                    3,
                    "helpdesk-monday.csv",
                    ImportState::Prepared,
                    ImportCounts {
                        pending: 40,
                        ..ImportCounts::default()
                    },
                ),
                summary(7, "new-hires.csv", ImportState::Finished, counts),
            ];
        }
        _ => {}
    }
    wizard.step = step;
    wizard
}

fn wizard_snapshot(step: Step, theme: egui::Theme, name: &str) {
    dialog_snapshot_at(
        [900.0, 600.0],
        theme,
        name,
        |bench| wizard_at(step, bench),
        ImportWizard::show,
    );
}

macro_rules! wizard_snapshots {
    ($($test:ident: $step:expr, $theme:expr;)*) => {$(
        #[test]
        fn $test() {
            wizard_snapshot($step, $theme, stringify!($test));
        }
    )*};
}

wizard_snapshots! {
    wizard_choose_file_light: Step::ChooseFile, egui::Theme::Light;
    wizard_choose_file_dark: Step::ChooseFile, egui::Theme::Dark;
    wizard_preview_light: Step::Preview, egui::Theme::Light;
    wizard_preview_dark: Step::Preview, egui::Theme::Dark;
    wizard_options_light: Step::Options, egui::Theme::Light;
    wizard_options_dark: Step::Options, egui::Theme::Dark;
    wizard_progress_light: Step::Progress, egui::Theme::Light;
    wizard_progress_dark: Step::Progress, egui::Theme::Dark;
    wizard_report_light: Step::Report, egui::Theme::Light;
    wizard_report_dark: Step::Report, egui::Theme::Dark;
    wizard_imports_light: Step::PreparedList, egui::Theme::Light;
    wizard_imports_dark: Step::PreparedList, egui::Theme::Dark;
}
