//! What the administrator asked for, from the toolbar, a row's buttons, its menu or
//! the keyboard; the app opens the matching dialog.

use roster_core::model::UserId;

/// Which users an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// The selected users.
    Selection,
    /// Every user the search and filters show.
    Shown,
}

/// An action on users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    /// Open the invite dialog.
    Invite,
    /// Edit one user.
    Edit(UserId),
    /// Delete these users (after a confirmation).
    Delete(Vec<UserId>),
    /// Allow (`true`) or disable local login for these users (after a confirmation).
    LocalLogin(bool, Vec<UserId>),
    /// Add or remove licenses for these users.
    Licenses(Vec<UserId>),
    /// Add these users to groups or remove them.
    Groups(Vec<UserId>),
    /// Send the invitation again to those of these users whose invitation is pending.
    Resend(Vec<UserId>),
    /// Write users to a CSV file.
    Export(ExportScope),
    /// Open the CSV import wizard.
    Import,
    /// Select nobody.
    ClearSelection,
}
