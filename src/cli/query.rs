//! `tenantless query`: run KQL over the NDJSON tables in a data directory.

use super::exit::{CommandResult, Failure, Outcome, emit};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::kql::{self, KqlError, RunOptions, format, value};

/// Output format of `tenantless query`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned columns with a row-count footer.
    Table,
    /// One JSON object per row.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// Arguments of `tenantless query`.
#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The KQL query text (or use -f FILE.kql).
    pub query: Option<String>,
    /// Read the query from a file.
    #[arg(short = 'f', long = "file", value_name = "FILE.kql")]
    pub file: Option<PathBuf>,
    /// Directory holding one .jsonl file per table (and manifest.json).
    #[arg(long, default_value = "output")]
    pub data: PathBuf,
    /// The time `now()` and `ago()` see (RFC 3339); default: manifest.json's time_range.end, else the clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Bind a placeholder: `<Name>` becomes a string literal, `{{Name}}` the raw value.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Stop with an error when any operator produces more rows than this.
    #[arg(long, default_value_t = kql::DEFAULT_ROW_LIMIT)]
    pub row_limit: usize,
    /// Stop with an error when the query's intermediate results would need more memory than
    /// this (bytes, or with a unit: 512M, 4G, 4GiB).
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_memory: usize,
    /// Print the row count after each pipeline stage to stderr.
    #[arg(long)]
    pub explain: bool,
    /// Maximum characters per cell in table output.
    #[arg(long, default_value_t = 60)]
    pub max_width: usize,
    /// Local files for `externaldata`.
    #[command(flatten)]
    pub external: super::external::ExternalArgs,
    /// Stored functions the query may call.
    #[command(flatten)]
    pub functions: super::functions::FunctionArgs,
}

/// Runs the command against the given writers: results to `out`, `--explain`'s stage counts to `err`.
pub fn run(args: &QueryArgs, out: &mut dyn Write, err: &mut dyn Write) -> CommandResult {
    crate::memory::without_huge_pages();
    let query = match (&args.query, &args.file) {
        (Some(_), Some(_)) => {
            return Err(Failure::Input("give the query either as an argument or with -f, not both".into()));
        }
        (Some(q), None) => q.clone(),
        // 4 MiB, as scenarios; a FIFO or /dev/zero is refused.
        (None, Some(f)) => crate::input::read_text(f, 4 << 20).map_err(|e| Failure::Input(e.to_string()))?,
        (None, None) => return Err(Failure::Input("no query: pass QUERY or -f FILE.kql".into())),
    };
    let mut params = BTreeMap::new();
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Failure::Input(format!("--param `{p}` must be NAME=VALUE")))?;
        params.insert(k.to_string(), v.to_string());
    }
    let now = resolve_now(args.now.as_deref(), &args.data).map_err(Failure::Input)?;
    let functions = args.functions.load()?;
    // Only the tables the query (or a function it calls) names are read, and of those only the
    // columns it can read.
    let tables_read = kql::TableFilter::for_query(&functions.with_called_bodies(&query));
    let mut narrowed = tables_read.clone().reading(kql::column_needs(&query, &functions));
    // `--explain` counts the rows each table holds, so it gets them all.
    if !args.explain {
        narrowed = narrowed.dropping_unseen_rows();
    }
    let options = RunOptions {
        now,
        params,
        row_limit: args.row_limit,
        max_memory: args.max_memory,
        external: std::sync::Arc::new(args.external.files()?),
        functions,
        ..RunOptions::default()
    };
    let mut warnings: Vec<String> = Vec::new();
    let mut run = |filter: &kql::TableFilter| -> Result<_, Failure> {
        let mut warn = |warning: String| {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        };
        let catalog = kql::load_jsonl_dir_with(&args.data, filter, &mut warn).map_err(|e| Failure::Input(e.to_string()))?;
        let result = kql::run_with_stats(&query, &catalog, &options);
        // A table loaded as the query read it reports a broken file as loading it first would
        // have, before any error of the query, and also when the query never read it.
        let deferred = catalog.finish_deferred().map_err(|e| Failure::Input(e.to_string()))?;
        deferred.into_iter().for_each(&mut warn);
        // Freed while the results are written.
        crate::parallel::drop_aside(catalog);
        Ok(result)
    };
    let mut result = run(&narrowed);
    if matches!(&result, Ok(Err(e)) if !matches!(e, KqlError::Data(_))) && narrowed.narrows_columns() {
        // An error is reported as over every column, so that suggestions see them all.
        result = run(&tables_read);
    }
    for warning in &warnings {
        let _ = writeln!(err, "{warning}");
    }
    let result = result?;
    let (tables, stats) = result.map_err(|e| {
        // A query read from a file is located in that file.
        let e = match &args.file {
            Some(file) => e.in_origin(file),
            None => e,
        };
        match e {
            KqlError::Data(_) => Failure::Input(e.to_string()),
            other => Failure::Run(other.to_string()),
        }
    })?;
    if args.explain {
        for s in &stats {
            let stage = s.stage.lines().next().unwrap_or("");
            let _ = writeln!(err, "[query {}] {:>10} rows  {stage}", s.query + 1, s.rows);
        }
    }
    for (i, t) in tables.iter().enumerate() {
        let text = match args.format {
            OutputFormat::Table => {
                let mut s = format::to_text(t, args.max_width);
                if i + 1 < tables.len() {
                    s.push('\n');
                }
                s
            }
            OutputFormat::Json => format::to_ndjson(t),
            OutputFormat::Csv => format::to_csv(t),
        };
        emit(out, text)?;
    }
    Ok(Outcome::Success)
}

/// A byte size: a number of bytes, or a number with K, M, G or T (powers of 1024; `KB`, `KiB`,
/// … are accepted too).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let bytes = super::size::parse(text, super::size::Base::Binary)?;
    usize::try_from(bytes)
        .ok()
        .filter(|b| *b > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// `--now`, else manifest.json's `time_range.end`, else the current time.
pub fn resolve_now(now: Option<&str>, data: &Path) -> Result<DateTime<Utc>, String> {
    if let Some(text) = now {
        let ticks = value::parse_datetime(text).ok_or_else(|| format!("--now `{text}` is not an RFC 3339 datetime"))?;
        return value::chrono_from_ticks(ticks).ok_or_else(|| format!("--now `{text}` is out of range"));
    }
    let manifest = data.join("manifest.json");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", manifest.display()))?;
        if let Some(end) = json.pointer("/time_range/end").and_then(|v| v.as_str()) {
            let ticks =
                value::parse_datetime(end).ok_or_else(|| format!("{}: time_range.end `{end}` is not a datetime", manifest.display()))?;
            return value::chrono_from_ticks(ticks).ok_or_else(|| "time_range.end out of range".to_string());
        }
    }
    Ok(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("4G"), Ok(kql::DEFAULT_MAX_MEMORY), "the flag's default is the library's");
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("0").is_err());
    }
}
