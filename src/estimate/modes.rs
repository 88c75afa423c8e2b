//! The diagnostics-mode comparison: for each category with two modes (Key Vault `AuditEvent`), its
//! rows, billed GB, cost and eligible plans in `AzureDiagnostics` and in its resource-specific table
//! side by side. Rows are the same in both modes (one request, one record); billed bytes differ
//! because the columns do (docs/reference/resource-specific.md §1.3), and so do the plans the table
//! may use (§1.5: AZKVAuditLogs takes Basic and Auxiliary, AzureDiagnostics Analytics only).

use super::prices::Plan;
use super::volume::Volume;
use super::{DAYS_PER_MONTH, Estimate};
use crate::tables::Category;
use serde::Serialize;
use std::fmt::Write;

/// One category in one mode.
#[derive(Debug, Clone, Serialize)]
pub struct ModeLine {
    /// The category's diagnostic-settings name.
    pub category: String,
    /// `azure` or `resource-specific`.
    pub mode: &'static str,
    /// Whether this is the mode the estimate was made in (`--diagnostics-mode`).
    pub selected: bool,
    /// The table the category's records land in, in this mode.
    pub table: String,
    /// Rows over the horizon.
    pub rows: f64,
    /// Average billed bytes per row.
    pub bytes_per_row: f64,
    /// Billed GB per average month.
    pub gb_per_month: f64,
    /// USD per month at the table's plan (`--plan`, else Analytics pay-as-you-go), before the free
    /// allowance.
    pub cost_per_month: f64,
    /// The plans the price file allows the table.
    pub plans: Vec<Plan>,
    /// The cheapest of those plans for ingestion, and its USD per month (query charges of Basic
    /// and Auxiliary not included).
    pub cheapest_plan: Option<(Plan, f64)>,
}

/// The comparison lines: per selected category with two modes and records, one line per mode.
pub fn lines(e: &Estimate) -> Vec<ModeLine> {
    let mut out = Vec::new();
    for (category, alternative) in e.other_modes.iter().filter(|(c, _)| e.categories.contains(c)) {
        let mut both = [(&e.volume, true), (alternative, false)];
        // Azure mode first, whichever was selected.
        both.sort_by_key(|(v, _)| v.modes.mode_of(*category));
        out.extend(both.iter().map(|(volume, selected)| line(e, *category, volume, *selected)));
    }
    out
}

fn line(e: &Estimate, category: Category, volume: &Volume, selected: bool) -> ModeLine {
    let table = volume.modes.table(category);
    let cell = volume.category_total(category);
    let days = volume.days().max(1) as f64;
    let gb_per_month = cell.bytes / 1e9 / days * DAYS_PER_MONTH;
    let plans = e
        .prices
        .book
        .plans
        .get(table.name())
        .map_or_else(|| vec![Plan::Analytics], |p| p.plans.clone());
    let plan_price = |plan: Plan| match plan {
        Plan::Analytics => super::report::analytics_price(e),
        other => e.prices.ingestion(other).per_gb,
    };
    let cheapest_plan = plans
        .iter()
        .map(|&p| (p, gb_per_month * plan_price(p)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    ModeLine {
        category: category.name().to_owned(),
        mode: volume.modes.mode_of(category).unwrap_or_default().name(),
        selected,
        table: table.name().to_owned(),
        rows: cell.rows,
        bytes_per_row: if cell.rows > 0.0 { cell.bytes / cell.rows } else { 0.0 },
        gb_per_month,
        cost_per_month: gb_per_month * super::report::plan_price(e, table.name()),
        plans,
        cheapest_plan,
    }
}

/// The "diagnostics mode" section of the text report.
pub fn render(out: &mut String, lines: &[ModeLine]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\ndiagnostics mode (--diagnostics-mode): the same records in AzureDiagnostics or in the resource-specific table"
    );
    let _ = writeln!(
        out,
        "  {:<20} {:<19} {:<18} {:>14} {:>10} {:>12} {:>10}  {:<27} cheapest plan",
        "category", "mode", "table", "rows", "bytes/row", "GB/month", "USD/month", "plans"
    );
    for l in lines {
        let mode = if l.selected { format!("{} *", l.mode) } else { l.mode.to_owned() };
        let plans: Vec<String> = l.plans.iter().map(Plan::to_string).collect();
        let cheapest = l
            .cheapest_plan
            .map_or_else(String::new, |(p, cost)| format!("{p}: ${cost:.2}/month"));
        let _ = writeln!(
            out,
            "  {:<20} {:<19} {:<18} {:>14.0} {:>10.1} {:>12.4} {:>10.2}  {:<27} {cheapest}",
            l.category,
            mode,
            l.table,
            l.rows,
            l.bytes_per_row,
            l.gb_per_month,
            l.cost_per_month,
            plans.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  * the mode estimated; Basic and Auxiliary also charge per GB queried and do not run Sentinel scheduled rules"
    );
}
