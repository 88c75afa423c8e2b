//! `estimate`: rows, billed GB and cost per table and diagnostic-settings category, from scenarios,
//! before anyone enables the categories. Reads the same `Tenant` and renders sample records with the
//! same code as `generate`, so `_BilledSize` agrees by construction.

pub mod analytic;
mod cached;
pub mod calibrate;
pub mod chart;
pub mod cost;
mod cost_table;
pub mod exact;
pub mod modes;
pub mod plans;
pub mod prices;
pub mod report;
pub mod transform;
pub mod usage;
pub mod volume;

use crate::generate::GenerateError;
use crate::ids::IdSource;
use crate::scenario::Tenant;
use crate::scenario::{self, Members};
use crate::tables::{Category, DiagnosticsModes};
use chrono::{DateTime, TimeDelta, Utc};
use std::path::PathBuf;
use volume::{Contributor, Volume};

/// Days in an average month (365.25 / 12), for per-month figures.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// What to estimate, and at what price.
#[derive(Debug, Clone)]
pub struct EstimateOptions {
    /// Scenario files describing the tenant.
    pub scenarios: Vec<PathBuf>,
    /// Seed of the simulation, as for `generate`; sample records (and their sizes) depend on it.
    pub seed: u64,
    /// Horizon in days from each scenario's start; default: the longest scenario period.
    pub days: Option<u32>,
    /// The price file (`--prices`); `None`: the bundled one.
    pub prices: Option<PathBuf>,
    /// Plans, retention and price overrides.
    pub choices: cost::CostChoices,
    /// Rule files and folders whose rules a plan change could disable (`--rules`).
    pub rules: Vec<PathBuf>,
    /// Ingestion-time transformations to measure (`--transform TABLE=FILE.kql`).
    pub transforms: Vec<(String, PathBuf)>,
    /// A sample of the user's own workspace to compare with (`--calibrate`), and the days it
    /// covers (`--calibrate-days`).
    pub calibrate: Option<(PathBuf, Option<f64>)>,
    /// Generate every record (without writing) instead of the analytic estimate.
    pub exact: bool,
    /// Only report these categories (all when empty).
    pub categories: Vec<Category>,
    /// Overrides every scenario's `background` level.
    pub background: Option<crate::scenario::model::BackgroundLevel>,
    /// The tables resource logs land in (`--diagnostics-mode`); the report compares each
    /// category that has two modes in both.
    pub modes: DiagnosticsModes,
    /// Also count each category with two modes in its other mode, for the comparison: a second
    /// pass, so off by default (the `estimate` command turns it on; `generate`'s volume guard and
    /// the benchmarks need only the run's own mode).
    pub compare_modes: bool,
}

impl Default for EstimateOptions {
    /// No scenario yet; the default seed, the bundled prices, every table on Analytics.
    fn default() -> Self {
        Self {
            scenarios: Vec::new(),
            seed: crate::generate::DEFAULT_SEED,
            days: None,
            prices: None,
            choices: cost::CostChoices::default(),
            rules: Vec::new(),
            transforms: Vec::new(),
            calibrate: None,
            exact: false,
            categories: Vec::new(),
            background: None,
            modes: DiagnosticsModes::default(),
            compare_modes: false,
        }
    }
}

