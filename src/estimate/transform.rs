//! `estimate --transform TABLE=FILE.kql`: what an ingestion-time transformation (a data collection
//! rule's `transformKql`, a `source | …` text) would keep and cost. tenantless's own engine runs it
//! over the simulated records of the table, chunk by chunk, and measures the billed size of what
//! comes out with the same rule the renderer bills records by.

use super::prices::{Plan, Prices};
use crate::ids::IdSource;
use crate::kql::{Catalog, RunOptions, Value};
use crate::scenario::Tenant;
use crate::sim::{Event, EventSink, Origin, Simulation};
use crate::tables::{self, Category, DiagnosticsModes, RecordWriter, Table};
use std::path::{Path, PathBuf};

/// Rows run through a transformation at a time: transformations work row by row, so chunks change
/// nothing but the memory held.
const CHUNK_ROWS: usize = 20_000;
/// Transformation files larger than this are refused.
const MAX_TRANSFORM_BYTES: u64 = 1 << 20;
/// Standard columns Log Analytics does not bill (cost-logs, Analytics and Basic plans).
const UNBILLED: [&str; 7] = [
    "_ResourceId",
    "_SubscriptionId",
    "_ItemId",
    "_IsBillable",
    "_BilledSize",
    "_TenantId",
    "Type",
];

/// Why a `--transform` was refused.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The argument is not `TABLE=FILE`.
    #[error("`--transform {0}`: write TABLE=FILE.kql, e.g. `--transform AzureDiagnostics=drop-noise.kql`")]
    Syntax(String),
    /// The table is not simulated.
    #[error("`--transform {table}=…`: tenantless simulates no table `{table}`; it simulates {known}")]
    UnknownTable {
        /// The table asked for.
        table: String,
        /// The simulated tables, listed.
        known: String,
    },
    /// The table takes no workspace transformations.
    #[error(
        "{table} does not support ingestion-time transformations (Microsoft's table feature list, {source_id} {date}): \
         filter it at the source instead (diagnostic settings categories), or transform a table that supports them"
    )]
    Unsupported {
        /// The table asked for.
        table: String,
        /// The price file's source of the list.
        source_id: String,
        /// That source's date.
        date: String,
    },
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] crate::input::InputError),
    /// The file is not KQL tenantless can run, or does not read `source`.
    #[error("{0}")]
    Query(String),
}

/// A transformation to measure: the table, its file and its text.
#[derive(Debug, Clone)]
pub struct Transform {
    /// The table it transforms.
    pub table: Table,
    /// The `.kql` file.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Parses one `--transform TABLE=FILE` argument.
pub fn parse_transform(text: &str) -> Result<(String, PathBuf), TransformError> {
    let (table, file) = text.split_once('=').ok_or_else(|| TransformError::Syntax(text.to_owned()))?;
    if table.trim().is_empty() || file.trim().is_empty() {
        return Err(TransformError::Syntax(text.to_owned()));
    }
    Ok((table.trim().to_owned(), PathBuf::from(file.trim())))
}

/// Checks and reads the transformations asked for: a simulated table that takes transformations,
/// a readable file whose KQL parses and reads `source`.
pub fn load(prices: &Prices, asked: &[(String, PathBuf)]) -> Result<Vec<Transform>, TransformError> {
    asked.iter().map(|(table, path)| load_one(prices, table, path)).collect()
}

fn load_one(prices: &Prices, name: &str, path: &Path) -> Result<Transform, TransformError> {
    let Some(&table) = Table::ALL.iter().find(|t| t.name() == name) else {
        let known: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        return Err(TransformError::UnknownTable {
            table: name.to_owned(),
            known: known.join(", "),
        });
    };
    let listed = prices.book.plans.get(name);
    if listed.is_none_or(|p| !p.transformations) {
        let source_id = listed.map_or_else(String::new, |p| p.source.clone());
        let date = prices.source(&source_id).map_or_else(String::new, |s| s.date.clone());
        return Err(TransformError::Unsupported {
            table: name.to_owned(),
            source_id,
            date,
        });
    }
    let text = crate::input::read_text(path, MAX_TRANSFORM_BYTES)?;
    crate::kql::parse(&text).map_err(|e| TransformError::Query(e.in_origin(path).to_string()))?;
    let reads_source = crate::kql::TableFilter::for_queries([(text.as_str(), crate::kql::ColumnNeeds::default())]).wants("source");
    if !reads_source {
        return Err(TransformError::Query(format!(
            "{}: a transformation reads its input as `source` (e.g. `source | where …`), and this one never names it",
            path.display()
        )));
    }
    Ok(Transform {
        table,
        path: path.to_owned(),
        text,
    })
}

/// What one transformation did to the simulated records.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Rows in and out.
    pub rows_in: u64,
    /// Rows the transformation kept (or made).
    pub rows_out: u64,
    /// Billed bytes in.
    pub bytes_in: f64,
    /// Billed bytes of what comes out.
    pub bytes_out: f64,
}

