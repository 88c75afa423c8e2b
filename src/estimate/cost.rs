//! What the estimated volume costs: per table on its plan, the workspace's Analytics-plan volume
//! under pay-as-you-go and each commitment tier (the cheapest, and where each tier starts to pay),
//! with and without Microsoft Sentinel, and retention beyond the free days. Every price comes from
//! the price file ([`super::prices`]).

use super::DAYS_PER_MONTH;
use super::prices::{Plan, Prices, Tier};
use serde::Serialize;
use std::collections::BTreeMap;

/// The choices a cost depends on besides the volume.
#[derive(Debug, Clone, Default)]
pub struct CostChoices {
    /// Plans chosen per table (`--plan`); the others stay on Analytics.
    pub plans: BTreeMap<String, Plan>,
    /// Total retention in days (`--retention-days`); `None`: the free period only.
    pub retention_days: Option<u32>,
    /// Replaces the price file's Analytics pay-as-you-go price (`--price-per-gb`).
    pub analytics_per_gb: Option<f64>,
    /// Replaces the price file's free allowance, GB per day (`--free-gb-per-day`).
    pub free_gb_per_day: Option<f64>,
}

/// One table's volume on its plan.
#[derive(Debug, Clone, Copy)]
pub struct TableVolume<'a> {
    /// The table's name.
    pub table: &'a str,
    /// Billed GB per day.
    pub gb_per_day: f64,
    /// False for tables Log Analytics does not charge for (AzureActivity).
    pub billable: bool,
}

/// One table's cost.
#[derive(Debug, Clone, Serialize)]
pub struct TableCost {
    /// The table's name.
    pub table: String,
    /// The table plan.
    pub plan: Plan,
    /// Billed GB (10^9 bytes) per day.
    pub gb_per_day: f64,
    /// False for tables Log Analytics does not charge for (AzureActivity).
    pub billable: bool,
    /// Ingestion per month at the plan's pay-as-you-go price; an Analytics table's share of the
    /// workspace's cheapest option is in [`Costs::options`] instead, so this is 0 for them.
    pub ingestion_per_month: f64,
    /// Retention beyond the included days, per month at steady state.
    pub retention_per_month: f64,
}

/// Pay-as-you-go or one commitment tier, for the workspace's Analytics-plan volume.
#[derive(Debug, Clone, Serialize)]
pub struct PricingOption {
    /// `pay-as-you-go` or `100 GB/day`.
    pub name: String,
    /// The tier's size; `None` for pay-as-you-go.
    pub tier_gb_per_day: Option<f64>,
    /// Log Analytics only, per month.
    pub log_analytics_per_month: f64,
    /// With Sentinel on top, per month (`None` when the price file has no Sentinel prices).
    pub with_sentinel_per_month: Option<f64>,
    /// The Analytics-plan GB/day from which this tier costs less than pay-as-you-go (Log
    /// Analytics only); `None` for pay-as-you-go.
    pub break_even_gb_per_day: Option<f64>,
}

/// Everything the cost section reports.
#[derive(Debug, Clone, Serialize)]
pub struct Costs {
    /// The price file: path, currency, region and date.
    pub price_file: String,
    /// The currency of every figure.
    pub currency: String,
    /// One line per table.
    pub tables: Vec<TableCost>,
    /// Billable GB/day on the Analytics plan: what pay-as-you-go and the tiers price.
    pub analytics_gb_per_day: f64,
    /// Free Analytics ingestion, GB per day, taken off pay-as-you-go.
    pub free_gb_per_day: f64,
    /// Pay-as-you-go, then each commitment tier of the price file.
    pub options: Vec<PricingOption>,
    /// The option that costs least, Log Analytics only.
    pub cheapest: String,
    /// The option that costs least with Sentinel.
    pub cheapest_with_sentinel: Option<String>,
    /// Basic and Auxiliary ingestion, per month (not part of the tiers).
    pub other_plans_per_month: f64,
    /// Total retention asked for, days.
    pub retention_days: Option<u32>,
    /// Retention beyond the included days, per month, Log Analytics only.
    pub retention_per_month: f64,
    /// Retention with Sentinel (which includes 90 days), per month.
    pub retention_with_sentinel_per_month: f64,
    /// Cheapest option + other plans + retention, per month.
    pub total_per_month: f64,
    /// The same with Sentinel.
    pub total_with_sentinel_per_month: Option<f64>,
    /// What the figures leave out or rest on.
    pub notes: Vec<String>,
}

