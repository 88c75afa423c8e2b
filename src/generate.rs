//! `generate`: scenarios → simulation → five NDJSON tables + manifest, written atomically.

use crate::ids::IdSource;
use crate::manifest::{IdentityEntry, Label, LabelRecord, MANIFEST_FILE, Manifest, ScenarioEntry, TOOL_NAME, TableStats, TimeRange};
use crate::scenario::{self, LoadedScenario, ScenarioError};
use crate::sim::{Event, EventSink, Origin, Simulation};
use crate::sink::{CountingWriter, SinkError, StagedDir, check_target};
use crate::tables::{self, RecordWriter, Table};
use crate::timefmt::{format_ts, to_ticks};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The seed used when none is given, so that runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 20_200_919;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub scenarios: Vec<PathBuf>,
    pub seed: u64,
    pub out: PathBuf,
    /// Re-anchor the simulated period to end at this instant.
    pub end: Option<DateTime<Utc>>,
    /// Simulate this many days from each scenario's start instead of its own period.
    pub days: Option<u32>,
    pub force: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Sink(#[from] SinkError),
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("two scenarios are both named `{0}`; scenario names must differ so their IDs do not collide")]
    DuplicateScenario(String),
    #[error("--days must be between 1 and 366, not {0}")]
    Days(u32),
    #[error("no scenario given")]
    NoScenario,
}

/// Loads every scenario; `days` replaces each period's length, then `end` re-anchors all periods
/// alike so that the latest one ends at that instant.
pub fn load_scenarios(
    paths: &[PathBuf],
    ids: IdSource,
    days: Option<u32>,
    end: Option<DateTime<Utc>>,
) -> Result<Vec<LoadedScenario>, GenerateError> {
    if paths.is_empty() {
        return Err(GenerateError::NoScenario);
    }
    let mut loaded = Vec::new();
    let mut names = BTreeSet::new();
    for path in paths {
        let scenario = scenario::load(path, ids)?;
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

/// Renders events into the five table files, collecting counts and ground truth.
struct TableFiles {
    files: Vec<CountingWriter<BufWriter<File>>>,
    stats: [TableStats; 5],
    writer: RecordWriter,
    labels: Vec<LabelBuild>,
}

#[derive(Default)]
struct LabelBuild {
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    records: BTreeSet<LabelRecord>,
}

impl EventSink for TableFiles {
    fn event(&mut self, event: &Event<'_>, origin: Origin) -> std::io::Result<()> {
        let rendered = tables::render(event, &mut self.writer);
        let i = rendered.table.index();
        let file = &mut self.files[i];
        file.write_all(rendered.json.as_bytes())?;
        file.write_all(b"\n")?;
        self.stats[i].records += 1;
        self.stats[i].billed_bytes += rendered.billed_size;
        if let Some(l) = origin.label().and_then(|l| self.labels.get_mut(l)) {
            l.first = Some(l.first.map_or(event.time, |f| f.min(event.time)));
            l.last = Some(l.last.map_or(event.time, |f| f.max(event.time)));
            l.records.insert(LabelRecord::from(&rendered.key));
        }
        Ok(())
    }
}

/// Runs `generate` end to end; `progress` receives (fraction done) now and then.
pub fn generate(options: &GenerateOptions, mut progress: impl FnMut(f64)) -> Result<Manifest, GenerateError> {
    let ids = IdSource::new(options.seed);
    check_target(&options.out, |dir| Manifest::read(dir).is_some(), options.force)?;
    let loaded = load_scenarios(&options.scenarios, ids, options.days, options.end)?;
    let tenants: Vec<_> = loaded.iter().map(|s| s.tenant.clone()).collect();
    let simulation = Simulation::new(&tenants, ids);
    let (start, end) = simulation.period();

    let staged = StagedDir::create(&options.out)?;
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| GenerateError::Write { path, source }
    };
    let mut sink = TableFiles {
        files: Table::ALL
            .iter()
            .map(|t| staged.file(&format!("{}.jsonl", t.name())).map(CountingWriter::new))
            .collect::<Result<_, _>>()?,
        stats: Default::default(),
        writer: RecordWriter::new(),
        labels: simulation.labels().iter().map(|_| LabelBuild::default()).collect(),
    };
    let span = (end - start).num_milliseconds().max(1) as f64;
    let mut last_reported = start;
    simulation
        .run(&mut sink, |t| {
            if (t - last_reported).num_minutes() >= 10 {
                last_reported = t;
                progress((t - start).num_milliseconds() as f64 / span);
            }
        })
        .map_err(write_err(staged.path()))?;
    progress(1.0);

    let mut stats = sink.stats;
    for (i, file) in std::mem::take(&mut sink.files).into_iter().enumerate() {
        stats[i].bytes = file.bytes;
        file.into_inner()
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(write_err(staged.path()))?;
    }
    let anomalies = simulation
        .labels()
        .iter()
        .zip(sink.labels)
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
            window: TimeRange {
                start: build.first.map(format_ts).unwrap_or_default(),
                end: build.last.map(format_ts).unwrap_or_default(),
            },
            records: build.records.into_iter().collect(),
        })
        .collect();
    let manifest = Manifest {
        tool: TOOL_NAME.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenarios: loaded
            .iter()
            .map(|s| ScenarioEntry {
                name: s.tenant.scenario.clone(),
                path: s.path.display().to_string(),
                sha256: s.sha256.clone(),
                anomalies_cut_by_days: s.dropped_anomalies,
            })
            .collect(),
        seed: options.seed,
        time_range: TimeRange {
            start: format_ts(start),
            end: format_ts(end),
        },
        tables: Table::ALL.iter().map(|t| (t.name().to_owned(), stats[t.index()])).collect(),
        anomalies,
        expectations: tenants.iter().flat_map(|t| t.expectations.iter().cloned()).collect(),
        identities: tenants
            .iter()
            .flat_map(|t| {
                t.identities.iter().map(move |i| IdentityEntry {
                    scenario: t.scenario.clone(),
                    name: i.name.clone(),
                    kind: format!("{:?}", i.kind),
                    app_id: i.app_id.to_string(),
                    service_principal_id: i.sp_object_id.to_string(),
                })
            })
            .collect(),
    };
    let manifest_path = staged.path().join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| GenerateError::Write {
        path: manifest_path.clone(),
        source: e.into(),
    })?;
    text.push('\n');
    std::fs::write(&manifest_path, text).map_err(write_err(&manifest_path))?;
    staged.commit()?;
    Ok(manifest)
}
