//! Controls for what a server may lack (the Roster extension, licenses,
//! invitations): shown disabled, with the reason on hover, instead of offered and
//! refused by the server.

use roster_core::client::{Capabilities, Feature, FeatureState};

/// Why the server cannot hold `feature`, for a disabled control's tooltip; `None`
/// when it can, or when nothing is known about the server yet.
pub fn lacking(capabilities: Option<&Capabilities>, feature: Feature) -> Option<String> {
    let c = capabilities?;
    if c.has(feature) {
        return None;
    }
    let what = match feature {
        Feature::RosterExtension => {
            "This server does not have Roster's extension of users, so it cannot hold the \
             administrator role, local login or last connection."
        }
        Feature::Licenses => "This server has no licenses.",
        Feature::Invitations => "This server sends no invitation emails.",
        _ => "This server does not support it.",
    };
    Some(match c.state(feature) {
        FeatureState::Downgraded(why) => format!("{what} (It refused it: {why})"),
        _ => what.to_owned(),
    })
}

/// What the server lacks among the features the window offers, with the reasons:
/// worked out once per frame, when the app builds the views' context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lacking {
    /// Why there is no administrator role, local login or last connection.
    pub roster_extension: Option<String>,
    /// Why there are no licenses.
    pub licenses: Option<String>,
    /// Why there are no invitations to resend.
    pub invitations: Option<String>,
}

impl Lacking {
    /// What `capabilities` lack; nothing when nothing is known yet.
    pub fn of(capabilities: Option<&Capabilities>) -> Self {
        Self {
            roster_extension: lacking(capabilities, Feature::RosterExtension),
            licenses: lacking(capabilities, Feature::Licenses),
            invitations: lacking(capabilities, Feature::Invitations),
        }
    }
}

/// Adds `widget`, enabled only when the server has what it needs; otherwise
/// disabled (so its value stays as it is) with `lacking` on hover.
pub fn offer(
    ui: &mut egui::Ui,
    lacking: Option<&str>,
    widget: impl egui::Widget,
) -> egui::Response {
    let response = ui.add_enabled(lacking.is_none(), widget);
    match lacking {
        Some(why) => response.on_disabled_hover_text(why),
        None => response,
    }
}

/// A checkbox for what the server may lack (see [`offer`]).
pub fn checkbox(
    ui: &mut egui::Ui,
    lacking: Option<&str>,
    value: &mut bool,
    text: &str,
) -> egui::Response {
    offer(ui, lacking, egui::Checkbox::new(value, text))
}

/// A menu or toolbar button for what the server may lack (see [`offer`]).
pub fn button(ui: &mut egui::Ui, lacking: Option<&str>, text: &str) -> egui::Response {
    offer(ui, lacking, egui::Button::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_known_offers_everything() {
        assert_eq!(lacking(None, Feature::Licenses), None);
    }

    #[test]
    fn a_bare_server_lacks_the_extension_licenses_and_invitations() {
        let bare = Capabilities::minimal();
        for feature in [Feature::Licenses, Feature::Invitations] {
            assert!(lacking(Some(&bare), feature).is_some());
        }
        let why = lacking(Some(&bare), Feature::RosterExtension).unwrap_or_default();
        assert!(why.contains("administrator role"), "{why}");
    }

    #[test]
    fn a_downgrade_says_what_the_server_answered() {
        let mut c = Capabilities::minimal();
        c.licenses = true;
        c.downgrades
            .insert(Feature::Licenses, "GET /Licenses answered 501".to_owned());
        let why = lacking(Some(&c), Feature::Licenses).unwrap_or_default();
        assert!(why.contains("answered 501"), "{why}");
    }
}
