//! Roster, the desktop app and command line, as a library so that the tests drive
//! the real app state (egui_kittest) and the real CLI.
//!
//! - [`app`]: the window: its state, the one place that applies what views ask.
//! - [`ui`]: screens, panels and dialogs (egui), drawn from a read-only context.
//! - [`connection`]: the open profile's engine session and what it reports.
//! - [`users`]: the users grid's view model (data, rows, search, filters, sort,
//!   selection).
//! - [`work`]: store and runtime work started from a view, answered later.
//! - [`activity`]: the log window's entries.
//! - [`cli`]: `roster users …`, `roster sync`, `roster profile …`.
//! - [`diagnostics`]: log files and crash reports.

/// The application's identifier: the desktop entry and AppStream id on Linux (and so
/// the Wayland app id and X11 class the window carries), the bundle identifier on
/// macOS. packaging/ uses the same; scripts/package-check.sh compares them.
pub const APP_ID: &str = "org.roster.Roster";

pub mod activity;
pub mod app;
pub mod cli;
pub mod connection;
pub mod demo_org;
pub mod diagnostics;
pub mod files;
pub mod open_folder;
pub mod paths;
pub mod ui;
pub mod users;
pub mod words;
pub mod work;
