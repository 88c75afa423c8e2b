//! A chunk: a run of consecutive simulated events and, once rendered, their records grouped by
//! table. Rendering works chunk by chunk so that it can happen on any thread while the files still
//! receive the records in the simulation's order.

use crate::compress::Packer;
use crate::manifest::LabelRecord;
use crate::sim::{Event, Origin};
use crate::tables::{self, RecordWriter};
use chrono::{DateTime, Utc};

/// Events per chunk: enough to make handing a chunk between threads cheap, few enough that the
/// chunks in flight stay a few megabytes (a rendered record is 1–2 KB). Shards split the event
/// stream at the same boundaries, so changing it changes which shard writes which record.
pub const CHUNK_EVENTS: usize = 2048;

/// A labelled record met while rendering: what its anomaly's ground truth needs.
pub struct LabelHit {
    /// Index into the simulation's labels.
    pub label: usize,
    /// The event's time.
    pub time: DateTime<Utc>,
    /// The record's key.
    pub record: LabelRecord,
}

/// Consecutive events, then their rendered records.
pub struct Chunk<'t> {
    /// The chunk's place among the chunks this process renders (0, 1, 2, …).
    pub order: u64,
    events: Vec<(Event<'t>, Origin)>,
    /// Per table, the NDJSON lines of its records, in event order (compressed once rendered, when
    /// the run compresses).
    pub lines: [Vec<u8>; 5],
    /// Per table, how many records the chunk holds.
    pub records: [u64; 5],
    /// Per table, the records' `_BilledSize` sum.
    pub billed: [u64; 5],
    /// The labelled records, in event order.
    pub labels: Vec<LabelHit>,
}

impl<'t> Chunk<'t> {
    /// An empty chunk with room for [`CHUNK_EVENTS`] events.
    pub fn new() -> Self {
        Self {
            order: 0,
            events: Vec::with_capacity(CHUNK_EVENTS),
            lines: Default::default(),
            records: [0; 5],
            billed: [0; 5],
            labels: Vec::new(),
        }
    }

    /// Adds an event to render.
    pub fn push(&mut self, event: Event<'t>, origin: Origin) {
        self.events.push((event, origin));
    }

    /// Whether the chunk holds no event and no record.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.records.iter().all(|&n| n == 0)
    }

    /// Renders (and drops) the events into per-table lines, then compresses each table's lines
    /// as `packer` says.
    pub fn render(&mut self, writer: &mut RecordWriter, packer: &mut Packer) -> std::io::Result<()> {
        for (event, origin) in self.events.drain(..) {
            let rendered = tables::render(&event, writer);
            let i = rendered.table.index();
            let lines = &mut self.lines[i];
            lines.extend_from_slice(rendered.json.as_bytes());
            lines.push(b'\n');
            self.records[i] += 1;
            self.billed[i] += rendered.billed_size;
            if let Some(label) = origin.label() {
                self.labels.push(LabelHit {
                    label,
                    time: event.time,
                    record: LabelRecord::from(&rendered.key),
                });
            }
        }
        // A table without records in this chunk gets no (empty) frame.
        for lines in self.lines.iter_mut().filter(|l| !l.is_empty()) {
            packer.pack(lines)?;
        }
        Ok(())
    }

    /// Empties the chunk for reuse, keeping its buffers' capacity.
    pub fn clear(&mut self) {
        self.events.clear();
        self.lines.iter_mut().for_each(Vec::clear);
        self.records = [0; 5];
        self.billed = [0; 5];
        self.labels.clear();
    }
}

impl Default for Chunk<'_> {
    fn default() -> Self {
        Self::new()
    }
}
