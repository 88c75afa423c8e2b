//! The parts of `tenantless bench`, run in an order that keeps their memory figures apart, and
//! printed in the order the README quotes them: the header, the query engine against DuckDB,
//! `verify`, then generation.

use super::dataset::{self, DataSet};
use super::error::BenchError;
use super::peer::{self, PeerReport, PeerSetup};
use super::{Measurement, machine, verify};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A part of the benchmark, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Part {
    /// The seed's rules over 1M and 2M sign-ins, end to end, against DuckDB.
    Query,
    /// `verify` of the bundled rules over days of tenant-large.yaml.
    Verify,
    /// Generation, rendering and estimation throughput.
    Generate,
}

/// Which peer the query part measures tenantless against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Peer {
    /// DuckDB when the Python given runs, else none (with a note).
    Auto,
    /// DuckDB, installed from PyPI by the peer script when missing; an error when it cannot be.
    Duckdb,
    /// tenantless alone.
    None,
}

/// Everything the suite needs; the CLI fills it from its arguments.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// The parts to run.
    pub parts: Vec<Part>,
    /// The query part's peer.
    pub peer: Peer,
    /// The bundled scenarios (tenant-large.yaml).
    pub scenarios: PathBuf,
    /// The bundled rules (the seed's, and all of them for `verify`).
    pub rules: PathBuf,
    /// Days of tenant-large.yaml for the generate part (and three times as many).
    pub days: u32,
    /// Days of tenant-large.yaml for the verify part.
    pub verify_days: u32,
    /// The query part's data set sizes, in SP sign-ins.
    pub signins: Vec<u64>,
    /// How to run the peer script (its `runs` is the runs per query and engine).
    pub peer_setup: PeerSetup,
    /// Where data sets go; removed by the caller.
    pub scratch: PathBuf,
}

/// Runs the parts asked for and returns the whole Markdown output.
pub fn run(options: &SuiteOptions, note: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    std::fs::create_dir_all(&options.scratch).map_err(|e| BenchError::io(&options.scratch, e))?;
    let wants = |p: Part| options.parts.contains(&p);
    // Generation first: its peak RSS is this process's, which the in-process query rows would raise;
    // then verify, whose child would inherit that peak in its ru_maxrss (see process::own_peak_kib).
    let generation = if wants(Part::Generate) {
        note("generate: tenant-large.yaml, generation, rendering and estimation");
        let binary = &options.peer_setup.binary;
        let scaling = super::generation_threads(binary, &options.scenarios, &options.scratch, options.days)?;
        let mut rows = scaling.rows();
        rows.extend(super::generation(binary, &options.scenarios, &options.scratch, options.days)?);
        Some((scaling.summary(), rows))
    } else {
        None
    };
    let verify = if wants(Part::Verify) {
        note(&format!(
            "verify: {} days of tenant-large.yaml, then `verify --rules {}`",
            options.verify_days,
            options.rules.display()
        ));
        let scenario = options.scenarios.join("tenant-large.yaml");
        let binary = &options.peer_setup.binary;
        Some(verify::run(
            binary,
            &scenario,
            &options.rules,
            options.verify_days,
            &options.scratch,
        )?)
    } else {
        None
    };
    // Last: its in-process load raises this process's memory by gigabytes.
    let query = if wants(Part::Query) {
        Some(query_part(options, note)?)
    } else {
        None
    };
    let mut out = format!("# tenantless bench\n\n{}", machine::header());
    if let Some(section) = query {
        out.push_str(&section);
    }
    if let Some(run) = verify {
        out.push_str("\n## verify\n\n");
        out.push_str(&verify::table(&run, &options.rules));
    }
    if let Some((summary, rows)) = generation {
        out.push_str("\n## generate\n\n");
        out.push_str(&summary);
        out.push('\n');
        out.push_str(&measurement_table(&rows));
    }
    Ok(out)
}

