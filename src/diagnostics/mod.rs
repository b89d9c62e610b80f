//! What Roster leaves behind for whoever has to find out what went wrong: the log
//! files and, after a panic, a crash report (both in the log directory).

pub mod crash_report;
pub mod logging;