/// Why an estimate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// A scenario could not be loaded, or the scenarios or `days` were refused as by `generate`.
    #[error("{0}")]
    Load(#[from] GenerateError),
    /// The price per GB is negative or not finite.
    #[error("--price-per-gb must be a finite number >= 0, not {0}")]
    Price(f64),
    /// The free allowance is negative or not finite.
    #[error("--free-gb-per-day must be a finite number >= 0, not {0}")]
    FreeAllowance(f64),
    /// The price file could not be read or is wrong.
    #[error("{0}")]
    Prices(crate::verify::error::FileError),
    /// A `--plan` the table may not use.
    #[error("{0}")]
    Plan(#[from] plans::PlanError),
    /// A `--transform` that cannot be measured.
    #[error("{0}")]
    Transform(#[from] transform::TransformError),
    /// The `--calibrate` sample could not be read.
    #[error("{0}")]
    Calibrate(crate::verify::error::FileError),
    /// A `--rules` file or folder could not be read.
    #[error("{0}")]
    Rules(String),
    /// A `--plan` or `--transform` of a table no category lands in with the chosen modes.
    #[error(
        "{option} {table}=…: no record lands in {table} with these diagnostics modes; it holds Key Vault's records with --diagnostics-mode keyvault=resource-specific: add that, or name the table they are in (AzureDiagnostics)"
    )]
    NotInMode {
        /// `--plan` or `--transform`.
        option: &'static str,
        /// The table named.
        table: String,
    },
    /// The exact count's simulation failed.
    #[error("simulating: {0}")]
    Io(#[from] std::io::Error),
}

/// The result: volume by day and category, and the prices used.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// The scenarios' names, in the order given.
    pub scenarios: Vec<String>,
    /// The first day's start: the earliest scenario start.
    pub start: DateTime<Utc>,
    /// Rows and billed bytes by day, category, identity and workload.
    pub volume: Volume,
    /// The price file used.
    pub prices: prices::Prices,
    /// Plans, retention and price overrides, as given.
    pub choices: cost::CostChoices,
    /// The rules of `--rules` that the chosen plans would disable.
    pub disabled_rules: Vec<plans::DisabledRule>,
    /// How many rules `--rules` gave.
    pub rules_checked: usize,
    /// Each `--transform` and what it did to the simulated records of the horizon.
    pub transforms: Vec<(transform::Transform, transform::Measured)>,
    /// The `--calibrate` sample, and the days it covers.
    pub calibration: Option<(Vec<calibrate::Sampled>, Option<f64>)>,
    /// When some `per_day` is a `low..high` range: the volume with every range at its low end and
    /// at its high end (analytic, whatever the mode).
    pub ends: Option<(Volume, Volume)>,
    /// True for the exact count, false for the analytic estimate.
    pub exact: bool,
    /// The categories to report: those asked for, or all of them.
    pub categories: Vec<Category>,
    /// Per category with two modes that has records, the volume with that category in its other
    /// mode (counted as `volume` is, analytic or exact): the side-by-side comparison.
    pub other_modes: Vec<(Category, Volume)>,
}

/// Parses a category by its diagnostic-settings name or its Rust-ish name, case-insensitively.
pub fn parse_category(text: &str) -> Result<Category, String> {
    let wanted = text.to_ascii_lowercase().replace(['/', '_', '-', ' '], "");
    Category::ALL
        .into_iter()
        .find(|c| {
            c.name().to_ascii_lowercase().replace(['/', '_', '-', ' '], "") == wanted || format!("{c:?}").to_ascii_lowercase() == wanted
        })
        .ok_or_else(|| {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
            format!("unknown category `{text}`; known: {}", names.join(", "))
        })
}

/// Estimates the scenarios' volume and cost as `options` say.
pub fn estimate(options: &EstimateOptions) -> Result<Estimate, EstimateError> {
    estimate_with_progress(options, |_| {})
}

