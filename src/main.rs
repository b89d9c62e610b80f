//! Roster: a native desktop admin client for an organisation's users.
//!
//! Without a subcommand it opens the window; with one it runs headless on the same
//! engine (`roster users list`, `roster sync`, `roster profile …`).

use std::process::ExitCode;

use clap::Parser;
use roster::app::{AppConfig, RosterApp, StartMode};
use roster::cli;

/// Roster: see, invite, edit, remove and import your organisation's users.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Open the embedded demo organisation.
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<cli::Command>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "roster=info,roster_core=warn,roster_server=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if let Some(command) = args.command {
        return cli::run(command);
    }
    let mut viewport = egui::ViewportBuilder::default().with_title("Roster");
    // A broken icon must not keep the window from opening.
    match eframe::icon_data::from_png_bytes(include_bytes!("../assets/icons/roster-256.png")) {
        Ok(icon) => viewport = viewport.with_icon(std::sync::Arc::new(icon)),
        Err(e) => tracing::warn!("window icon unreadable: {e}"),
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_inner_size([1440.0, 880.0])
            .with_min_inner_size([900.0, 560.0]),
        ..Default::default()
    };
    let start = if args.demo {
        StartMode::Demo
    } else {
        StartMode::LastUsed
    };
    let config = match AppConfig::system(start) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("roster: {message}");
            return ExitCode::FAILURE;
        }
    };
    match eframe::run_native(
        "Roster",
        options,
        Box::new(|cc| Ok(Box::new(RosterApp::new(cc, config)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: could not open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
