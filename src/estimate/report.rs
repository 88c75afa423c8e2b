//! Turns an [`Estimate`] into figures per category, table and contributor, and prints them as an
//! aligned table, JSON or CSV.

use super::cost::{self, Costs, TableVolume};
use super::plans::DisabledRule;
use super::volume::{Cell, Contributor};
use super::{DAYS_PER_MONTH, Estimate};
use crate::tables::{Category, Table};
use serde::Serialize;
use std::fmt::Write;

const GB: f64 = 1e9;
const TOP: usize = 10;

/// Figures of one category, one table or the total. GB are billed bytes / 10^9.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The category's diagnostic-settings name, the table's name, or `total`.
    pub name: String,
    /// The table it lands in (empty for the total).
    pub table: String,
    /// False for tables Log Analytics does not charge for (their cost is 0).
    pub billable: bool,
    /// Rows over the whole horizon (fractional in the analytic estimate).
    pub rows: f64,
    /// Rows per day, averaged over the horizon.
    pub rows_per_day: f64,
    /// Average billed bytes per row (0 without rows).
    pub bytes_per_row: f64,
    /// Billed GB per day, averaged over the horizon.
    pub gb_per_day: f64,
    /// Billed GB per average month (30.4375 days).
    pub gb_per_month: f64,
    /// USD per average month at the report's price, before the free allowance; the total's sums
    /// only billable categories.
    pub cost_per_month: f64,
}

/// One of the identities or workloads that make the most rows, with the figures of one of them.
#[derive(Debug, Clone, Serialize)]
pub struct Top {
    /// Its name; one standing for several alike says so (`… (each of 40 alike)`).
    pub name: String,
    /// Name of the scenario that declares it.
    pub scenario: String,
    /// The identity kind, or for a workload its workload kind.
    pub kind: String,
    /// Rows per day of one of them.
    pub rows_per_day: f64,
    /// Billed GB per day of one of them.
    pub gb_per_day: f64,
    /// Share of all rows (selected categories).
    pub share_of_rows: f64,
}

/// The identities one scenario entry defined (a population, a kind of background identity, an
/// identity declared alone), together.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `population NAME`, `background KIND`, an identity's name, or the records of no identity.
    pub name: String,
    /// Name of the scenario that declares it.
    pub scenario: String,
    /// The identities' kind.
    pub kind: String,
    /// How many identities it holds (0 for the records of no identity).
    pub identities: u64,
    /// Rows per day of all of them.
    pub rows_per_day: f64,
    /// Billed GB per day of all of them.
    pub gb_per_day: f64,
    /// Share of all rows (selected categories).
    pub share_of_rows: f64,
    /// Billed GB per day in tables Log Analytics charges for.
    pub billable_gb_per_day: f64,
    /// What 10% more of this group's activity would add per month, at pay-as-you-go.
    pub plus_ten_percent_per_month: f64,
}

/// Totals of one end of the rates' ranges.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Totals {
    /// Rows per day, selected categories.
    pub rows_per_day: f64,
    /// Billed GB per day.
    pub gb_per_day: f64,
    /// The cheapest option's monthly total, Log Analytics only (as [`Costs::total_per_month`]).
    pub cost_per_month: f64,
}

/// Low, expected and high totals when some `per_day` rate is a range.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Range {
    /// Every range at its low end.
    pub low: Totals,
    /// Every range at its midpoint (what `generate` simulates).
    pub expected: Totals,
    /// Every range at its high end.
    pub high: Totals,
}

/// The name of the group of records no workload identity made.
const NO_IDENTITY: &str = "people and Microsoft services (no workload identity)";

