//! Command-line definitions and dispatch.

pub mod query;
