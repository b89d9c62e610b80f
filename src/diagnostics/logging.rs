//! Logging: `tracing` to stderr and to a daily rolling file in the log directory.

use std::io::IsTerminal as _;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Daily files kept: two weeks is enough to look back at a problem someone reports.
const KEPT_FILES: usize = 14;

/// What the file gets unless `RUST_LOG` says otherwise.
const FILE_FILTER: &str = "roster=info,roster_core=warn,roster_server=warn";

/// Who reads stderr decides what goes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// The window's terminal, if any: the same as the file.
    Window,
    /// A command whose stderr a script or a person reads: warnings and errors only;
    /// the command prints its own messages.
    Command,
}

/// Keeps the file writer's background thread alive; dropping it flushes the file.
/// Hold it until `main` returns.
#[must_use = "dropping the guard stops writing the log file"]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// Starts logging to stderr and, when `log_dir` is given and usable, to
/// `roster.YYYY-MM-DD.log` there. A log directory that cannot be used is reported on
/// stderr and logging goes on without the file: a missing log must not stop Roster.
/// `RUST_LOG`, when set, decides for both.
pub fn init(log_dir: Option<&Path>, stderr: Stderr) -> LogGuard {
    let filter = |default: &str| {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    };
    let stderr_default = match stderr {
        Stderr::Window => FILE_FILTER,
        Stderr::Command => "warn",
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter(stderr_default));
    let (file, guard, problem) = match log_dir.map(open_file) {
        Some(Ok(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter(FILE_FILTER));
            (Some(layer), Some(guard), None)
        }
        Some(Err(problem)) => (None, None, Some(problem)),
        None => (None, None, None),
    };
    // Another subscriber may already be set (a test calling this twice): keep it.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    if let Some(problem) = problem {
        tracing::warn!("{problem}; logging to stderr only");
    }
    LogGuard { _file: guard }
}

fn open_file(dir: &Path) -> Result<RollingFileAppender, String> {
    // The appender looks for old files to prune before it creates the directory.
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("roster")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|e| format!("cannot write logs in {}: {e}", dir.display()))
}
