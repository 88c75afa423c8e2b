//! An SVG of billed GB per day, stacked by table, with each band labelled at its right end so that
//! no legend is needed.

use super::report::Report;
use std::fmt::Write;

const WIDTH: f64 = 1060.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 400.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLORS: [&str; crate::tables::Table::COUNT] = ["#4e79a7", "#f28e2b", "#59a14f", "#9c9088", "#e15759", "#76b7b2"];

/// A table keeps its colour whichever tables are shown.
fn color_of(table: &str) -> &'static str {
    let index = crate::tables::Table::ALL.iter().position(|t| t.name() == table).unwrap_or(0);
    COLORS[index % COLORS.len()]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The plot's geometry: where a GB value and a day fall.
struct Plot {
    scale_max: f64,
    width: f64,
    height: f64,
    bar_width: f64,
    days: usize,
}

impl Plot {
    fn new(report: &Report) -> Self {
        let days = report.daily.len().max(1);
        let max = report
            .daily
            .iter()
            .map(|d| d.gb.iter().map(|(_, gb)| gb).sum::<f64>())
            .fold(0.0_f64, f64::max);
        let width = WIDTH - LEFT - RIGHT;
        Plot {
            scale_max: if max > 0.0 { nice_ceiling(max) } else { 1.0 },
            width,
            height: HEIGHT - TOP - BOTTOM,
            bar_width: width / days as f64,
            days,
        }
    }

    fn y(&self, gb: f64) -> f64 {
        TOP + self.height - gb / self.scale_max * self.height
    }
}

/// The SVG document of the report's daily billed GB.
pub fn svg(report: &Report) -> String {
    let plot = Plot::new(report);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">Billed GB per day by table — {} ({})</text>"#,
        escape(&report.scenarios.join(", ")),
        report.mode
    );
    grid(&plot, &mut s);
    bars(report, &plot, &mut s);
    labels(report, &plot, &mut s);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="{}" font-size="11">GB = 10^9 billed bytes; AzureActivity is free to ingest.</text>"#,
        HEIGHT - 10.0
    );
    s.push_str("</svg>\n");
    s
}

/// Five horizontal grid lines with their GB values.
fn grid(plot: &Plot, s: &mut String) {
    for i in 0..=4 {
        let gb = plot.scale_max * f64::from(i) / 4.0;
        let yy = plot.y(gb);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#dddddd"/>"##,
            LEFT + plot.width
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            yy + 4.0,
            format_gb(gb)
        );
    }
}

/// One stacked bar per day, with a date under some of them.
fn bars(report: &Report, plot: &Plot, s: &mut String) {
    let (days, bar_w) = (plot.days, plot.bar_width);
    for (d, day) in report.daily.iter().enumerate() {
        let mut base = 0.0;
        let x = LEFT + d as f64 * bar_w;
        for (table, gb) in &day.gb {
            if *gb <= 0.0 {
                continue;
            }
            let (top, bottom) = (plot.y(base + gb), plot.y(base));
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {} GB</title></rect>"#,
                x + bar_w * 0.1,
                bar_w * 0.8,
                (bottom - top).max(0.0),
                color_of(table),
                day.date,
                table,
                format_gb(*gb)
            );
            base += gb;
        }
        if days <= 31 && (days <= 10 || d % (days / 7).max(1) == 0) {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle" font-size="10">{}</text>"#,
                x + bar_w / 2.0,
                HEIGHT - BOTTOM + 16.0,
                &day.date[5..]
            );
        }
    }
}

/// Direct labels: each table's name beside its band on the last day, with its GB/day average.
fn labels(report: &Report, plot: &Plot, s: &mut String) {
    let Some(last) = report.daily.last() else { return };
    let mut base = 0.0;
    let mut last_label_y = f64::INFINITY;
    for (table, gb) in &last.gb {
        let average = report.tables.iter().find(|l| &l.name == table).map_or(0.0, |l| l.gb_per_day);
        if average <= 0.0 {
            continue;
        }
        let mid = plot.y(base + gb / 2.0);
        let label_y = mid.min(last_label_y - 14.0);
        last_label_y = label_y;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{}">■ {} ({} GB/day)</text>"#,
            LEFT + plot.width + 8.0,
            label_y + 4.0,
            color_of(table),
            table,
            format_gb(average)
        );
        base += gb;
    }
}

fn nice_ceiling(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= x {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Plain decimals with three significant digits, trailing zeros dropped (no scientific notation).
fn format_gb(gb: f64) -> String {
    if gb == 0.0 {
        return "0".into();
    }
    let decimals = (2 - gb.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{gb:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}
