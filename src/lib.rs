//! Roster, the desktop app and command line, as a library so that the tests drive
//! the real app state (egui_kittest) and the real CLI.
//!
//! - [`app`]: the window's state and the engine session behind it.
//! - [`ui`]: screens, panels and dialogs (egui).
//! - [`users`]: the users grid's view model (rows, search, filters, sort, selection).
//! - [`cli`]: `roster users …`, `roster sync`, `roster profile …`.
//! - [`diagnostics`]: log files and crash reports.

/// The application's identifier: the desktop entry and AppStream id on Linux (and so
/// the Wayland app id and X11 class the window carries), the bundle identifier on
/// macOS. packaging/ uses the same; scripts/package-check.sh compares them.
pub const APP_ID: &str = "org.roster.Roster";

pub mod app;
pub mod cli;
pub mod demo_org;
pub mod diagnostics;
pub mod files;
pub mod open_folder;
pub mod paths;
pub mod ui;
pub mod users;
