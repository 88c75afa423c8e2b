//! The writing end of `generate`: the run's table files, and what the manifest needs to know about
//! them (per-table stats, the labelled records' ground truth, a shard's chunk counts).

use super::chunk::Chunk;
use super::shard::{Shard, ShardInfo};
use crate::manifest::{LabelRecord, TableStats};
use crate::tables::Table;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::io::Write;

/// The ground truth of one label, built from its records as they are written.
#[derive(Default)]
pub struct LabelBuild {
    /// Earliest record time.
    pub first: Option<DateTime<Utc>>,
    /// Latest record time.
    pub last: Option<DateTime<Utc>>,
    /// Its records' keys (sorted, so the manifest does not depend on the order they came in).
    pub records: BTreeSet<LabelRecord>,
}

/// Receives rendered chunks in order and writes them.
pub struct TableFiles<W> {
    /// The tables the run writes, in [`Table::ALL`] order.
    pub tables: Vec<Table>,
    /// One writer per table of `tables`.
    pub files: Vec<W>,
    /// Per-table records and billed bytes written so far (file bytes are filled in at the end),
    /// by [`Table::index`].
    pub stats: [TableStats; Table::COUNT],
    /// Per label of the simulation, what its records showed.
    pub labels: Vec<LabelBuild>,
    /// The chunk counts of a sharded run, `None` for a whole one.
    pub shard: Option<ShardInfo>,
}

impl<W: Write> TableFiles<W> {
    /// Writers for `tables`, one each, for a simulation with `labels` labels; `shard` for a
    /// sharded run.
    pub fn new((tables, files): (Vec<Table>, Vec<W>), labels: usize, shard: Option<Shard>) -> Self {
        Self {
            tables,
            files,
            stats: Default::default(),
            labels: (0..labels).map(|_| LabelBuild::default()).collect(),
            shard: shard.map(ShardInfo::new),
        }
    }

    /// Appends a rendered chunk's records to the files and its counts to the stats.
    pub fn write(&mut self, chunk: &Chunk<'_>) -> std::io::Result<()> {
        for (table, file) in self.tables.iter().zip(&mut self.files) {
            let i = table.index();
            file.write_all(chunk.table_bytes(i))?;
            self.stats[i].records += chunk.records[i];
            self.stats[i].billed_bytes += chunk.billed[i];
        }
        for hit in &chunk.labels {
            if let Some(l) = self.labels.get_mut(hit.label) {
                l.first = Some(l.first.map_or(hit.time, |f| f.min(hit.time)));
                l.last = Some(l.last.map_or(hit.time, |f| f.max(hit.time)));
                l.records.insert(hit.record.clone());
            }
        }
        if let Some(shard) = &mut self.shard {
            shard.chunks.push(self.tables.iter().map(|t| chunk.records[t.index()]).collect());
        }
        Ok(())
    }
}
