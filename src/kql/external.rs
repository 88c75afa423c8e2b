//! `externaldata` (…/externaldata-operator): rows read from files. tenantless never reaches the
//! network: a URL is read from the local file it is mapped to (`--external URL=FILE`), or from a
//! folder of cached downloads (`--external-dir DIR`, the file named as the URL's last segment);
//! a string without a scheme is a local path. Formats are Kusto's ingestion formats: `csv`
//! (default), `tsv`, `txt` (one line per row, in the first column), `json` (one object per
//! line) and `multijson` (objects, or arrays of them, laid out freely); JSON fills columns by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::value::{KqlType, Value, convert};

/// Where `externaldata` URLs are read from.
#[derive(Debug, Clone, Default)]
pub struct ExternalFiles {
    /// URL → local file.
    pub map: BTreeMap<String, PathBuf>,
    /// A folder of downloads, each named as its URL's last path segment.
    pub dir: Option<PathBuf>,
}

/// How a file's records are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalFormat {
    /// Comma-separated, RFC 4180 quoting.
    Csv,
    /// Tab-separated.
    Tsv,
    /// One line per row, in the first column.
    Txt,
    /// One JSON object per line.
    Json,
    /// JSON objects (or arrays of them) laid out freely.
    MultiJson,
}

impl ExternalFormat {
    /// The `format=` names Kusto's ingestion uses.
    pub const NAMES: &[&str] = &["csv", "tsv", "txt", "json", "multijson"];

    /// The format `name` names, if tenantless reads it.
    pub fn from_name(name: &str) -> Option<ExternalFormat> {
        Some(match name.to_ascii_lowercase().as_str() {
            "csv" => ExternalFormat::Csv,
            "tsv" | "tsve" => ExternalFormat::Tsv,
            "txt" | "raw" => ExternalFormat::Txt,
            "json" => ExternalFormat::Json,
            "multijson" => ExternalFormat::MultiJson,
            _ => return None,
        })
    }
}

impl ExternalFiles {
    /// The local file `uri` is read from, or what to do when there is none.
    pub fn resolve(&self, uri: &str) -> Result<PathBuf, String> {
        if let Some(file) = self.map.get(uri) {
            return Ok(file.clone());
        }
        if !uri.contains("://") {
            return Ok(PathBuf::from(uri));
        }
        let name = uri.split(['?', '#']).next().unwrap_or(uri).rsplit('/').next().unwrap_or_default();
        if let Some(file) = self.dir.as_ref().map(|d| d.join(name)).filter(|f| !name.is_empty() && f.is_file()) {
            return Ok(file);
        }
        let cached = match &self.dir {
            Some(dir) => format!(", or put it in {} as `{name}`", dir.display()),
            None => format!(", or --external-dir DIR holding it as `{name}`"),
        };
        Err(format!(
            "externaldata: `{uri}` is not mapped to a local file (tenantless never reaches the network); pass --external '{uri}=FILE'{cached}"
        ))
    }
}

/// The rows of `path` in `format`, as `columns`; `skip_first` drops the first record (a header).
pub fn read(path: &Path, format: ExternalFormat, columns: &[(String, KqlType)], skip_first: bool) -> Result<Vec<Vec<Value>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("externaldata: cannot read {}: {e}", path.display()))?;
    let records: Vec<Vec<Value>> = match format {
        ExternalFormat::Csv => csv_records(&text).into_iter().map(|r| by_position(r, columns)).collect(),
        ExternalFormat::Tsv => lines(&text)
            .map(|l| by_position(l.split('\t').map(str::to_owned).collect(), columns))
            .collect(),
        ExternalFormat::Txt => lines(&text).map(|l| by_position(vec![l.to_owned()], columns)).collect(),
        ExternalFormat::Json => {
            let mut rows = Vec::new();
            for (i, line) in lines(&text).enumerate() {
                let value: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| format!("externaldata: {} line {}: not JSON: {e}", path.display(), i + 1))?;
                rows.push(by_name(&value, columns));
            }
            rows
        }
        ExternalFormat::MultiJson => {
            let mut rows = Vec::new();
            for value in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
                let value = value.map_err(|e| format!("externaldata: {}: not JSON: {e}", path.display()))?;
                match &value {
                    serde_json::Value::Array(items) => rows.extend(items.iter().map(|v| by_name(v, columns))),
                    other => rows.push(by_name(other, columns)),
                }
            }
            rows
        }
    };
    Ok(records.into_iter().skip(usize::from(skip_first)).collect())
}

/// Non-empty lines, without a trailing `\r`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.is_empty())
}

/// Fields in column order; missing ones are null, extra ones dropped (Kusto's CSV mapping).
fn by_position(fields: Vec<String>, columns: &[(String, KqlType)]) -> Vec<Value> {
    let mut fields = fields.into_iter();
    columns
        .iter()
        .map(|(_, ty)| match fields.next() {
            Some(f) if f.is_empty() && *ty != KqlType::String => Value::Null,
            Some(f) => typed(Value::str(&f), *ty),
            None => typed(Value::Null, *ty),
        })
        .collect()
}

/// An object's properties by column name.
fn by_name(object: &serde_json::Value, columns: &[(String, KqlType)]) -> Vec<Value> {
    columns
        .iter()
        .map(|(name, ty)| typed(object.get(name).map_or(Value::Null, Value::from_json), *ty))
        .collect()
}

/// A field as its column's type; `dynamic` columns parse JSON text.
fn typed(value: Value, ty: KqlType) -> Value {
    match (ty, &value) {
        (KqlType::Dynamic, Value::String(s)) => {
            serde_json::from_str::<serde_json::Value>(s).map_or(value.clone(), |j| Value::from_json(&j))
        }
        _ => convert(&value, ty),
    }
}

/// RFC 4180 records: fields separated by commas, quoted with `"` (doubled inside), records by
/// line breaks outside quotes; blank lines are skipped.
pub(crate) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.is_empty()) || record.len() > 1 {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted_with_commas_quotes_and_line_breaks() {
        let records = csv_records("a,\"b, c\",\"say \"\"hi\"\"\"\n\n1,\"two\nlines\",3\r\n");
        assert_eq!(records, [vec!["a", "b, c", "say \"hi\""], vec!["1", "two\nlines", "3"]]);
    }

    #[test]
    fn an_unmapped_url_is_an_error_naming_it_and_the_fix() {
        let files = ExternalFiles::default();
        let e = files.resolve("https://example.com/lists/ips.csv").expect_err("unmapped");
        assert!(
            e.contains("`https://example.com/lists/ips.csv`") && e.contains("--external") && e.contains("`ips.csv`"),
            "{e}"
        );
        assert_eq!(files.resolve("local/ips.csv"), Ok(PathBuf::from("local/ips.csv")));
    }
}
