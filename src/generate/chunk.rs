//! A chunk: a run of consecutive simulated events and, once rendered, their records grouped by
//! table. Rendering works chunk by chunk so that it can happen on any thread while the files still
//! receive the records in the simulation's order.

use crate::compress::Packer;
use crate::manifest::LabelRecord;
use crate::shape::Shape;
use crate::sim::{Event, Origin};
use crate::tables::{self, Category, DiagnosticsModes, RecordWriter, Table};
use chrono::{DateTime, Utc};
use std::ops::Range;

/// Events per chunk: enough to make handing a chunk between threads cheap (a chunk is a few
/// milliseconds of rendering), few enough that the chunks in flight stay small (a rendered record
/// is 1–2 KB, an ARM deployment's up to 8 KB): 512 took 1 day of tenant-large on 2 threads from
/// 117–122 to 109–112 MiB of peak RSS against 1,024, at the same speed. Shards split the event
/// stream at the same boundaries, so changing it changes which shard writes which record (a
/// shard's manifest records it, so `merge` follows).
pub const CHUNK_EVENTS: usize = 512;

/// How much a chunk's buffer grows by when a record does not fit. Not doubling: a buffer keeps
/// its capacity for reuse, and doubling would leave one that once held 9 MB (a burst of
/// deployments) with 16 MB, times every chunk in circulation.
const GROWTH: usize = 1 << 20;

/// The most capacity an emptied chunk's buffer keeps: a usual chunk of 512 records fits (1–2 MB),
/// and the rare larger one (a burst of deployments) gives back the rest. Keeping whatever a chunk
/// once held made the peak grow with the days simulated, as longer runs meet larger bursts: 1 day
/// of tenant-large on 2 threads held 12 MB of chunk buffers at its peak and 3 days 18 MB.
const KEPT_CAPACITY: usize = 2 * GROWTH;

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
    /// The table of each event, by index: rendering goes table by table.
    tables: Vec<u8>,
    /// The NDJSON lines of the records, table after table in [`tables::Table::ALL`] order, each
    /// table's in event order (each table's compressed once rendered, when the run compresses).
    /// One buffer rather than one per table: a buffer keeps the capacity of the most it ever held,
    /// and per-table buffers would each grow to a whole chunk's size (5× the memory) whenever a
    /// chunk's events happen to be mostly one table's.
    data: Vec<u8>,
    /// Where each table's lines lie in `data`.
    spans: [Range<usize>; Table::COUNT],
    /// Per table, how many records the chunk holds.
    pub records: [u64; Table::COUNT],
    /// Per table, the records' `_BilledSize` sum.
    pub billed: [u64; Table::COUNT],
    /// The labelled records, table by table (their ground truth does not depend on the order).
    pub labels: Vec<LabelHit>,
    /// A record converted into the diagnostic-settings shape, reused.
    shaped: Vec<u8>,
}

impl<'t> Chunk<'t> {
    /// An empty chunk with room for [`CHUNK_EVENTS`] events.
    pub fn new() -> Self {
        Self {
            order: 0,
            events: Vec::with_capacity(CHUNK_EVENTS),
            tables: Vec::with_capacity(CHUNK_EVENTS),
            data: Vec::new(),
            spans: Default::default(),
            records: [0; Table::COUNT],
            billed: [0; Table::COUNT],
            labels: Vec::new(),
            shaped: Vec::new(),
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

    /// Renders (and drops) the events into per-table lines in `shape`, each in the table `modes`
    /// land it in, then compresses each
    /// table's lines as `packer` says. Converting into the diagnostic-settings shape happens here,
    /// on the rendering threads, so that it spreads over `--threads` as rendering does.
    pub fn render(
        &mut self,
        writer: &mut RecordWriter,
        packer: &mut Packer,
        (shape, modes): (Shape, DiagnosticsModes),
    ) -> std::io::Result<()> {
        self.tables.clear();
        self.tables
            .extend(self.events.iter().map(|(e, _)| modes.table(Category::of(e)).index() as u8));
        // Taken out while rendering borrows the rest; put back empty, keeping its capacity.
        let mut events = std::mem::take(&mut self.events);
        for table in 0..self.spans.len() {
            let start = self.data.len();
            for (i, (event, origin)) in events.iter().enumerate() {
                if usize::from(self.tables[i]) == table {
                    self.render_one(event, *origin, writer, (shape, modes))?;
                }
            }
            self.spans[table] = start..self.data.len();
        }
        events.clear();
        self.events = events;
        packer.pack(&mut self.data, &mut self.spans)
    }

    fn render_one(
        &mut self,
        event: &Event<'t>,
        origin: Origin,
        writer: &mut RecordWriter,
        (shape, modes): (Shape, DiagnosticsModes),
    ) -> std::io::Result<()> {
        let rendered = tables::render(event, modes, writer);
        let i = rendered.table.index();
        let line = match shape {
            Shape::LogAnalytics => rendered.json.as_bytes(),
            Shape::DiagnosticSettings => {
                self.shaped.clear();
                crate::shape::convert_line(rendered.table, rendered.json.as_bytes(), &mut self.shaped)
                    .map_err(crate::shape::ShapeError::into_io)?;
                &self.shaped
            }
        };
        let needed = line.len() + 1;
        if self.data.capacity() - self.data.len() < needed {
            self.data.reserve_exact(needed.max(GROWTH));
        }
        self.data.extend_from_slice(line);
        self.data.push(b'\n');
        self.records[i] += 1;
        self.billed[i] += rendered.billed_size;
        if let Some(label) = origin.label() {
            self.labels.push(LabelHit {
                label,
                time: event.time,
                record: LabelRecord::from(&rendered.key),
            });
        }
        Ok(())
    }

    /// The rendered (and packed) lines of table `i`, in [`tables::Table::ALL`] order.
    pub fn table_bytes(&self, i: usize) -> &[u8] {
        &self.data[self.spans[i].clone()]
    }

    /// Empties the chunk for reuse, keeping its buffers' capacity (up to [`KEPT_CAPACITY`] of its
    /// records' buffer).
    pub fn clear(&mut self) {
        self.events.clear();
        self.data.clear();
        self.data.shrink_to(KEPT_CAPACITY);
        self.spans = Default::default();
        self.records = [0; Table::COUNT];
        self.billed = [0; Table::COUNT];
        self.labels.clear();
    }
}

impl Default for Chunk<'_> {
    fn default() -> Self {
        Self::new()
    }
}
