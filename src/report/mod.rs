//! `tenantless report`: one self-contained HTML page of a generated tenant — a timeline of every
//! identity's records across the five tables, the graph of what they touched, the labelled
//! anomalies with the rules' verdicts, the volume, and the correlation queries' results.
//!
//! [`scan`] reads the data once, [`select`] picks the records the page embeds, [`detections`]
//! runs the rules as `verify` does, [`volume`] measures and estimates, [`page`] writes the HTML.

pub mod detections;
pub mod facts;
pub mod page;
pub mod scan;
pub mod select;
pub mod volume;

use crate::kql::{external::ExternalFiles, stored::StoredFunctions};
use crate::manifest::Manifest;
use crate::verify::{self, engine::KqlEngine};
use page::{AnomalyView, Graph, Lane, PageData, RecordView};
use scan::Scan;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

/// The report's file name when it is written into the data directory (the default): `generate`
/// counts it as its own, so that it does not refuse to replace a directory holding one.
pub const REPORT_FILE: &str = "report.html";
/// Records the page embeds in full by default: a few thousand keep it quick.
pub const DEFAULT_MAX_RECORDS: usize = 4000;
/// Bytes of record text the page embeds at most besides the anomalies' records, which keeps the
/// file under 10 MB (issue 16) whatever the records' sizes: the rest of the page is small.
pub const MAX_RECORD_BYTES: u64 = 7_000_000;
/// Count buckets per lane over the whole period.
const BUCKETS: i64 = 96;
/// Identities the graph draws at most.
const GRAPH_IDENTITIES: usize = 30;

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// A `generate` output directory.
    pub data: PathBuf,
    /// Rule files and folders to run (none: no detection verdicts).
    pub rules: Vec<PathBuf>,
    /// Records the page embeds at most, besides every labelled anomaly's.
    pub max_records: usize,
    /// Time budget of each rule.
    pub rule_timeout: std::time::Duration,
    /// Stored functions the rules call.
    pub functions: Arc<StoredFunctions>,
    /// Local files for rules' `externaldata`.
    pub external: ExternalFiles,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The data directory or the rules cannot be used as given.
    #[error("{0}")]
    Input(String),
    /// A record the report cannot read.
    #[error("{}:{line}: {message}", path.display())]
    Data {
        /// The table file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Reading a file failed.
    #[error("reading {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What [`build`] made: the page, and what it holds.
#[derive(Debug)]
pub struct Built {
    /// The HTML.
    pub html: String,
    /// Records in the data.
    pub total_records: u64,
    /// Records the page embeds.
    pub embedded: usize,
    /// Labelled anomalies and near-misses.
    pub anomalies: usize,
    /// Rules and correlations run.
    pub rules: usize,
}

/// Makes the report of `options.data`.
pub fn build(options: &ReportOptions) -> Result<Built, ReportError> {
    let manifest = Manifest::load(&options.data).map_err(|e| {
        ReportError::Input(format!(
            "{e}\n  hint: point --data at a directory written by `tenantless generate --out {}`",
            options.data.display()
        ))
    })?;
    let scan = scan::scan(&options.data, &manifest)?;
    let budget = select::Budget {
        records: options.max_records,
        bytes: MAX_RECORD_BYTES,
    };
    let chosen = select::select(&scan, budget);
    let lanes_of = lane_order(&scan, &chosen, &manifest);
    let label_ids: Vec<String> = manifest.anomalies.iter().map(|l| l.id.clone()).collect();
    let records = embedded_records(&scan, &chosen, &lanes_of, &label_ids)?;
    let (start_ms, end_ms) = period(&scan);
    let bucket_ms = ((end_ms - start_ms) / BUCKETS).max(60_000);
    let lanes = lanes(&scan, &lanes_of, start_ms, bucket_ms, &manifest);
    let (results, correlations) = run_rules(options, &manifest)?;
    let verdicts = detections::verdicts(&results, &manifest);
    let anomalies = manifest
        .anomalies
        .iter()
        .zip(verdicts)
        .map(|(l, (status, verdicts))| AnomalyView {
            id: l.id.clone(),
            behaviour: l.behaviour(),
            benign: l.benign,
            identity: l.identity.clone(),
            identity_id: l.identity_id.clone(),
            start: l.window.start.clone(),
            end: l.window.end.clone(),
            status,
            verdicts,
            record_keys: l.records.len(),
        })
        .collect::<Vec<_>>();
    let data = PageData {
        data_dir: options.data.display().to_string(),
        scenarios: manifest.scenarios.iter().map(|s| s.name.clone()).collect(),
        seed: manifest.seed,
        start_ms,
        end_ms,
        tables: scan.tables.clone(),
        total_records: scan.seen.len() as u64,
        budget: options.max_records,
        bucket_ms,
        graph: graph(&scan, &lanes_of, &manifest),
        lanes,
        records,
        anomalies,
        rules_run: !options.rules.is_empty(),
        rules: detections::rule_views(&results, &manifest),
        correlations,
        volume: volume::volume(&scan, &manifest),
    };
    Ok(Built {
        html: page::render(&data),
        total_records: data.total_records,
        embedded: data.records.len(),
        anomalies: data.anomalies.len(),
        rules: data.rules.len(),
    })
}

fn period(scan: &Scan) -> (i64, i64) {
    let start = scan.seen.iter().map(|s| s.time_ms).min().unwrap_or(0);
    let end = scan.seen.iter().map(|s| s.time_ms).max().unwrap_or(start);
    (start, end.max(start + 1))
}

/// Lane per actor with an embedded record: the anomalies' identities first, then the busiest, and
/// the records without a caller last.
fn lane_order(scan: &Scan, chosen: &[u32], manifest: &Manifest) -> HashMap<u32, usize> {
    let anomalous: BTreeSet<&str> = manifest.anomalies.iter().map(|l| l.identity_id.as_str()).collect();
    let actors: BTreeSet<u32> = chosen.iter().map(|&r| scan.seen[r as usize].actor).collect();
    let mut ordered: Vec<u32> = actors.into_iter().collect();
    ordered.sort_by_key(|&a| {
        let actor = &scan.actors[a as usize];
        let total: u64 = actor.records.iter().sum();
        let unattributed = actor.id == scan::NO_CALLER;
        (!anomalous.contains(actor.id.as_str()), unattributed, std::cmp::Reverse(total), a)
    });
    ordered.into_iter().enumerate().map(|(lane, a)| (a, lane)).collect()
}

fn lanes(scan: &Scan, lanes_of: &HashMap<u32, usize>, start_ms: i64, bucket_ms: i64, manifest: &Manifest) -> Vec<Lane> {
    let mut by_lane: Vec<(u32, Lane)> = lanes_of
        .iter()
        .map(|(&a, &lane)| {
            let actor = &scan.actors[a as usize];
            let anomalies = manifest
                .anomalies
                .iter()
                .filter(|l| l.identity_id == actor.id)
                .map(|l| l.id.clone())
                .collect();
            let view = Lane {
                id: actor.id.clone(),
                name: actor.name.clone().unwrap_or_else(|| actor.id.clone()),
                records: actor.records.iter().sum(),
                by_table: actor.records.clone(),
                anomalies,
                buckets: vec![0; BUCKETS as usize + 1],
            };
            (lane as u32, view)
        })
        .collect();
    by_lane.sort_by_key(|(lane, _)| *lane);
    let mut lanes: Vec<Lane> = by_lane.into_iter().map(|(_, l)| l).collect();
    for seen in &scan.seen {
        if let Some(&lane) = lanes_of.get(&seen.actor) {
            let bucket = ((seen.time_ms - start_ms) / bucket_ms).clamp(0, BUCKETS) as usize;
            lanes[lane].buckets[bucket] += 1;
        }
    }
    lanes
}

fn embedded_records(
    scan: &Scan,
    chosen: &[u32],
    lanes_of: &HashMap<u32, usize>,
    label_ids: &[String],
) -> Result<Vec<RecordView>, ReportError> {
    let mut labels: HashMap<u32, Vec<usize>> = HashMap::new();
    for &(r, l) in &scan.labelled {
        labels.entry(r).or_default().push(l);
    }
    let mut per_table: BTreeMap<u8, Vec<u32>> = BTreeMap::new();
    for &r in chosen {
        per_table.entry(scan.seen[r as usize].table).or_default().push(r);
    }
    let mut out = Vec::with_capacity(chosen.len());
    for (table, records) in per_table {
        let path = &scan.files[table as usize];
        let lines: Vec<u32> = records.iter().map(|&r| scan.seen[r as usize].line).collect();
        let texts = scan::read_lines(path, &lines)?;
        for ((&r, text), &line) in records.iter().zip(&texts).zip(&lines) {
            let located = |message: String| ReportError::Data {
                path: path.clone(),
                line: line as usize,
                message,
            };
            let seen = &scan.seen[r as usize];
            let facts = facts::of_line(text).map_err(|e| located(e.to_string()))?;
            let json = serde_json::from_str(text).map_err(|e| located(e.to_string()))?;
            let mut ids: Vec<usize> = labels.get(&r).cloned().unwrap_or_default();
            ids.sort_unstable();
            ids.dedup();
            out.push(RecordView {
                t: seen.time_ms,
                table,
                lane: lanes_of.get(&seen.actor).map_or(-1, |&l| l as i64),
                links: facts.links.iter().map(facts::Link::key).collect(),
                labels: ids.into_iter().map(|i| label_ids[i].clone()).collect(),
                json,
            });
        }
    }
    out.sort_by_key(|r| r.t);
    Ok(out)
}

/// The busiest identities (the anomalies' always) and what they touched.
fn graph(scan: &Scan, lanes_of: &HashMap<u32, usize>, manifest: &Manifest) -> Graph {
    let anomalous: BTreeSet<&str> = manifest.anomalies.iter().map(|l| l.identity_id.as_str()).collect();
    let mut per_actor: HashMap<u32, u64> = HashMap::new();
    for (&(a, _), &n) in &scan.edges {
        *per_actor.entry(a).or_default() += n;
    }
    let mut actors: Vec<(u32, u64)> = per_actor.into_iter().collect();
    actors.sort_by_key(|&(a, n)| (!anomalous.contains(scan.actors[a as usize].id.as_str()), std::cmp::Reverse(n), a));
    let more_identities = actors.len().saturating_sub(GRAPH_IDENTITIES);
    actors.truncate(GRAPH_IDENTITIES);
    let drawn: HashMap<u32, usize> = actors.iter().enumerate().map(|(i, &(a, _))| (a, i)).collect();
    let mut resources: BTreeMap<u32, usize> = BTreeMap::new();
    let mut edges: Vec<(usize, usize, u64)> = Vec::new();
    let mut keys: Vec<(&(u32, u32), &u64)> = scan.edges.iter().filter(|((a, _), _)| drawn.contains_key(a)).collect();
    keys.sort();
    for (&(a, r), &n) in keys {
        let next = resources.len();
        let resource = *resources.entry(r).or_insert(next);
        edges.push((drawn[&a], resource, n));
    }
    let mut resource_list: Vec<(usize, u32)> = resources.into_iter().map(|(r, i)| (i, r)).collect();
    resource_list.sort();
    Graph {
        identities: actors
            .iter()
            .map(|&(a, n)| {
                let actor = &scan.actors[a as usize];
                let lane = lanes_of.get(&a).map_or(-1, |&l| l as i64);
                (lane, actor.name.clone().unwrap_or_else(|| actor.id.clone()), n)
            })
            .collect(),
        resources: resource_list
            .into_iter()
            .map(|(_, r)| {
                let r = &scan.resources[r as usize];
                (r.kind, r.name.clone())
            })
            .collect(),
        edges,
        more_identities,
    }
}

/// Runs the rules and correlations as `verify` does; the correlations keep their result tables.
fn run_rules(
    options: &ReportOptions,
    manifest: &Manifest,
) -> Result<(Vec<verify::RuleResult>, Vec<detections::CorrelationTable>), ReportError> {
    if options.rules.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let (rule_files, correlation_files) = verify::discover(&options.rules).map_err(ReportError::Input)?;
    let queries = verify::queries(&rule_files, &correlation_files, manifest);
    let mut engine = KqlEngine::load_for_queries(&options.data, &queries, &options.functions)
        .map_err(|e| ReportError::Input(format!("loading {}: {e}", options.data.display())))?;
    engine.set_external(options.external.clone());
    engine.set_functions(options.functions.clone());
    let results = verify::run_all_with(
        &rule_files,
        &correlation_files,
        manifest,
        &mut engine,
        Some(options.rule_timeout),
        &mut |_| {},
    );
    let correlations = detections::correlation_tables(&results, &correlation_files, manifest);
    Ok((results, correlations))
}
