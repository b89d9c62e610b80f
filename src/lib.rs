//! Roster, the desktop app and command line, as a library so that the tests drive
//! the real app state (egui_kittest) and the real CLI.
//!
//! - [`app`]: the window's state and the engine session behind it.
//! - [`ui`]: screens, panels and dialogs (egui).
//! - [`users`]: the users grid's view model (rows, search, filters, sort, selection).
//! - [`cli`]: `roster users …`, `roster sync`, `roster profile …`.

pub mod app;
pub mod cli;
pub mod demo_org;
pub mod files;
pub mod paths;
pub mod ui;
pub mod users;
