//! Prices and plan facts as data: the dated price file (`prices/azure-monitor.yaml`, bundled into
//! the binary, or a user's own with `--prices FILE`). No price is written in the code: every
//! figure the estimate uses comes from here, with the source and date the file gives for it.

use crate::verify::error::FileError;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The bundled price file's text, and the name reports give it.
pub const BUNDLED: &str = include_str!("../../prices/azure-monitor.yaml");
/// Where the bundled file lives in the repository.
pub const BUNDLED_PATH: &str = "prices/azure-monitor.yaml";
/// Price files larger than this are refused (the bundled one is about 20 KB).
const MAX_PRICE_FILE_BYTES: u64 = 1 << 20;

/// A Log Analytics table plan.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    serde::Serialize,
    strum::Display,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Plan {
    /// Full KQL, alerts and analytic rules; the default of every table.
    Analytics,
    /// Cheaper ingestion, queries charged per GB scanned, no scheduled analytic rules.
    Basic,
    /// The cheapest ingestion (the data lake), no alerts.
    Auxiliary,
}

/// The whole price file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBook {
    /// When the file was assembled.
    pub as_of: String,
    /// The currency of every price.
    pub currency: String,
    /// The region the per-GB prices are for.
    pub region: String,
    /// Every source once; figures refer to them by id.
    pub sources: Vec<Source>,
    /// Per-GB ingestion per plan.
    pub ingestion: Ingestion,
    /// Per-GB-scanned query prices of Basic and Auxiliary tables.
    #[serde(default)]
    pub query: Option<Query>,
    /// Microsoft Sentinel's charge on top of Log Analytics.
    #[serde(default)]
    pub sentinel: Option<Sentinel>,
    /// Log Analytics commitment tiers, smallest first.
    #[serde(default)]
    pub commitment_tiers: Vec<Tier>,
    /// How tiers are billed (informational).
    #[serde(default)]
    pub commitment_rules: Option<IgnoredAny>,
    /// The free ingestion allowance.
    #[serde(default)]
    pub free: Option<Free>,
    /// Retention periods and prices.
    pub retention: Retention,
    /// Per table: the plans it may use and whether it takes workspace transformations.
    pub plans: BTreeMap<String, TablePlans>,
    /// What plans mean for analytic rules.
    pub rules: RuleFacts,
    /// How ingestion-time transformations are billed.
    #[serde(default)]
    pub transformation: Option<TransformationFacts>,
}

/// How ingestion-time transformations are billed (Microsoft's data-collection-transformations).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformationFacts {
    /// The share of incoming data a transformation may drop without a processing charge
    /// (Analytics and Basic tables).
    pub free_drop_share: f64,
    /// Whether Sentinel on the workspace exempts Analytics tables from the processing charge.
    #[serde(default)]
    pub sentinel_exempts_analytics_tables: bool,
    /// The price per GB of data processing, when the file knows it.
    #[serde(default)]
    pub processing_per_gb: Option<f64>,
    /// The id of the source (in `sources`) the figures come from.
    pub source: String,
    /// Microsoft's worked examples for Analytics and Basic tables.
    #[serde(default)]
    pub examples: Vec<TransformationExample>,
    /// How Auxiliary tables are charged instead.
    #[serde(default)]
    pub auxiliary: Option<AuxiliaryTransformation>,
}

/// Auxiliary tables pay processing on every incoming GB.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuxiliaryTransformation {
    /// `all_incoming`.
    pub processing_basis: String,
    /// Microsoft's worked examples for Auxiliary tables.
    #[serde(default)]
    pub examples: Vec<TransformationExample>,
}

/// One of Microsoft's worked examples of the transformation charge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformationExample {
    /// `analytics_or_basic` or `auxiliary`.
    pub plan: String,
    /// GB arriving.
    pub incoming_gb: f64,
    /// GB the transformation drops.
    pub dropped_gb: f64,
    /// GB the transformation adds.
    pub added_gb: f64,
    /// GB charged as data processing.
    pub charged_gb: f64,
    /// GB billed as ingestion.
    pub ingested_gb: f64,
    /// The id of the source (in `sources`) the example comes from.
    pub source: String,
}

