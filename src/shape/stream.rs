//! A table's records converted as the pipeline writes them: a [`TableShaper`] takes the table's
//! NDJSON in the order the records were simulated, converts each line and hands it to its
//! category's container or hub. It runs on the writer thread, which keeps the records in order
//! whatever `--threads` says.

use super::eventhub::Hub;
use super::storage::Container;
use super::{Delivered, Delivery, Packaging, ShapeError};
use crate::tables::{Category, Table};
use serde_json::{Map, Value};
use std::io::{self, Write};
use std::path::Path;

/// Where a category's records go.
enum Destination {
    Storage(Container),
    EventHub(Hub),
}

/// One table's conversion into the diagnostic-settings shape.
pub struct TableShaper {
    table: Table,
    /// Bytes after the last whole line written so far.
    pending: Vec<u8>,
    /// The converted record's JSON text, reused.
    line: Vec<u8>,
    destinations: Vec<(Category, Destination)>,
}

impl TableShaper {
    /// A shaper of `table`'s records into the output directory `out`.
    pub fn new(table: Table, out: &Path, packaging: Packaging) -> Result<Self, ShapeError> {
        let destinations = super::categories_of(table)
            .into_iter()
            .map(|category| {
                let destination = match packaging.delivery {
                    Delivery::Storage => Destination::Storage(Container::new(out, category, packaging.compression)),
                    Delivery::EventHub => {
                        Destination::EventHub(Hub::create(out, category, packaging.compression, packaging.message_bytes)?)
                    }
                };
                Ok((category, destination))
            })
            .collect::<Result<_, ShapeError>>()?;
        Ok(Self {
            table,
            pending: Vec::new(),
            line: Vec::new(),
            destinations,
        })
    }

    fn convert_line(&mut self, line: &[u8]) -> Result<(), ShapeError> {
        let not_json = |e: serde_json::Error| ShapeError::NotJson {
            table: self.table.name(),
            reason: e.to_string(),
        };
        let record: Map<String, Value> = serde_json::from_slice(line).map_err(not_json)?;
        let shaped = super::convert(self.table, &record)?;
        self.line.clear();
        serde_json::to_writer(&mut self.line, &shaped.record).map_err(not_json)?;
        let table = self.table.name();
        let Some((_, destination)) = self.destinations.iter_mut().find(|(c, _)| *c == shaped.category) else {
            return Err(ShapeError::Column {
                table,
                column: "Category".into(),
                problem: "names a category of another table",
            });
        };
        match destination {
            Destination::Storage(container) => container.push(&shaped.record, &self.line),
            Destination::EventHub(hub) => hub.push(&self.line),
        }
    }

    /// Closes every blob or hub file; what each category received.
    pub fn finish(self) -> Result<Vec<(Category, Delivered)>, ShapeError> {
        self.destinations
            .into_iter()
            .map(|(category, destination)| {
                let delivered = match destination {
                    Destination::Storage(container) => container.finish()?,
                    Destination::EventHub(hub) => hub.finish()?,
                };
                Ok((category, delivered))
            })
            .collect()
    }
}

impl Write for TableShaper {
    /// Converts every whole line `buf` completes; a [`ShapeError`] comes back inside the
    /// `io::Error` ([`ShapeError::recover`]).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Ok(buf.len());
        };
        let data = std::mem::take(&mut self.pending);
        let converted = data[..end]
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .try_for_each(|line| self.convert_line(line));
        self.pending = data;
        self.pending.drain(..=end);
        converted.map_err(ShapeError::into_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
