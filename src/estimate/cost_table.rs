//! The cost section of `estimate --format table`: plans per table, pay-as-you-go against each
//! commitment tier with and without Sentinel, retention, and the rules a plan change disables.

use super::cost::Costs;
use super::plans::DisabledRule;
use std::fmt::Write;

/// Appends the cost section to `out`.
pub fn render(out: &mut String, costs: &Costs, disabled: &[DisabledRule], rules_given: bool) {
    let c = &costs.currency;
    let _ = writeln!(out, "\ncosts from {}", costs.price_file);
    let _ = writeln!(
        out,
        "\n{:<30} {:<10} {:>12} {:>22} {:>22}",
        "table",
        "plan",
        "GB/day",
        format!("ingestion {c}/month"),
        format!("retention {c}/month")
    );
    for t in &costs.tables {
        let ingestion = match (t.billable, t.plan) {
            (false, _) => "free".to_owned(),
            (true, super::prices::Plan::Analytics) => "in the option below".to_owned(),
            (true, _) => format!("{:.2}", t.ingestion_per_month),
        };
        let _ = writeln!(
            out,
            "{:<30} {:<10} {:>12.6} {:>22} {:>22.2}",
            t.table, t.plan, t.gb_per_day, ingestion, t.retention_per_month
        );
    }
    let _ = writeln!(
        out,
        "\nAnalytics-plan volume: {:.6} GB/day (free allowance {:.3} GB/day); what the options price:",
        costs.analytics_gb_per_day, costs.free_gb_per_day
    );
    let _ = writeln!(
        out,
        "{:<16} {:>24} {:>24} {:>22}",
        "option",
        format!("Log Analytics {c}/month"),
        format!("with Sentinel {c}/month"),
        "pays from GB/day"
    );
    for o in &costs.options {
        let sentinel = o.with_sentinel_per_month.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
        let even = o.break_even_gb_per_day.map_or_else(|| "-".to_owned(), |g| format!("{g:.1}"));
        let _ = writeln!(
            out,
            "{:<16} {:>24.2} {:>24} {:>22}",
            o.name, o.log_analytics_per_month, sentinel, even
        );
    }
    render_totals(out, costs);
    render_disabled(out, disabled, rules_given);
    for note in &costs.notes {
        let _ = writeln!(out, "note: {note}");
    }
}

fn render_totals(out: &mut String, costs: &Costs) {
    let c = &costs.currency;
    let retention = match costs.retention_days {
        Some(days) => format!("{days} days of retention"),
        None => "the included retention only (--retention-days N prices more)".to_owned(),
    };
    let _ = writeln!(
        out,
        "cheapest: {} for Log Analytics only: {c} {:.2}/month with Basic/Auxiliary ingestion ({:.2}) and {retention} ({:.2})",
        costs.cheapest, costs.total_per_month, costs.other_plans_per_month, costs.retention_per_month
    );
    if let (Some(name), Some(total)) = (&costs.cheapest_with_sentinel, costs.total_with_sentinel_per_month) {
        let _ = writeln!(
            out,
            "cheapest with Sentinel: {name}: {c} {total:.2}/month (retention {:.2}: Sentinel includes more days)",
            costs.retention_with_sentinel_per_month
        );
    }
}

fn render_disabled(out: &mut String, disabled: &[DisabledRule], rules_given: bool) {
    if !rules_given {
        return;
    }
    if disabled.is_empty() {
        let _ = writeln!(out, "no rule given with --rules reads a table moved off the Analytics plan");
        return;
    }
    let _ = writeln!(
        out,
        "\n{} rule(s) would stop running as Sentinel analytic rules (they read, or may read, a table moved off Analytics):",
        disabled.len()
    );
    for d in disabled {
        let tables: Vec<String> = d.tables.iter().map(|(t, p)| format!("{t} ({p})")).collect();
        let _ = writeln!(out, "  {} ({}): {}", d.rule, d.path, tables.join(", "));
    }
}

/// Appends what each `--transform` keeps, drops and costs.
pub fn render_transforms(out: &mut String, lines: &[super::transform::TransformLine], currency: &str) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\ningestion-time transformations (run by tenantless over the simulated records):"
    );
    for l in lines {
        let processing = match l.processing_per_month {
            Some(cost) => format!("{cost:.2} {currency}/month"),
            None => "unpriced: the price file has no processing price".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {} ({}, {}): {:.6} GB/day in, {:.6} kept, {:.6} dropped ({:.1}% of rows kept); saves {currency} {:.2}/month of ingestion; \
             processing charged on {:.6} GB/day ({:.6} with Sentinel), {processing}",
            l.table,
            l.file,
            l.plan,
            l.gb_in_per_day,
            l.gb_kept_per_day,
            l.gb_dropped_per_day,
            if l.rows_in_per_day > 0.0 {
                l.rows_kept_per_day / l.rows_in_per_day * 100.0
            } else {
                0.0
            },
            l.ingestion_saved_per_month,
            l.processing_gb_per_day,
            l.processing_gb_per_day_with_sentinel
        );
    }
}

/// Appends the `--calibrate` sample against the estimate.
pub fn render_calibration(out: &mut String, lines: &[super::calibrate::Calibration]) {
    if lines.is_empty() {
        return;
    }
    let figure = |v: Option<f64>, digits: usize| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.digits$}"));
    let _ = writeln!(out, "\nyour sample against the estimate (ratio = sample / estimate):");
    let _ = writeln!(
        out,
        "  {:<30} {:>14} {:>14} {:>8} {:>12} {:>12} {:>8}",
        "table", "rows/day", "estimate", "ratio", "bytes/row", "estimate", "ratio"
    );
    for c in lines {
        let _ = writeln!(
            out,
            "  {:<30} {:>14} {:>14} {:>8} {:>12} {:>12} {:>8}",
            c.table,
            figure(c.sample_rows_per_day, 1),
            c.estimate_rows_per_day
                .map_or_else(|| "not simulated".to_owned(), |v| format!("{v:.1}")),
            figure(c.rows_ratio, 2),
            figure(c.sample_bytes_per_row, 1),
            figure(c.estimate_bytes_per_row, 1),
            figure(c.bytes_ratio, 2)
        );
    }
    if lines.iter().all(|c| c.sample_rows_per_day.is_none()) {
        let _ = writeln!(out, "  (rows per day need the days the sample covers: --calibrate-days N)");
    }
}
