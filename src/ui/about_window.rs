//! The About window: version, license, where data, logs and window settings are kept,
//! and a button that opens the log folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::intent::{Intent, Window};

/// What "Open log folder" last did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Opening {
    #[default]
    Idle,
    Running,
    Opened,
    Failed(String),
}

type Shared = Arc<Mutex<Opening>>;

/// Wide enough for the usual paths on one line; longer ones wrap.
const WIDTH: f32 = 620.0;

/// The column of "Data", "Logs and crash reports"…
const LABEL_WIDTH: f32 = 160.0;

/// Draws the About window for the data directory `data_dir`; returns the close
/// asked for.
pub fn show(data_dir: &Path, ui: &mut egui::Ui) -> Option<Intent> {
    let log_dir = crate::paths::log_dir_in(data_dir);
    let mut open = true;
    egui::Window::new("About Roster")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .min_width(WIDTH)
        .default_width(WIDTH)
        .show(ui.ctx(), |ui| body(ui, data_dir, &log_dir));
    (!open).then_some(Intent::ShowWindow(Window::About, false))
}

fn body(ui: &mut egui::Ui, data_dir: &Path, log_dir: &Path) {
    ui.heading("Roster");
    ui.label(format!("Version {}", env!("CARGO_PKG_VERSION")));
    ui.label(env!("CARGO_PKG_DESCRIPTION"));
    ui.label(format!("License: {}", env!("CARGO_PKG_LICENSE")));
    ui.add_space(super::theme::GAP);
    path_row(ui, "Data", data_dir);
    path_row(ui, "Logs and crash reports", log_dir);
    if let Some(file) = crate::paths::window_settings_file() {
        path_row(ui, "Window layout", &file);
    }
    ui.add_space(super::theme::GAP);
    let state: Shared = ui.ctx().data_mut(|d| {
        d.get_temp_mut_or_default::<Shared>(egui::Id::unique("about_opening"))
            .clone()
    });
    let current = state.lock().map(|s| s.clone()).unwrap_or_default();
    ui.horizontal(|ui| {
        let button = ui.add_enabled(
            current != Opening::Running,
            egui::Button::new("Open log folder"),
        );
        if button.clicked() {
            start_opening(ui.ctx(), &state, log_dir.to_owned());
        }
        match &current {
            Opening::Idle => {}
            Opening::Running => {
                ui.spinner();
            }
            Opening::Opened => {
                ui.label("Opened in your file manager");
            }
            Opening::Failed(reason) => {
                ui.colored_label(
                    super::theme::no(ui.visuals()),
                    format!("Could not open the log folder: {reason}. Its path is above."),
                );
            }
        }
    });
}

/// A label and a path that can be selected and copied.
fn path_row(ui: &mut egui::Ui, what: &str, path: &Path) {
    ui.horizontal_top(|ui| {
        let height = ui.spacing().interact_size.y;
        ui.allocate_ui_with_layout(
            egui::vec2(LABEL_WIDTH, height),
            egui::Layout::left_to_right(egui::Align::Min),
            |ui| {
                ui.set_min_width(LABEL_WIDTH);
                ui.label(what);
            },
        );
        ui.add(
            egui::Label::new(egui::RichText::new(path.display().to_string()).monospace())
                .selectable(true)
                .wrap(),
        );
    });
}

fn start_opening(ctx: &egui::Context, state: &Shared, dir: PathBuf) {
    if let Ok(mut s) = state.lock() {
        *s = Opening::Running;
    }
    let state = Arc::clone(state);
    let ctx = ctx.clone();
    let shown = dir.display().to_string();
    crate::open_folder::open(&dir, move |outcome| {
        let next = match outcome {
            Ok(()) => Opening::Opened,
            Err(reason) => {
                tracing::warn!("could not open {shown}: {reason}");
                Opening::Failed(reason)
            }
        };
        if let Ok(mut s) = state.lock() {
            *s = next;
        }
        ctx.request_repaint();
    });
}