/// A source figures refer to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The id figures use.
    pub id: String,
    /// Where it is.
    pub url: String,
    /// The repository copy read, when there is one.
    #[serde(default)]
    pub repo: Option<String>,
    /// The date it states (or the date it was read).
    pub date: String,
    /// Not Microsoft's own.
    #[serde(default)]
    pub third_party: bool,
    /// What it says.
    #[serde(default)]
    pub note: Option<String>,
}

/// A per-GB price and its source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerGb {
    /// Price per GB (10^9 bytes).
    pub per_gb: f64,
    /// Price per GB of data processed, where charged (Auxiliary).
    #[serde(default)]
    pub processing_per_gb: Option<f64>,
    /// The source's id.
    pub source: String,
}

/// Ingestion prices per plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingestion {
    /// The Analytics plan.
    pub analytics: PerGb,
    /// The Basic plan.
    pub basic: PerGb,
    /// The Auxiliary (data lake) plan.
    pub auxiliary: PerGb,
}

/// Query prices per GB scanned.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The Basic plan.
    pub basic: PerGb,
    /// The Auxiliary (data lake) plan.
    pub auxiliary: PerGb,
}

/// Sentinel's charge on Analytics data, per GB and as tiers, on top of Log Analytics'.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentinel {
    /// Pay-as-you-go analysis, per GB of Analytics-plan data.
    pub analytics_per_gb: f64,
    /// The source's id.
    pub source: String,
    /// Sentinel's own tiers, billed beside the Log Analytics tier of the same size.
    #[serde(default)]
    pub commitment_tiers_classic: Vec<Tier>,
    /// Days of Analytics retention free with Sentinel.
    #[serde(default)]
    pub free_retention_days: Option<u32>,
    /// The free trial (informational).
    #[serde(default)]
    pub free_trial: Option<IgnoredAny>,
    /// Tables Sentinel does not charge for.
    #[serde(default)]
    pub free_tables: Vec<String>,
}

/// A commitment tier: `gb_per_day` for `per_day`, usage above it at the tier's per-GB rate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Billed GB (10^9 bytes) per day.
    pub gb_per_day: f64,
    /// The price of a day at the tier.
    pub per_day: f64,
    /// As the source states it (informational; the estimate divides `per_day` by `gb_per_day`).
    #[serde(default)]
    pub effective_per_gb: Option<f64>,
    /// The id of the source (in `sources`) the figure comes from.
    pub source: String,
}

impl Tier {
    /// The tier's own price per GB, which usage above it is billed at.
    pub fn effective_per_gb(&self) -> f64 {
        self.per_day / self.gb_per_day
    }
}

/// The free ingestion allowance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Free {
    /// Free Analytics ingestion per month, GB.
    pub gb_per_month: f64,
    /// The id of the source (in `sources`) the figure comes from.
    pub source: String,
}

/// Retention: free periods and prices beyond them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days of Analytics retention included in the ingestion price.
    pub analytics_free_days: u32,
    /// The same with Microsoft Sentinel on the workspace.
    pub analytics_free_days_with_sentinel: u32,
    /// The longest Analytics (interactive) retention.
    pub analytics_max_days: u32,
    /// The longest total retention, interactive and long-term.
    pub total_max_days: u32,
    /// Interactive (Analytics) retention beyond the free days, per GB per month.
    pub interactive_per_gb_month: f64,
    /// Long-term retention, per GB per month.
    pub long_term_per_gb_month: f64,
    /// The fixed retention of Basic tables.
    pub basic_included_days: u32,
    /// The fixed retention of Auxiliary tables.
    pub auxiliary_included_days: u32,
    /// Tables kept 90 days at no charge.
    #[serde(default)]
    pub free_90_day_tables: Vec<String>,
    /// How retention is billed (informational).
    #[serde(default)]
    pub billed: Option<IgnoredAny>,
    /// The id of the source (in `sources`) the figure comes from.
    pub source: String,
}

