//! Writes one record as a JSON object and computes its `_BilledSize` in the same pass.
//!
//! Billing rule (AMD `logs/cost-logs.md`, see docs/reference/azure-logs.md §4.1): the billed
//! size is the size of the string representation of the column values stored for the record; the
//! standard columns `_ResourceId`, `_SubscriptionId`, `_ItemId`, `_IsBillable`, `_BilledSize`,
//! `_TenantId` and `Type` are excluded. Microsoft does not document the exact serialization, so
//! tenantless counts the UTF-8 bytes of each value as Log Analytics displays it: strings as-is,
//! datetimes in their 28-character ISO form, numbers and booleans in decimal/`true`/`false`,
//! dynamic values as compact JSON, nulls and empty strings as 0. `estimate` uses this same code.

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Builds records into a reusable buffer (no per-record allocation once warm).
#[derive(Debug, Default)]
pub struct RecordWriter {
    buf: String,
    billed: u64,
    scratch: String,
    /// Escaped forms of `'static` values, keyed by address and length.
    escaped: std::collections::HashMap<(usize, usize), String>,
}

impl RecordWriter {
    /// An empty writer; call [`RecordWriter::start`] before each record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a new record, discarding the previous one.
    pub fn start(&mut self) {
        self.buf.clear();
        self.buf.push('{');
        self.billed = 0;
    }

    fn key(&mut self, name: &str) {
        if self.buf.len() > 1 {
            self.buf.push(',');
        }
        self.buf.push('"');
        self.buf.push_str(name);
        self.buf.push_str("\":");
    }

    /// A billable string column.
    pub fn string(&mut self, name: &str, value: &str) {
        self.key(name);
        escape_into(&mut self.buf, value);
        self.billed += value.len() as u64;
    }

    /// A billable string column whose value never changes (a constant, a per-region text): its
    /// JSON escaping is done once and reused, which matters for JSON-in-string columns full of `"`.
    pub fn static_string(&mut self, name: &str, value: &'static str) {
        self.key(name);
        let escaped = self.escaped.entry((value.as_ptr() as usize, value.len())).or_insert_with(|| {
            let mut text = String::with_capacity(value.len() + 16);
            escape_into(&mut text, value);
            text
        });
        self.buf.push_str(escaped);
        self.billed += value.len() as u64;
    }

    /// A string column that Log Analytics does not bill (`Type`, `_ResourceId`, `_SubscriptionId`).
    pub fn string_unbilled(&mut self, name: &str, value: &str) {
        self.key(name);
        escape_into(&mut self.buf, value);
    }

    /// A string column whose value is formatted in place.
    pub fn string_fmt(&mut self, name: &str, args: std::fmt::Arguments<'_>) {
        self.scratch.clear();
        let _ = self.scratch.write_fmt(args);
        let value = std::mem::take(&mut self.scratch);
        self.string(name, &value);
        self.scratch = value;
    }

    /// A billable `datetime` column in the 28-character ISO form Log Analytics shows.
    pub fn datetime(&mut self, name: &str, t: DateTime<Utc>) {
        self.key(name);
        self.buf.push('"');
        let before = self.buf.len();
        crate::timefmt::write_ts(&mut self.buf, t);
        self.billed += (self.buf.len() - before) as u64;
        self.buf.push('"');
    }

