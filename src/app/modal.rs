//! The dialog that is open (at most one: each is modal, or, for the import wizard,
//! takes the grid's keys) and the one driver that draws it and collects what it
//! asked.

use crate::ui::connect_dialog::ConnectDialog;
use crate::ui::context::ViewContext;
use crate::ui::dialogs::bulk_dialog::BulkDialog;
use crate::ui::dialogs::delete_dialog::DeleteDialog;
use crate::ui::dialogs::edit_dialog::EditDialog;
use crate::ui::dialogs::invite_dialog::InviteDialog;
use crate::ui::dialogs::local_login_dialog::LocalLoginDialog;
use crate::ui::import::wizard::ImportWizard;
use crate::ui::intent::Outcome;

/// An open dialog and its state.
pub enum Modal {
    /// "Connect your organisation".
    Connect(ConnectDialog),
    /// "New User +".
    Invite(InviteDialog),
    /// Edit a user.
    Edit(Box<EditDialog>),
    /// Delete confirmation.
    Delete(DeleteDialog),
    /// Allow / disable local login confirmation.
    LocalLogin(LocalLoginDialog),
    /// Licenses or groups for many users.
    Bulk(BulkDialog),
    /// The CSV import wizard.
    Import(Box<ImportWizard>),
}

impl Modal {
    /// Draws the dialog; returns what it asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        match self {
            Modal::Connect(d) => d.show(ctx, ui),
            Modal::Invite(d) => d.show(ctx, ui),
            Modal::Edit(d) => d.show(ctx, ui),
            Modal::Delete(d) => d.show(ctx, ui),
            Modal::LocalLogin(d) => d.show(ctx, ui),
            Modal::Bulk(d) => d.show(ctx, ui),
            Modal::Import(w) => w.show(ctx, ui),
        }
    }

    /// The import wizard, when it is the open dialog.
    pub fn import(&self) -> Option<&ImportWizard> {
        match self {
            Modal::Import(w) => Some(w),
            _ => None,
        }
    }

    /// The import wizard, to change it.
    pub fn import_mut(&mut self) -> Option<&mut ImportWizard> {
        match self {
            Modal::Import(w) => Some(w),
            _ => None,
        }
    }

    /// The connect dialog, when it is the open dialog.
    pub fn connect(&self) -> Option<&ConnectDialog> {
        match self {
            Modal::Connect(d) => Some(d),
            _ => None,
        }
    }

    /// The edit dialog, when it is the open dialog.
    pub fn edit(&self) -> Option<&EditDialog> {
        match self {
            Modal::Edit(d) => Some(d),
            _ => None,
        }
    }

    /// Its name, for tests and the log ("invite", "edit"…).
    pub fn name(&self) -> &'static str {
        match self {
            Modal::Connect(_) => "connect",
            Modal::Invite(_) => "invite",
            Modal::Edit(_) => "edit",
            Modal::Delete(_) => "delete",
            Modal::LocalLogin(_) => "local login",
            Modal::Bulk(_) => "bulk",
            Modal::Import(_) => "import",
        }
    }
}
