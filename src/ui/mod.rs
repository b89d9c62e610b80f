//! Screens, panels and dialogs. Each file draws one thing from a read-only
//! [`context::ViewContext`] (plus its own state) and returns what the user asked
//! for as [`intent::Intent`]s; none of them changes the app's state or talks to the
//! network, and none of them knows the app.

pub mod about_window;
pub mod connect_dialog;
pub mod context;
pub mod dialogs;
pub mod frame;
pub mod grid;
pub mod import;
pub mod intent;
pub mod log_window;
pub mod not_admin;
pub mod outbox_window;
pub mod row_menu;
pub mod side_panel;
pub mod status_bar;
pub mod supports;
pub mod theme;
pub mod toolbar;
pub mod top_bar;
