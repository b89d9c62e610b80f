//! Step 3: licenses, groups and local authentication for every imported user, with
//! seats left and a warning when they will not suffice (counted across the file, with
//! the rows' own `licenses` and `groups`).

use roster_core::import;

use crate::connection::Link;
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::ui::supports;
use crate::ui::theme;

use super::jobs::{self, AfterSave};
use super::wizard::{ImportWizard, Step};

pub fn show(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) -> Option<Intent> {
    let ready = wizard.counts.ready;
    let update = wizard.counts.update;
    update_existing(ctx, wizard, ui);
    ui.add_space(6.0);
    ui.label(match ready {
        0 => "New users would get:".to_owned(),
        1 => "The imported user gets:".to_owned(),
        n => format!("Every one of the {n} imported users gets:"),
    });
    let present = &wizard.import.options.columns.present;
    if !present.is_empty() {
        let names: Vec<&str> = present.iter().map(|c| c.column()).collect();
        ui.weak(format!(
            "The file also gives rows their own {}: a row's licenses and groups are added to \
             these, its admin and local_login (when filled) replace the defaults.",
            names.join(", ")
        ));
    }
    ui.add_space(6.0);
    egui::ScrollArea::vertical()
        .max_height((ui.available_height() - 120.0).max(120.0))
        .show(ui, |ui| {
            ui.strong("Licenses");
            let options = &mut wizard.import.options;
            let no_licenses = &ctx.lacks.licenses;
            if let Some(why) = no_licenses {
                ui.weak(why);
                options.licenses.clear();
            } else if ctx.org.licenses.is_empty() {
                ui.weak("The organisation has no licenses.");
            }
            for l in &ctx.org.licenses {
                let mut on = options.licenses.contains(&l.id);
                let text = format!("{} ({} of {} seats left)", l.name, l.seats_left(), l.seats);
                if ui.checkbox(&mut on, text).changed() {
                    options.licenses.retain(|x| *x != l.id);
                    if on {
                        options.licenses.push(l.id.clone());
                    }
                }
            }
            ui.add_space(6.0);
            ui.strong("Groups");
            if ctx.org.groups.is_empty() {
                ui.weak("The organisation has no groups.");
            }
            for g in &ctx.org.groups {
                let mut on = options.groups.contains(&g.id);
                let mut text = g.name.clone();
                if !g.licenses.is_empty() {
                    let names: Vec<&str> = g
                        .licenses
                        .iter()
                        .map(|id| {
                            ctx.org
                                .licenses
                                .iter()
                                .find(|l| l.id == *id)
                                .map_or(id.as_str(), |l| l.name.as_str())
                        })
                        .collect();
                    text.push_str(&format!(" (gives {})", names.join(", ")));
                }
                if ui.checkbox(&mut on, text).changed() {
                    options.groups.retain(|x| *x != g.id);
                    if on {
                        options.groups.push(g.id.clone());
                    }
                }
            }
            ui.add_space(6.0);
            // A server without Roster's extension cannot hold it: off, saying why.
            let extension = ctx.lacks.roster_extension.as_deref();
            if extension.is_some() {
                options.local_login = false;
            }
            supports::checkbox(
                ui,
                extension,
                &mut options.local_login,
                "Local authentication (users may also sign in with a password)",
            );
            if ctx
                .org
                .organisation
                .as_ref()
                .is_some_and(|o| o.identity_provider)
            {
                ui.weak(
                    "The organisation signs in through its identity provider: SSO users need \
                     no local authentication.",
                );
            }
        });
    let shortfalls = import::import_seat_shortfalls(
        &wizard.import.options,
        &wizard.import.rows,
        &wizard.statuses,
        &ctx.org.groups,
        &ctx.org.licenses,
    );
    for s in &shortfalls {
        ui.colored_label(
            theme::warning(ui.visuals()),
            format!("Not enough seats: {s}"),
        );
    }
    if let Link::Offline { .. } = ctx.link {
        ui.colored_label(
            theme::warning(ui.visuals()),
            "Offline: the import starts when the server can be reached. You can also save it \
             for later.",
        );
    }
    super::messages(ui, wizard);
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button("‹ Back").clicked() {
            wizard.step = Step::Preview;
        }
        if ui.button("Save for later").clicked() {
            jobs::save(ctx, wizard, AfterSave::Stay);
        }
        let text = match (ready, update) {
            (_, 0) => format!("Import {}", crate::words::users(ready)),
            (0, n) => format!("Update {}", crate::words::users(n)),
            (r, n) => format!("Import {} and update {n}", crate::words::users(r)),
        };
        if ui
            .add_enabled(ready + update > 0, egui::Button::new(text))
            .clicked()
        {
            jobs::save(ctx, wizard, AfterSave::Submit);
        }
    });
    None
}

/// "Update users who already exist": off, such rows are skipped; on, each says in the
/// preview what it changes. Offered only with a copy of the organisation to compare
/// the rows with.
fn update_existing(ctx: &ViewContext, wizard: &mut ImportWizard, ui: &mut egui::Ui) {
    let lacking = ctx.org.synced_at.is_none().then_some(
        "No copy of the organisation yet: existing users cannot be compared with the \
         file. Connect once (or sync), then check again.",
    );
    let mut on = wizard.import.options.update_existing;
    let changed = supports::checkbox(ui, lacking, &mut on, "Update users who already exist")
        .on_hover_text(
            "Rows of existing users change their names, and their role, local login, \
             licenses and groups where the file's row fills those columns. Off: they are \
             skipped.",
        )
        .changed();
    if changed {
        wizard.set_update_existing(on, ctx.org);
    }
    let c = wizard.counts;
    if wizard.import.options.update_existing {
        ui.weak(format!(
            "{} to update, {} already as the file says (skipped). The options below are for \
             new users only; the preview shows what each update changes.",
            crate::words::users(c.update),
            c.existing
        ));
    } else if c.existing > 0 {
        ui.weak(format!(
            "{} and will be skipped.",
            crate::words::count(c.existing, "user already exists", "users already exist")
        ));
    }
}
