//! The volume section: what the data holds, table by table and category by category, and what
//! `tenantless estimate` makes of the scenarios that generated it, with its chart.

use super::scan::Scan;
use crate::estimate::{self, EstimateOptions, report::Line};
use crate::manifest::Manifest;
use serde::Serialize;
use std::path::PathBuf;

/// Figures measured on the data.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    /// Table or category name.
    pub name: String,
    /// The table it is in.
    pub table: String,
    /// Records.
    pub rows: u64,
    /// Billed bytes (`_BilledSize` summed).
    pub billed_bytes: u64,
}

/// The volume section's data.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    /// Per table, from the manifest.
    pub tables: Vec<Measured>,
    /// Per (table, category), from the records.
    pub categories: Vec<Measured>,
    /// The estimate of the scenarios, when their files are still where the manifest says.
    pub estimate: Option<EstimateView>,
    /// Why there is no estimate, when there is none.
    pub estimate_missing: Option<String>,
}

/// The part of `tenantless estimate`'s report the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateView {
    /// The command that gives the same figures.
    pub command: String,
    /// Per category.
    pub categories: Vec<Line>,
    /// Per table.
    pub tables: Vec<Line>,
    /// All together.
    pub total: Line,
    /// The price per GB the costs use, and its source.
    pub price_note: String,
    /// The estimate's chart of billed GB per day by table, as SVG markup.
    pub chart_svg: String,
}

/// The section for the data `scan` read.
pub fn volume(scan: &Scan, manifest: &Manifest) -> Volume {
    let tables = manifest
        .tables
        .iter()
        .map(|(name, stats)| Measured {
            name: name.clone(),
            table: name.clone(),
            rows: stats.records,
            billed_bytes: stats.billed_bytes,
        })
        .collect();
    let categories = scan
        .categories
        .iter()
        .map(|((table, category), v)| Measured {
            name: if category.is_empty() { table.clone() } else { category.clone() },
            table: table.clone(),
            rows: v.rows,
            billed_bytes: v.billed_bytes,
        })
        .collect();
    let (estimate, estimate_missing) = match estimate_of(manifest) {
        Ok(view) => (Some(view), None),
        Err(why) => (None, Some(why)),
    };
    Volume {
        tables,
        categories,
        estimate,
        estimate_missing,
    }
}

/// The analytic estimate of the manifest's scenarios over the manifest's period and seed.
fn estimate_of(manifest: &Manifest) -> Result<EstimateView, String> {
    let scenarios: Vec<PathBuf> = manifest.scenarios.iter().map(|s| PathBuf::from(&s.path)).collect();
    if let Some(missing) = scenarios.iter().find(|p| !p.is_file()) {
        return Err(format!(
            "the scenario file {} the data was generated from is not there (paths are relative to where `generate` ran)",
            missing.display()
        ));
    }
    let days = manifest
        .time_range
        .bounds()
        .map(|(start, end)| ((end - start).num_seconds() as f64 / 86_400.0).ceil().max(1.0) as u32);
    let options = EstimateOptions {
        scenarios: scenarios.clone(),
        seed: manifest.seed,
        days,
        ..EstimateOptions::default()
    };
    let estimate = estimate::estimate(&options).map_err(|e| e.to_string())?;
    let report = estimate::report::Report::new(&estimate);
    let mut command = String::from("tenantless estimate");
    for s in &scenarios {
        command.push(' ');
        command.push_str(&s.display().to_string());
    }
    command.push_str(&format!(" --seed {}", manifest.seed));
    if let Some(days) = days {
        command.push_str(&format!(" --days {days}"));
    }
    Ok(EstimateView {
        command,
        chart_svg: estimate::chart::svg(&report),
        categories: report.categories,
        tables: report.tables,
        total: report.total,
        price_note: report.price_note,
    })
}
