//! The serialize-only limit that generation is measured against: the same records, already in
//! memory as `serde_json::Value`s, serialized with `serde_json::to_writer` into memory, on one
//! thread. Generation must also simulate, build and write them, so the ratio of its records/s to
//! this one's says how close it comes to the cost of serializing alone (issue 13 wants ≥ 0.9× per
//! core).

use super::Measurement;
use super::error::BenchError;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

/// Records parsed and then serialized per batch: enough that timing a batch costs nothing
/// beside it, few enough that the parsed batch stays a few megabytes whatever the volume.
const BATCH: usize = 4096;

/// Serializes every record of the `.jsonl` table files in `dir`, timing only the serialization.
pub fn serialize_only(dir: &Path) -> Result<Measurement, BenchError> {
    let mut total = Serialized::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| BenchError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for path in &files {
        total.add(serialize_file(path)?);
    }
    Ok(Measurement {
        name: "serialize only".into(),
        detail: format!(
            "the same {} records, held as serde_json::Value, through serde_json::to_writer into memory, 1 thread",
            super::peer::thousands(total.records)
        ),
        seconds: total.time.as_secs_f64(),
        records: total.records,
        bytes: total.bytes,
        peak_rss_mib: super::peak_rss_mib(),
    })
}

/// What serializing some records took.
#[derive(Debug, Default)]
struct Serialized {
    time: Duration,
    records: u64,
    bytes: u64,
}

impl Serialized {
    fn add(&mut self, other: Serialized) {
        self.time += other.time;
        self.records += other.records;
        self.bytes += other.bytes;
    }
}

fn serialize_file(path: &Path) -> Result<Serialized, BenchError> {
    let file = std::fs::File::open(path).map_err(|e| BenchError::io(path, e))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    let mut done = Serialized::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut out = Vec::new();
    loop {
        batch.clear();
        for line in lines.by_ref().take(BATCH) {
            let line = line.map_err(|e| BenchError::io(path, e))?;
            let value: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| BenchError::step(format!("reading {} back", path.display()), e))?;
            batch.push(value);
        }
        if batch.is_empty() {
            return Ok(done);
        }
        out.clear();
        let start = Instant::now();
        for value in &batch {
            serde_json::to_writer(&mut out, value).map_err(|e| BenchError::step("serializing", e))?;
            out.push(b'\n');
        }
        done.time += start.elapsed();
        done.records += batch.len() as u64;
        done.bytes += out.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_every_record_of_every_table_file_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let record = r#"{"TimeGenerated":"2026-12-01T00:00:00Z","Id":"a\"b","Props":{"k":[1,2.5,null]}}"#;
        let lines = format!("{record}\n").repeat(BATCH + 3);
        std::fs::write(dir.path().join("AuditLogs.jsonl"), &lines).unwrap();
        std::fs::write(dir.path().join("AzureActivity.jsonl"), format!("{record}\n")).unwrap();
        std::fs::write(dir.path().join("manifest.json"), "{}").unwrap();
        let measured = serialize_only(dir.path()).unwrap();
        assert_eq!(measured.records, BATCH as u64 + 4);
        // serde_json writes the record back byte for byte (preserve_order keeps its keys' order).
        assert_eq!(measured.bytes, (record.len() as u64 + 1) * (BATCH as u64 + 4));
    }

    #[test]
    fn a_line_that_is_not_json_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("AuditLogs.jsonl"), "{\"a\":1}\nnot json\n").unwrap();
        let error = serialize_only(dir.path()).unwrap_err().to_string();
        assert!(error.contains("AuditLogs.jsonl"), "{error}");
    }
}
