//! `tenantless bench`: the figures the README quotes — the query engine against DuckDB on the same
//! files, `verify` of the bundled rules, generation throughput, the cost of rendering alone, the
//! analytic estimate of the large tenant, and peak memory — measured on this machine.
//! [`suite`] runs the parts asked for and renders their tables.

pub mod baseline;
pub mod dataset;
pub mod error;
pub mod machine;
pub mod peer;
pub mod process;
pub mod suite;
pub mod verify;

use crate::estimate::{EstimateOptions, estimate};
use crate::generate::DEFAULT_SEED;
use dataset::DataSet;
use error::BenchError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub name: String,
    pub detail: String,
    pub seconds: f64,
    pub records: u64,
    pub bytes: u64,
    /// Peak resident memory of the process so far, in MiB (Linux only).
    pub peak_rss_mib: Option<f64>,
}

impl Measurement {
    pub fn row(&self) -> String {
        let rate = if self.records > 0 {
            format!("{:.0} records/s", self.records as f64 / self.seconds)
        } else {
            "-".into()
        };
        let mb = if self.bytes > 0 {
            format!("{:.0} MB/s", self.bytes as f64 / 1e6 / self.seconds)
        } else {
            "-".into()
        };
        let rss = self.peak_rss_mib.map_or_else(|| "-".into(), |m| format!("{m:.0} MiB"));
        format!(
            "| {} | {} | {:.3} s | {} | {} | {} |",
            self.name, self.detail, self.seconds, rate, mb, rss
        )
    }
}

/// Peak resident set size of this process (VmHWM), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = f();
        let elapsed = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| elapsed < *b) {
            best = Some((elapsed, value));
        }
    }
    best.expect("at least one run")
}

/// Runs the generation and estimation benchmarks on the bundled scenarios in `scenarios_dir`,
/// generation by `binary` (this one) in a child process.
pub fn generation(binary: &Path, scenarios_dir: &Path, scratch: &Path, days: u32) -> Result<Vec<Measurement>, BenchError> {
    let large = scenarios_dir.join("tenant-large.yaml");
    let mut out = Vec::new();
    for d in [days, days * 3] {
        let threads = crate::generate::default_threads();
        let target = scratch.join(format!("generate-{d}"));
        let run = GenerateRun {
            binary,
            large: &large,
            scratch,
        };
        out.push(run.measure(&target, d, threads, "written to disk, every core")?);
        remove_dir(&target)?;
    }
    let exact = EstimateOptions {
        scenarios: vec![large.clone()],
        seed: DEFAULT_SEED,
        days: Some(days),
        exact: true,
        ..EstimateOptions::default()
    };
    let (elapsed, e) = best_of(1, || estimate(&exact));
    let e = e.map_err(|e| BenchError::step("estimating tenant-large.yaml", e))?;
    out.push(Measurement {
        name: "render only".into(),
        detail: format!("estimate --exact tenant-large.yaml --days {days} (simulate + serialize, no I/O)"),
        seconds: elapsed.as_secs_f64(),
        records: e.volume.total().rows as u64,
        bytes: 0,
        peak_rss_mib: peak_rss_mib(),
    });
    let analytic = EstimateOptions {
        days: None,
        exact: false,
        ..exact
    };
    let (elapsed, e) = best_of(5, || estimate(&analytic));
    let e = e.map_err(|e| BenchError::step("estimating tenant-large.yaml", e))?;
    out.push(Measurement {
        name: "estimate".into(),
        detail: format!(
            "tenant-large.yaml, 30 days analytic ({:.0} records described), best of 5",
            e.volume.total().rows
        ),
        seconds: elapsed.as_secs_f64(),
        records: 0,
        bytes: 0,
        peak_rss_mib: peak_rss_mib(),
    });
    Ok(out)
}

