//! Fuzz targets, one per input kind (scenario YAML, rule YAML, KQL text, NDJSON line): proptest with a
//! case budget from `TENANTLESS_FUZZ_CASES` (docs/fuzzing.md). A test binary of their own, apart from
//! `tests/it`, because the guard installs a process-wide counting allocator and a watchdog that abort
//! the process when a case hangs or eats memory: other tests must not share that process.

#[path = "../it/support/mod.rs"]
mod support;

mod guard;
mod inputs;
mod kql;
