//! `tenantless verify`: run the rules against generated data and compare with the ground truth.

use super::exit::{CommandResult, Failure, Outcome, emit};
use crate::manifest::Manifest;
use crate::verify::{self, Engine, RuleStatus, engine::KqlEngine, rule};
use clap::Args;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `tenantless verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Directory written by `generate` (tables and manifest.json).
    #[arg(long, default_value = "output")]
    pub data: PathBuf,
    /// Rule files or directories (a directory's correlations/ holds correlation queries).
    #[arg(long = "rules", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Also write JUnit XML (one test case per rule and expectation).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write SARIF 2.1.0 (for GitHub code scanning, Azure DevOps, IDEs): one result per failed
    /// expectation, false-positive alert or rule that could not run, at the rule file's query line.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also append a Markdown summary of the run to FILE (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Show, for this rule (name or file name), how many rows survived each stage where it missed.
    #[arg(long)]
    pub explain: Option<String>,
    /// Time budget of each rule and correlation (e.g. 30s, 2m); one that runs longer is reported
    /// failed and the others go on.
    #[arg(long, default_value = "60s", value_parser = parse_timeout)]
    pub rule_timeout: std::time::Duration,
    /// Output format: the report as text, printed rule by rule, or the whole run as one JSON
    /// document at the end (results, summary and coverage).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text, conflicts_with = "explain")]
    pub format: ReportFormat,
    /// Local files for rules' `externaldata`.
    #[command(flatten)]
    pub external: super::external::ExternalArgs,
    /// Stored functions (ASIM parsers) the rules call.
    #[command(flatten)]
    pub functions: super::functions::FunctionArgs,
    /// An ingestion-time transformation to apply before the rules run (repeatable):
    /// TABLE=FILE.kql, a `source | …` text as in a data collection rule's transformKql. The rules
    /// run over the data as generated and as transformed, and the report lists the anomalies the
    /// transformations make them miss.
    #[arg(long = "transform", value_name = "TABLE=FILE.kql", value_parser = parse_transform_arg)]
    pub transforms: Vec<(String, PathBuf)>,
    /// The price file whose table feature list says which tables take transformations (default:
    /// the bundled prices/azure-monitor.yaml).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

fn parse_transform_arg(text: &str) -> Result<(String, PathBuf), String> {
    crate::estimate::transform::parse_transform(text).map_err(|e| e.to_string())
}

/// Output format of `tenantless verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The human report.
    Text,
    /// One JSON document.
    Json,
}

