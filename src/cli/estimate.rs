//! `tenantless estimate`: arguments and output.

use super::exit::{CommandResult, Failure, Outcome, emit};
use super::parse_background;
use crate::estimate::cost::CostChoices;
use crate::estimate::plans::parse_plan;
use crate::estimate::prices::Plan;
use crate::estimate::{EstimateError, EstimateOptions, chart, estimate_with_progress, parse_category, report::Report};
use crate::generate::DEFAULT_SEED;
use crate::scenario::model::BackgroundLevel;
use crate::tables::{Category, DiagnosticsModes};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;

/// Output format of `tenantless estimate`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Aligned columns with the top identities and workloads.
    Table,
    /// The whole report as one JSON object.
    Json,
    /// One row per category and table, plus the total.
    Csv,
    /// NDJSON rows shaped like Log Analytics' `Usage` table, one per table and day: save them as
    /// `DIR/Usage.jsonl` and run your usage queries with `tenantless query --data DIR`.
    Usage,
}

/// Arguments of `tenantless estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Scenario files describing the tenant.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Days to estimate from the scenario's start (default: the scenario's period).
    #[arg(long)]
    pub days: Option<u32>,
    /// The tenant's background activity, for every scenario: none, small, medium or large
    /// (default: each scenario's `background`, itself `small` by default).
    #[arg(long, value_parser = parse_background)]
    pub background: Option<BackgroundLevel>,
    /// The price file: per-GB prices per plan, commitment tiers, Sentinel, retention and which
    /// plans each table may use, each with its source and date (default: the bundled
    /// prices/azure-monitor.yaml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// A table's plan (repeatable): TABLE=analytics|basic|auxiliary; refused where Microsoft's
    /// table feature list does not allow it. Other tables stay on analytics.
    #[arg(long = "plan", value_name = "TABLE=PLAN", value_parser = parse_plan_arg)]
    pub plans: Vec<(String, Plan)>,
    /// Total retention in days: the cost of keeping data beyond the free days (31, or 90 with
    /// Sentinel; 30 for Basic and Auxiliary).
    #[arg(long, value_name = "DAYS")]
    pub retention_days: Option<u32>,
    /// Rule files or folders (as for verify): lists the rules a `--plan` off analytics would
    /// disable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// An ingestion-time transformation to measure (repeatable): TABLE=FILE.kql, a `source | …`
    /// text as in a data collection rule's transformKql. tenantless runs it over the simulated
    /// records of the horizon (use --days for a large tenant) and reports GB in, kept and dropped
    /// and the processing charge.
    #[arg(long = "transform", value_name = "TABLE=FILE.kql", value_parser = parse_transform_arg)]
    pub transforms: Vec<(String, PathBuf)>,
    /// A sample of your own workspace to compare the estimate with: the result of
    /// `summarize count(), avg(_BilledSize) by Type`, exported as CSV or as JSON.
    #[arg(long, value_name = "FILE")]
    pub calibrate: Option<PathBuf>,
    /// The days the --calibrate sample covers (its query's time range), for rows per day.
    #[arg(long, value_name = "DAYS", requires = "calibrate")]
    pub calibrate_days: Option<f64>,
    /// Pay-as-you-go Analytics price per billed GB (10^9 bytes), replacing the price file's.
    #[arg(long, allow_negative_numbers = true)]
    pub price_per_gb: Option<f64>,
    /// Free Analytics ingestion per day, GB, replacing the price file's allowance.
    #[arg(long, allow_negative_numbers = true)]
    pub free_gb_per_day: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write an SVG chart of GB per day by table.
    #[arg(long)]
    pub chart: Option<PathBuf>,
    /// Generate every record (without writing them) and measure, instead of the analytic estimate.
    #[arg(long)]
    pub exact: bool,
    /// Only these categories (repeatable), e.g. ServicePrincipalSignInLogs, KeyVault/AuditEvent.
    #[arg(long = "category", value_parser = parse_category)]
    pub categories: Vec<Category>,
    /// Seed of the sampled records, as for generate.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Estimate with a category's resource logs in this mode (repeatable), as for generate:
    /// keyvault=resource-specific puts Key Vault's in AZKVAuditLogs. The report shows each
    /// category that has two modes in both, side by side.
    #[arg(long = "diagnostics-mode", value_name = "CATEGORY=MODE")]
    pub diagnostics_modes: Vec<String>,
}

fn parse_transform_arg(text: &str) -> Result<(String, PathBuf), String> {
    crate::estimate::transform::parse_transform(text).map_err(|e| e.to_string())
}

fn parse_plan_arg(text: &str) -> Result<(String, Plan), String> {
    parse_plan(text).map_err(|e| e.to_string())
}

/// Runs `tenantless estimate`: prints the report to `out` and writes the chart, if asked for.
pub fn run(args: &EstimateArgs, out: &mut dyn Write) -> CommandResult {
    let modes = DiagnosticsModes::parse(&args.diagnostics_modes).map_err(|e| Failure::Input(e.to_string()))?;
    let options = EstimateOptions {
        scenarios: args.scenarios.clone(),
        seed: args.seed,
        days: args.days,
        prices: args.prices.clone(),
        choices: CostChoices {
            plans: args.plans.iter().cloned().collect(),
            retention_days: args.retention_days,
            analytics_per_gb: args.price_per_gb,
            free_gb_per_day: args.free_gb_per_day,
        },
        rules: args.rules.clone(),
        transforms: args.transforms.clone(),
        calibrate: args.calibrate.clone().map(|path| (path, args.calibrate_days)),
        exact: args.exact,
        categories: args.categories.clone(),
        background: args.background,
        modes,
        compare_modes: true,
    };
    // `--exact` simulates every record and may take hours: show how far it is (hidden automatically
    // when stderr is not a terminal). The analytic estimate answers at once and needs none.
    let target = if args.exact {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(1000), target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} counting [{bar:40}] {percent}% {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = estimate_with_progress(&options, |fraction| bar.set_position((fraction * 1000.0) as u64));
    bar.finish_and_clear();
    let estimate = result.map_err(|e| match e {
        EstimateError::Io(_) => Failure::Run(e.to_string()),
        _ => Failure::Input(e.to_string()),
    })?;
    let report = Report::new(&estimate);
    match args.format {
        Format::Table => emit(out, report.to_table())?,
        Format::Json => emit(out, format_args!("{}\n", serde_json::to_string_pretty(&report).unwrap_or_default()))?,
        Format::Csv => emit(out, report.to_csv())?,
        Format::Usage => emit(out, crate::estimate::usage::ndjson(&report))?,
    }
    if let Some(path) = &args.chart {
        std::fs::write(path, chart::svg(&report)).map_err(|e| Failure::Run(format!("writing the chart to {}: {e}", path.display())))?;
    }
    Ok(Outcome::Success)
}
