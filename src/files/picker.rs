//! The native "save as" and "open" pickers, behind traits so tests can answer them.
//!
//! rfd talks to the XDG desktop portal (or zenity) on Linux; it runs on its own
//! thread and answers over a channel, so the window never waits for it.

use std::path::PathBuf;
use std::sync::mpsc;

/// Asks the user where to save a file.
pub trait SavePicker: Send + Sync {
    /// Opens the picker with `suggested` as the file name; the answer (`None`:
    /// cancelled or no picker available) arrives on the channel.
    fn save(&self, title: &str, suggested: &str) -> mpsc::Receiver<Option<PathBuf>>;
}

/// Asks the user for a file to read (the import wizard's Browse…).
pub trait OpenPicker: Send + Sync {
    /// Opens the picker; the answer (`None`: cancelled or no picker available)
    /// arrives on the channel.
    fn open(&self, title: &str) -> mpsc::Receiver<Option<PathBuf>>;
}

/// The system's picker (rfd).
pub struct NativePicker;

impl OpenPicker for NativePicker {
    fn open(&self, title: &str) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let title = title.to_owned();
        let spawned = std::thread::Builder::new()
            .name("roster-open-picker".into())
            .spawn(move || {
                let path = rfd::FileDialog::new()
                    .set_title(title)
                    .add_filter("CSV", &["csv", "txt"])
                    .pick_file();
                let _ = tx.send(path);
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot open the file picker: {e}");
        }
        rx
    }
}

impl SavePicker for NativePicker {
    fn save(&self, title: &str, suggested: &str) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let (title, suggested) = (title.to_owned(), suggested.to_owned());
        let spawned = std::thread::Builder::new()
            .name("roster-save-picker".into())
            .spawn(move || {
                let path = rfd::FileDialog::new()
                    .set_title(title)
                    .set_file_name(suggested)
                    .add_filter("CSV", &["csv"])
                    .save_file();
                let _ = tx.send(path);
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot open the file picker: {e}");
        }
        rx
    }
}

/// A picker that always answers `path` (tests, and `ROSTER_EXPORT_PATH`-style
/// automation).
pub struct FixedPicker(pub PathBuf);

impl OpenPicker for FixedPicker {
    fn open(&self, _title: &str) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Some(self.0.clone()));
        rx
    }
}

impl SavePicker for FixedPicker {
    fn save(&self, _title: &str, _suggested: &str) -> mpsc::Receiver<Option<PathBuf>> {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Some(self.0.clone()));
        rx
    }
}