/// The default `--rule-timeout`.
pub const DEFAULT_RULE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Parses a `--rule-timeout` (e.g. 30s, 2m): a positive duration.
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let d = crate::timefmt::parse_duration(text)?;
    d.to_std()
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{text}`: the rule timeout must be positive"))
}

impl VerifyArgs {
    /// The arguments of a bare `tenantless verify`, for running without a subcommand.
    pub fn defaults() -> Self {
        Self {
            data: PathBuf::from("output"),
            rules: Vec::new(),
            junit: None,
            sarif: None,
            summary: None,
            explain: None,
            rule_timeout: DEFAULT_RULE_TIMEOUT,
            format: ReportFormat::Text,
            external: Default::default(),
            functions: Default::default(),
            transforms: Vec::new(),
            prices: None,
        }
    }
}

/// The bundled rules, found from the working directory or the crate root.
pub fn default_rules() -> PathBuf {
    super::bundled("rules")
}

/// Runs `tenantless verify`: loads the manifest, rules and correlations, runs them, and prints
/// the report to `out` and writes the JUnit XML, if asked for.
pub fn run(args: &VerifyArgs, out: &mut dyn Write) -> CommandResult {
    crate::memory::without_huge_pages();
    let manifest = Manifest::load(&args.data).map_err(|e| {
        Failure::Input(format!(
            "{e}\n  hint: point --data at a directory written by `tenantless generate --out {}`",
            args.data.display()
        ))
    })?;
    let rule_paths = if args.rules.is_empty() {
        vec![default_rules()]
    } else {
        args.rules.clone()
    };
    let (rule_files, correlation_files) = verify::discover(&rule_paths).map_err(|e| Failure::Input(e.to_string()))?;
    // An unknown --explain name is a usage error, found before minutes of rules run.
    let explained = match &args.explain {
        Some(wanted) => Some(find_rule(wanted, &rule_files).map_err(Failure::Input)?),
        None => None,
    };
    let functions = args.functions.load()?;
    let transforms = load_transforms(args)?;
    // The data is read once for every rule, with only the columns some rule reads.
    let queries = verify::queries(&rule_files, &correlation_files, &manifest);
    let mut engine = KqlEngine::load_for_queries(&args.data, &queries, &functions)
        .map_err(|e| Failure::Input(format!("loading {}: {e}", args.data.display())))?;
    engine.set_external(args.external.files()?);
    engine.set_functions(functions.clone());
    // With transformations, the run above is the baseline, and the report's run is over the
    // transformed tables, read whole: a transformation may read columns no rule does.
    let baseline = match transforms.is_empty() {
        true => None,
        false => {
            let before = verify::run_all_with(
                &rule_files,
                &correlation_files,
                &manifest,
                &mut engine,
                Some(args.rule_timeout),
                &mut |_| {},
            );
            let (transformed, applied) = transformed_engine(args, &transforms, &functions)?;
            engine = transformed;
            Some((before, applied))
        }
    };
    // Each result is printed as soon as it is known: a slow rule must not withhold the others'.
    // The first write error is kept (later writes are skipped) and ends the command.
    let mut written: Result<(), Failure> = Ok(());
    let text = args.format == ReportFormat::Text;
    let mut print_one = |result: &verify::RuleResult| {
        if text && written.is_ok() {
            written = emit(out, verify::report::rule_text(result, &manifest));
        }
    };
    let results = verify::run_all_with(
        &rule_files,
        &correlation_files,
        &manifest,
        &mut engine,
        Some(args.rule_timeout),
        &mut print_one,
    );
    written?;
    let losses = baseline
        .as_ref()
        .map(|(before, applied)| (applied, verify::losses::losses(before, &results, &manifest)));
    match args.format {
        ReportFormat::Text => {
            emit(out, verify::report::summary(&results, &manifest))?;
            if let Some((applied, losses)) = &losses {
                emit(out, verify::losses::text(applied, losses, &manifest))?;
            }
        }
        ReportFormat::Json => {
            let mut document = verify::report::json(&results, &manifest);
            if let (Some((applied, losses)), Some(object)) = (&losses, document.as_object_mut()) {
                object.insert("transformations".into(), verify::losses::json(applied, losses, &manifest));
            }
            let document = serde_json::to_string_pretty(&document).unwrap_or_default();
            emit(out, format_args!("{document}\n"))?;
        }
    }
    write_ci_outputs(args, &results, &manifest, out)?;
    if let Some(rule) = &explained {
        emit(out, explain(rule, &manifest, &mut engine, args.rule_timeout))?;
    }
    Ok(if results.iter().all(|r| r.passed()) {
        Outcome::Success
    } else {
        Outcome::Findings
    })
}

/// JUnit, SARIF and the Markdown summary where asked for, and GitHub workflow annotations on
/// stdout when running in GitHub Actions (`GITHUB_ACTIONS=true`, which the runner sets).
fn write_ci_outputs(args: &VerifyArgs, results: &[verify::RuleResult], manifest: &Manifest, out: &mut dyn Write) -> Result<(), Failure> {
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text).map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))
    };
    if let Some(path) = &args.junit {
        write(path, &verify::junit::render(results))?;
    }
    let findings = verify::findings::of(results, manifest);
    if let Some(path) = &args.sarif {
        write(path, &format!("{:#}\n", verify::sarif::render(results, &findings)))?;
    }
    if let Some(path) = &args.summary {
        use std::io::Write as _;
        // Appended: GitHub's step summary file collects what every command of the step writes.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(verify::summary::render(results, &findings, manifest).as_bytes()))
            .map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))?;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let annotations = verify::findings::github_annotations(&findings);
        // stdout stays one JSON document with --format json.
        match args.format {
            ReportFormat::Text => emit(out, annotations)?,
            ReportFormat::Json => eprint!("{annotations}"),
        }
    }
    Ok(())
}

/// The `--transform`s, checked against the price file's table feature list and read.
fn load_transforms(args: &VerifyArgs) -> Result<Vec<crate::estimate::transform::Transform>, Failure> {
    if args.transforms.is_empty() {
        return Ok(Vec::new());
    }
    let prices = match &args.prices {
        Some(path) => crate::estimate::prices::Prices::load(path),
        None => crate::estimate::prices::Prices::bundled(),
    }
    .map_err(|e| Failure::Input(e.to_string()))?;
    crate::estimate::transform::load(&prices, &args.transforms).map_err(|e| Failure::Input(e.to_string()))
}

/// The data with every column, each transformation applied to its table.
fn transformed_engine(
    args: &VerifyArgs,
    transforms: &[crate::estimate::transform::Transform],
    functions: &std::sync::Arc<crate::kql::stored::StoredFunctions>,
) -> Result<(KqlEngine, Vec<verify::losses::Applied>), Failure> {
    let mut engine = KqlEngine::load(&args.data).map_err(|e| Failure::Input(format!("loading {}: {e}", args.data.display())))?;
    engine.set_external(args.external.files()?);
    engine.set_functions(functions.clone());
    let mut applied = Vec::new();
    for t in transforms {
        let rows = engine
            .transform(t.table.name(), &t.text)
            .map_err(|e| Failure::Input(e.in_origin(&t.path).to_string()))?;
        applied.push(verify::losses::Applied {
            table: t.table.name().to_owned(),
            file: t.path.clone(),
            rows,
        });
    }
    Ok((engine, applied))
}

/// The rule `--explain` names (its name, file stem or path), or an error suggesting the closest.
fn find_rule(wanted: &str, rule_files: &[PathBuf]) -> Result<rule::Rule, String> {
    let rules: Vec<rule::Rule> = rule_files.iter().filter_map(|p| rule::load_all(p).ok()).flatten().collect();
    let stem = |r: &rule::Rule| r.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(rule) = rules
        .iter()
        .find(|r| r.file.name == wanted || stem(r) == wanted || r.path.to_string_lossy() == wanted)
    {
        return Ok(rule.clone());
    }
    let names: Vec<String> = rules.iter().flat_map(|r| [r.file.name.clone(), stem(r)]).collect();
    let hint = match crate::suggest::closest(wanted, names.iter().map(String::as_str)) {
        Some(name) => format!("did you mean `{name}`?"),
        None if names.is_empty() => "no rule loaded from the --rules given".to_owned(),
        None => format!("the rules are: {}", rules.iter().map(stem).collect::<Vec<_>>().join(", ")),
    };
    Err(format!("--explain: no rule named `{wanted}`; {hint}"))
}

/// Per-stage row counts of one rule at the tick where each label it should catch lay.
fn explain(rule: &rule::Rule, manifest: &Manifest, engine: &mut dyn Engine, budget: std::time::Duration) -> String {
    let mut text = String::new();
    let result = verify::verify_rule_within(rule, manifest, engine, Some(budget));
    let labels: Vec<usize> = match &result.status {
        RuleStatus::Ran { missed, .. } if !missed.is_empty() => missed.clone(),
        _ => manifest
            .anomalies
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let behaviour = l.behaviour();
                rule.file.tenantless.catches.contains(&behaviour) || rule.file.tenantless.misses.contains(&behaviour)
            })
            .map(|(i, _)| i)
            .collect(),
    };
    let _ = writeln!(text, "\nexplain: {}", rule.file.name);
    if labels.is_empty() {
        let _ = writeln!(text, "  no label of the kinds this rule expects is in the data");
    }
    for i in labels {
        let label = &manifest.anomalies[i];
        let Some(tick) = verify::tick_covering(rule, manifest, label, engine.data_range()) else {
            continue;
        };
        let _ = writeln!(
            text,
            "  {} — run at {} over the preceding {}:",
            verify::describe(label),
            crate::timefmt::format_ts(tick),
            crate::timefmt::display_duration(rule.period)
        );
        match engine.explain(&rule.file.query, tick, (tick - rule.period, tick)) {
            Ok(stages) => {
                for (stage, rows) in stages {
                    let stage = stage.replace('\n', " ");
                    let short: String = stage.chars().take(90).collect();
                    let more = if stage.chars().count() > 90 { "…" } else { "" };
                    let _ = writeln!(text, "    {rows:>8} rows  {short}{more}");
                }
            }
            Err(verify::EngineError::Unsupported(feature)) => {
                let _ = writeln!(text, "    cannot run: {feature} is not supported by tenantless yet");
            }
            Err(verify::EngineError::Failed(message)) => {
                let _ = writeln!(text, "    cannot run: {message}");
            }
        }
    }
    text
}
