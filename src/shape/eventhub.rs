//! Event Hub delivery: each category's hub as one file, one message per line, each message
//! `{"records":[…]}` (AMD resource-logs.md, "Send to Azure Event Hubs") holding as many records,
//! in order, as fit in the message bound. A record is never cut: one that does not fit alone is
//! an error.

use super::{Delivered, ShapeError, destination};
use crate::compress::{Compression, FileEncoder};
use crate::tables::Category;
use std::io::Write;
use std::path::{Path, PathBuf};

const OPEN: &[u8] = b"{\"records\":[";
const CLOSE: &[u8] = b"]}";

/// The file standing for a category's hub: `insights-logs-<category>.jsonl[.zst|.gz]`.
pub fn file_name(category: Category, compression: Compression) -> String {
    compression.file_name(destination(category))
}

/// One hub's messages being written.
pub struct Hub {
    category: Category,
    path: PathBuf,
    file: FileEncoder,
    /// The message being filled, without its closing `]}`.
    message: Vec<u8>,
    in_message: usize,
    limit: usize,
    delivered: Delivered,
}

impl Hub {
    /// Creates the category's hub file in `out`; messages hold at most `limit` bytes.
    pub fn create(out: &Path, category: Category, compression: Compression, limit: usize) -> Result<Self, ShapeError> {
        let path = out.join(file_name(category, compression));
        let io = |source| ShapeError::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&path).map_err(io)?;
        let file = FileEncoder::new(file, compression).map_err(io)?;
        Ok(Self {
            category,
            path,
            file,
            message: Vec::new(),
            in_message: 0,
            limit,
            delivered: Delivered::default(),
        })
    }

    /// Adds a record (its JSON text) to the current message, sending that first when the record
    /// would take it over the bound.
    pub fn push(&mut self, record: &[u8]) -> Result<(), ShapeError> {
        let alone = OPEN.len() + record.len() + CLOSE.len();
        if alone > self.limit {
            return Err(ShapeError::RecordTooLarge {
                category: super::category_field(self.category),
                bytes: alone,
                limit: self.limit,
            });
        }
        if self.in_message > 0 && self.message.len() + 1 + record.len() + CLOSE.len() > self.limit {
            self.send()?;
        }
        if self.in_message == 0 {
            self.message.extend_from_slice(OPEN);
        } else {
            self.message.push(b',');
        }
        self.message.extend_from_slice(record);
        self.in_message += 1;
        self.delivered.records += 1;
        Ok(())
    }

    /// Writes the current message as one line.
    fn send(&mut self) -> Result<(), ShapeError> {
        if self.in_message == 0 {
            return Ok(());
        }
        self.message.extend_from_slice(CLOSE);
        self.message.push(b'\n');
        self.file.write_all(&self.message).map_err(|source| ShapeError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.message.clear();
        self.in_message = 0;
        self.delivered.pieces += 1;
        Ok(())
    }

    /// Sends the last message and closes the file.
    pub fn finish(mut self) -> Result<Delivered, ShapeError> {
        self.send()?;
        let path = self.path;
        self.delivered.bytes = self.file.finish().map_err(|source| ShapeError::Io { path, source })?;
        Ok(self.delivered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_within_the_bound_and_a_record_too_large_alone_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut hub = Hub::create(dir.path(), Category::AuditLogs, Compression::None, 40).unwrap();
        for _ in 0..5 {
            hub.push(br#"{"a":"0123456789"}"#).unwrap();
        }
        let too_large = hub.push(&[b'x'; 30]).unwrap_err();
        assert!(too_large.to_string().contains("--max-message-bytes 40"), "{too_large}");
        let delivered = hub.finish().unwrap();
        let text = std::fs::read_to_string(dir.path().join("insights-logs-auditlogs.jsonl")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines.iter().all(|l| l.len() <= 40 && l.starts_with(r#"{"records":["#)));
        assert_eq!((delivered.records, delivered.pieces), (5, 5));
        assert_eq!(delivered.bytes, text.len() as u64);
    }
}
