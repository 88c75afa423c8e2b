//! `tenantless report`: write the self-contained HTML report of a generated tenant.

use super::exit::{CommandResult, Failure, Outcome, emit};
use crate::report::{self, ReportError, ReportOptions};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `tenantless report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory written by `generate` (tables and manifest.json).
    #[arg(long, default_value = "output")]
    pub data: PathBuf,
    /// Rule files or directories to run, as for `verify` (a directory's correlations/ holds the
    /// correlation queries); without it, the page has no detection verdicts.
    #[arg(long = "rules", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// The HTML file to write (default: report.html in the data directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Records the page embeds in full, besides every labelled anomaly's (the timeline counts the
    /// rest per lane).
    #[arg(long, default_value_t = report::DEFAULT_MAX_RECORDS)]
    pub max_records: usize,
    /// Time budget of each rule (e.g. 30s, 2m).
    #[arg(long, default_value = "60s", value_parser = super::verify::parse_timeout)]
    pub rule_timeout: std::time::Duration,
    /// Local files for rules' `externaldata`.
    #[command(flatten)]
    pub external: super::external::ExternalArgs,
    /// Stored functions (ASIM parsers) the rules call.
    #[command(flatten)]
    pub functions: super::functions::FunctionArgs,
}

impl ReportArgs {
    /// The report the bare `tenantless` writes: of output/, with the bundled rules.
    pub fn defaults() -> Self {
        Self {
            data: PathBuf::from("output"),
            rules: vec![super::verify::default_rules()],
            out: None,
            max_records: report::DEFAULT_MAX_RECORDS,
            rule_timeout: super::verify::DEFAULT_RULE_TIMEOUT,
            external: Default::default(),
            functions: Default::default(),
        }
    }
}

/// Runs `tenantless report`: builds the page and writes it whole or not at all.
pub fn run(args: &ReportArgs, out: &mut dyn Write) -> CommandResult {
    let options = ReportOptions {
        data: args.data.clone(),
        rules: args.rules.clone(),
        max_records: args.max_records,
        rule_timeout: args.rule_timeout,
        functions: args.functions.load()?,
        external: args.external.files()?,
    };
    let built = report::build(&options).map_err(|e| match e {
        ReportError::Io { .. } => Failure::Run(e.to_string()),
        _ => Failure::Input(e.to_string()),
    })?;
    let path = args.out.clone().unwrap_or_else(|| args.data.join(report::REPORT_FILE));
    write_whole(&path, &built.html).map_err(|e| Failure::Run(format!("writing {}: {e}", path.display())))?;
    let sampled = match built.embedded as u64 == built.total_records {
        true => format!("all {} records", built.total_records),
        false => format!("{} of {} records (the rest counted per lane)", built.embedded, built.total_records),
    };
    emit(
        out,
        format_args!(
            "report: {} ({} KB): {sampled}, {} labelled anomalies, {} rules and correlations\n",
            path.display(),
            built.html.len().div_ceil(1000),
            built.anomalies,
            built.rules
        ),
    )?;
    Ok(Outcome::Success)
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a failed write
/// never leaves half a page behind.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