/// Prices `volumes` as `choices` say.
pub fn costs(prices: &Prices, volumes: &[TableVolume<'_>], choices: &CostChoices) -> Costs {
    let book = &prices.book;
    let plan_of = |table: &str| choices.plans.get(table).copied().unwrap_or(Plan::Analytics);
    let payg = choices.analytics_per_gb.unwrap_or(book.ingestion.analytics.per_gb);
    let free = choices
        .free_gb_per_day
        .unwrap_or_else(|| book.free.as_ref().map_or(0.0, |f| f.gb_per_month / DAYS_PER_MONTH));
    let billable = |v: &&TableVolume<'_>| v.billable;
    let analytics: f64 = volumes
        .iter()
        .filter(billable)
        .filter(|v| plan_of(v.table) == Plan::Analytics)
        .map(|v| v.gb_per_day)
        .sum();
    let options = pricing_options(prices, analytics, payg, free);
    let retention = |sentinel: bool| -> f64 {
        volumes
            .iter()
            .filter(billable)
            .map(|v| retention_per_month(prices, v, plan_of(v.table), choices.retention_days, sentinel))
            .sum()
    };
    let tables: Vec<TableCost> = volumes
        .iter()
        .map(|v| {
            let plan = plan_of(v.table);
            let ingestion = match plan {
                _ if !v.billable => 0.0,
                Plan::Analytics => 0.0,
                other => v.gb_per_day * other_plan_per_gb(prices, other) * DAYS_PER_MONTH,
            };
            TableCost {
                table: v.table.to_owned(),
                plan,
                gb_per_day: v.gb_per_day,
                billable: v.billable,
                ingestion_per_month: ingestion,
                retention_per_month: if v.billable {
                    retention_per_month(prices, v, plan, choices.retention_days, false)
                } else {
                    0.0
                },
            }
        })
        .collect();
    let other_plans_per_month: f64 = tables.iter().map(|t| t.ingestion_per_month).sum();
    let cheapest = cheapest_by(&options, |o| Some(o.log_analytics_per_month)).unwrap_or(0);
    let cheapest_with_sentinel = cheapest_by(&options, |o| o.with_sentinel_per_month);
    let (retention_la, retention_sentinel) = (retention(false), retention(true));
    Costs {
        price_file: prices.describe(),
        currency: book.currency.clone(),
        analytics_gb_per_day: analytics,
        free_gb_per_day: free,
        cheapest: options[cheapest].name.clone(),
        cheapest_with_sentinel: cheapest_with_sentinel.map(|i| options[i].name.clone()),
        total_per_month: options[cheapest].log_analytics_per_month + other_plans_per_month + retention_la,
        total_with_sentinel_per_month: cheapest_with_sentinel
            .and_then(|i| options[i].with_sentinel_per_month)
            .map(|s| s + other_plans_per_month + retention_sentinel),
        other_plans_per_month,
        retention_days: choices.retention_days,
        retention_per_month: retention_la,
        retention_with_sentinel_per_month: retention_sentinel,
        notes: notes(prices),
        tables,
        options,
    }
}

/// Basic or Auxiliary ingestion per GB, with Auxiliary's processing charge where the file has one.
fn other_plan_per_gb(prices: &Prices, plan: Plan) -> f64 {
    let price = prices.ingestion(plan);
    price.per_gb + price.processing_per_gb.unwrap_or(0.0)
}

/// Pay-as-you-go, then every tier of the price file, for `gb` Analytics GB per day.
fn pricing_options(prices: &Prices, gb: f64, payg: f64, free: f64) -> Vec<PricingOption> {
    let sentinel = prices.book.sentinel.as_ref();
    let month = |per_day: f64| per_day * DAYS_PER_MONTH;
    let mut options = vec![PricingOption {
        name: "pay-as-you-go".into(),
        tier_gb_per_day: None,
        log_analytics_per_month: month(payg_per_day(gb, payg, free)),
        with_sentinel_per_month: sentinel.map(|s| month(payg_per_day(gb, payg, free) + gb * s.analytics_per_gb)),
        break_even_gb_per_day: None,
    }];
    for tier in &prices.book.commitment_tiers {
        let la = tier_per_day(gb, tier);
        // Sentinel's tier of the same size where it has one, else its pay-as-you-go price.
        let on_top = sentinel.map(|s| {
            s.commitment_tiers_classic
                .iter()
                .find(|t| t.gb_per_day == tier.gb_per_day)
                .map_or(gb * s.analytics_per_gb, |t| tier_per_day(gb, t))
        });
        options.push(PricingOption {
            name: format!("{} GB/day", tier.gb_per_day),
            tier_gb_per_day: Some(tier.gb_per_day),
            log_analytics_per_month: month(la),
            with_sentinel_per_month: on_top.map(|s| month(la + s)),
            break_even_gb_per_day: (payg > 0.0).then(|| tier.per_day / payg + free),
        });
    }
    options
}

/// Pay-as-you-go per day: every GB above the free allowance at `price`.
pub fn payg_per_day(gb: f64, price: f64, free: f64) -> f64 {
    (gb - free).max(0.0) * price
}

/// A tier per day: its price, and usage above it at the tier's own per-GB rate (cost-logs).
pub fn tier_per_day(gb: f64, tier: &Tier) -> f64 {
    tier.per_day + (gb - tier.gb_per_day).max(0.0) * tier.effective_per_gb()
}

/// The index of the option `cost` makes least (the first of equals), among those it prices.
fn cheapest_by(options: &[PricingOption], cost: impl Fn(&PricingOption) -> Option<f64>) -> Option<usize> {
    options
        .iter()
        .enumerate()
        .filter_map(|(i, o)| cost(o).map(|c| (i, c)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Retention beyond what the plan includes, per month at steady state: a day's data is kept
/// `days` days, of which the first are free; what is held beyond them is billed per GB-month,
/// interactive for Analytics (up to its maximum), long-term beyond that and for Basic/Auxiliary.
fn retention_per_month(prices: &Prices, v: &TableVolume<'_>, plan: Plan, days: Option<u32>, sentinel: bool) -> f64 {
    let r = &prices.book.retention;
    let Some(days) = days else { return 0.0 };
    let free_90 = r.free_90_day_tables.iter().any(|t| t == v.table);
    let (included, interactive_until) = match plan {
        Plan::Analytics => {
            let free = if sentinel {
                r.analytics_free_days_with_sentinel
            } else {
                r.analytics_free_days
            };
            let free = if free_90 { free.max(90) } else { free };
            (free, r.analytics_max_days.max(free))
        }
        Plan::Basic => (r.basic_included_days, r.basic_included_days),
        Plan::Auxiliary => (r.auxiliary_included_days, r.auxiliary_included_days),
    };
    let days = days.min(r.total_max_days);
    let interactive = days.min(interactive_until).saturating_sub(included);
    let long_term = days.saturating_sub(interactive_until.max(included));
    // At steady state a table holds `gb_per_day` GB for each day kept beyond the included ones,
    // each GB billed per month held.
    v.gb_per_day * (f64::from(interactive) * r.interactive_per_gb_month + f64::from(long_term) * r.long_term_per_gb_month)
}

/// What a reader should know about the figures: third-party prices, and what is not priced.
fn notes(prices: &Prices) -> Vec<String> {
    let third: Vec<&str> = prices
        .book
        .sources
        .iter()
        .filter(|s| s.third_party)
        .map(|s| s.id.as_str())
        .collect();
    let mut notes = Vec::new();
    if !third.is_empty() {
        notes.push(format!(
            "prices from third-party sources ({}); check them against your agreement, or pass your own with --prices FILE",
            third.join(", ")
        ));
    }
    notes.push("queries of Basic and Auxiliary tables are charged per GB scanned and are not included".into());
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Prices {
        Prices::bundled().unwrap()
    }

    fn one_table(gb_per_day: f64) -> Vec<TableVolume<'static>> {
        vec![TableVolume {
            table: "AADServicePrincipalSignInLogs",
            gb_per_day,
            billable: true,
        }]
    }

    /// Microsoft's own example (cost-logs): a 200 GB/day tier that ingests 300 GB in a day is
    /// billed 1.5 tier units.
    #[test]
    fn usage_above_a_tier_is_billed_at_the_tiers_rate() {
        let tier = Tier {
            gb_per_day: 200.0,
            per_day: 368.0,
            effective_per_gb: None,
            source: String::new(),
        };
        assert!((tier_per_day(300.0, &tier) - 1.5 * 368.0).abs() < 1e-9);
        assert_eq!(tier_per_day(150.0, &tier), 368.0);
    }

    /// The recommendation is never beaten by any option of the price file, at any volume
    /// (a brute-force minimum computed here from the file's figures).
    #[test]
    fn the_cheapest_option_is_the_brute_force_minimum_over_the_price_file() {
        let prices = bundled();
        let book = &prices.book;
        let free = book.free.as_ref().map_or(0.0, |f| f.gb_per_month / DAYS_PER_MONTH);
        for gb in [
            0.0, 1.0, 50.0, 99.0, 100.0, 110.0, 180.0, 250.0, 480.0, 900.0, 1500.0, 4000.0, 9000.0,
        ] {
            let c = costs(&prices, &one_table(gb), &CostChoices::default());
            let mut brute = vec![("pay-as-you-go".to_string(), (gb - free).max(0.0) * book.ingestion.analytics.per_gb)];
            for t in &book.commitment_tiers {
                let over = (gb - t.gb_per_day).max(0.0);
                brute.push((format!("{} GB/day", t.gb_per_day), t.per_day + over * t.per_day / t.gb_per_day));
            }
            let best = brute.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
            let chosen = c.options.iter().find(|o| o.name == c.cheapest).unwrap();
            assert!(
                (chosen.log_analytics_per_month - best.1 * DAYS_PER_MONTH).abs() < 1e-6,
                "{gb} GB/day: {} vs {}",
                c.cheapest,
                best.0
            );
        }
    }

    #[test]
    fn a_tier_pays_from_its_break_even_volume_on() {
        let prices = bundled();
        let c = costs(&prices, &one_table(10.0), &CostChoices::default());
        let tier = &c.options[1];
        let even = tier.break_even_gb_per_day.unwrap();
        let at = |gb: f64| costs(&prices, &one_table(gb), &CostChoices::default());
        let (below, above) = (at(even - 1.0), at(even + 1.0));
        assert!(below.options[0].log_analytics_per_month < below.options[1].log_analytics_per_month);
        assert!(above.options[0].log_analytics_per_month > above.options[1].log_analytics_per_month);
    }

    #[test]
    fn a_basic_table_leaves_the_tiers_and_pays_its_own_price() {
        let prices = bundled();
        let choices = CostChoices {
            plans: BTreeMap::from([("AADServicePrincipalSignInLogs".to_owned(), Plan::Basic)]),
            ..Default::default()
        };
        let c = costs(&prices, &one_table(10.0), &choices);
        assert_eq!(c.analytics_gb_per_day, 0.0);
        let expected = 10.0 * prices.book.ingestion.basic.per_gb * DAYS_PER_MONTH;
        assert!((c.other_plans_per_month - expected).abs() < 1e-9);
        assert!((c.total_per_month - expected).abs() < 1e-9);
    }

    #[test]
    fn retention_is_billed_beyond_the_free_days_and_sentinel_includes_more() {
        let prices = bundled();
        let r = &prices.book.retention;
        let choices = CostChoices {
            retention_days: Some(180),
            ..Default::default()
        };
        let c = costs(&prices, &one_table(2.0), &choices);
        let expected = 2.0 * f64::from(180 - r.analytics_free_days) * r.interactive_per_gb_month;
        assert!(
            (c.retention_per_month - expected).abs() < 1e-9,
            "{} vs {expected}",
            c.retention_per_month
        );
        let with_sentinel = 2.0 * f64::from(180 - r.analytics_free_days_with_sentinel) * r.interactive_per_gb_month;
        assert!((c.retention_with_sentinel_per_month - with_sentinel).abs() < 1e-9);
        let none = costs(&prices, &one_table(2.0), &CostChoices::default());
        assert_eq!(none.retention_per_month, 0.0);
    }

    #[test]
    fn tables_log_analytics_does_not_bill_cost_nothing() {
        let prices = bundled();
        let free = [TableVolume {
            table: "AzureActivity",
            gb_per_day: 50.0,
            billable: false,
        }];
        let c = costs(&prices, &free, &CostChoices::default());
        assert_eq!(c.analytics_gb_per_day, 0.0);
        assert_eq!(c.total_per_month, 0.0);
    }
}
