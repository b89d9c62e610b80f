//! What happened, in words: the log window's entries (recent operations and errors)
//! and the tone of a passing notification (a toast).

use std::collections::VecDeque;

use chrono::{DateTime, Local};

/// How serious an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Info,
    Warning,
    Error,
}

/// How a notification (a toast) looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Error,
}

/// One entry.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub at: DateTime<Local>,
    pub level: LogLevel,
    pub text: String,
}

/// The most recent entries (oldest dropped first).
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<LogEntry>,
}

/// Entries kept.
const KEPT: usize = 500;

impl Log {
    /// Adds an entry (also to the tracing log).
    pub fn push(&mut self, level: LogLevel, text: String) {
        match level {
            LogLevel::Info => tracing::info!("{text}"),
            LogLevel::Warning => tracing::warn!("{text}"),
            LogLevel::Error => tracing::error!("{text}"),
        }
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(LogEntry {
            at: Local::now(),
            level,
            text,
        });
    }

    /// Entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.entries.iter()
    }

    /// The newest error, for the status bar.
    pub fn last_error(&self) -> Option<&LogEntry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.level == LogLevel::Error)
    }
}