/// [`estimate`], telling `progress` the fraction of the horizon simulated so far (rising from 0 to
/// 1) when the count is exact: that one takes as long as `generate`.
pub fn estimate_with_progress(options: &EstimateOptions, progress: impl FnMut(f64)) -> Result<Estimate, EstimateError> {
    let choices = &options.choices;
    if let Some(price) = choices.analytics_per_gb.filter(|p| !p.is_finite() || *p < 0.0) {
        return Err(EstimateError::Price(price));
    }
    if let Some(free) = choices.free_gb_per_day.filter(|f| !f.is_finite() || *f < 0.0) {
        return Err(EstimateError::FreeAllowance(free));
    }
    let prices = match &options.prices {
        Some(path) => prices::Prices::load(path),
        None => prices::Prices::bundled(),
    }
    .map_err(EstimateError::Prices)?;
    plans::check(&prices, &choices.plans)?;
    check_written(options)?;
    let rules = load_rules(&options.rules)?;
    let disabled_rules = plans::disabled_rules(&rules, &choices.plans);
    let transforms = transform::load(&prices, &options.transforms)?;
    let calibration = match &options.calibrate {
        Some((path, days)) => Some((calibrate::load(path).map_err(EstimateError::Calibrate)?, *days)),
        None => None,
    };
    let ids = IdSource::new(options.seed);
    // The exact count simulates every identity; the analytic estimate needs only how many there are.
    let members = if options.exact { Members::All } else { Members::Representatives };
    let load = scenario::LoadOptions {
        members,
        background: options.background,
    };
    let mut tenants = load_tenants(&options.scenarios, ids, options.days, load)?;
    // The horizon is whole days: the longest period, rounded up, for every scenario.
    let longest = tenants.iter().map(|t| t.end - t.start).max().unwrap_or(TimeDelta::days(1));
    let days = (longest.num_seconds() as f64 / 86_400.0).ceil().max(1.0) as usize;
    for tenant in &mut tenants {
        tenant.end = tenant.start + TimeDelta::days(days as i64);
    }
    let start = tenants.iter().map(|t| t.start).min().unwrap_or_default();
    // One analytic instance for every mode: the token-cache replays do not depend on the tables.
    let mut analytic = analytic::Analytic::new(ids, &tenants);
    let mut count = |modes: DiagnosticsModes, progress: &mut dyn FnMut(f64)| -> Result<Volume, EstimateError> {
        let mut volume = Volume::new(days, contributors(&tenants), workload_contributors(&tenants));
        volume.modes = modes;
        if options.exact {
            exact::count(ids, &tenants, &mut volume, start, progress)?;
        } else {
            analytic.run(&mut volume, start);
        }
        Ok(volume)
    };
    let mut progress = progress;
    let volume = count(options.modes, &mut progress)?;
    let mut other_modes = Vec::new();
    let compared = DiagnosticsModes::switchable().filter(|c| options.compare_modes && volume.category_total(*c).rows > 0.0);
    for category in compared {
        let Some(mode) = options.modes.mode_of(category) else { continue };
        let other = mode.other();
        // The exact count runs the simulation again: its progress bar has already reached the end.
        other_modes.push((category, count(options.modes.with(category, other), &mut |_| {})?));
    }
    let measured = measure_transforms(options, ids, &tenants, &transforms)?;
    let ends = range_ends(ids, (&tenants, options.modes), start, days);
    Ok(Estimate {
        scenarios: tenants.iter().map(|t| t.scenario.clone()).collect(),
        start,
        volume,
        prices,
        choices: choices.clone(),
        disabled_rules,
        rules_checked: rules.len(),
        transforms: transforms.into_iter().zip(measured).collect(),
        calibration,
        ends,
        exact: options.exact,
        categories: if options.categories.is_empty() {
            Category::ALL.to_vec()
        } else {
            options.categories.clone()
        },
        other_modes,
    })
}

/// Refuses a `--plan` or `--transform` of a table the chosen modes write nothing to, which would
/// price or measure an empty table without saying why.
fn check_written(options: &EstimateOptions) -> Result<(), EstimateError> {
    let written = options.modes.tables();
    let plans = options.choices.plans.keys().map(|t| ("--plan", t));
    let transforms = options.transforms.iter().map(|(t, _)| ("--transform", t));
    for (option, table) in plans.chain(transforms) {
        let simulated = crate::tables::Table::ALL.iter().find(|t| t.name() == table);
        if simulated.is_some_and(|t| !written.contains(t)) {
            return Err(EstimateError::NotInMode {
                option,
                table: table.clone(),
            });
        }
    }
    Ok(())
}

/// The volume with every `per_day` range at its low end and at its high end, when there is one.
fn range_ends(
    ids: IdSource,
    (tenants, modes): (&[Tenant], DiagnosticsModes),
    start: DateTime<Utc>,
    days: usize,
) -> Option<(Volume, Volume)> {
    use crate::scenario::tenant::Schedule;
    let ranged = |s: &Schedule| matches!(s, Schedule::PerDay { range: Some(_), .. });
    let any = tenants
        .iter()
        .any(|t| t.workloads.iter().any(|w| ranged(&w.schedule)) || t.schedules.iter().any(|p| ranged(&p.schedule)));
    if !any {
        return None;
    }
    let at = |end: fn((f64, f64)) -> f64| {
        let mut moved = tenants.to_vec();
        let set = |s: &mut Schedule| {
            if let Schedule::PerDay { runs, range: Some(r), .. } = s {
                *runs = end(*r);
            }
        };
        for t in &mut moved {
            t.workloads.iter_mut().for_each(|w| set(&mut w.schedule));
            t.schedules.iter_mut().for_each(|p| set(&mut p.schedule));
        }
        let mut volume = Volume::new(days, contributors(&moved), workload_contributors(&moved));
        volume.modes = modes;
        analytic::Analytic::new(ids, &moved).run(&mut volume, start);
        volume
    };
    Some((at(|r| r.0), at(|r| r.1)))
}

