//! `generate`: scenarios → simulation → NDJSON tables (five, six in resource-specific mode) +
//! manifest, written atomically.

use crate::compress::{Compression, TableFormat};
use crate::estimate::{EstimateError, EstimateOptions};
use crate::ids::IdSource;
use crate::manifest::{
    CategoryOutput, DiagnosticSettingsInfo, IdentityEntry, Label, MANIFEST_FILE, Manifest, ScenarioEntry, TOOL_NAME, TableStats, TimeRange,
};
use crate::scenario::{self, LoadedScenario, ScenarioError};
use crate::shape::stream::TableDelivery;
use crate::shape::{Delivery, Packaging, Shape, ShapeError};
use crate::sim::Simulation;
use crate::sink::{self, CountingWriter, OwnFiles, SinkError, StagedDir, check_target};
use crate::tables::{DiagnosticsModes, Table};
use crate::timefmt::{format_ts, to_ticks};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

mod chunk;
mod files;
mod pipeline;
pub mod shard;

use files::{LabelBuild, TableFiles};
pub use shard::{Shard, ShardError};

/// The seed used when none is given, so that runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 20_200_919;

/// What to generate, and where.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Scenario files to simulate, together, into one output.
    pub scenarios: Vec<PathBuf>,
    /// Seed of every random choice and generated ID; the same seed, scenarios and version give
    /// byte-identical output.
    pub seed: u64,
    /// Output directory; only tenantless's own output there is replaced.
    pub out: PathBuf,
    /// Re-anchor the simulated period to end at this instant.
    pub end: Option<DateTime<Utc>>,
    /// Simulate this many days from each scenario's start instead of its own period.
    pub days: Option<u32>,
    /// Also replace tenantless files that no manifest lists as written (never files it did not write).
    pub force: bool,
    /// Overrides every scenario's `background` level.
    pub background: Option<crate::scenario::model::BackgroundLevel>,
}

/// Why a `generate` run failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A scenario file could not be read or is invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The output directory was refused or could not be staged or put in place.
    #[error("{0}")]
    Sink(#[from] SinkError),
    /// Writing a table or the manifest failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Two scenarios have the same `name`.
    #[error("two scenarios are both named `{0}`; scenario names must differ so their IDs do not collide")]
    DuplicateScenario(String),
    /// `--days` outside 1..=366.
    #[error("--days must be between 1 and 366, not {0}")]
    Days(u32),
    /// The list of scenarios is empty.
    #[error("no scenario given")]
    NoScenario,
    /// SIGINT or SIGTERM stopped the run, and its unfinished output was removed.
    #[error("interrupted by {}: removed the unfinished output {}; the previous output, if any, is untouched", sink::signal_name(*.signal), .staging.display())]
    Interrupted {
        /// The signal's number.
        signal: i32,
        /// The staging directory that was removed.
        staging: PathBuf,
    },
    /// The volume guard refused the run.
    #[error("{0}")]
    TooLarge(Box<TooLarge>),
    /// The volume guard's estimate failed for a reason other than loading the scenarios.
    #[error("estimating the volume: {0}")]
    Estimate(String),
    /// Converting or writing the diagnostic-settings shape failed.
    #[error("{0}")]
    Shape(#[from] ShapeError),
    /// `--shard` with `--shape diagnostic-settings`.
    #[error(
        "--shard works with the Log Analytics shape only: `merge` rebuilds table files, and an hourly blob or an Event Hub message of the diagnostic-settings shape spans shards. Generate the diagnostic-settings shape in one run (--threads spreads it over the cores), or drop --shape"
    )]
    ShardedShape,
    /// `--shape diagnostic-settings` with a resource-specific `--diagnostics-mode`.
    #[error(
        "--diagnostics-mode picks the Log Analytics table a category lands in; --shape diagnostic-settings writes the records as a storage account or an Event Hub receives them, which is the same AuditEvent record in every mode. Drop one of the two"
    )]
    ShapedMode,
    /// `--format parquet` with an option it does not go with.
    #[error("--format parquet {0}")]
    ParquetWith(&'static str),
    /// Converting a table to Parquet failed.
    #[error("{0}")]
    Parquet(crate::export::ExportError),
}

