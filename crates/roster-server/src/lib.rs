//! roster-server: the reference Roster management API (SCIM 2.0 + the Roster
//! organisation extension) on axum and SQLite.

pub mod error;
pub mod filter_sql;
pub mod http;
pub mod patch;
pub mod projection;
pub mod schema;
pub mod time;
pub mod validate;
pub mod value_filter;