/// The plans one table may use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TablePlans {
    /// The plans the table may use.
    pub plans: Vec<Plan>,
    /// Whether it takes workspace (ingestion-time) transformations.
    pub transformations: bool,
    /// The id of the source (in `sources`) the figure comes from.
    pub source: String,
}

/// What table plans mean for analytic rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFacts {
    /// Whether Sentinel's scheduled rules may read Basic tables.
    pub basic_tables_back_scheduled_rules: bool,
    /// The id of the source (in `sources`) the figure comes from.
    pub source: String,
    #[serde(default)]
    /// Whether Basic tables take Azure Monitor's simple log alerts.
    pub basic_tables_simple_log_alerts: Option<bool>,
    #[serde(default)]
    /// Whether Auxiliary tables take alerts at all.
    pub auxiliary_tables_alerts: Option<bool>,
}

/// A price file and where it came from.
#[derive(Debug, Clone)]
pub struct Prices {
    /// The file's path, or [`BUNDLED_PATH`] for the bundled one.
    pub path: PathBuf,
    /// The file's figures.
    pub book: PriceBook,
}

impl Prices {
    /// The bundled price file.
    pub fn bundled() -> Result<Prices, FileError> {
        parse(Path::new(BUNDLED_PATH), BUNDLED)
    }

    /// A user's price file.
    pub fn load(path: &Path) -> Result<Prices, FileError> {
        let text = crate::input::read_text(path, MAX_PRICE_FILE_BYTES)?;
        parse(path, &text)
    }

    /// The source a figure names, if the file lists it.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.book.sources.iter().find(|s| s.id == id)
    }

    /// Ingestion per GB on `plan`.
    pub fn ingestion(&self, plan: Plan) -> &PerGb {
        match plan {
            Plan::Analytics => &self.book.ingestion.analytics,
            Plan::Basic => &self.book.ingestion.basic,
            Plan::Auxiliary => &self.book.ingestion.auxiliary,
        }
    }

    /// A short line naming the file, its date and region, for reports.
    pub fn describe(&self) -> String {
        format!(
            "{} ({} prices for {}, as of {})",
            self.path.display(),
            self.book.currency,
            self.book.region,
            self.book.as_of
        )
    }
}

/// Parses and checks a price file's text.
pub fn parse(path: &Path, text: &str) -> Result<Prices, FileError> {
    let book: PriceBook = serde_saphyr::from_str(text).map_err(|e| crate::verify::rule::yaml_error(path, text, &e))?;
    let prices = Prices {
        path: path.to_owned(),
        book,
    };
    check(&prices).map_err(|(key, message)| located(path, text, &key, message))?;
    Ok(prices)
}

/// An error at the first place that holds `key` as a whole (`gb_per_day: 50` is not
/// `gb_per_day: 500`), or at the file.
fn located(path: &Path, text: &str, key: &str, message: String) -> FileError {
    let whole = |line: &str| {
        line.match_indices(key).map(|(at, _)| at).find(|&at| {
            let next = line[at + key.len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
        })
    };
    let at = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| whole(line).map(|column| (i + 1, column + 1)));
    FileError::invalid(path, text, at, message)
}

/// Every price finite and not negative, every tier above zero and in ascending order, every
/// source named listed. Returns the offending key and what is wrong.
fn check(prices: &Prices) -> Result<(), (String, String)> {
    let book = &prices.book;
    let price = |key: &str, value: f64| -> Result<(), (String, String)> {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err((key.to_owned(), format!("`{key}` must be a price >= 0, not {value}")))
        }
    };
    let source = |id: &str| -> Result<(), (String, String)> {
        match prices.source(id) {
            Some(_) => Ok(()),
            None => Err((
                format!("source: {id}"),
                format!("`source: {id}` names no entry of `sources`: add `- {{ id: {id}, url: …, date: … }}` there"),
            )),
        }
    };
    for plan in [Plan::Analytics, Plan::Basic, Plan::Auxiliary] {
        let p = prices.ingestion(plan);
        price("per_gb", p.per_gb)?;
        price("processing_per_gb", p.processing_per_gb.unwrap_or(0.0))?;
        source(&p.source)?;
    }
    if let Some(s) = &book.sentinel {
        price("analytics_per_gb", s.analytics_per_gb)?;
        source(&s.source)?;
        check_tiers(&s.commitment_tiers_classic, &source)?;
    }
    check_tiers(&book.commitment_tiers, &source)?;
    price("interactive_per_gb_month", book.retention.interactive_per_gb_month)?;
    price("long_term_per_gb_month", book.retention.long_term_per_gb_month)?;
    if let Some(free) = &book.free {
        price("gb_per_month", free.gb_per_month)?;
        source(&free.source)?;
    }
    source(&book.retention.source)?;
    source(&book.rules.source)?;
    for (table, plans) in &book.plans {
        source(&plans.source)?;
        if !plans.plans.contains(&Plan::Analytics) {
            return Err((
                table.clone(),
                format!("`{table}` lacks `analytics`: every table supports the Analytics plan"),
            ));
        }
    }
    Ok(())
}