/// On-disk NDJSON bytes per billed byte: `_BilledSize` leaves out the JSON keys and punctuation.
/// Measured on `scenarios/seed.yaml`: 1.24 (AzureActivity) to 2.24 (AzureDiagnostics), 1.71 overall.
pub const DISK_PER_BILLED: f64 = 2.0;
/// `generate` refuses to write more than this without `--yes` or a larger `--max-bytes`.
pub const DEFAULT_MAX_BYTES: u64 = 20_000_000_000;

/// A run the volume guard refused.
#[derive(Debug)]
pub struct TooLarge {
    /// Estimated bytes on disk.
    pub disk_bytes: f64,
    /// Estimated billed bytes (`_BilledSize`) per day.
    pub billed_per_day: f64,
    /// Days the run covers.
    pub days: usize,
    /// The limit it exceeded (`--max-bytes`), bytes on disk.
    pub max_bytes: u64,
}

/// Bytes in decimal units, as `estimate` reports GB.
fn human(bytes: f64) -> String {
    match bytes {
        b if b >= 1e12 => format!("{:.1} TB", b / 1e12),
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.1} KB", b / 1e3),
        b => format!("{b:.0} bytes"),
    }
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the estimate puts this run at about {} on disk ({}/day billed over {} day(s); the files are about {DISK_PER_BILLED}x the billed size), above --max-bytes {}. ",
            human(self.disk_bytes),
            human(self.billed_per_day),
            self.days,
            human(self.max_bytes as f64)
        )?;
        let per_day = self.disk_bytes / self.days.max(1) as f64;
        let fitting = (self.max_bytes as f64 / per_day).floor();
        if fitting >= 1.0 {
            write!(f, "Shorten it with --days {fitting} or fewer, ")?;
        } else {
            write!(
                f,
                "Even one day is larger: shard it by splitting the populations over several scenario files, each generated into its own --out, "
            )?;
        }
        write!(f, "or confirm with --yes (or a larger --max-bytes)")
    }
}

/// The volume guard: estimates the run in `modes` analytically (milliseconds) and refuses it when
/// the files would exceed `max_bytes`. Returns the estimated bytes on disk.
pub fn check_volume(options: &GenerateOptions, (modes, max_bytes): (DiagnosticsModes, u64)) -> Result<f64, GenerateError> {
    let estimate = crate::estimate::estimate(&EstimateOptions {
        scenarios: options.scenarios.clone(),
        seed: options.seed,
        days: options.days,
        background: options.background,
        modes,
        ..EstimateOptions::default()
    })
    .map_err(|e| match e {
        EstimateError::Load(e) => e,
        other => GenerateError::Estimate(other.to_string()),
    })?;
    let billed = estimate.volume.total().bytes;
    let days = estimate.volume.days().max(1);
    let disk_bytes = billed * DISK_PER_BILLED;
    if disk_bytes > max_bytes as f64 {
        return Err(GenerateError::TooLarge(Box::new(TooLarge {
            disk_bytes,
            billed_per_day: billed / days as f64,
            days,
            max_bytes,
        })));
    }
    Ok(disk_bytes)
}

/// Every file name a run writes, in any compression and shape, and the directories (storage
/// containers) the diagnostic-settings shape writes.
fn own_names() -> (Vec<String>, Vec<String>) {
    let (dirs, hubs) = crate::shape::own_entries();
    let files = Table::ALL
        .iter()
        .flat_map(|t| {
            Compression::ALL
                .map(|c| c.file_name(t.name()))
                .into_iter()
                .chain([TableFormat::parquet_name(t.name())])
        })
        .chain(hubs)
        .chain([MANIFEST_FILE.to_owned(), crate::report::REPORT_FILE.to_owned()])
        .collect();
    (files, dirs)
}

/// The entries a previous output's manifest says it wrote: its tables (or hub files) with their
/// sizes, its containers, and itself; and the report `tenantless report` writes beside them by
/// default, which the new output replaces.
fn listed_files(dir: &Path) -> Option<Vec<(String, Option<u64>)>> {
    let manifest = Manifest::read(dir)?;
    let shaped = manifest.diagnostic_settings.as_ref().map(|info| {
        let storage = info.delivery == Delivery::Storage;
        info.categories
            .values()
            .map(move |c| (c.path.clone(), (!storage).then_some(c.bytes)))
    });
    let mut listed: Vec<_> = match shaped {
        Some(entries) => entries.collect(),
        None => manifest
            .tables
            .iter()
            .map(|(name, stats)| (manifest.file_of(name), Some(stats.bytes)))
            .collect(),
    };
    listed.push((MANIFEST_FILE.to_owned(), None));
    listed.push((crate::report::REPORT_FILE.to_owned(), None));
    Some(listed)
}