/// The seed's rules the query benchmark runs, by file stem: the two rules, and the credential rule
/// with the operation matched as Sentinel matches it (the verbatim one matches no real record, so
/// its join never runs).
pub const QUERY_RULES: [&str; 3] = [
    "seed-failed-signins",
    "seed-credential-added-to-active-sp",
    "seed-credential-rule-current",
];

/// tenantless alone, in this process: loading `data` into typed tables, then each rule over the
/// loaded tables (best of 3), so that the load and the evaluation are seen apart.
pub fn kql_in_process(rules_dir: &Path, data: &DataSet) -> Result<Vec<Measurement>, BenchError> {
    let run_error = |e: String| BenchError::step("the in-process KQL rows", e);
    let start = Instant::now();
    let catalog = crate::kql::load_jsonl_dir(&data.dir).map_err(|e| run_error(e.to_string()))?;
    let mut rows = 0;
    for table in catalog.names().filter_map(|n| catalog.get(n)) {
        rows += table.map_err(|e| run_error(e.to_string()))?.rows.len();
    }
    let bytes = dir_bytes(&data.dir);
    let mut out = vec![Measurement {
        name: "kql load".into(),
        detail: format!("{} rows of NDJSON into typed tables, in process", peer::thousands(rows as u64)),
        seconds: start.elapsed().as_secs_f64(),
        records: rows as u64,
        bytes,
        peak_rss_mib: peak_rss_mib(),
    }];
    for stem in QUERY_RULES {
        let path = rules_dir.join(format!("{stem}.yaml"));
        let rule = crate::verify::rule::load(&path).map_err(|e| run_error(e.to_string()))?;
        let options = crate::kql::RunOptions {
            now: data.end,
            ..Default::default()
        };
        let (elapsed, result) = best_of(3, || crate::kql::run(&rule.file.query, &catalog, &options));
        let tables = result.map_err(|e| run_error(e.to_string()))?;
        out.push(Measurement {
            name: "kql rule".into(),
            detail: format!(
                "{stem} over {} loaded SP sign-ins ({} result rows), best of 3",
                peer::thousands(data.signins),
                tables.last().map_or(0, |t| t.rows.len())
            ),
            seconds: elapsed.as_secs_f64(),
            records: data.signins,
            bytes: 0,
            peak_rss_mib: peak_rss_mib(),
        });
    }
    Ok(out)
}

/// The size of the files in `dir` (0 for what cannot be read: the figure is a rate's numerator).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Generation at 1 thread and at every core, and the serialize-only limit of the same records.
#[derive(Debug, Clone)]
pub struct Scaling {
    /// `generate --threads 1`.
    pub one: Measurement,
    /// `generate --threads N` with N every core, when there is more than one.
    pub all: Option<(usize, Measurement)>,
    /// The records `one` wrote, serialized alone ([`baseline::serialize_only`]).
    pub serialize: Measurement,
}

impl Scaling {
    /// The rows, in the order measured.
    pub fn rows(&self) -> Vec<Measurement> {
        let mut rows = vec![self.one.clone(), self.serialize.clone()];
        rows.extend(self.all.iter().map(|(_, m)| m.clone()));
        rows
    }

    /// The ratios that lead the section: generation per core against serializing alone, and
    /// every core against one.
    pub fn summary(&self) -> String {
        let rate = |m: &Measurement| m.records as f64 / m.seconds;
        let mut out = format!(
            "- `generate --threads 1` runs at **{:.2}×** the serialize-only limit of the same records \
             (issue 13's target: ≥ 0.9×)\n",
            rate(&self.one) / rate(&self.serialize)
        );
        if let Some((threads, all)) = &self.all {
            out.push_str(&format!(
                "- `--threads {threads}` is **{:.2}×** `--threads 1` (target with 2 threads: ≥ 1.7×)\n",
                rate(all) / rate(&self.one)
            ));
        }
        out
    }
}

