//! Colours and spacing, in one place.

use egui::{Color32, Context, ThemePreference, Visuals};

/// Space between groups of controls.
pub const GAP: f32 = 8.0;
/// Height of a grid row.
pub const ROW_HEIGHT: f32 = 22.0;
/// Height of the grid header.
pub const HEADER_HEIGHT: f32 = 26.0;
/// Width of the side panel.
pub const SIDE_PANEL_WIDTH: f32 = 240.0;

/// Follows the system's light or dark theme.
pub fn apply(ctx: &Context) {
    ctx.set_theme(ThemePreference::System);
}

/// The green of a check mark (yes).
pub fn yes(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(87, 196, 108)
    } else {
        Color32::from_rgb(30, 132, 53)
    }
}

/// The red of a cross (no).
pub fn no(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(240, 105, 100)
    } else {
        Color32::from_rgb(190, 40, 40)
    }
}

/// The amber of warnings (offline, pending changes).
pub fn warning(visuals: &Visuals) -> Color32 {
    visuals.warn_fg_color
}

/// The background of the "Demo organisation" badge.
pub fn badge(visuals: &Visuals) -> Color32 {
    visuals.selection.bg_fill
}
