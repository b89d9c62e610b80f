//! Checkbox lists of licenses (with seats left) and groups.

use std::collections::BTreeSet;

use roster_core::model::{Group, GroupId, License, LicenseId};

/// One checkbox per license, "Office Suite (12 seats left)"; a license without free
/// seats cannot be newly ticked.
pub fn licenses(ui: &mut egui::Ui, all: &[License], chosen: &mut BTreeSet<LicenseId>) {
    if all.is_empty() {
        ui.label(egui::RichText::new("This organisation has no licenses.").weak());
    }
    for license in all {
        let mut on = chosen.contains(&license.id);
        let text = format!("{} ({} seats left)", license.name, license.seats_left());
        let enabled = on || license.seats_left() > 0;
        if ui
            .add_enabled(enabled, egui::Checkbox::new(&mut on, text))
            .changed()
        {
            toggle(chosen, &license.id, on);
        }
    }
}

/// One checkbox per group.
pub fn groups(ui: &mut egui::Ui, all: &[Group], chosen: &mut BTreeSet<GroupId>) {
    if all.is_empty() {
        ui.label(egui::RichText::new("This organisation has no groups.").weak());
    }
    for group in all {
        let mut on = chosen.contains(&group.id);
        if ui.checkbox(&mut on, &group.name).changed() {
            toggle(chosen, &group.id, on);
        }
    }
}

fn toggle<T: Ord + Clone>(set: &mut BTreeSet<T>, item: &T, on: bool) {
    if on {
        set.insert(item.clone());
    } else {
        set.remove(item);
    }
}

/// Lists of a few names: "a, b, c and 7 more".
pub fn some_names<'a>(names: impl Iterator<Item = &'a str>, count: usize) -> String {
    const SHOWN: usize = 5;
    let first: Vec<&str> = names.take(SHOWN).collect();
    if count > SHOWN {
        format!("{} and {} more", first.join(", "), count - SHOWN)
    } else {
        first.join(", ")
    }
}