    /// A `datetime` column, or null when absent.
    pub fn opt_datetime(&mut self, name: &str, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.datetime(name, t),
            None => self.null(name),
        }
    }

    /// A billable `long` column.
    pub fn long(&mut self, name: &str, value: i64) {
        self.key(name);
        let before = self.buf.len();
        let _ = write!(self.buf, "{value}");
        self.billed += (self.buf.len() - before) as u64;
    }

    /// A billable `real` column.
    pub fn real(&mut self, name: &str, value: f64) {
        self.key(name);
        let before = self.buf.len();
        let _ = write!(self.buf, "{value}");
        self.billed += (self.buf.len() - before) as u64;
    }

    /// A billable `bool` column.
    pub fn boolean(&mut self, name: &str, value: bool) {
        self.key(name);
        let text = if value { "true" } else { "false" };
        self.buf.push_str(text);
        self.billed += text.len() as u64;
    }

    /// A null column (billed as 0 bytes).
    pub fn null(&mut self, name: &str) {
        self.key(name);
        self.buf.push_str("null");
    }

    /// A `dynamic` column: the JSON value itself, not a string holding it.
    pub fn dynamic(&mut self, name: &str, value: &serde_json::Value) {
        self.key(name);
        let before = self.buf.len();
        let _ = write!(self.buf, "{value}");
        self.billed += (self.buf.len() - before) as u64;
    }

    /// Closes the record with `_IsBillable` and `_BilledSize`; returns the JSON text and the size.
    pub fn finish(&mut self, billable: bool) -> (&str, u64) {
        let billed = self.billed;
        self.string_unbilled("_IsBillable", if billable { "True" } else { "False" });
        self.key("_BilledSize");
        let _ = write!(self.buf, "{billed}");
        self.buf.push('}');
        (&self.buf, billed)
    }
}

/// Appends `value` as a JSON string literal. Every character JSON escapes is ASCII, so the scan
/// works on bytes and copies the runs between escapes whole (most values have none).
pub fn escape_into(out: &mut String, value: &str) {
    out.push('"');
    let bytes = value.as_bytes();
    if !needs_escape(bytes) {
        out.push_str(value);
        out.push('"');
        return;
    }
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => {
                out.push_str(&value[last..i]);
                let _ = write!(out, "\\u{b:04x}");
                last = i + 1;
                continue;
            }
            _ => continue,
        };
        out.push_str(&value[last..i]);
        out.push_str(escaped);
        last = i + 1;
    }
    out.push_str(&value[last..]);
    out.push('"');
}

/// Whether `bytes` holds a `"`, a `\\` or a control character, eight bytes at a time: the scan
/// was a tenth of generation's profile byte by byte, and almost every value has none.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact for "some byte is zero" (the classic test), and `x - 0x20 * ONES` for "some byte is
    // below 0x20", both with the high bit of the input masked out by `!word`.
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let control = word.wrapping_sub(0x20 * ONES) & !word & HIGH != 0;
        if control || has_zero(word ^ (b'"' as u64 * ONES)) || has_zero(word ^ (b'\\' as u64 * ONES)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    proptest::proptest! {
        /// The word-at-a-time scan answers as the byte-by-byte one does, on any text.
        #[test]
        fn the_escape_scan_agrees_with_a_byte_by_byte_one(text in "(?s).{0,40}", ascii in "[ -~\\x00-\\x1f]{0,40}") {
            for value in [&text, &ascii] {
                let naive = value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
                proptest::prop_assert_eq!(needs_escape(value.as_bytes()), naive, "{:?}", value);
            }
        }
    }

    #[test]
    fn the_escape_scan_sees_each_special_byte_at_every_position() {
        for special in [b'"', b'\\', b'\n', 0x00, 0x1f] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = special;
                assert!(needs_escape(&bytes), "{special:#x} at {at}");
            }
        }
        // Neighbours of the special bytes need nothing: ' ', '!', '#', '[', ']', DEL, UTF-8.
        assert!(!needs_escape("  !#[]\x7f é €𝄞 aaaaaaaaaaaaaaa".as_bytes()));
    }

    #[test]
    fn records_are_valid_json_and_bill_values_but_not_excluded_columns() {
        let mut w = RecordWriter::new();
        w.start();
        w.string("A", "héllo \"x\"\n\u{1}");
        w.string_unbilled("Type", "T");
        w.long("N", -42);
        w.boolean("B", true);
        w.null("Z");
        w.datetime("TimeGenerated", Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
        w.dynamic("D", &serde_json::json!({"k": [1, "v"]}));
        let (text, billed) = w.finish(true);
        let parsed: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(parsed["A"], "héllo \"x\"\n\u{1}");
        assert_eq!(parsed["D"]["k"][1], "v");
        assert_eq!(parsed["_IsBillable"], "True");
        let expected = "héllo \"x\"\n\u{1}".len() + 3 + 4 + 28 + r#"{"k":[1,"v"]}"#.len();
        assert_eq!(billed, expected as u64);
        assert_eq!(parsed["_BilledSize"], expected as u64);
    }
}
