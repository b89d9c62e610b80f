//! Licenses or groups for many users at once: add or remove, with seats left shown
//! and a clear refusal when seats would not suffice.

use std::collections::BTreeSet;

use roster_core::actions::bulk;
use roster_core::model::{Change, GroupId, LicenseId, User};

use super::{buttons, choices, enter_pressed, error};
use crate::activity::Tone;
use crate::connection::jobs::{Origin, new_batch_id};
use crate::ui::context::ViewContext;
use crate::ui::intent::{Intent, Outcome, Submission};
use crate::words;

/// What the dialog assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Licenses,
    Groups,
}

/// The bulk dialog's state.
pub struct BulkDialog {
    /// Licenses or groups.
    pub target: Target,
    /// The users.
    pub users: Vec<User>,
    /// Add (`true`) or remove.
    pub add: bool,
    /// Licenses ticked.
    pub licenses: BTreeSet<LicenseId>,
    /// Groups ticked.
    pub groups: BTreeSet<GroupId>,
    /// How many of the users the grid's search and filters hide.
    pub hidden: usize,
    refused: Option<String>,
}

impl BulkDialog {
    /// Licenses for `users`.
    pub fn licenses(users: Vec<User>) -> Self {
        Self::new(Target::Licenses, users)
    }

    /// Groups for `users`.
    pub fn groups(users: Vec<User>) -> Self {
        Self::new(Target::Groups, users)
    }

    fn new(target: Target, users: Vec<User>) -> Self {
        Self {
            target,
            users,
            add: true,
            licenses: BTreeSet::new(),
            groups: BTreeSet::new(),
            hidden: 0,
            refused: None,
        }
    }

    /// Says that `hidden` of the users are not shown in the grid.
    pub fn with_hidden(mut self, hidden: usize) -> Self {
        self.hidden = hidden;
        self
    }

    /// The changes to send, or why not.
    fn plan(&self, ctx: &ViewContext) -> Result<Vec<Change>, String> {
        let refs: Vec<&User> = self.users.iter().collect();
        let licenses: Vec<LicenseId> = self.licenses.iter().cloned().collect();
        let groups: Vec<GroupId> = self.groups.iter().cloned().collect();
        match (self.target, self.add) {
            (Target::Licenses, true) => {
                bulk::add_licenses(&refs, &licenses, &ctx.org.licenses).map_err(|e| e.to_string())
            }
            (Target::Licenses, false) => Ok(bulk::remove_licenses(&refs, &licenses)),
            (Target::Groups, true) => Ok(bulk::add_to_groups(&refs, &groups)),
            (Target::Groups, false) => Ok(bulk::remove_from_groups(&refs, &groups)),
        }
    }
}

impl BulkDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        show(self, ctx, ui)
    }
}

fn show(dialog: &mut BulkDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    let count = dialog.users.len();
    let what = match dialog.target {
        Target::Licenses => "licenses",
        Target::Groups => "groups",
    };
    let chosen = match dialog.target {
        Target::Licenses => !dialog.licenses.is_empty(),
        Target::Groups => !dialog.groups.is_empty(),
    };
    let mut close = false;
    let mut apply = false;
    let response = super::modal("bulk_dialog").show(ui.ctx(), |ui| {
        ui.set_width(440.0);
        let enter = enter_pressed(ui);
        ui.heading(format!("{} for {}", capitalised(what), words::users(count)));
        super::whom(ui, &dialog.users, dialog.hidden);
        ui.horizontal(|ui| {
            if ui.radio(dialog.add, format!("Add {what}")).clicked() {
                dialog.add = true;
                dialog.refused = None;
            }
            if ui.radio(!dialog.add, format!("Remove {what}")).clicked() {
                dialog.add = false;
                dialog.refused = None;
            }
        });
        ui.add_space(4.0);
        let before = (dialog.licenses.clone(), dialog.groups.clone());
        match dialog.target {
            Target::Licenses => {
                choices::licenses(ui, &ctx.org.licenses, &mut dialog.licenses);
                if !dialog.add {
                    ui.label(
                        egui::RichText::new(
                            "Licenses that come from a group stay until the user leaves the group.",
                        )
                        .weak(),
                    );
                }
            }
            Target::Groups => choices::groups(ui, &ctx.org.groups, &mut dialog.groups),
        }
        if before != (dialog.licenses.clone(), dialog.groups.clone()) {
            dialog.refused = None;
        }
        if let Some(r) = &dialog.refused {
            error(ui, r);
        }
        let verb = if dialog.add { "Add" } else { "Remove" };
        let (cancel, ok) = buttons(ui, verb, chosen);
        close = cancel;
        apply = ok || (enter && chosen);
    });
    if response.should_close() {
        close = true;
    }
    if apply {
        match dialog.plan(ctx) {
            Err(refused) => dialog.refused = Some(refused),
            Ok(changes) if changes.is_empty() => {
                return Outcome::close_with(Intent::notify(
                    Tone::Info,
                    "Nothing to change: the users already are that way.",
                ));
            }
            Ok(changes) => {
                let title = format!(
                    "{} {what} {} {}",
                    if dialog.add { "Add" } else { "Remove" },
                    if dialog.add { "to" } else { "from" },
                    words::users(count)
                );
                return Outcome::close_with(Intent::Submit(Submission {
                    batch: new_batch_id(),
                    title,
                    origin: Origin::Bulk,
                    changes,
                    delay: None,
                }));
            }
        }
    }
    if close { Outcome::Close } else { Outcome::Keep }
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
