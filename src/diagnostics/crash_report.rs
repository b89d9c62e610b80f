//! Crash reports. A panic anywhere writes a report (message, place, thread, version,
//! system, backtrace) to the log directory and tells the person at the keyboard where
//! it is: in a native dialog when Roster has a window, else on stderr. The window does
//! not just vanish.

use std::backtrace::Backtrace;
use std::io::Write as _;
use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Local};

/// Everything a crash report says.
#[derive(Debug, Clone)]
pub struct CrashReport {
    /// When it happened, local time.
    pub at: DateTime<Local>,
    /// Roster's version.
    pub version: &'static str,
    /// The panicking thread's name.
    pub thread: String,
    /// The panic message.
    pub message: String,
    /// `file:line:column` of the panic, when known.
    pub location: Option<String>,
    /// The backtrace, captured whatever `RUST_BACKTRACE` says.
    pub backtrace: String,
}

impl CrashReport {
    /// The report of the panic being handled, on the current thread.
    pub fn from_panic(info: &PanicHookInfo<'_>) -> Self {
        let message = match info.payload().downcast_ref::<&str>() {
            Some(s) => (*s).to_owned(),
            None => match info.payload().downcast_ref::<String>() {
                Some(s) => s.clone(),
                None => "(a panic without a message)".to_owned(),
            },
        };
        Self {
            at: Local::now(),
            version: env!("CARGO_PKG_VERSION"),
            thread: std::thread::current()
                .name()
                .unwrap_or("(unnamed)")
                .to_owned(),
            message,
            location: info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
            backtrace: from_the_panic(&Backtrace::force_capture().to_string()),
        }
    }

    /// The report as the text written to the file.
    pub fn render(&self) -> String {
        format!(
            "Roster crash report\n\
             \n\
             Please attach this file when you report the problem.\n\
             \n\
             time:     {}\n\
             version:  {}\n\
             system:   {} {}\n\
             thread:   {}\n\
             location: {}\n\
             message:  {}\n\
             \n\
             backtrace:\n{}\n",
            self.at.format("%Y-%m-%d %H:%M:%S %:z"),
            self.version,
            std::env::consts::OS,
            std::env::consts::ARCH,
            self.thread,
            self.location.as_deref().unwrap_or("unknown"),
            self.message,
            self.backtrace,
        )
    }

    /// The file name: the time, then the process id so that two Roster processes
    /// crashing in the same second do not collide.
    fn file_stem(&self) -> String {
        format!(
            "crash-{}-{}",
            self.at.format("%Y%m%d-%H%M%S"),
            std::process::id()
        )
    }
}

