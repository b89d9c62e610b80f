//! Toasts as the accessibility tree sees them. egui-notify only paints its
//! notifications, so a screen reader (or a window test) never heard a warning
//! such as "the server returned 4 users twice". Each toast's words are also given
//! to AccessKit, as an alert (warnings, errors) or a status (information,
//! success), for as long as egui-notify shows a toast by default.

use crate::activity::Tone;

/// How long egui-notify shows a toast (its default), in seconds of the window's
/// clock.
const SHOWN_FOR: f64 = 3.5;

/// The words of the toasts showing now.
#[derive(Debug, Default)]
pub struct Spoken {
    notes: Vec<Note>,
}

#[derive(Debug)]
struct Note {
    tone: Tone,
    text: String,
    /// Set when first drawn (the window's clock is not known before).
    until: Option<f64>,
}

impl Spoken {
    /// Says `text` while its toast shows.
    pub fn push(&mut self, tone: Tone, text: String) {
        self.notes.push(Note {
            tone,
            text,
            until: None,
        });
    }

    /// Gives the words of the toasts still showing to AccessKit (nothing is drawn).
    pub fn show(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        self.notes
            .retain_mut(|n| *n.until.get_or_insert(now + SHOWN_FOR) > now);
        if self.notes.is_empty() {
            return;
        }
        egui::Area::new(egui::Id::unique("toast_words"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -36.0])
            .order(egui::Order::Foreground)
            .interactable(false)
            .show(ctx, |ui| {
                for note in &self.notes {
                    let role = match note.tone {
                        Tone::Warning | Tone::Error => egui::Role::Alert,
                        Tone::Info | Tone::Success => egui::Role::Status,
                    };
                    let words = ui.allocate_response(egui::Vec2::ZERO, egui::Sense::hover());
                    words.widget_info(|| egui::WidgetInfo::labeled(role, true, &note.text));
                }
            });
    }
}
