//! The integration tests, as one test binary (one link instead of one per file): each module runs
//! the built `tenantless` binary or the library against bundled scenarios and fixtures.

mod support;

mod actions;
mod background;
mod bad_scenarios;
mod bench_peer;
mod ci_outputs;
mod cli_output;
mod compressed;
mod conformance;
mod data_limits;
mod determinism;
mod diagnostic_shape;
mod docs;
mod estimate;
mod export_adx;
mod export_la;
mod generate_e2e;
mod golden;
mod join_map;
mod kql_budgets;
mod kql_cli;
mod kql_functions;
mod kql_generated;
mod kql_join_kinds;
mod kql_more_operators;
mod kql_operators;
mod kql_plugins;
mod kql_seed;
mod kql_semantics;
mod kql_series;
mod kql_tree;
mod kql_window;
mod library;
mod loader;
mod output_dir;
mod parallel;
mod properties;
mod real_shapes;
mod report;
mod scenario_limits;
mod shards;
mod stored_functions;
mod token_cache;
mod verify;
