//! The users page: rows, the view (search, filters, sort) and selection.

pub mod action;
pub mod rows;
pub mod selection;
pub mod view;
