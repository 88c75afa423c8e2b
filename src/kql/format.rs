//! Rendering result tables: aligned text, NDJSON, and CSV (RFC 4180).

use super::table::Table;
use super::value::Value;

fn cell(v: &Value) -> String {
    v.to_string()
}

/// An aligned text table; cells longer than `max_width` characters are truncated with `…`.
/// Ends with a row-count footer.
pub fn to_text(t: &Table, max_width: usize) -> String {
    let max_width = max_width.max(2);
    let clip = |s: String| -> String {
        let s = s.replace(['\n', '\r', '\t'], " ");
        if s.chars().count() > max_width {
            let mut c: String = s.chars().take(max_width - 1).collect();
            c.push('…');
            c
        } else {
            s
        }
    };
    let header: Vec<String> = t.columns.iter().map(|c| clip(c.name.clone())).collect();
    let body: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(|v| clip(cell(v))).collect()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &body {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(c.chars().count());
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&line(&header));
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for r in &body {
        out.push_str(&line(r));
        out.push('\n');
    }
    let n = t.rows.len();
    out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    out
}

/// One JSON object per row, keys in column order.
pub fn to_ndjson(t: &Table) -> String {
    let mut out = String::new();
    for r in &t.rows {
        let mut map = serde_json::Map::new();
        for (c, v) in t.columns.iter().zip(r) {
            map.insert(c.name.clone(), v.to_json());
        }
        out.push_str(&serde_json::Value::Object(map).to_string());
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV per RFC 4180: header row, CRLF line ends, quoted fields when needed.
pub fn to_csv(t: &Table) -> String {
    let mut out = String::new();
    let header: Vec<String> = t.columns.iter().map(|c| csv_field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in &t.rows {
        let fields: Vec<String> = r.iter().map(|v| csv_field(&cell(v))).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}
