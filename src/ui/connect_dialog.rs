//! "Connect your organisation": name, base URL, API token, optional CA certificate;
//! "Test connection" shows what the server supports; the token goes to the keyring,
//! or, only if the user chooses it, to a private file.

use std::path::PathBuf;

use roster_core::client::{ApiClient, Profile, ServerInfo, Token};
use roster_core::profiles::{self, ProfileSettings, TokenPlace};

use super::context::ViewContext;
use super::intent::{Intent, Outcome};
use crate::activity::Tone;
use crate::work::{Pending, Poll};

/// The dialog's state.
#[derive(Default)]
pub struct ConnectDialog {
    pub name: String,
    pub url: String,
    pub token: String,
    pub ca_certificate: String,
    /// Keep the token in a private file instead of the keyring.
    pub token_in_file: bool,
    test: Option<Pending<Result<ServerInfo, String>>>,
    /// The last test's outcome.
    pub result: Option<Result<ServerInfo, String>>,
    /// The profile being saved (store and keyring, in the background).
    saving: Option<Pending<Result<String, String>>>,
    /// Why saving failed.
    pub error: Option<String>,
}

impl ConnectDialog {
    fn settings(&self) -> Result<(ProfileSettings, Token), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("Give the connection a name.".to_owned());
        }
        if name == crate::demo_org::DEMO_PROFILE {
            return Err(
                "\"demo\" is the built-in demo organisation; choose another name.".to_owned(),
            );
        }
        let url = self.url.trim().trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(
                "The URL must start with https:// (or http:// for a local server).".to_owned(),
            );
        }
        let token = Token::new(self.token.clone());
        if token.is_empty() {
            return Err("Paste the API token of an Organisation Administrator.".to_owned());
        }
        let ca = self.ca_certificate.trim();
        Ok((
            ProfileSettings {
                name: name.to_owned(),
                base_url: url.to_owned(),
                ca_certificate: (!ca.is_empty()).then(|| PathBuf::from(ca)),
                token_place: if self.token_in_file {
                    TokenPlace::File
                } else {
                    TokenPlace::Keyring
                },
            },
            token,
        ))
    }
}

fn profile_for(settings: &ProfileSettings, token: &Token) -> Result<Profile, String> {
    let ca_certificate_pem = match &settings.ca_certificate {
        None => None,
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            format!(
                "The CA certificate {} could not be read: {e}",
                path.display()
            )
        })?),
    };
    Ok(Profile {
        name: settings.name.clone(),
        base_url: settings.base_url.clone(),
        token: token.clone(),
        ca_certificate_pem,
    })
}

impl ConnectDialog {
    /// Draws the dialog; returns what the administrator asked.
    pub fn show(&mut self, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
        show(self, ctx, ui)
    }
}

fn show(dialog: &mut ConnectDialog, ctx: &ViewContext, ui: &mut egui::Ui) -> Outcome {
    if let Some(test) = &dialog.test {
        match test.poll() {
            Poll::Busy => {}
            Poll::Ready(result) => {
                dialog.test = None;
                dialog.result = Some(result);
            }
            Poll::Lost => {
                dialog.test = None;
                dialog.result = Some(Err(
                    "The connection test stopped unexpectedly; try again.".to_owned()
                ));
            }
        }
    }
    if let Some(saving) = &dialog.saving {
        match saving.poll() {
            Poll::Busy => {}
            Poll::Ready(Ok(name)) => {
                dialog.saving = None;
                return Outcome::close_with(Intent::All(vec![
                    Intent::notify(Tone::Success, format!("Saved {name}")),
                    Intent::ReloadProfiles,
                    Intent::OpenProfile(name),
                ]));
            }
            Poll::Ready(Err(message)) => {
                dialog.saving = None;
                dialog.error = Some(message);
            }
            Poll::Lost => {
                dialog.saving = None;
                dialog.error = Some("Saving stopped unexpectedly; try again.".to_owned());
            }
        }
    }
    let keyring = ctx.work.secrets().keyring_status();
    let mut close = false;
    let mut save = false;
    let mut test = false;
    let modal = egui::Modal::new(egui::Id::unique("connect_dialog")).show(ui.ctx(), |ui| {
        ui.set_width(460.0);
        ui.heading("Connect your organisation");
        ui.add_space(6.0);
        egui::Grid::new("connect_fields").num_columns(2).show(ui, |ui| {
            field(ui, "Name", &mut dialog.name, "e.g. acme", false);
            field(ui, "Base URL", &mut dialog.url, "https://admin.example.com/scim/v2", false);
            field(ui, "API token", &mut dialog.token, "token of an Organisation Administrator", true);
            field(ui, "CA certificate (optional)", &mut dialog.ca_certificate, "path to a PEM file", false);
        });
        ui.add_space(6.0);
        match &keyring {
            Ok(()) => {
                ui.checkbox(&mut dialog.token_in_file, "Keep the token in a private file instead of the system keyring");
            }
            Err(e) => {
                ui.colored_label(ui.visuals().warn_fg_color, e.to_string());
                ui.checkbox(&mut dialog.token_in_file, "Keep the token in a file only my account can read");
            }
        }
        if dialog.test.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Testing the connection…");
            });
        }
        if dialog.saving.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Saving…");
            });
        }
        match &dialog.result {
            Some(Ok(info)) => {
                let c = &info.capabilities;
                let yes = |b: bool| if b { "yes" } else { "no" };
                let org = info.organisation.as_ref().map_or("a SCIM server", |o| o.name.as_str());
                ui.colored_label(super::theme::yes(ui.visuals()), format!("Connected to {org}."));
                ui.label(format!(
                    "Bulk: {} · ETags: {} · Filters: {} · Sorting: {} · Roster extension: {} · Licenses: {}",
                    yes(c.bulk.is_some()), yes(c.etag), yes(c.filter), yes(c.sort),
                    yes(c.roster_extension), yes(c.licenses)
                ));
            }
            Some(Err(message)) => {
                ui.colored_label(super::theme::no(ui.visuals()), message);
            }
            None => {}
        }
        if let Some(error) = &dialog.error {
            ui.colored_label(super::theme::no(ui.visuals()), error);
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            test = ui.button("Test connection").clicked();
            save = ui
                .add_enabled(dialog.saving.is_none(), egui::Button::new("Save and open"))
                .clicked();
            close = ui.button("Cancel").clicked();
        });
    });
    if modal.should_close() {
        close = true;
    }
    if test {
        match dialog.settings().and_then(|(s, t)| profile_for(&s, &t)) {
            Err(message) => dialog.result = Some(Err(message)),
            Ok(profile) => {
                dialog.result = None;
                dialog.test = Some(ctx.work.run(async move {
                    match ApiClient::new(&profile) {
                        Ok(client) => client.connect().await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    }
                }));
            }
        }
    }
    if save {
        match dialog.settings() {
            Err(message) => dialog.error = Some(message),
            Ok((settings, token)) => {
                dialog.error = None;
                dialog.saving = Some(ctx.work.with_store(move |store, secrets| {
                    profiles::save(store, secrets, &settings, &token)
                        .map(|()| settings.name)
                        .map_err(|e| e.to_string())
                }));
            }
        }
    }
    if close { Outcome::Close } else { Outcome::Keep }
}

fn field(ui: &mut egui::Ui, label: &str, value: &mut String, hint: &str, secret: bool) {
    let l = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .hint_text(hint)
            .password(secret)
            .desired_width(300.0),
    )
    .labelled_by(l.id);
    ui.end_row();
}