/// Volume by scenario entry, heaviest first, then what no identity made.
fn groups(identities: &[Contributor], days: f64, all: Cell, price: f64) -> Vec<Group> {
    let mut by: Vec<Group> = Vec::new();
    for c in identities {
        let at = match by.iter().position(|g| g.name == c.group && g.scenario == c.scenario) {
            Some(at) => at,
            None => {
                by.push(Group {
                    name: c.group.clone(),
                    scenario: c.scenario.clone(),
                    kind: c.kind.clone(),
                    identities: 0,
                    rows_per_day: 0.0,
                    gb_per_day: 0.0,
                    share_of_rows: 0.0,
                    billable_gb_per_day: 0.0,
                    plus_ten_percent_per_month: 0.0,
                });
                by.len() - 1
            }
        };
        let g = &mut by[at];
        g.identities += c.count.max(1);
        g.rows_per_day += c.total.rows / days;
        g.gb_per_day += c.total.bytes / GB / days;
        g.billable_gb_per_day += c.billable_bytes / GB / days;
    }
    by.retain(|g| g.rows_per_day > 0.0);
    by.sort_by(|a, b| b.rows_per_day.total_cmp(&a.rows_per_day).then_with(|| a.name.cmp(&b.name)));
    let (rows, gb): (f64, f64) = (by.iter().map(|g| g.rows_per_day).sum(), by.iter().map(|g| g.gb_per_day).sum());
    let rest_rows = (all.rows / days - rows).max(0.0);
    if rest_rows > 1e-9 {
        by.push(Group {
            name: NO_IDENTITY.to_owned(),
            scenario: String::new(),
            kind: String::new(),
            identities: 0,
            rows_per_day: rest_rows,
            gb_per_day: (all.bytes / GB / days - gb).max(0.0),
            share_of_rows: 0.0,
            billable_gb_per_day: 0.0,
            plus_ten_percent_per_month: 0.0,
        });
    }
    let total = all.rows / days;
    for g in &mut by {
        g.share_of_rows = if total > 0.0 { g.rows_per_day / total } else { 0.0 };
        g.plus_ten_percent_per_month = 0.1 * g.billable_gb_per_day * price * DAYS_PER_MONTH;
    }
    by
}

/// The tables the selected categories land in (in the estimate's diagnostics modes), in
/// [`Table::ALL`] order.
fn selected_tables(e: &Estimate) -> impl Iterator<Item = Table> + '_ {
    Table::ALL
        .into_iter()
        .filter(|t| e.categories.iter().any(|c| e.volume.modes.table(*c) == *t))
}

/// The sum of `of` over the selected categories that land in table `t`.
fn over_categories(e: &Estimate, t: Table, of: impl Fn(Category) -> f64) -> f64 {
    e.categories.iter().filter(|c| e.volume.modes.table(**c) == t).map(|c| of(*c)).sum()
}

/// The pay-as-you-go Analytics price per GB: `--price-per-gb`, else the price file's.
pub(super) fn analytics_price(e: &Estimate) -> f64 {
    e.choices.analytics_per_gb.unwrap_or(e.prices.book.ingestion.analytics.per_gb)
}

/// The price per GB of `table` at its plan: Analytics pay-as-you-go unless `--plan` moved it.
pub(super) fn plan_price(e: &Estimate, table: &str) -> f64 {
    match e.choices.plans.get(table) {
        Some(&plan) if plan != super::prices::Plan::Analytics => e.prices.ingestion(plan).per_gb,
        _ => analytics_price(e),
    }
}

/// Where the Analytics price comes from.
fn price_note(e: &Estimate) -> String {
    let file_price = &e.prices.book.ingestion.analytics;
    match e.choices.analytics_per_gb {
        Some(_) => "given with --price-per-gb".to_owned(),
        None => format!(
            "pay-as-you-go Analytics, {} {}, {}",
            e.prices.path.display(),
            e.prices.book.region,
            e.prices
                .source(&file_price.source)
                .map_or(file_price.source.as_str(), |s| s.date.as_str())
        ),
    }
}

/// Billed GB per selected table, day by day: what the chart plots.
fn daily(e: &Estimate) -> Vec<Day> {
    let v = &e.volume;
    (0..v.days())
        .map(|d| Day {
            date: (e.start + chrono::TimeDelta::days(d as i64)).format("%Y-%m-%d").to_string(),
            gb: selected_tables(e)
                .map(|t| (t.name().to_owned(), over_categories(e, t, |c| v.daily[d][c.index()].bytes) / GB))
                .collect(),
        })
        .collect()
}

/// The totals of `volume`, priced as the estimate's choices say.
fn totals(e: &Estimate, volume: &super::volume::Volume) -> Totals {
    let days = volume.days().max(1) as f64;
    let tables: Vec<TableVolume<'_>> = selected_tables(e)
        .map(|t| {
            let bytes = over_categories(e, t, |c| volume.category_total(c).bytes);
            TableVolume {
                table: t.name(),
                gb_per_day: bytes / GB / days,
                billable: t.billable(),
            }
        })
        .collect();
    let all = e
        .categories
        .iter()
        .fold(Cell::default(), |acc, c| acc.plus(volume.category_total(*c)));
    Totals {
        rows_per_day: all.rows / days,
        gb_per_day: all.bytes / GB / days,
        cost_per_month: cost::costs(&e.prices, &tables, &e.choices).total_per_month,
    }
}

/// One day of the horizon: what the chart plots.
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// The day, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// GB per table (billed bytes / 10^9), in `Table::ALL` order.
    pub gb: Vec<(String, f64)>,
}

