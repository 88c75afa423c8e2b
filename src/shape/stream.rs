//! A table's diagnostic-settings records delivered as the pipeline writes them: a
//! [`TableDelivery`] takes the table's converted NDJSON in the order the records were simulated and
//! hands each line to its category's container or hub. It runs on the writer thread, which keeps
//! the records in order whatever `--threads` says; the conversion itself happened on the
//! rendering threads, so here each line is only read for the few fields that route it.

use super::eventhub::Hub;
use super::storage::Container;
use super::{Delivered, Delivery, Packaging, ShapeError};
use crate::tables::{Category, Table};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// The fields of a shaped record that say where it goes (serde skips the rest without building it).
#[derive(Debug, Deserialize)]
pub struct Route<'a> {
    /// `time`.
    #[serde(borrow)]
    pub time: Cow<'a, str>,
    /// `resourceId`.
    #[serde(borrow, rename = "resourceId")]
    pub resource_id: Cow<'a, str>,
    /// `category`.
    #[serde(borrow)]
    pub category: Cow<'a, str>,
    /// `tenantId`, which Entra's records carry.
    #[serde(borrow, rename = "tenantId", default)]
    pub tenant_id: Option<Cow<'a, str>>,
    /// `workflowId`, which Logic Apps records carry.
    #[serde(borrow, rename = "workflowId", default)]
    pub workflow_id: Option<Cow<'a, str>>,
}

/// Where a category's records go.
enum Destination {
    Storage(Container),
    EventHub(Hub),
}

/// One table's records being delivered into the diagnostic-settings shape's files.
pub struct TableDelivery {
    table: Table,
    /// Bytes after the last whole line written so far.
    pending: Vec<u8>,
    destinations: Vec<(Category, Destination)>,
}

impl TableDelivery {
    /// Delivers `table`'s records into the output directory `out`.
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
            destinations,
        })
    }

    fn deliver(&mut self, line: &[u8]) -> Result<(), ShapeError> {
        let table = self.table.name();
        let route: Route<'_> = serde_json::from_slice(line).map_err(|e| ShapeError::NotJson {
            table,
            reason: e.to_string(),
        })?;
        let found = self
            .destinations
            .iter_mut()
            .find(|(c, _)| super::category_field(*c) == route.category);
        let Some((category, destination)) = found else {
            return Err(ShapeError::Column {
                table,
                column: "category".into(),
                problem: "names a category of another table",
            });
        };
        match destination {
            Destination::Storage(container) => container.push(&super::storage::blob_path(*category, &route)?, line),
            Destination::EventHub(hub) => hub.push(line),
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

impl Write for TableDelivery {
    /// Delivers every whole line `buf` completes; a [`ShapeError`] comes back inside the
    /// `io::Error` ([`ShapeError::recover`]).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Ok(buf.len());
        };
        let data = std::mem::take(&mut self.pending);
        let delivered = data[..end]
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .try_for_each(|line| self.deliver(line));
        self.pending = data;
        self.pending.drain(..=end);
        delivered.map_err(ShapeError::into_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