/// Runs the transformations over every record of the horizon: those of `tenants` when the count
/// is exact (every identity resolved), else of the scenarios loaded again with every identity.
fn measure_transforms(
    options: &EstimateOptions,
    ids: IdSource,
    tenants: &[Tenant],
    transforms: &[transform::Transform],
) -> Result<Vec<transform::Measured>, EstimateError> {
    if transforms.is_empty() {
        return Ok(Vec::new());
    }
    if options.exact {
        return Ok(transform::measure(ids, (tenants, options.modes), transforms)?);
    }
    let load = scenario::LoadOptions {
        members: Members::All,
        background: options.background,
    };
    let mut all = load_tenants(&options.scenarios, ids, options.days, load)?;
    for (full, horizon) in all.iter_mut().zip(tenants) {
        full.end = horizon.end;
    }
    Ok(transform::measure(ids, (&all, options.modes), transforms)?)
}

/// The rules under `paths` (as `verify --rules` finds them; correlations are not analytic rules).
fn load_rules(paths: &[PathBuf]) -> Result<Vec<crate::verify::rule::Rule>, EstimateError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let (files, _correlations) = crate::verify::discover(paths).map_err(EstimateError::Rules)?;
    let loaded: Result<Vec<Vec<_>>, _> = files
        .iter()
        .map(|f| crate::verify::rule::load_all(f).map_err(|e| EstimateError::Rules(e.to_string())))
        .collect();
    Ok(loaded?.into_iter().flatten().collect())
}

/// Loads each scenario with its populations resolved as `members` says; `days` replaces each period
/// (anomalies after its end are dropped), as `generate` does.
fn load_tenants(paths: &[PathBuf], ids: IdSource, days: Option<u32>, load: scenario::LoadOptions) -> Result<Vec<Tenant>, GenerateError> {
    if paths.is_empty() {
        return Err(GenerateError::NoScenario);
    }
    if let Some(days) = days
        && !(1..=366).contains(&days)
    {
        return Err(GenerateError::Days(days));
    }
    let mut tenants: Vec<Tenant> = Vec::with_capacity(paths.len());
    for path in paths {
        let mut tenant = scenario::load_with(path, ids, load)?.tenant;
        if tenants.iter().any(|t| t.scenario == tenant.scenario) {
            return Err(GenerateError::DuplicateScenario(tenant.scenario));
        }
        if let Some(days) = days {
            tenant.end = tenant.start + TimeDelta::days(i64::from(days));
            let end = tenant.end;
            tenant.anomalies.retain(|a| a.at < end);
        }
        tenants.push(tenant);
    }
    Ok(tenants)
}

/// The scenario entry an identity comes from, by its derivation path: a population
/// (`…/population/NAME/n`), a kind of background identity (`…/background/service/k`), or itself.
fn group_of(scenario: &str, path: &str, name: &str) -> String {
    let rest = path.strip_prefix(scenario).and_then(|r| r.strip_prefix('/')).unwrap_or(path);
    let mut parts = rest.split('/');
    match (parts.next(), parts.next()) {
        (Some("population"), Some(population)) => format!("population {population}"),
        (Some("background"), Some(kind)) => match kind {
            "service" => "background service principals".to_owned(),
            "managed" => "background managed identities".to_owned(),
            other => format!("background {other}"),
        },
        _ => name.to_owned(),
    }
}

fn contributors(tenants: &[Tenant]) -> Vec<Contributor> {
    tenants
        .iter()
        .flat_map(|t| {
            t.identities.iter().map(|i| Contributor {
                scenario: t.scenario.clone(),
                name: i.name.clone(),
                kind: i.kind.to_string(),
                count: i.weight,
                group: group_of(&t.scenario, &i.path, &i.name),
                total: Default::default(),
                signin_rows: 0.0,
                billable_bytes: 0.0,
            })
        })
        .collect()
}

fn workload_contributors(tenants: &[Tenant]) -> Vec<Contributor> {
    tenants
        .iter()
        .flat_map(|t| {
            t.workloads.iter().map(|w| Contributor {
                scenario: t.scenario.clone(),
                name: w.name.clone(),
                kind: w.action.kind().to_string(),
                count: t.identities[w.identity].weight,
                group: group_of(&t.scenario, &t.identities[w.identity].path, &t.identities[w.identity].name),
                total: Default::default(),
                signin_rows: 0.0,
                billable_bytes: 0.0,
            })
        })
        .collect()
}