/// Simulates `tenants` and runs each transformation over its table's records.
pub fn measure(
    ids: IdSource,
    (tenants, modes): (&[Tenant], DiagnosticsModes),
    transforms: &[Transform],
) -> Result<Vec<Measured>, TransformError> {
    let mut sink = Sink {
        writer: RecordWriter::new(),
        modes,
        pending: transforms.iter().map(|_| (String::new(), 0)).collect(),
        measured: vec![Measured::default(); transforms.len()],
        transforms,
        error: None,
    };
    let run = Simulation::new(tenants, ids).run(&mut sink, |_| {});
    if let Some(error) = sink.error.take() {
        return Err(error);
    }
    run.map_err(|e| TransformError::Query(format!("simulating: {e}")))?;
    for i in 0..transforms.len() {
        sink.flush(i)?;
    }
    Ok(sink.measured)
}

/// Collects each transformed table's records and runs the transformation on every full chunk.
struct Sink<'t> {
    writer: RecordWriter,
    /// The tables records land in.
    modes: DiagnosticsModes,
    /// Per transformation: NDJSON lines not yet run, and how many.
    pending: Vec<(String, usize)>,
    measured: Vec<Measured>,
    transforms: &'t [Transform],
    /// The first failure, which stops the simulation.
    error: Option<TransformError>,
}

impl EventSink for Sink<'_> {
    fn event(&mut self, event: &Event<'_>, _origin: Origin) -> std::io::Result<()> {
        let table = self.modes.table(Category::of(event));
        if !self.transforms.iter().any(|t| t.table == table) {
            return Ok(());
        }
        // Rendered once, whatever the number of transformations of its table.
        let rendered = tables::render(event, self.modes, &mut self.writer);
        let mut full = Vec::new();
        for i in (0..self.transforms.len()).filter(|&i| self.transforms[i].table == table) {
            self.measured[i].rows_in += 1;
            self.measured[i].bytes_in += rendered.billed_size as f64;
            let (lines, count) = &mut self.pending[i];
            lines.push_str(rendered.json);
            lines.push('\n');
            *count += 1;
            if *count >= CHUNK_ROWS {
                full.push(i);
            }
        }
        for i in full {
            if let Err(e) = self.flush(i) {
                self.error = Some(e);
                return Err(std::io::Error::other("the transformation failed"));
            }
        }
        Ok(())
    }
}

impl Sink<'_> {
    /// Runs transformation `i` over its pending lines.
    fn flush(&mut self, i: usize) -> Result<(), TransformError> {
        let (lines, count) = std::mem::take(&mut self.pending[i]);
        if count == 0 {
            return Ok(());
        }
        let transform = &self.transforms[i];
        let failed = |e: crate::kql::KqlError| TransformError::Query(e.in_origin(&transform.path).to_string());
        let input = crate::kql::table_from_ndjson(transform.table.name(), &lines).map_err(failed)?;
        let mut catalog = Catalog::new();
        catalog.insert("source", input);
        let output = crate::kql::run(&transform.text, &catalog, &RunOptions::default()).map_err(failed)?;
        let Some(out) = output.last() else { return Ok(()) };
        let billed: Vec<bool> = out.columns.iter().map(|c| !UNBILLED.contains(&c.name.as_str())).collect();
        for row in &out.rows {
            self.measured[i].rows_out += 1;
            self.measured[i].bytes_out += row
                .iter()
                .zip(&billed)
                .filter(|(_, b)| **b)
                .map(|(v, _)| billed_len(v))
                .sum::<usize>() as f64;
        }
        Ok(())
    }
}

/// A value's billed size: the length of its text as the renderer writes it (strings unescaped,
/// numbers as Rust prints them, datetimes in the 28-character form, dynamic values as compact
/// JSON, nulls nothing).
fn billed_len(value: &Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Long(n) => n.to_string().len(),
        Value::Real(f) => f.to_string().len(),
        Value::String(s) => s.len(),
        Value::DateTime(t) => crate::kql::value::format_datetime(*t).len(),
        Value::TimeSpan(t) => crate::kql::value::format_timespan(*t).len(),
        Value::Array(_) | Value::Bag(_) => value.to_json().to_string().len(),
    }
}