/// Everything `tenantless estimate` prints, in any format; the JSON output is this, serialized.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenarios' names.
    pub scenarios: Vec<String>,
    /// Start of the first day (RFC 3339, seven fractional digits).
    pub start: String,
    /// Days in the horizon.
    pub days: usize,
    /// `analytic` or `exact`.
    pub mode: &'static str,
    /// Analytics pay-as-you-go price per billed GB (10^9 bytes), which the per-line costs use.
    pub price_per_gb: f64,
    /// Where the price comes from: the price file's figure and source, or `--price-per-gb`.
    pub price_note: String,
    /// Free billed GB per day.
    pub free_gb_per_day: f64,
    /// Plans, tiers, Sentinel and retention, priced from the price file.
    pub costs: Costs,
    /// The rules of `--rules` the chosen plans would disable.
    pub disabled_rules: Vec<DisabledRule>,
    /// How many rules `--rules` gave.
    pub rules_checked: usize,
    /// What each `--transform` keeps, drops and costs.
    pub transforms: Vec<super::transform::TransformLine>,
    /// The `--calibrate` sample against the estimate, table by table.
    pub calibration: Vec<super::calibrate::Calibration>,
    /// One line per selected category.
    pub categories: Vec<Line>,
    /// One line per table the selected categories land in.
    pub tables: Vec<Line>,
    /// All selected categories together.
    pub total: Line,
    /// Monthly cost of all billable categories after the daily free allowance.
    pub cost_per_month_after_allowance: f64,
    /// Volume by the scenario entry that defined the identities (a population is one line), then
    /// what no workload identity made.
    pub populations: Vec<Group>,
    /// Low, expected and high totals, when some `per_day` rate is a `low..high` range.
    pub range: Option<Range>,
    /// Up to 10 identities that make the most rows each, most first.
    pub top_identities: Vec<Top>,
    /// Up to 10 workloads that make the most rows each, most first.
    pub top_workloads: Vec<Top>,
    /// Share of sign-in rows made by the top identities.
    pub top_signin_share: f64,
    /// How many identities that share counts (at most 10; fewer in a smaller tenant).
    pub top_signin_identities: u64,
    /// Billed GB per table, day by day.
    pub daily: Vec<Day>,
    /// The diagnostics modes estimated (`--diagnostics-mode`).
    pub diagnostics_modes: crate::tables::DiagnosticsModes,
    /// Each selected category with two modes, in both, side by side (empty when none has records).
    pub diagnostics_mode_comparison: Vec<super::modes::ModeLine>,
}

fn line(name: &str, table: &str, billable: bool, cell: Cell, days: f64, price: f64) -> Line {
    let gb_per_day = cell.bytes / GB / days;
    Line {
        name: name.to_owned(),
        table: table.to_owned(),
        billable,
        rows: cell.rows,
        rows_per_day: cell.rows / days,
        bytes_per_row: if cell.rows > 0.0 { cell.bytes / cell.rows } else { 0.0 },
        gb_per_day,
        gb_per_month: gb_per_day * DAYS_PER_MONTH,
        cost_per_month: if billable { gb_per_day * DAYS_PER_MONTH * price } else { 0.0 },
    }
}

/// The contributors making the most rows, each with its own figures: one standing for `count`
/// alike shows one of them, named as such.
fn top(list: &[Contributor], days: f64, all_rows: f64) -> Vec<Top> {
    let each = |c: &Contributor| c.total.rows / c.count.max(1) as f64;
    let mut sorted: Vec<&Contributor> = list.iter().filter(|c| c.total.rows > 0.0).collect();
    sorted.sort_by(|a, b| each(b).total_cmp(&each(a)).then_with(|| a.name.cmp(&b.name)));
    sorted
        .into_iter()
        .take(TOP)
        .map(|c| {
            let count = c.count.max(1) as f64;
            Top {
                name: match c.count {
                    0 | 1 => c.name.clone(),
                    n => format!("{} (each of {n} alike)", c.name),
                },
                scenario: c.scenario.clone(),
                kind: c.kind.clone(),
                rows_per_day: c.total.rows / count / days,
                gb_per_day: c.total.bytes / count / GB / days,
                share_of_rows: if all_rows > 0.0 { c.total.rows / count / all_rows } else { 0.0 },
            }
        })
        .collect()
}

