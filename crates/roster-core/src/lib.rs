//! roster-core: everything Roster does except drawing it.
//!
//! - [`model`]: the organisation as Roster sees it (users, groups, licenses), with
//!   types that say what they are.
//! - [`client`]: the SCIM 2.0 API client (discovery, paging, mutations, retries).
//! - [`store`]: the local SQLite store (cached snapshot, outbox, reports).
//! - [`import`]: CSV import files read, validated and reported on.
//! - [`engine`]: the sync engine the app and the CLI drive through commands and events.
//!
//! This crate never depends on a GUI toolkit.

pub mod actions;
pub mod client;
pub mod engine;
pub mod error;
pub mod export;
pub mod import;
pub mod model;
pub mod profiles;
pub mod secrets;
pub mod store;
pub mod words;

pub use error::CoreError;