/// Refuses a target holding anything but a previous output (see [`check_target`]).
pub(crate) fn check_out(target: &Path, force: bool) -> Result<(), SinkError> {
    let (names, dirs) = own_names();
    let own = OwnFiles {
        names: &names,
        dirs: &dirs,
        listed: listed_files(target),
    };
    check_target(target, &own, force)
}

/// Loads every scenario; `days` replaces each period's length, then `end` re-anchors all periods
/// alike so that the latest one ends at that instant.
pub fn load_scenarios(
    paths: &[PathBuf],
    ids: IdSource,
    (days, end): (Option<u32>, Option<DateTime<Utc>>),
    background: Option<crate::scenario::model::BackgroundLevel>,
) -> Result<Vec<LoadedScenario>, GenerateError> {
    if paths.is_empty() {
        return Err(GenerateError::NoScenario);
    }
    let mut loaded = Vec::new();
    let mut names = BTreeSet::new();
    for path in paths {
        let options = scenario::LoadOptions {
            background,
            ..scenario::LoadOptions::default()
        };
        let scenario = scenario::load_with(path, ids, options)?;
        if !names.insert(scenario.tenant.scenario.clone()) {
            return Err(GenerateError::DuplicateScenario(scenario.tenant.scenario));
        }
        loaded.push(scenario);
    }
    if let Some(days) = days {
        if !(1..=366).contains(&days) {
            return Err(GenerateError::Days(days));
        }
        for s in &mut loaded {
            s.tenant.end = s.tenant.start + chrono::TimeDelta::days(i64::from(days));
            // The ground truth must list only what was injected: anomalies after the new end go.
            let end = s.tenant.end;
            let before = s.tenant.anomalies.len();
            s.tenant.anomalies.retain(|a| a.at < end);
            s.dropped_anomalies = before - s.tenant.anomalies.len();
        }
    }
    if let Some(end) = end {
        let latest = loaded.iter().map(|s| s.tenant.end).max().unwrap_or(end);
        let delta = to_ticks(end) - latest;
        for s in &mut loaded {
            s.tenant.shift(delta);
        }
    }
    Ok(loaded)
}

/// How a run spreads its work; the output does not depend on it, except for which share a shard holds.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Rendering threads (`--threads`); the output is byte-identical whatever the number.
    pub threads: usize,
    /// The share of the records this process writes (`--shard K/N`); `None` for the whole output
    /// (which differs from `0/1` only in that its manifest says nothing about shards).
    pub shard: Option<Shard>,
    /// How the table files are compressed (`--compress`).
    pub compression: Compression,
    /// NDJSON or Parquet table files (`--format`).
    pub format: TableFormat,
    /// What the records look like (`--shape`): the Log Analytics tables, or as diagnostic
    /// settings deliver them.
    pub shape: Shape,
    /// How the diagnostic-settings shape packages them (`--delivery`); unused for Log Analytics.
    pub delivery: Delivery,
    /// The largest Event Hub message body, bytes (`--max-message-bytes`).
    pub message_bytes: usize,
    /// Which tables resource logs land in (`--diagnostics-mode`). The diagnostic-settings shape
    /// is the same in every mode: the mode only picks the Log Analytics table.
    pub modes: DiagnosticsModes,
}

impl Default for RunOptions {
    /// Every core, the whole output, in the Log Analytics shape.
    fn default() -> Self {
        Self {
            threads: default_threads(),
            shard: None,
            compression: Compression::None,
            format: TableFormat::Jsonl,
            shape: Shape::LogAnalytics,
            delivery: Delivery::Storage,
            message_bytes: crate::shape::EVENT_HUB_MESSAGE_BYTES,
            modes: DiagnosticsModes::default(),
        }
    }
}

/// The default `--threads`: every core the process may use.
pub fn default_threads() -> usize {
    crate::parallel::cores()
}

/// Runs `generate` end to end on every core; `progress` receives (fraction done) now and then.
pub fn generate(options: &GenerateOptions, progress: impl FnMut(f64)) -> Result<Manifest, GenerateError> {
    generate_with(options, RunOptions::default(), progress)
}

