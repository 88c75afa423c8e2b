//! Rendering on every core with the output of one: the simulation (on the calling thread) cuts its
//! event stream into chunks, worker threads render chunks in any order, and one writer thread puts
//! them back in order and writes them. A fixed set of chunks circulates (free → filled → rendered
//! → written → free), so memory stays flat however long the run: the simulation waits for a free
//! chunk when the workers or the disk fall behind.

use super::chunk::{CHUNK_EVENTS, Chunk};
use super::files::TableFiles;
use super::shard::Shard;
use crate::compress::{Compression, Packer};
use crate::shape::Shape;
use crate::sim::Simulation;
use crate::sink;
use crate::tables::{DiagnosticsModes, RecordWriter};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// How the rendering is spread.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Rendering threads; 1 renders on the simulating thread, with no other thread.
    pub threads: usize,
    /// The share of the chunks this process writes.
    pub shard: Shard,
    /// How the table files are compressed.
    pub compression: Compression,
    /// What the records look like.
    pub shape: Shape,
    /// Which tables the records land in.
    pub modes: DiagnosticsModes,
}

/// Cuts the event stream into chunks and says which ones this shard keeps.
struct Cutter {
    shard: Shard,
    /// Events seen so far, over the whole stream.
    seen: u64,
    /// Chunks handed on so far.
    handed: u64,
}

impl Cutter {
    fn new(shard: Shard) -> Self {
        Self { shard, seen: 0, handed: 0 }
    }

    /// Whether the next event goes into this shard's chunk; advances past it. Returns also whether
    /// it ends a chunk.
    fn next(&mut self) -> (bool, bool) {
        let chunk = self.seen / CHUNK_EVENTS as u64;
        self.seen += 1;
        (self.shard.owns(chunk), self.seen.is_multiple_of(CHUNK_EVENTS as u64))
    }
}

fn interrupted() -> io::Result<()> {
    match sink::interrupted() {
        Some(_) => Err(io::Error::other("interrupted")),
        None => Ok(()),
    }
}

/// Simulates, renders and writes the run into `files`; `progress` sees each run's start.
pub fn run<W: Write + Send>(
    simulation: &Simulation<'_>,
    plan: Plan,
    files: &mut TableFiles<W>,
    progress: impl FnMut(DateTime<Utc>),
) -> io::Result<()> {
    if plan.threads <= 1 {
        return run_inline(simulation, plan, files, progress);
    }
    run_threaded(simulation, plan, files, progress)
}

/// One thread: each chunk is rendered and written as soon as it is full.
fn run_inline<W: Write>(
    simulation: &Simulation<'_>,
    plan: Plan,
    files: &mut TableFiles<W>,
    progress: impl FnMut(DateTime<Utc>),
) -> io::Result<()> {
    let mut writer = RecordWriter::new();
    let mut packer = Packer::new(plan.compression)?;
    let mut chunk = Chunk::new();
    let mut cutter = Cutter::new(plan.shard);
    let mut flush = |chunk: &mut Chunk<'_>, files: &mut TableFiles<W>| {
        chunk.render(&mut writer, &mut packer, (plan.shape, plan.modes))?;
        files.write(chunk)?;
        chunk.clear();
        Ok::<_, io::Error>(())
    };
    fill_chunks(simulation, &mut cutter, &mut chunk, progress, |chunk, _| flush(chunk, files))?;
    if !chunk.is_empty() {
        flush(&mut chunk, files)?;
    }
    Ok(())
}

/// Chunks in circulation per rendering thread: one being rendered, one waiting, one being
/// filled or written.
const CHUNKS_PER_THREAD: usize = 3;

/// Several threads: the calling thread simulates, `plan.threads` workers render, one writes.
fn run_threaded<W: Write + Send>(
    simulation: &Simulation<'_>,
    plan: Plan,
    files: &mut TableFiles<W>,
    progress: impl FnMut(DateTime<Utc>),
) -> io::Result<()> {
    let slots = plan.threads * CHUNKS_PER_THREAD;
    // Every channel can hold every chunk, so that no send ever blocks: only taking a free chunk
    // waits, which is what bounds memory.
    let (free_tx, free_rx) = sync_channel(slots);
    let (work_tx, work_rx) = sync_channel::<Chunk<'_>>(slots);
    // Room for one error per worker too.
    let (done_tx, done_rx) = sync_channel(slots + plan.threads);
    for _ in 0..slots {
        let _ = free_tx.send(Chunk::new());
    }
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|scope| {
        for _ in 0..plan.threads {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            scope.spawn(move || render_chunks(work_rx, &done_tx, plan));
        }
        drop(done_tx);
        let writer = scope.spawn(move || write_in_order(done_rx, free_tx, files));
        let simulated = feed(simulation, plan.shard, (&free_rx, work_tx), progress);
        // The writer's error explains a simulation stopped for want of free chunks.
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
        written.and(simulated)
    })
}

