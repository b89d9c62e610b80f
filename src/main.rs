//! Roster: a native desktop admin client for an organisation's users.
//!
//! Without a subcommand it opens the window; with one it runs headless on the same
//! engine (`roster users list`, `roster sync`, `roster profile …`).

use std::process::ExitCode;

use clap::Parser;
use roster::app::{AppConfig, RosterApp, StartMode};
use roster::cli::{self, Args};
use roster::diagnostics::{crash_report, logging};

/// Makes Roster panic on purpose, so that the tests and the package check see the
/// crash report path work end to end: `frame` panics in the window's first frame (on
/// the UI thread, inside the event loop), anything else right after start-up.
const DELIBERATE_PANIC: &str = "ROSTER_DELIBERATE_PANIC";

/// The app, panicking after drawing its first frame (`ROSTER_DELIBERATE_PANIC=frame`).
struct PanicInFirstFrame(RosterApp);

impl eframe::App for PanicInFirstFrame {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.0.ui(ui, frame);
        panic!("deliberate panic in a frame ({DELIBERATE_PANIC}=frame)");
    }
}

fn main() -> ExitCode {
    // --help and --version exit here, before any file is touched.
    let args = Args::parse();
    let log_dir = roster::paths::log_dir();
    let (stderr, notice) = match args.command {
        Some(_) => (logging::Stderr::Command, crash_report::Notice::Terminal),
        None => (logging::Stderr::Window, crash_report::Notice::Dialog),
    };
    // Kept until main returns: dropping it flushes the log file.
    let _log = logging::init(log_dir.as_deref().ok(), stderr);
    match &log_dir {
        Ok(dir) => crash_report::install(dir.clone(), notice),
        // Without a data directory the default hook (stderr) is all there is.
        Err(message) => tracing::warn!("{message}: crash reports go to stderr only"),
    }
    tracing::info!(
        "Roster {} started ({})",
        env!("CARGO_PKG_VERSION"),
        if args.command.is_some() {
            "command line"
        } else {
            "window"
        }
    );
    let panic_in_frame = match std::env::var_os(DELIBERATE_PANIC) {
        Some(v) if v == "frame" && args.command.is_none() => true,
        Some(_) => panic!("deliberate panic ({DELIBERATE_PANIC} is set)"),
        None => false,
    };
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
            .with_app_id(roster::APP_ID)
            .with_inner_size([1440.0, 880.0])
            .with_min_inner_size([900.0, 560.0]),
        // The app id would otherwise also name eframe's settings folder: keep it where
        // it is (and where the About window and the README say).
        persistence_path: roster::paths::window_settings_file(),
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
        Box::new(move |cc| {
            let app = RosterApp::new(cc, config);
            Ok(if panic_in_frame {
                Box::new(PanicInFirstFrame(app))
            } else {
                Box::new(app)
            })
        }),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: could not open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