/// Share of all sign-in rows made by the [`TOP`] identities that make the most, counting each of
/// the identities a contributor stands for.
fn top_signin_share(identities: &[Contributor]) -> (f64, u64) {
    let all: f64 = identities.iter().map(|c| c.signin_rows).sum();
    if all <= 0.0 {
        return (0.0, 0);
    }
    let mut each: Vec<(f64, u64)> = identities
        .iter()
        .map(|c| (c.signin_rows / c.count.max(1) as f64, c.count.max(1)))
        .collect();
    each.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut left = TOP as u64;
    let mut top = 0.0;
    for (rows, count) in each {
        let taken = count.min(left);
        top += rows * taken as f64;
        left -= taken;
        if left == 0 {
            break;
        }
    }
    (top / all, TOP as u64 - left)
}

impl Report {
    /// The figures of an estimate.
    pub fn new(e: &Estimate) -> Self {
        let v = &e.volume;
        let days = v.days() as f64;
        let price = analytics_price(e);
        // Each line at its table's plan: Analytics pay-as-you-go unless `--plan` moved it.
        let price_of = |table: &str| plan_price(e, table);
        let categories: Vec<Line> = e
            .categories
            .iter()
            .map(|c| {
                let table = v.modes.table(*c);
                line(
                    c.name(),
                    table.name(),
                    table.billable(),
                    v.category_total(*c),
                    days,
                    price_of(table.name()),
                )
            })
            .collect();
        let tables: Vec<Line> = selected_tables(e)
            .map(|t| {
                let cell = Cell {
                    rows: over_categories(e, t, |c| v.category_total(c).rows),
                    bytes: over_categories(e, t, |c| v.category_total(c).bytes),
                };
                line(t.name(), t.name(), t.billable(), cell, days, price_of(t.name()))
            })
            .collect();
        let volumes: Vec<TableVolume<'_>> = tables
            .iter()
            .map(|l| TableVolume {
                table: &l.name,
                gb_per_day: l.gb_per_day,
                billable: l.billable,
            })
            .collect();
        let costs = cost::costs(&e.prices, &volumes, &e.choices);
        let total_cell = e.categories.iter().fold(Cell::default(), |acc, c| acc.plus(v.category_total(*c)));
        let mut total = line("total", "", true, total_cell, days, price);
        total.cost_per_month = categories.iter().map(|l| l.cost_per_month).sum();
        // Pay-as-you-go with the allowance taken off the Analytics volume, plus the other plans.
        let cost_per_month_after_allowance = costs.options[0].log_analytics_per_month + costs.other_plans_per_month;
        let (top_signin_share, top_signin_identities) = top_signin_share(&v.identities);
        Report {
            scenarios: e.scenarios.clone(),
            start: crate::timefmt::format_ts(e.start),
            days: v.days(),
            mode: if e.exact { "exact" } else { "analytic" },
            price_per_gb: price,
            price_note: price_note(e),
            free_gb_per_day: costs.free_gb_per_day,
            costs,
            disabled_rules: e.disabled_rules.clone(),
            rules_checked: e.rules_checked,
            transforms: super::transform::lines(&e.prices, &e.choices.plans, price, &e.transforms, days),
            calibration: e.calibration.as_ref().map_or_else(Vec::new, |(sample, sample_days)| {
                let by_table = |t: &str| tables.iter().find(|l| l.name == t).map(|l| (l.rows_per_day, l.bytes_per_row));
                super::calibrate::compare(sample, *sample_days, &by_table)
            }),
            populations: groups(&v.identities, days, total_cell, price),
            range: e.ends.as_ref().map(|(low, high)| Range {
                low: totals(e, low),
                expected: totals(e, v),
                high: totals(e, high),
            }),
            top_identities: top(&v.identities, days, total_cell.rows),
            top_workloads: top(&v.workloads, days, total_cell.rows),
            categories,
            tables,
            total,
            cost_per_month_after_allowance,
            top_signin_share,
            top_signin_identities,
            daily: daily(e),
            diagnostics_modes: v.modes,
            diagnostics_mode_comparison: super::modes::lines(e),
        }
    }