/// Runs of each generation measurement: the best of them is kept. The machine's timing varies by
/// up to 40% between runs of one binary, and single runs gave 2-thread ratios from 1.27× to 2.02×.
const GENERATION_RUNS: usize = 3;

/// Generates `days` of tenant-large.yaml at 1 thread, serializes the records it wrote alone, then
/// generates them at every core, [`GENERATION_RUNS`] times in turn: the best run of each,
/// records/s and MB/s written to disk.
pub fn generation_threads(binary: &Path, scenarios_dir: &Path, scratch: &Path, days: u32) -> Result<Scaling, BenchError> {
    let large = scenarios_dir.join("tenant-large.yaml");
    let generate = GenerateRun {
        binary,
        large: &large,
        scratch,
    };
    let threads = crate::generate::default_threads();
    let (one_dir, all_dir) = (
        scratch.join("generate-threads-1"),
        scratch.join(format!("generate-threads-{threads}")),
    );
    let how = |t: usize| format!("--threads {t}, written to disk, best of {GENERATION_RUNS} interleaved runs");
    let run = || -> Result<Scaling, BenchError> {
        let one = generate.measure(&one_dir, days, 1, &how(1))?;
        let mut serialize = baseline::serialize_only(&one_dir)?;
        serialize.detail.push_str(&format!(", best of {GENERATION_RUNS}"));
        let all = if threads > 1 {
            let measured = generate.measure(&all_dir, days, threads, &how(threads))?;
            remove_dir(&all_dir)?;
            Some((threads, measured))
        } else {
            None
        };
        Ok(Scaling { one, all, serialize })
    };
    let mut best = run()?;
    for _ in 1..GENERATION_RUNS {
        let next = run()?;
        best = Scaling {
            one: faster(best.one, next.one),
            serialize: faster(best.serialize, next.serialize),
            all: best.all.zip(next.all).map(|((t, a), (_, b))| (t, faster(a, b))),
        };
    }
    remove_dir(&one_dir)?;
    Ok(best)
}

/// The faster of two measurements of the same work.
fn faster(a: Measurement, b: Measurement) -> Measurement {
    if b.seconds < a.seconds { b } else { a }
}

fn remove_dir(dir: &Path) -> Result<(), BenchError> {
    std::fs::remove_dir_all(dir).map_err(|e| BenchError::io(dir, e))
}

/// `tenantless generate` of the large tenant, as a user runs it: this binary in a child process,
/// with the command's own memory settings, volume check and peak RSS.
struct GenerateRun<'g> {
    binary: &'g Path,
    large: &'g Path,
    /// Where the child's output streams go.
    scratch: &'g Path,
}

impl GenerateRun<'_> {
    /// Generates `days` into `target` on `threads` threads, measured; the caller removes it.
    fn measure(&self, target: &Path, days: u32, threads: usize, how: &str) -> Result<Measurement, BenchError> {
        let mut command = std::process::Command::new(self.binary);
        command
            .arg("generate")
            .arg(self.large)
            .args(["--days", &days.to_string(), "--threads", &threads.to_string(), "--force", "--out"])
            .arg(target);
        let (child, _, stderr) = process::run_measured(&mut command, self.scratch, "generate")?;
        if child.code != Some(0) {
            return Err(process::child_failed(&command, child.code, &stderr));
        }
        let manifest = crate::manifest::Manifest::load(target).map_err(|e| BenchError::step("reading the generated manifest", e))?;
        Ok(Measurement {
            name: "generate".into(),
            detail: format!("`tenantless generate tenant-large.yaml --days {days}`, {how}"),
            seconds: child.seconds,
            records: manifest.tables.values().map(|t| t.records).sum(),
            bytes: manifest.tables.values().map(|t| t.bytes).sum(),
            peak_rss_mib: Some(child.peak_rss_mib),
        })
    }
}

/// A scratch directory for the benchmark's output, removed afterwards by the caller.
pub fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("tenantless-bench-{}", std::process::id()))
}
