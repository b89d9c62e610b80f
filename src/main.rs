//! Roster: a native desktop admin client for an organisation's users.
//!
//! This first window opens the embedded demo organisation (the reference server,
//! in-process on 127.0.0.1) and shows what it holds; the users grid builds on it.

mod demo;

use std::process::ExitCode;

use clap::Parser;

/// Roster: see, invite, edit, remove and import your organisation's users.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Open the embedded demo organisation.
    #[arg(long)]
    demo: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "roster=info,roster_server=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let _args = Args::parse();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Roster")
            .with_inner_size([1100.0, 700.0]),
        ..Default::default()
    };
    match eframe::run_native(
        "Roster",
        options,
        Box::new(|cc| Ok(Box::new(demo::DemoApp::new(cc)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: could not open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
