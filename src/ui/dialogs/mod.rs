//! The dialogs of user actions. Each file holds one dialog's state and draws it from
//! a [`ViewContext`]; what it sends it asks for as an [`Intent::Submit`], which the
//! app hands to the engine and its outbox. The job window and the undo bar follow
//! the batches that were sent.

pub mod bulk_dialog;
pub mod choices;
pub mod delete_dialog;
pub mod edit_dialog;
pub mod invite_dialog;
pub mod job_window;
pub mod local_login_dialog;
pub mod undo_bar;

use roster_core::actions::Lockout;
use roster_core::engine::BatchId;

use crate::activity::Tone;
use crate::connection::jobs::Job;
use crate::ui::context::ViewContext;
use crate::ui::intent::Intent;
use crate::ui::theme;

/// A modal dialog hanging from the top of the window: it grows downwards as messages
/// appear, so its fields never move under the pointer (a centred one would).
pub(crate) fn modal(name: &str) -> egui::Modal {
    let id = egui::Id::unique(name);
    egui::Modal::new(id)
        .area(egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 72.0)))
}

/// Where a dialog's batch is.
pub(crate) enum Sending {
    /// The server has not answered every change yet.
    Going,
    /// Offline: the changes wait in the outbox (the pending changes list and the log
    /// follow them); the dialog can close.
    QueuedOffline,
    /// Every change has an outcome; the job is no longer followed.
    Finished(Job),
}

/// Follows a dialog's batch; `None` when it is not known (not sent after all, or no
/// longer followed). The intents say what following it asks (forget a finished job,
/// tell that an offline one is queued).
pub(crate) fn follow(ctx: &ViewContext, batch: BatchId) -> Option<(Sending, Vec<Intent>)> {
    let job = ctx.jobs.get(batch)?.clone();
    if job.finished() {
        return Some((Sending::Finished(job), vec![Intent::ForgetJob(batch)]));
    }
    if job.queued && !ctx.online() {
        let told = format!(
            "{}: queued; it will be sent when the connection returns.",
            job.title
        );
        return Some((
            Sending::QueuedOffline,
            vec![Intent::ForgetJob(batch), Intent::notify(Tone::Info, told)],
        ));
    }
    Some((Sending::Going, Vec::new()))
}

/// A problem under the field it concerns, in the error colour.
pub(crate) fn field_problem(ui: &mut egui::Ui, problem: Option<&str>) {
    if let Some(text) = problem {
        let color = ui.visuals().error_fg_color;
        ui.label(egui::RichText::new(text).color(color));
    }
}

/// Whom an action is about: the first few names, "and N more", and how many of
/// them the current search and filters hide (they are acted on too).
pub(crate) fn whom(ui: &mut egui::Ui, users: &[roster_core::model::User], hidden: usize) {
    let names = choices::some_names(users.iter().map(|u| u.user_name.as_str()), users.len());
    ui.label(egui::RichText::new(names).weak());
    if hidden > 0 {
        let text = match (hidden, users.len()) {
            (1, 1) => "This user is hidden by the current search and filters.".to_owned(),
            (h, n) if h == n => {
                format!("All {n} of them are hidden by the current search and filters.")
            }
            (h, _) => format!(
                "{} hidden by the current search and filters.",
                crate::words::count(h, "of them is", "of them are")
            ),
        };
        warning(ui, &text);
    }
}

/// What a change would leave of the organisation's administrators, said under the
/// form: a refusal, or the warning with the confirmation that changing your own
/// account needs (`confirm`, kept in `confirmed`). Returns whether the change may
/// be sent.
pub(crate) fn lockout_notice(
    ui: &mut egui::Ui,
    lockout: Lockout,
    confirm: &str,
    confirmed: &mut bool,
) -> bool {
    if lockout != Lockout::Yourself {
        // A confirmation given for another plan does not carry over.
        *confirmed = false;
    }
    let Some(text) = lockout.message() else {
        return true;
    };
    if lockout.refused() {
        error(ui, text);
        return false;
    }
    warning(ui, text);
    ui.checkbox(confirmed, confirm);
    *confirmed
}

/// A warning line.
pub(crate) fn warning(ui: &mut egui::Ui, text: &str) {
    let color = theme::warning(ui.visuals());
    ui.label(egui::RichText::new(format!("⚠ {text}")).color(color));
}

/// An error block (a refusal that concerns no single field).
pub(crate) fn error(ui: &mut egui::Ui, text: &str) {
    let color = ui.visuals().error_fg_color;
    ui.label(egui::RichText::new(text).color(color));
}

/// A single-line text field with a visible label the field is labelled by.
pub(crate) fn text_field(ui: &mut egui::Ui, label: &str, text: &mut String) -> egui::Response {
    ui.horizontal(|ui| {
        let l = ui.add_sized([110.0, 20.0], egui::Label::new(label));
        ui.add(egui::TextEdit::singleline(text).desired_width(300.0))
            .labelled_by(l.id)
    })
    .inner
}

/// Whether Enter (or Ctrl+Enter) was pressed: the dialog's default button. Taken
/// before the fields are drawn, so that Enter never toggles the focused checkbox.
pub(crate) fn enter_pressed(ui: &mut egui::Ui) -> bool {
    ui.input_mut(|i| {
        let plain = i.consume_key(egui::Modifiers::NONE, egui::Key::Enter);
        let command = i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter);
        plain || command
    })
}

/// Puts the keyboard in `field` the first time the dialog is drawn (`done` keeps
/// that it was), so that the first keys typed are not lost.
pub(crate) fn focus_first(field: &egui::Response, done: &mut bool) {
    if !*done {
        field.request_focus();
        *done = true;
    }
}

/// The dialog's bottom row: Cancel on the left of the main button.
pub(crate) fn buttons(ui: &mut egui::Ui, primary: &str, enabled: bool) -> (bool, bool) {
    ui.separator();
    ui.horizontal(|ui| {
        let cancel = ui.button("Cancel").clicked();
        let apply = ui
            .add_enabled(enabled, egui::Button::new(primary))
            .clicked();
        (cancel, apply)
    })
    .inner
}