/// Runs `generate` end to end as `run` says; `progress` receives (fraction done) now and then.
pub fn generate_with(options: &GenerateOptions, run: RunOptions, mut progress: impl FnMut(f64)) -> Result<Manifest, GenerateError> {
    if run.shape == Shape::DiagnosticSettings && run.shard.is_some() {
        return Err(GenerateError::ShardedShape);
    }
    if run.shape == Shape::DiagnosticSettings && !run.modes.is_default() {
        return Err(GenerateError::ShapedMode);
    }
    if run.format == TableFormat::Parquet {
        if run.shape == Shape::DiagnosticSettings {
            return Err(GenerateError::ParquetWith(
                "writes the Log Analytics tables: the diagnostic-settings shape is JSON as Azure delivers it; drop one of the two",
            ));
        }
        if !run.compression.is_none() {
            return Err(GenerateError::ParquetWith(
                "compresses its columns itself (Snappy): drop --compress",
            ));
        }
    }
    let ids = IdSource::new(options.seed);
    let target = sink::resolve_target(&options.out)?;
    for note in sink::clean_stale(&target) {
        eprintln!("note: {note}");
    }
    check_out(&target, options.force)?;
    let loaded = load_scenarios(&options.scenarios, ids, (options.days, options.end), options.background)?;
    let entries = scenario_entries(&loaded);
    // Moved, not cloned: a large background's schedules are tens of megabytes.
    let tenants: Vec<_> = loaded.into_iter().map(|s| s.tenant).collect();
    let simulation = Simulation::new(&tenants, ids);
    let (start, end) = simulation.period();

    let staged = StagedDir::create(&target)?;
    let written = match run.shape {
        Shape::LogAnalytics => write_tables(&simulation, &staged, run, &mut progress)?,
        Shape::DiagnosticSettings => write_shaped(&simulation, &staged, run, &mut progress)?,
    };
    let mut manifest = build_manifest(
        options,
        entries,
        &tenants,
        &simulation,
        written.labels,
        (&run.modes.tables(), &written.stats),
        (start, end),
    );
    manifest.shard = written.shard;
    manifest.compression = run.compression;
    manifest.files = written.files;
    if let Some(info) = written.diagnostic_settings {
        manifest.diagnostic_settings = Some(info);
        for label in &mut manifest.anomalies {
            label.records = std::mem::take(&mut label.records)
                .into_iter()
                .map(|r| r.with_shaped_key())
                .collect();
        }
    }
    manifest.table_format = run.format;
    let manifest_path = staged.path().join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| GenerateError::Write {
        path: manifest_path.clone(),
        source: e.into(),
    })?;
    text.push('\n');
    std::fs::write(&manifest_path, text).map_err(write_err(&manifest_path))?;
    commit(staged, &target, options.force, stopped)?;
    Ok(manifest)
}

/// What the run wrote, for its manifest.
struct Written {
    stats: [TableStats; Table::COUNT],
    labels: Vec<LabelBuild>,
    shard: Option<crate::manifest::ShardInfo>,
    /// Per table, its file's name, when compressed.
    files: std::collections::BTreeMap<String, String>,
    diagnostic_settings: Option<DiagnosticSettingsInfo>,
}

