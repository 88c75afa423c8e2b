//! `tenantless verify`: run the rules against generated data and compare with the ground truth.

use super::{EXIT_FAILURE, EXIT_INPUT};
use crate::manifest::Manifest;
use crate::verify::{self, Engine, RuleStatus, engine::KqlEngine, rule};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Show, for this rule (name or file name), how many rows survived each stage where it missed.
    #[arg(long)]
    pub explain: Option<String>,
}

impl VerifyArgs {
    pub fn defaults() -> Self {
        Self {
            data: PathBuf::from("output"),
            rules: Vec::new(),
            junit: None,
            explain: None,
        }
    }
}

/// The bundled rules, found from the working directory or the crate root.
pub fn default_rules() -> PathBuf {
    let relative = PathBuf::from("rules");
    if relative.is_dir() {
        relative
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
    }
}

pub fn run(args: &VerifyArgs) -> ExitCode {
    let Some(manifest) = Manifest::read(&args.data) else {
        eprintln!(
            "error: {} holds no tenantless manifest.json; run `tenantless generate --out {}` first",
            args.data.display(),
            args.data.display()
        );
        return ExitCode::from(EXIT_INPUT);
    };
    let rule_paths = if args.rules.is_empty() {
        vec![default_rules()]
    } else {
        args.rules.clone()
    };
    let (rule_files, correlation_files) = match verify::discover(&rule_paths) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let mut engine = match KqlEngine::load(&args.data) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: loading {}: {e}", args.data.display());
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let results = verify::run_all(&rule_files, &correlation_files, &manifest, &mut engine);
    print!("{}", verify::report::text(&results, &manifest));
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, verify::junit::render(&results))
    {
        eprintln!("error: writing {}: {e}", path.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    if let Some(wanted) = &args.explain {
        explain(wanted, &rule_files, &manifest, &mut engine);
    }
    if results.iter().all(|r| r.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// Per-stage row counts of one rule at the tick where each label it should catch lay.
fn explain(wanted: &str, rule_files: &[PathBuf], manifest: &Manifest, engine: &mut dyn Engine) {
    let matches =
        |r: &rule::Rule| r.file.name == wanted || r.path.file_stem().is_some_and(|s| s == wanted) || r.path.to_string_lossy() == wanted;
    let Some(rule) = rule_files.iter().filter_map(|p| rule::load(p).ok()).find(matches) else {
        eprintln!("--explain: no rule named `{wanted}`");
        return;
    };
    let result = verify::verify_rule(&rule, manifest, engine);
    let labels: Vec<usize> = match &result.status {
        RuleStatus::Ran { missed, .. } if !missed.is_empty() => missed.clone(),
        _ => manifest
            .anomalies
            .iter()
            .enumerate()
            .filter(|(_, l)| rule.file.tenantless.catches.contains(&l.kind) || rule.file.tenantless.misses.contains(&l.kind))
            .map(|(i, _)| i)
            .collect(),
    };
    println!("\nexplain: {}", rule.file.name);
    if labels.is_empty() {
        println!("  no label of the kinds this rule expects is in the data");
    }
    for i in labels {
        let label = &manifest.anomalies[i];
        let Some(tick) = verify::tick_covering(&rule, manifest, label) else {
            continue;
        };
        println!(
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
                    println!("    {rows:>8} rows  {short}{}", if stage.chars().count() > 90 { "…" } else { "" });
                }
            }
            Err(e) => println!("    cannot run: {e:?}"),
        }
    }
}
