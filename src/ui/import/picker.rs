//! File pickers behind a trait: the native one (rfd) runs on its own thread so the
//! window never waits on it; tests put in one that answers with a fixed path.

use std::path::PathBuf;
use std::sync::mpsc;

/// What the picker is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickFor {
    /// A CSV file to import.
    Open,
    /// Where to save a file, with a suggested name.
    Save(String),
}

/// Shows a file picker; the answer (`None` when dismissed) comes on the receiver.
pub trait FilePicker: Send + Sync {
    /// Starts picking; never blocks.
    fn pick(&self, what: PickFor) -> mpsc::Receiver<Option<PathBuf>>;
}

/// The platform's dialog (xdg-desktop-portal on Linux, the system dialogs on Windows
/// and macOS), on a background thread.
pub struct NativePicker;

impl FilePicker for NativePicker {
    fn pick(&self, what: PickFor) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("file-picker".into())
            .spawn(move || {
                let dialog = rfd::FileDialog::new().add_filter("CSV", &["csv", "txt"]);
                let path = match what {
                    PickFor::Open => dialog
                        .set_title("Choose the CSV file to import")
                        .pick_file(),
                    PickFor::Save(name) => {
                        dialog.set_title("Save as").set_file_name(name).save_file()
                    }
                };
                let _ = tx.send(path);
            });
        if spawned.is_err() {
            // No thread, no dialog: the receiver reports "dismissed" at once.
            let (tx, rx) = mpsc::channel();
            let _ = tx.send(None);
            return rx;
        }
        rx
    }
}

/// Answers every request with the same path (tests, and scripted use).
pub struct FixedPicker(pub Option<PathBuf>);

impl FilePicker for FixedPicker {
    fn pick(&self, _what: PickFor) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(self.0.clone());
        rx
    }
}