fn check_tiers(tiers: &[Tier], source: &impl Fn(&str) -> Result<(), (String, String)>) -> Result<(), (String, String)> {
    let mut last = 0.0;
    for tier in tiers {
        let key = format!("gb_per_day: {}", tier.gb_per_day);
        if !(tier.gb_per_day.is_finite() && tier.gb_per_day > last) {
            return Err((key, "commitment tiers need `gb_per_day` above 0, smallest first".to_owned()));
        }
        if !(tier.per_day.is_finite() && tier.per_day > 0.0) {
            return Err((key, format!("the {} GB/day tier needs a `per_day` price above 0", tier.gb_per_day)));
        }
        source(&tier.source)?;
        last = tier.gb_per_day;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_parses_and_names_a_source_for_every_figure() {
        let prices = Prices::bundled().unwrap();
        assert_eq!(prices.book.currency, "USD");
        assert!(prices.ingestion(Plan::Basic).per_gb < prices.ingestion(Plan::Analytics).per_gb);
        assert!(prices.book.commitment_tiers.len() >= 2);
        // Microsoft's table feature list: AuditLogs may be Auxiliary but not Basic.
        let audit = &prices.book.plans["AuditLogs"];
        assert!(audit.plans.contains(&Plan::Auxiliary) && !audit.plans.contains(&Plan::Basic));
        assert_eq!(prices.book.plans["AzureActivity"].plans, [Plan::Analytics]);
    }

    #[test]
    fn a_source_that_is_not_listed_is_an_error_at_its_line() {
        let text = BUNDLED.replacen("source: claestom-table-plans }", "source: nowhere }", 1);
        let error = parse(Path::new("p.yaml"), &text).unwrap_err().to_string();
        assert!(error.contains("p.yaml:"), "{error}");
        assert!(error.contains("`source: nowhere` names no entry of `sources`"), "{error}");
    }

    #[test]
    fn negative_prices_unordered_tiers_and_unknown_keys_are_refused() {
        let negative = BUNDLED.replacen("per_gb: 0.50", "per_gb: -0.50", 1);
        assert!(
            parse(Path::new("p.yaml"), &negative)
                .unwrap_err()
                .to_string()
                .contains("must be a price >= 0")
        );
        let unordered = BUNDLED.replacen("gb_per_day: 200, per_day: 368", "gb_per_day: 50, per_day: 368", 1);
        let error = parse(Path::new("p.yaml"), &unordered).unwrap_err().to_string();
        assert!(error.contains("smallest first"), "{error}");
        // At the tier's own line, not at the 500 GB/day tier's that starts alike.
        let line = BUNDLED.lines().position(|l| l.contains("gb_per_day: 200, per_day: 368")).unwrap() + 1;
        assert!(error.contains(&format!("p.yaml:{line}:")), "{error}");
        let typo = BUNDLED.replacen("commitment_tiers:", "comitment_tiers:", 1);
        let error = parse(Path::new("p.yaml"), &typo).unwrap_err().to_string();
        assert!(error.contains("comitment_tiers"), "{error}");
    }

    #[test]
    fn plans_parse_case_insensitively() {
        assert_eq!("Basic".parse::<Plan>().unwrap(), Plan::Basic);
        assert!("archive".parse::<Plan>().is_err());
    }
}