    /// The aligned text table `--format table` prints.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "estimate for {} over {} day(s) from {} ({}; ${:.2}/GB: {}; free {:.3} GB/day)",
            self.scenarios.join(", "),
            self.days,
            &self.start[..10],
            self.mode,
            self.price_per_gb,
            self.price_note,
            self.free_gb_per_day
        );
        self.render_lines(&mut out);
        super::modes::render(&mut out, &self.diagnostics_mode_comparison);
        super::cost_table::render(&mut out, &self.costs, &self.disabled_rules, self.rules_checked > 0);
        super::cost_table::render_transforms(&mut out, &self.transforms, &self.costs.currency);
        super::cost_table::render_calibration(&mut out, &self.calibration);
        self.render_populations(&mut out);
        self.render_range(&mut out);
        self.render_top(&mut out);
        out
    }

    /// The category and table lines, the total and the cost after the free allowance.
    fn render_lines(&self, out: &mut String) {
        let header = |out: &mut String, first: &str| {
            let _ = writeln!(
                out,
                "\n{first:<30} {:<30} {:>12} {:>10} {:>12} {:>12} {:>12}",
                "table", "rows/day", "bytes/row", "GB/day", "GB/month", "USD/month"
            );
        };
        let row = |out: &mut String, l: &Line| {
            let cost = if l.billable {
                format!("{:.2}", l.cost_per_month)
            } else {
                "free".to_owned()
            };
            let _ = writeln!(
                out,
                "{:<30} {:<30} {:>12.1} {:>10.1} {:>12.6} {:>12.4} {:>12}",
                l.name, l.table, l.rows_per_day, l.bytes_per_row, l.gb_per_day, l.gb_per_month, cost
            );
        };
        header(out, "category");
        self.categories.iter().for_each(|l| row(out, l));
        header(out, "table");
        self.tables.iter().for_each(|l| row(out, l));
        row(out, &self.total);
        let _ = writeln!(
            out,
            "cost per month after the free allowance: ${:.2}",
            self.cost_per_month_after_allowance
        );
    }

    /// Volume by population, each with what 10% more of it would cost.
    fn render_populations(&self, out: &mut String) {
        if self.populations.is_empty() {
            return;
        }
        let _ = writeln!(out, "\nvolume by population (the scenario entry that defined the identities):");
        for g in &self.populations {
            let (who, plus) = match g.identities {
                0 => (String::new(), String::new()),
                n => (
                    format!("{n} × {}", g.kind),
                    format!("; +10% of it: +${:.2}/month", g.plus_ten_percent_per_month),
                ),
            };
            let _ = writeln!(
                out,
                "  {:<52} {:<24} {:>12.1} rows/day {:>10.6} GB/day {:>5.1}% of rows{plus}",
                g.name,
                who,
                g.rows_per_day,
                g.gb_per_day,
                g.share_of_rows * 100.0
            );
        }
    }

    /// Low, expected and high totals, when some rate is a range.
    fn render_range(&self, out: &mut String) {
        let Some(r) = &self.range else { return };
        let _ = writeln!(out, "\nwith the scenario's per_day ranges (low / expected / high):");
        for (name, t) in [("low", r.low), ("expected", r.expected), ("high", r.high)] {
            let _ = writeln!(
                out,
                "  {name:<9} {:>12.1} rows/day {:>10.6} GB/day  ${:.2}/month",
                t.rows_per_day, t.gb_per_day, t.cost_per_month
            );
        }
    }

    /// The heaviest single identities and workloads.
    fn render_top(&self, out: &mut String) {
        if self.top_identities.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\nthe {} heaviest single identities make {:.1}% of the sign-ins:",
            self.top_signin_identities,
            self.top_signin_share * 100.0
        );
        let line = |out: &mut String, t: &Top, kind_width: usize| {
            let _ = writeln!(
                out,
                "  {:<40} {:<kind_width$} {:>12.1} rows/day {:>10.6} GB/day {:>5.1}% of rows",
                t.name,
                t.kind,
                t.rows_per_day,
                t.gb_per_day,
                t.share_of_rows * 100.0
            );
        };
        self.top_identities.iter().for_each(|t| line(out, t, 18));
        let _ = writeln!(out, "\ntop workloads:");
        self.top_workloads.iter().for_each(|t| line(out, t, 20));
    }

    /// The CSV `--format csv` prints: one row per category, per table and the total.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,name,table,billable,rows_per_day,bytes_per_row,gb_per_day,gb_per_month,cost_per_month_usd\n");
        let lines = self
            .categories
            .iter()
            .map(|l| ("category", l))
            .chain(self.tables.iter().map(|l| ("table", l)))
            .chain([("total", &self.total)]);
        for (section, l) in lines {
            let _ = writeln!(
                out,
                "{section},{},{},{},{},{},{},{},{}",
                csv_field(&l.name),
                csv_field(&l.table),
                l.billable,
                l.rows_per_day,
                l.bytes_per_row,
                l.gb_per_day,
                l.gb_per_month,
                l.cost_per_month
            );
        }
        out
    }
}

/// RFC 4180 quoting when needed.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Categories in report order, for the CLI's help.
pub fn category_names() -> Vec<&'static str> {
    Category::ALL.iter().map(|c| c.name()).collect()
}
