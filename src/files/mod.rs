//! Files the window reads and writes: the native picker, CSV export.

pub mod export;
pub mod picker;