/// One transformation's effect, per day and per month, as the report shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransformLine {
    /// The table transformed.
    pub table: String,
    /// The transformation's file.
    pub file: String,
    /// The table's plan.
    pub plan: Plan,
    /// Rows per day arriving, and kept.
    pub rows_in_per_day: f64,
    /// Rows per day the transformation delivers.
    pub rows_kept_per_day: f64,
    /// Billed GB per day arriving.
    pub gb_in_per_day: f64,
    /// Billed GB per day delivered.
    pub gb_kept_per_day: f64,
    /// Billed GB per day dropped (0 when the transformation adds more than it drops).
    pub gb_dropped_per_day: f64,
    /// GB per day charged as data processing, Log Analytics only.
    pub processing_gb_per_day: f64,
    /// The same with Sentinel on the workspace (Analytics tables exempt).
    pub processing_gb_per_day_with_sentinel: f64,
    /// Ingestion no longer paid per month, at the plan's pay-as-you-go price (negative when the
    /// transformation adds data).
    pub ingestion_saved_per_month: f64,
    /// The processing charge per month, when the price file has a processing price.
    pub processing_per_month: Option<f64>,
}

/// The report lines of measured transformations over `days` days.
pub fn lines(
    prices: &Prices,
    plans: &std::collections::BTreeMap<String, Plan>,
    analytics_per_gb: f64,
    measured: &[(Transform, Measured)],
    days: f64,
) -> Vec<TransformLine> {
    let days = days.max(1.0);
    measured
        .iter()
        .map(|(t, m)| {
            let plan = plans.get(t.table.name()).copied().unwrap_or(Plan::Analytics);
            let (gb_in, gb_kept) = (m.bytes_in / 1e9 / days, m.bytes_out / 1e9 / days);
            let price = if plan == Plan::Analytics {
                analytics_per_gb
            } else {
                prices.ingestion(plan).per_gb
            };
            let processing = processing_gb(prices, plan, gb_in, gb_kept, false);
            let per_gb = prices.book.transformation.as_ref().and_then(|f| f.processing_per_gb);
            TransformLine {
                table: t.table.name().to_owned(),
                file: t.path.display().to_string(),
                plan,
                rows_in_per_day: m.rows_in as f64 / days,
                rows_kept_per_day: m.rows_out as f64 / days,
                gb_in_per_day: gb_in,
                gb_kept_per_day: gb_kept,
                gb_dropped_per_day: (gb_in - gb_kept).max(0.0),
                processing_gb_per_day: processing,
                processing_gb_per_day_with_sentinel: processing_gb(prices, plan, gb_in, gb_kept, true),
                ingestion_saved_per_month: (gb_in - gb_kept) * price * super::DAYS_PER_MONTH,
                processing_per_month: per_gb.map(|p| processing * p * super::DAYS_PER_MONTH),
            }
        })
        .collect()
}

