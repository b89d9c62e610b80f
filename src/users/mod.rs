//! The users page's model: the organisation's data as the grid shows it (`org`), the
//! page's state (`page`: query, view, selection), rows, search/filters/sort, and what
//! the administrator asks for (`action`).

pub mod action;
pub mod columns;
pub mod org;
pub mod page;
pub mod rows;
pub mod selection;
pub mod user_index;
pub mod view;
pub mod view_worker;