/// A worker: renders chunks until the simulation is done or the writer has stopped. A failure
/// (of the compressor) is passed on in place of the chunk, for the writer to report.
fn render_chunks<'t>(work: &Mutex<Receiver<Chunk<'t>>>, done: &SyncSender<Rendered<'t>>, plan: Plan) {
    let mut writer = RecordWriter::new();
    let mut packer = match Packer::new(plan.compression) {
        Ok(packer) => packer,
        Err(e) => {
            let _ = done.send(Err(e));
            return;
        }
    };
    loop {
        // The lock is held only while taking a chunk, not while rendering it.
        let next = work.lock().map_err(|_| ()).and_then(|rx| rx.recv().map_err(|_| ()));
        let Ok(mut chunk) = next else { return };
        let rendered = chunk.render(&mut writer, &mut packer, (plan.shape, plan.modes)).map(|()| chunk);
        if done.send(rendered).is_err() {
            return;
        }
    }
}

/// A rendered chunk, or why rendering failed.
type Rendered<'t> = io::Result<Chunk<'t>>;

/// The writer: puts rendered chunks back in order, writes them and frees them.
fn write_in_order<'t, W: Write>(
    done: Receiver<Rendered<'t>>,
    // Owned: dropping it when the writer stops (on an error) wakes a simulation waiting for a chunk.
    free: SyncSender<Chunk<'t>>,
    files: &mut TableFiles<W>,
) -> io::Result<()> {
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    for chunk in done {
        let chunk = chunk?;
        waiting.insert(chunk.order, chunk);
        while let Some(mut chunk) = waiting.remove(&next) {
            interrupted()?;
            files.write(&chunk)?;
            chunk.clear();
            next += 1;
            // Fails only once the simulation has finished and needs no more chunks.
            let _ = free.send(chunk);
        }
    }
    Ok(())
}

/// The simulating end: fills free chunks with this shard's events and hands them to the workers.
fn feed<'t>(
    simulation: &Simulation<'t>,
    shard: Shard,
    (free, work): (&Receiver<Chunk<'t>>, SyncSender<Chunk<'t>>),
    progress: impl FnMut(DateTime<Utc>),
) -> io::Result<()> {
    let stopped = || io::Error::other("the writer stopped");
    let mut cutter = Cutter::new(shard);
    let mut chunk = free.recv().map_err(|_| stopped())?;
    fill_chunks(simulation, &mut cutter, &mut chunk, progress, |chunk, cutter| {
        let fresh = free.recv().map_err(|_| stopped())?;
        hand_on(std::mem::replace(chunk, fresh), cutter, &work)
    })?;
    if !chunk.is_empty() {
        hand_on(chunk, &mut cutter, &work)?;
    }
    Ok(())
}

/// Runs the simulation, putting this shard's events into `chunk` and handing each chunk to `full`
/// where the cutter ends it (`full` leaves `chunk` empty); the last, partial chunk stays in `chunk`.
fn fill_chunks<'t>(
    simulation: &Simulation<'t>,
    cutter: &mut Cutter,
    chunk: &mut Chunk<'t>,
    progress: impl FnMut(DateTime<Utc>),
    mut full: impl FnMut(&mut Chunk<'t>, &mut Cutter) -> io::Result<()>,
) -> io::Result<()> {
    simulation.run_with(
        |events, origin| {
            for event in events.drain(..) {
                interrupted()?;
                let (keep, ends) = cutter.next();
                if keep {
                    chunk.push(event, origin);
                }
                if ends && !chunk.is_empty() {
                    full(chunk, cutter)?;
                }
            }
            Ok(())
        },
        progress,
    )
}

fn hand_on<'t>(mut chunk: Chunk<'t>, cutter: &mut Cutter, work: &SyncSender<Chunk<'t>>) -> io::Result<()> {
    chunk.order = cutter.handed;
    cutter.handed += 1;
    work.send(chunk).map_err(|_| io::Error::other("the rendering threads stopped"))
}
