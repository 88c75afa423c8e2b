//! tenantless: simulate the logs of an Entra ID tenant's non-human identities across five Log Analytics
//! tables, and run KQL correlations and detection rules over them.

#![warn(missing_docs)]

pub(crate) mod bench;
pub(crate) mod catalog;
pub mod cli;
pub mod compress;
pub mod diagnostic;
pub mod estimate;
pub mod export;
pub mod function_files;
pub mod generate;
pub mod ids;
pub mod input;
pub mod kql;
pub mod manifest;
pub mod memory;
pub mod merge;
pub mod parallel;
pub mod report;
pub mod scenario;
pub mod shape;
pub(crate) mod sim;
pub(crate) mod sink;
pub(crate) mod suggest;
pub mod tables;
pub mod timefmt;
pub mod verify;

// The binary's allocator (see src/main.rs): the library does not set one for its users.
use mimalloc as _;