/// The query part: per size, a data set, the peer's paired runs, and (on the first size) the
/// in-process split of load and evaluation.
fn query_part(options: &SuiteOptions, note: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    let peer = resolve_peer(options.peer, &options.peer_setup, note);
    let mut reports: Vec<PeerReport> = Vec::new();
    // The first data set is kept for the in-process rows, which come last: the gigabytes they load
    // stay in this process after they are dropped (the allocator keeps them), and would take the
    // page cache that the peer's runs over the larger sets read their files from.
    let mut first: Option<DataSet> = None;
    for &signins in &options.signins {
        note(&format!("query: generating about {} SP sign-ins", peer::thousands(signins)));
        let data = dataset::generate_signins(signins, &options.scratch)?;
        if peer == Peer::Duckdb {
            note(&format!(
                "query: {} sign-ins, tenantless and DuckDB, {} runs each",
                peer::thousands(data.signins),
                options.peer_setup.runs
            ));
            let mut report = peer::run(&options.peer_setup, &data, &options.scratch)?;
            report.records = data.records;
            reports.push(report);
        }
        if first.is_none() {
            first = Some(data);
        } else {
            remove(&data)?;
        }
    }
    let mut in_process: Vec<Measurement> = Vec::new();
    if let Some(data) = first {
        note("query: tenantless in process (load, then each rule)");
        in_process = super::kql_in_process(&options.rules, &data)?;
        remove(&data)?;
    }
    let mut out = String::new();
    if !reports.is_empty() {
        out.push_str("\n## query: tenantless against DuckDB, same files, same run\n\n");
        out.push_str(&peer::table(&reports));
        out.push('\n');
        out.push_str(&peer::notes(&reports));
    }
    out.push_str("\n## query: tenantless in process, load and evaluation apart\n\n");
    out.push_str(&measurement_table(&in_process));
    Ok(out)
}

/// `auto` is DuckDB when the peer's Python runs at all (the script installs DuckDB itself).
fn resolve_peer(peer: Peer, setup: &PeerSetup, note: &mut dyn FnMut(&str)) -> Peer {
    if peer != Peer::Auto {
        return peer;
    }
    let runs = Command::new(&setup.python)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if runs {
        Peer::Duckdb
    } else {
        note(&format!(
            "query: `{}` does not run, so no DuckDB peer (give --python, or --peer none)",
            setup.python.display()
        ));
        Peer::None
    }
}

fn remove(data: &DataSet) -> Result<(), BenchError> {
    std::fs::remove_dir_all(&data.dir).map_err(|e| BenchError::io(&data.dir, e))
}

/// The measurement rows as a Markdown table.
fn measurement_table(rows: &[Measurement]) -> String {
    let mut table = String::from("| benchmark | workload | time | records/s | MB/s | peak RSS |\n|---|---|---|---|---|---|\n");
    for row in rows {
        table.push_str(&row.row());
        table.push('\n');
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_peers_parse_from_their_lowercase_names() {
        assert_eq!("verify".parse::<Part>().unwrap(), Part::Verify);
        assert_eq!("duckdb".parse::<Peer>().unwrap(), Peer::Duckdb);
        assert!("vrify".parse::<Part>().is_err());
    }

    #[test]
    fn auto_without_a_python_measures_tenantless_alone() {
        let setup = PeerSetup {
            python: PathBuf::from("/nonexistent/python3"),
            script: PathBuf::new(),
            binary: PathBuf::new(),
            rules: PathBuf::new(),
            runs: 1,
        };
        let mut notes = Vec::new();
        assert_eq!(resolve_peer(Peer::Auto, &setup, &mut |n| notes.push(n.to_string())), Peer::None);
        assert!(notes[0].contains("/nonexistent/python3"), "{notes:?}");
        assert_eq!(resolve_peer(Peer::Duckdb, &setup, &mut |_| {}), Peer::Duckdb);
    }
}