/// The backtrace from the panicking code on: the frames of the hook and of the
/// standard library's panic machinery above it say nothing about the crash.
fn from_the_panic(backtrace: &str) -> String {
    let lines: Vec<&str> = backtrace.lines().collect();
    let is_frame = |l: &str| {
        let t = l.trim_start();
        t.split_once(": ")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let machinery = [
        "core::panicking::",
        "std::panicking::",
        "rust_begin_unwind",
        "__rust_end_short_backtrace",
    ];
    let is_machinery = |l: &str| is_frame(l) && machinery.iter().any(|m| l.contains(m));
    // The first run of machinery frames from the top; the crash is right below it.
    let Some(first) = lines.iter().position(|l| is_machinery(l)) else {
        return backtrace.to_owned();
    };
    let Some(start) = (first..lines.len()).find(|&i| is_frame(lines[i]) && !is_machinery(lines[i]))
    else {
        return backtrace.to_owned();
    };
    lines[start..].join("\n")
}

/// Writes `report` to a new file in `dir` (created if missing) and returns its path.
/// An existing report is never overwritten: a second one in the same second of the
/// same process gets a numbered name.
pub fn write(dir: &Path, report: &CrashReport) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stem = report.file_stem();
    let text = report.render();
    for n in 1u32.. {
        let name = match n {
            1 => format!("{stem}.txt"),
            n => format!("{stem}-{n}.txt"),
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free crash report name"))
}

/// How the person is told about a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The window is (or was about to be) open: a native message dialog, and stderr.
    Dialog,
    /// A command on a terminal or a script: stderr only.
    Terminal,
}

/// Only the first panic shows a dialog; later ones (other threads falling over) are
/// still written and printed.
static DIALOG_SHOWN: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook that writes crash reports to `log_dir`.
///
/// Release builds abort after the hook (`panic = "abort"`), so the hook itself does
/// everything: write the report, print where it is, and, for the window, show the
/// dialog before the process ends.
pub fn install(log_dir: PathBuf, notice: Notice) {
    std::panic::set_hook(Box::new(move |info| {
        let report = CrashReport::from_panic(info);
        let written = write(&log_dir, &report);
        tracing::error!(
            "panic on thread {}: {} at {}",
            report.thread,
            report.message,
            report.location.as_deref().unwrap_or("unknown")
        );
        let summary = stderr_text(&report, written.as_ref().map(PathBuf::as_path));
        // stderr may be closed (started from a desktop menu); nothing else to do then.
        let _ = writeln!(std::io::stderr(), "{summary}");
        if notice == Notice::Dialog && has_display() && !DIALOG_SHOWN.swap(true, Ordering::SeqCst) {
            show_dialog(&report, written.as_ref().map(PathBuf::as_path));
        }
    }));
}

/// What stderr says: the panic, and where the report is (or why it is not written,
/// with the report itself then, so that nothing is lost).
pub fn stderr_text(report: &CrashReport, written: Result<&Path, &std::io::Error>) -> String {
    let head = format!(
        "roster: crashed: {} (at {}, thread {})",
        report.message,
        report.location.as_deref().unwrap_or("unknown place"),
        report.thread
    );
    match written {
        Ok(path) => format!(
            "{head}\nroster: crash report written to {}\n\
             roster: please attach it when you report the problem",
            path.display()
        ),
        Err(e) => format!(
            "{head}\nroster: the crash report could not be written ({e}); here it is:\n{}",
            report.render()
        ),
    }
}

/// Whether a message dialog can be shown: always on Windows and macOS; on other
/// systems only with an X11 or Wayland display.
fn has_display() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The native dialog. It blocks this thread until dismissed, which is what a crash
/// wants: the process ends right after. On Linux rfd runs `zenity`; when that is
/// missing rfd returns at once and stderr is all there is.
fn show_dialog(report: &CrashReport, written: Result<&Path, &std::io::Error>) {
    let place = match written {
        Ok(path) => format!(
            "A crash report was written to:\n{}\n\nPlease attach it when you report the problem.",
            path.display()
        ),
        Err(e) => format!("The crash report could not be written ({e})."),
    };
    let text = format!(
        "Roster stopped because of an internal error:\n{}\n\n{place}\n\n\
         Changes waiting to be sent are kept in the local store and are sent when \
         Roster starts again.",
        report.message
    );
    let _ = rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("Roster crashed")
        .set_description(text)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> CrashReport {
        CrashReport {
            at: Local::now(),
            version: "9.8.7",
            thread: "roster-engine".to_owned(),
            message: "index out of bounds: the len is 3 but the index is 7".to_owned(),
            location: Some("src/users/view.rs:42:9".to_owned()),
            backtrace: "   0: roster::users::view::shown\n   1: main".to_owned(),
        }
    }

    #[test]
    fn a_report_is_written_with_everything_it_says_into_a_new_directory() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("not").join("yet").join("logs");
        let path = write(&logs, &report()).unwrap();
        assert_eq!(path.parent(), Some(logs.as_path()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("crash-") && name.ends_with(".txt"),
            "{name}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        for part in [
            "Roster crash report",
            "version:  9.8.7",
            "thread:   roster-engine",
            "location: src/users/view.rs:42:9",
            "message:  index out of bounds: the len is 3 but the index is 7",
            "roster::users::view::shown",
            std::env::consts::OS,
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
    }

    #[test]
    fn reports_of_the_same_second_do_not_overwrite_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let mut second = report();
        second.message = "the second one".to_owned();
        let a = write(dir.path(), &report()).unwrap();
        let b = write(dir.path(), &second).unwrap();
        assert_ne!(a, b);
        assert!(
            std::fs::read_to_string(&a)
                .unwrap()
                .contains("index out of bounds")
        );
        assert!(
            std::fs::read_to_string(&b)
                .unwrap()
                .contains("the second one")
        );
    }

    #[test]
    fn an_unwritable_directory_is_an_error_and_stderr_then_carries_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "not a directory").unwrap();
        let err = write(&file, &report()).unwrap_err();
        let text = stderr_text(&report(), Err(&err));
        assert!(text.contains("could not be written"), "{text}");
        assert!(text.contains("Roster crash report"), "{text}");
        assert!(text.contains("index out of bounds"), "{text}");
    }

    #[test]
    fn the_backtrace_starts_at_the_panicking_code() {
        let captured = "   0: roster::diagnostics::crash_report::CrashReport::from_panic
             at src/diagnostics/crash_report.rs:52:24
   1: std::panicking::panic_with_hook
   2: __rustc::rust_begin_unwind
   3: core::panicking::panic_fmt
             at library/core/src/panicking.rs:80:14
   4: roster::main
             at src/main.rs:53:9
   5: std::panicking::catch_unwind
   6: std::rt::lang_start";
        assert_eq!(
            from_the_panic(captured),
            "   4: roster::main\n             at src/main.rs:53:9\n   5: std::panicking::catch_unwind\n   6: std::rt::lang_start"
        );
        // Without the markers (an unusual build), nothing is cut.
        assert_eq!(from_the_panic("   0: main"), "   0: main");
        assert_eq!(from_the_panic("disabled backtrace"), "disabled backtrace");
    }

    #[test]
    fn stderr_names_the_report() {
        let path = Path::new("/tmp/logs/crash-1.txt");
        let text = stderr_text(&report(), Ok(path));
        assert!(
            text.contains("crash report written to /tmp/logs/crash-1.txt"),
            "{text}"
        );
    }

    #[test]
    fn the_message_of_a_formatted_panic_is_kept() {
        // A real panic through a hook that only records the report.
        // Panics of other tests running meanwhile go to the previous hook.
        use std::sync::{Arc, Mutex};
        let seen = Arc::new(Mutex::new(None));
        let keep = Arc::clone(&seen);
        let previous = Arc::new(std::panic::take_hook());
        let forward = Arc::clone(&previous);
        let this_thread = std::thread::current().id();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == this_thread {
                *keep.lock().unwrap() = Some(CrashReport::from_panic(info));
            } else {
                forward(info);
            }
        }));
        let n = 7;
        let _ = std::panic::catch_unwind(|| panic!("user {n} has no email"));
        // Dropping this test's hook drops its handle on the previous one.
        let _ = std::panic::take_hook();
        match Arc::try_unwrap(previous) {
            Ok(hook) => std::panic::set_hook(hook),
            Err(_) => unreachable!("the test's hook was dropped"),
        }
        let report = seen.lock().unwrap().take().unwrap();
        assert_eq!(report.message, "user 7 has no email");
        assert!(report.location.unwrap().contains("crash_report.rs"));
        assert!(!report.backtrace.is_empty());
    }
}
