//! The demo organisation window: starts the reference server in-process and shows
//! the organisation it serves.

use std::sync::mpsc;

use roster_proto::ListResponse;
use roster_proto::resources::{LicenseResource, OrganisationResource};
use roster_server::{Server, ServerConfig};

/// What the demo organisation holds, as read over its API.
struct Overview {
    // Serving stops when the server handle is dropped, so the overview keeps it.
    _server: Server,
    base_url: String,
    organisation: OrganisationResource,
    users: u64,
    groups: u64,
    licenses: Vec<LicenseResource>,
}

enum State {
    Starting,
    Ready(Box<Overview>),
    Failed(String),
}

/// The first window.
pub struct DemoApp {
    state: State,
    events: mpsc::Receiver<Result<Overview, String>>,
    // Owns the server task; dropping the runtime stops the server with the window.
    _runtime: Option<tokio::runtime::Runtime>,
}

impl DemoApp {
    /// Starts the demo server on a background runtime; the window never waits for it.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let (tx, events) = mpsc::channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build();
        let runtime = match runtime {
            Ok(rt) => rt,
            Err(e) => {
                return Self {
                    state: State::Failed(format!("cannot start background threads: {e}")),
                    events,
                    _runtime: None,
                };
            }
        };
        let ctx = cc.egui_ctx.clone();
        runtime.spawn(async move {
            let result = start_demo().await;
            let _ = tx.send(result);
            ctx.request_repaint();
        });
        Self {
            state: State::Starting,
            events,
            _runtime: Some(runtime),
        }
    }
}

async fn start_demo() -> Result<Overview, String> {
    let dirs = directories::ProjectDirs::from("org", "Roster", "Roster")
        .ok_or("no home directory to keep the demo organisation in")?;
    let data = dirs.data_dir();
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let mut config = ServerConfig::local(data.join("demo-organisation.db"));
    config.seed_demo = true;
    let server = Server::start(config).await.map_err(|e| e.to_string())?;
    let token = server
        .db()
        .write(|c| {
            let admin = roster_server::seed::ensure_admin(c)?;
            roster_server::seed::token_for(c, &admin, "desktop demo")
        })
        .await
        .map_err(|e| e.detail)?;
    let base_url = server.base_url();
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{base_url}{path}"))
            .bearer_auth(&token)
            .send()
    };
    let organisation: OrganisationResource = fetch(get("/Organisation").await).await?;
    let users: ListResponse<serde_json::Value> = fetch(get("/Users?count=0").await).await?;
    let groups: ListResponse<serde_json::Value> = fetch(get("/Groups?count=0").await).await?;
    let licenses: ListResponse<LicenseResource> = fetch(get("/Licenses").await).await?;
    Ok(Overview {
        _server: server,
        base_url,
        organisation,
        users: users.total_results,
        groups: groups.total_results,
        licenses: licenses.resources,
    })
}

async fn fetch<T: serde::de::DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, String> {
    let response = response.map_err(|e| format!("the demo server did not answer: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the demo server answered {status}"));
    }
    response
        .json()
        .await
        .map_err(|e| format!("unexpected answer from the demo server: {e}"))
}

impl eframe::App for DemoApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Ok(result) = self.events.try_recv() {
            self.state = match result {
                Ok(overview) => State::Ready(Box::new(overview)),
                Err(message) => State::Failed(message),
            };
        }
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Roster");
                ui.label(
                    egui::RichText::new(" Demo organisation ")
                        .strong()
                        .background_color(ui.visuals().selection.bg_fill),
                );
            });
        });
        egui::CentralPanel::default().show(ui, |ui| match &self.state {
            State::Starting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Starting the demo organisation…");
                });
            }
            State::Failed(message) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("The demo organisation could not start: {message}"),
                );
            }
            State::Ready(o) => {
                ui.heading(&o.organisation.name);
                ui.label(format!("Served at {}", o.base_url));
                ui.label(format!(
                    "Authorized domains: {}",
                    o.organisation.authorized_domains.join(", ")
                ));
                ui.label(format!("{} users in {} groups", o.users, o.groups));
                ui.separator();
                for l in &o.licenses {
                    ui.label(format!(
                        "{}: {} of {} seats assigned",
                        l.name, l.seats_assigned, l.seats
                    ));
                }
            }
        });
    }
}