/// GB charged as data processing for a transformation on `plan` that takes `incoming` GB and
/// delivers `kept` GB (Microsoft's rule: Analytics and Basic pay for what is dropped beyond the
/// free share, `dropped − incoming × share`; Auxiliary pays on all incoming data; Analytics tables
/// pay nothing with Sentinel when the file says so).
pub fn processing_gb(prices: &Prices, plan: Plan, incoming: f64, kept: f64, sentinel: bool) -> f64 {
    let Some(facts) = &prices.book.transformation else { return 0.0 };
    match plan {
        Plan::Auxiliary => incoming,
        Plan::Analytics if sentinel && facts.sentinel_exempts_analytics_tables => 0.0,
        Plan::Analytics | Plan::Basic => ((incoming - kept).max(0.0) - incoming * facts.free_drop_share).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Microsoft's worked examples (data-collection-transformations), as the price file records
    /// them: 20 GB in, 12 dropped → 2 GB charged; 8 dropped → none; 4 added → none; Auxiliary
    /// pays processing on all 20.
    #[test]
    fn the_processing_charge_follows_microsofts_worked_examples() {
        let prices = Prices::bundled().unwrap();
        let facts = prices.book.transformation.as_ref().unwrap();
        let auxiliary = facts.auxiliary.as_ref().unwrap();
        assert!(facts.examples.len() >= 3 && auxiliary.examples.len() >= 3);
        for example in facts.examples.iter().chain(&auxiliary.examples) {
            let kept = example.incoming_gb - example.dropped_gb + example.added_gb;
            assert_eq!(kept, example.ingested_gb, "{example:?}");
            let plans: &[Plan] = if example.plan == "auxiliary" {
                &[Plan::Auxiliary]
            } else {
                &[Plan::Analytics, Plan::Basic]
            };
            for &plan in plans {
                let charged = processing_gb(&prices, plan, example.incoming_gb, kept, false);
                assert!((charged - example.charged_gb).abs() < 1e-9, "{plan}: {charged} for {example:?}");
            }
        }
        // With Sentinel, Analytics tables are exempt; Basic tables are not.
        assert_eq!(processing_gb(&prices, Plan::Analytics, 20.0, 8.0, true), 0.0);
        assert_eq!(processing_gb(&prices, Plan::Basic, 20.0, 8.0, true), 2.0);
    }

    #[test]
    fn tables_without_transformations_are_refused_with_the_reason() {
        let prices = Prices::bundled().unwrap();
        for table in ["AzureActivity", "AzureDiagnostics"] {
            let error = load(&prices, &[(table.to_owned(), PathBuf::from("t.kql"))])
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(&format!("{table} does not support ingestion-time transformations")),
                "{error}"
            );
        }
        let unknown = load(&prices, &[("Syslog".to_owned(), PathBuf::from("t.kql"))])
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("simulates no table `Syslog`"), "{unknown}");
    }

    #[test]
    fn a_transformation_must_parse_and_read_source() {
        let prices = Prices::bundled().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.kql");
        std::fs::write(&bad, "source | where ResultType ==").unwrap();
        let asked = [("AuditLogs".to_owned(), bad.clone())];
        let error = load(&prices, &asked).unwrap_err().to_string();
        assert!(error.contains("bad.kql:1:"), "{error}");
        std::fs::write(&bad, "AuditLogs | where true").unwrap();
        let error = load(&prices, &asked).unwrap_err().to_string();
        assert!(error.contains("never names it"), "{error}");
    }

    #[test]
    fn transform_arguments_parse_or_say_how_to_write_them() {
        assert_eq!(
            parse_transform("AuditLogs=a.kql").unwrap(),
            ("AuditLogs".to_owned(), PathBuf::from("a.kql"))
        );
        assert!(matches!(parse_transform("AuditLogs"), Err(TransformError::Syntax(_))));
        assert!(matches!(parse_transform("=a.kql"), Err(TransformError::Syntax(_))));
    }

    fn small_tenant() -> (IdSource, Vec<Tenant>) {
        let ids = IdSource::new(crate::generate::DEFAULT_SEED);
        let source = include_str!("../../scenarios/tenant-small.yaml");
        let tenant = crate::scenario::parse(Path::new("tenant-small.yaml"), source, ids).expect("valid scenario");
        (ids, vec![tenant])
    }

    /// `source` unchanged bills exactly what the renderer billed: the size rule here and the
    /// renderer's agree, column by column, on every record of the scenario.
    #[test]
    fn an_identity_transformation_keeps_every_billed_byte() {
        let (ids, tenants) = small_tenant();
        let transforms: Vec<Transform> = [
            Table::AADServicePrincipalSignInLogs,
            Table::AADManagedIdentitySignInLogs,
            Table::AuditLogs,
        ]
        .into_iter()
        .map(|table| Transform {
            table,
            path: PathBuf::from("identity.kql"),
            text: "source".into(),
        })
        .collect();
        for (t, m) in transforms
            .iter()
            .zip(measure(ids, (&tenants, DiagnosticsModes::default()), &transforms).unwrap())
        {
            assert!(m.rows_in > 0, "{}", t.table.name());
            assert_eq!(m.rows_out, m.rows_in, "{}", t.table.name());
            assert_eq!(m.bytes_out, m.bytes_in, "{}", t.table.name());
        }
    }

    #[test]
    fn a_filter_keeps_what_it_matches_and_a_projection_bills_less() {
        let (ids, tenants) = small_tenant();
        let transform = |text: &str| Transform {
            table: Table::AADServicePrincipalSignInLogs,
            path: PathBuf::from("t.kql"),
            text: text.into(),
        };
        let transforms = [
            transform("source | where ResultType == '0'"),
            transform("source | where false"),
            transform("source | project-away ServicePrincipalCredentialThumbprint, ResourceDisplayName"),
        ];
        let m = measure(ids, (&tenants, DiagnosticsModes::default()), &transforms).unwrap();
        assert!(m[0].rows_out > 0 && m[0].rows_out < m[0].rows_in, "{:?}", m[0]);
        assert!(m[0].bytes_out < m[0].bytes_in);
        assert_eq!((m[1].rows_out, m[1].bytes_out), (0, 0.0));
        assert_eq!(m[2].rows_out, m[2].rows_in);
        assert!(m[2].bytes_out < m[2].bytes_in, "{:?}", m[2]);
    }
}
