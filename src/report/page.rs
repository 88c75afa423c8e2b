//! The page: the report's data as one JSON document, embedded with the page's own style and
//! script into a single HTML file that loads nothing from anywhere.

use super::detections::{CorrelationTable, RuleView, Status, Verdict};
use super::facts::ResourceKind;
use super::volume::Volume;
use serde::Serialize;

/// Everything the page's script draws.
#[derive(Debug, Clone, Serialize)]
pub struct PageData {
    /// The data directory, as given.
    pub data_dir: String,
    /// The scenarios' names.
    pub scenarios: Vec<String>,
    /// The run's seed.
    pub seed: u64,
    /// First and last record time, milliseconds since the epoch.
    pub start_ms: i64,
    /// See `start_ms`.
    pub end_ms: i64,
    /// Table names; records refer to them by index.
    pub tables: Vec<String>,
    /// Records in the data.
    pub total_records: u64,
    /// How many the page embeds at most (`--max-records`).
    pub budget: usize,
    /// The width of a lane's count buckets, in milliseconds.
    pub bucket_ms: i64,
    /// The timeline's lanes: everyone with an embedded record.
    pub lanes: Vec<Lane>,
    /// The embedded records, in time order.
    pub records: Vec<RecordView>,
    /// Identities and what they touched.
    pub graph: Graph,
    /// Every labelled anomaly and near-miss.
    pub anomalies: Vec<AnomalyView>,
    /// Whether rules were run (`--rules`, or the bundled rules).
    pub rules_run: bool,
    /// Each rule's and correlation's verdict.
    pub rules: Vec<RuleView>,
    /// The correlation queries with their result tables.
    pub correlations: Vec<CorrelationTable>,
    /// Rows and GB per table and category, measured and estimated.
    pub volume: Volume,
}

/// One actor's lane on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    /// Object id (or `workflow:<name>`).
    pub id: String,
    /// Display name, or the id when none is known.
    pub name: String,
    /// All of its records in the data, embedded or not.
    pub records: u64,
    /// Its records per table, in `tables` order.
    pub by_table: Vec<u64>,
    /// Ids of the labels it acts in.
    pub anomalies: Vec<String>,
    /// Its records per bucket of `bucket_ms` from `start_ms` (all records, embedded or not).
    pub buckets: Vec<u32>,
}

/// One embedded record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    /// `TimeGenerated`, milliseconds since the epoch.
    pub t: i64,
    /// Index into `tables`.
    pub table: u8,
    /// Index into `lanes`, or -1.
    pub lane: i64,
    /// Its correlation keys (`token:…`, `correlation:…`, `run:…`).
    pub links: Vec<String>,
    /// Ids of the labels that name it.
    pub labels: Vec<String>,
    /// The record itself.
    pub json: serde_json::Value,
}

/// The correlation graph: identities on one side, resources on the other.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    /// Drawn identities: (lane index when it has one, else -1; name; records).
    pub identities: Vec<(i64, String, u64)>,
    /// Drawn resources: (kind, name).
    pub resources: Vec<(ResourceKind, String)>,
    /// Edges (identity index, resource index, records).
    pub edges: Vec<(usize, usize, u64)>,
    /// Identities with edges that are not drawn (the graph shows the busiest).
    pub more_identities: usize,
}

/// One labelled anomaly or near-miss.
#[derive(Debug, Clone, Serialize)]
pub struct AnomalyView {
    /// `A1`, …
    pub id: String,
    /// Built-in kind or custom label.
    pub behaviour: String,
    /// A benign near-miss.
    pub benign: bool,
    /// Who it acts as.
    pub identity: String,
    /// That identity's object id.
    pub identity_id: String,
    /// First and last record, as the manifest gives them.
    pub start: String,
    /// See `start`.
    pub end: String,
    /// Its status from the rules' verdicts.
    pub status: Status,
    /// What each rule that judged it made of it.
    pub verdicts: Vec<Verdict>,
    /// How many records the manifest names for it.
    pub record_keys: usize,
}

const TEMPLATE: &str = include_str!("assets/report.html");
const STYLE: &str = include_str!("assets/report.css");
const SCRIPT: &str = include_str!("assets/report.js");

/// The page for `data`: the template with the title, style, data and script filled in, in one
/// pass, so that nothing filled in is read as a placeholder.
pub fn render(data: &PageData) -> String {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    let title = escape_html(&data.scenarios.join(", "));
    let data = embeddable(&json);
    let pieces = [
        ("{{TITLE}}", title.as_str()),
        ("/*STYLE*/", STYLE),
        ("{{DATA}}", &data),
        ("/*SCRIPT*/", SCRIPT),
    ];
    let mut out = String::with_capacity(TEMPLATE.len() + STYLE.len() + SCRIPT.len() + data.len());
    let mut rest = TEMPLATE;
    for (marker, value) in pieces {
        // The template holds each marker once, in this order (a test renders it).
        let (before, after) = rest.split_once(marker).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// JSON that can sit inside a `<script type="application/json">` element: every `/` escaped as
/// `\/` (valid JSON, as `/` only occurs in strings), so that no `</script>` can end the element
/// early and no URL inside a record reads as one on the page.
pub fn embeddable(json: &str) -> String {
    json.replace('/', "\\/")
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_every_marker_once_in_order() {
        let markers = ["{{TITLE}}", "/*STYLE*/", "{{DATA}}", "/*SCRIPT*/"];
        let positions: Vec<usize> = markers.iter().map(|m| TEMPLATE.find(m).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert!(markers.iter().all(|m| TEMPLATE.matches(m).count() == 1));
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element_and_still_parses() {
        let json = serde_json::json!({"q": "</script><script>alert(1)</script>", "u": "https://sts.windows.net/x/"}).to_string();
        let embedded = embeddable(&json);
        assert!(!embedded.contains("</"), "{embedded}");
        assert!(!embedded.contains("https://"), "{embedded}");
        let back: serde_json::Value = serde_json::from_str(&embedded).unwrap();
        assert_eq!(back.to_string(), json);
    }
}
