//! Screens, panels and dialogs. Each file draws one thing from the app's state and
//! returns what the user asked for; none of them talks to the network.

pub mod about_window;
pub mod connect_dialog;
pub mod dialogs;
pub mod frame;
pub mod grid;
pub mod import;
pub mod log_window;
pub mod not_admin;
pub mod outbox_window;
pub mod row_menu;
pub mod side_panel;
pub mod status_bar;
pub mod theme;
pub mod toolbar;
pub mod top_bar;