/// The error of a run stopped by a signal, which removes its staging directory.
fn stopped(staged: &StagedDir) -> Option<GenerateError> {
    sink::interrupted().map(|signal| GenerateError::Interrupted {
        signal,
        staging: staged.root().to_owned(),
    })
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + use<> {
    let path = path.to_owned();
    move |source| GenerateError::Write { path, source }
}

/// Simulates and renders the run into `files`, one per table, reporting progress.
fn simulate<W: Write + Send>(
    simulation: &Simulation<'_>,
    staged: &StagedDir,
    files: Vec<W>,
    (run, compression): (RunOptions, Compression),
    progress: &mut dyn FnMut(f64),
) -> Result<TableFiles<W>, GenerateError> {
    let (start, end) = simulation.period();
    let mut sink = TableFiles::new((run.modes.tables(), files), simulation.labels().len(), run.shard);
    let span = (end - start).num_milliseconds().max(1) as f64;
    let mut last_reported = start;
    let plan = pipeline::Plan {
        threads: run.threads,
        shard: run.shard.unwrap_or(Shard::ALL),
        compression,
        shape: run.shape,
        modes: run.modes,
    };
    pipeline::run(simulation, plan, &mut sink, |t| {
        if (t - last_reported).num_minutes() >= 10 {
            last_reported = t;
            progress((t - start).num_milliseconds() as f64 / span);
        }
    })
    .map_err(|e| {
        stopped(staged).unwrap_or_else(|| match ShapeError::recover(e) {
            Ok(shape) => GenerateError::Shape(shape),
            Err(e) => write_err(&staged.path())(e),
        })
    })?;
    progress(1.0);
    Ok(sink)
}

/// The Log Analytics shape: one `<Table>.jsonl[.zst|.gz]` per table.
fn write_tables(
    simulation: &Simulation<'_>,
    staged: &StagedDir,
    run: RunOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<Written, GenerateError> {
    let tables = run.modes.tables();
    let files = tables
        .iter()
        .map(|t| staged.file(&run.compression.file_name(t.name())).map(CountingWriter::new))
        .collect::<Result<_, _>>()?;
    let mut sink = simulate(simulation, staged, files, (run, run.compression), progress)?;
    let mut stats = sink.stats;
    for (table, mut file) in tables.iter().zip(std::mem::take(&mut sink.files)) {
        let i = table.index();
        if file.bytes == 0 && !run.compression.is_none() {
            // An empty table still gets a valid compressed file, which decompresses to nothing.
            let mut frame = Vec::new();
            run.compression
                .encode(&[], &mut frame)
                .and_then(|()| file.write_all(&frame))
                .map_err(write_err(&staged.path()))?;
        }
        stats[i].bytes = file.bytes;
        file.into_inner()
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(write_err(&staged.path()))?;
    }
    let files = if run.format == TableFormat::Parquet {
        to_parquet(staged, (&tables, &mut stats), run.threads)?
    } else if run.compression.is_none() {
        Default::default()
    } else {
        tables
            .iter()
            .map(|t| (t.name().to_owned(), run.compression.file_name(t.name())))
            .collect()
    };
    Ok(Written {
        stats,
        labels: sink.labels,
        shard: sink.shard,
        files,
        diagnostic_settings: None,
    })
}

/// Replaces each staged `<Table>.jsonl` by `<Table>.parquet`, tables converted on `threads`
/// threads at once; the files' names for the manifest, and their sizes in `stats`.
fn to_parquet(
    staged: &StagedDir,
    (tables, stats): (&[Table], &mut [TableStats; Table::COUNT]),
    threads: usize,
) -> Result<std::collections::BTreeMap<String, String>, GenerateError> {
    let dir = staged.path();
    let convert = |table: Table| -> Result<u64, GenerateError> {
        let source = dir.join(Compression::None.file_name(table.name()));
        let target = dir.join(TableFormat::parquet_name(table.name()));
        crate::export::parquet::convert(table.name(), &source, &target).map_err(GenerateError::Parquet)?;
        std::fs::remove_file(&source).map_err(write_err(&source))?;
        let file = std::fs::File::open(&target).and_then(|f| f.sync_all().and_then(|()| f.metadata()));
        Ok(file.map_err(write_err(&target))?.len())
    };
    let sizes = crate::parallel::map(tables, threads, |&table| (table.index(), convert(table)));
    for (i, size) in sizes {
        stats[i].bytes = size?;
    }
    Ok(tables
        .iter()
        .map(|t| (t.name().to_owned(), TableFormat::parquet_name(t.name())))
        .collect())
}

/// The diagnostic-settings shape: each table's records, converted as they were rendered, written
/// into their categories' containers or hubs. The chunks stay uncompressed: each blob or hub file
/// is compressed as a whole.
fn write_shaped(
    simulation: &Simulation<'_>,
    staged: &StagedDir,
    run: RunOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<Written, GenerateError> {
    let packaging = Packaging {
        delivery: run.delivery,
        message_bytes: run.message_bytes,
        compression: run.compression,
    };
    let out = staged.path();
    let tables = run.modes.tables();
    let deliveries = tables
        .iter()
        .map(|t| TableDelivery::new(*t, &out, packaging))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sink = simulate(simulation, staged, deliveries, (run, Compression::None), progress)?;
    let mut stats = sink.stats;
    let mut categories = std::collections::BTreeMap::new();
    for (table, delivery) in tables.iter().zip(std::mem::take(&mut sink.files)) {
        let i = table.index();
        for (category, delivered) in delivery.finish()? {
            stats[i].bytes += delivered.bytes;
            let path = match run.delivery {
                Delivery::Storage => crate::shape::destination(category).to_owned(),
                Delivery::EventHub => crate::shape::eventhub::file_name(category, run.compression),
            };
            let (blobs, messages) = match run.delivery {
                Delivery::Storage => (delivered.pieces, 0),
                Delivery::EventHub => (0, delivered.pieces),
            };
            let output = CategoryOutput {
                table: table.name().to_owned(),
                path,
                records: delivered.records,
                bytes: delivered.bytes,
                blobs,
                messages,
            };
            categories.insert(crate::shape::category_field(category).to_owned(), output);
        }
    }
    let info = DiagnosticSettingsInfo {
        delivery: run.delivery,
        max_message_bytes: (run.delivery == Delivery::EventHub).then_some(run.message_bytes),
        categories,
    };
    Ok(Written {
        stats,
        labels: sink.labels,
        shard: None,
        files: Default::default(),
        diagnostic_settings: Some(info),
    })
}

/// Checks the target again (a user may have put files there during a long run) and puts the
/// output in place; a replaced output that cannot be removed is reported, not an error.
pub(crate) fn commit(
    staged: StagedDir,
    target: &Path,
    force: bool,
    stopped: impl Fn(&StagedDir) -> Option<GenerateError>,
) -> Result<(), GenerateError> {
    if let Some(e) = stopped(&staged) {
        return Err(e);
    }
    check_out(target, force)?;
    if let Some((path, e)) = staged.commit()?.leftover {
        eprintln!(
            "warning: the new output is in {}, but removing the replaced output at {} failed ({e}); delete it by hand (the next run also tries)",
            target.display(),
            path.display()
        );
    }
    Ok(())
}

/// The manifest of a finished run: inputs, per-table stats, ground truth and identities.
/// The manifest's entry for each scenario run.
fn scenario_entries(loaded: &[LoadedScenario]) -> Vec<ScenarioEntry> {
    loaded
        .iter()
        .map(|s| ScenarioEntry {
            name: s.tenant.scenario.clone(),
            path: s.path.display().to_string(),
            sha256: s.sha256.clone(),
            anomalies_cut_by_days: s.dropped_anomalies,
        })
        .collect()
}

fn build_manifest(
    options: &GenerateOptions,
    scenarios: Vec<ScenarioEntry>,
    tenants: &[crate::scenario::Tenant],
    simulation: &Simulation,
    labels: Vec<LabelBuild>,
    (tables, stats): (&[Table], &[TableStats; Table::COUNT]),
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> Manifest {
    let anomalies = simulation
        .labels()
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (seed, build))| Label {
            id: format!("A{}", i + 1),
            scenario: seed.scenario.clone(),
            kind: seed.kind,
            benign: seed.benign,
            identity: seed.identity.clone(),
            identity_id: seed.identity_id.clone(),
            aliases: seed.aliases.clone(),
            ips: seed.ips.clone(),
            label: seed.label.clone(),
            technique: seed.technique.clone(),
            entities: seed.entities.clone(),
            window: TimeRange {
                start: build.first.map(format_ts).unwrap_or_default(),
                end: build.last.map(format_ts).unwrap_or_default(),
            },
            records: build.records.into_iter().collect(),
        })
        .collect();
    Manifest {
        tool: TOOL_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        format: crate::manifest::MANIFEST_FORMAT,
        scenarios,
        seed: options.seed,
        time_range: TimeRange {
            start: format_ts(start),
            end: format_ts(end),
        },
        tables: tables.iter().map(|t| (t.name().to_owned(), stats[t.index()])).collect(),
        anomalies,
        expectations: tenants.iter().flat_map(|t| t.expectations.iter().cloned()).collect(),
        identities: tenants
            .iter()
            .flat_map(|t| {
                t.identities.iter().map(move |i| IdentityEntry {
                    scenario: t.scenario.clone(),
                    name: i.name.clone(),
                    kind: i.kind.to_string(),
                    app_id: i.app_id.to_string(),
                    service_principal_id: i.sp_object_id.to_string(),
                })
            })
            .collect(),
        shard: None,
        compression: Compression::None,
        files: std::collections::BTreeMap::new(),
        table_format: TableFormat::Jsonl,
        diagnostic_settings: None,
    }
}
