//! `merge`: puts the outputs of `generate --shard K/N` (K = 0..N) back together into the output the
//! whole run writes, byte for byte. Each shard's manifest lists, per chunk it holds, its records
//! per table (see `generate::shard`), so chunk j is taken from shard j mod N, its lines copied
//! table by table (and compressed as `generate` compresses a chunk), and the ground truth and
//! stats are summed. The shards must come from one command line that differs only in `--shard`.

use crate::compress::{Compression, Packer, open_table_reader};
use crate::generate::{GenerateError, commit};
use crate::input::{BoundedLines, InputError};
use crate::manifest::{Label, MANIFEST_FILE, Manifest, ShardInfo, TableStats};
use crate::sink::{self, CountingWriter, StagedDir};
use crate::tables::Table;
use std::collections::BTreeSet;
use std::io::{BufReader, Read, Write};
use std::path::PathBuf;

/// What to merge, and where.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// The shards' output directories, in any order.
    pub shards: Vec<PathBuf>,
    /// The merged output directory; only tenantless's own output there is replaced.
    pub out: PathBuf,
    /// Also replace tenantless files that no manifest lists as written.
    pub force: bool,
    /// How the merged tables are compressed.
    pub compression: Compression,
}

/// Why a merge failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No shard directory was given.
    #[error("no shard directory given: name the --out of every `generate --shard K/N` run")]
    NoShards,
    /// A shard's manifest is missing or unreadable.
    #[error("{0}")]
    Manifest(#[from] crate::verify::error::FileError),
    /// A directory holds a whole output, not a shard.
    #[error("{} is not a shard: its manifest has no `shard` (it was not generated with --shard K/N)", .0.display())]
    NotAShard(PathBuf),
    /// Parquet shards, which need no merge.
    #[error(
        "{} holds Parquet shards (`generate --format parquet`), which need no merge: read every shard's <Table>.parquet together (Spark and DuckDB take a glob such as 'shard-*/AuditLogs.parquet'; ADX ingests each file), or generate the shards without --format parquet to merge them",
        .0.display()
    )]
    Parquet(PathBuf),
    /// Shards of different runs.
    #[error("{} does not belong with {}: their manifests differ in {what}; merge the shards of one command line that differs only in --shard", .path.display(), .first.display())]
    Mismatch {
        /// The shard that differs.
        path: PathBuf,
        /// The first shard.
        first: PathBuf,
        /// What differs.
        what: &'static str,
    },
    /// Not every shard of 0..N was given, or one twice.
    #[error("the shards given are {given:?} of {count}; give each of 0 to {} exactly once", .count - 1)]
    Incomplete {
        /// Shard indexes given, in order.
        given: Vec<u32>,
        /// N.
        count: u32,
    },
    /// A table file has fewer or more records than its manifest lists.
    #[error("{}: {what} than its manifest lists; the shard was changed since it was generated", .path.display())]
    Records {
        /// The table file.
        path: PathBuf,
        /// `fewer records` or `more records`.
        what: &'static str,
    },
    /// A table file could not be read.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The output could not be written or put in place.
    #[error("{0}")]
    Output(#[from] GenerateError),
}

/// One shard: its directory, manifest and chunk counts.
struct ShardInput {
    dir: PathBuf,
    manifest: Manifest,
    info: ShardInfo,
}

/// Reads every shard's manifest and checks that together they are shards 0..N of one run.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<ShardInput>, MergeError> {
    let mut shards = Vec::new();
    for dir in dirs {
        let manifest = Manifest::load(dir)?;
        let info = manifest.shard.clone().ok_or_else(|| MergeError::NotAShard(dir.clone()))?;
        if manifest.table_format == crate::compress::TableFormat::Parquet {
            return Err(MergeError::Parquet(dir.clone()));
        }
        shards.push(ShardInput {
            dir: dir.clone(),
            manifest,
            info,
        });
    }
    let first = shards.first().ok_or(MergeError::NoShards)?;
    for s in &shards[1..] {
        if let Some(what) = difference(&first.manifest, &first.info, &s.manifest, &s.info) {
            return Err(MergeError::Mismatch {
                path: s.dir.clone(),
                first: first.dir.clone(),
                what,
            });
        }
    }
    let count = first.info.count;
    let given: Vec<u32> = shards.iter().map(|s| s.info.index).collect();
    let distinct: BTreeSet<u32> = given.iter().copied().collect();
    if given.len() != count as usize || distinct.len() != given.len() {
        return Err(MergeError::Incomplete { given, count });
    }
    shards.sort_by_key(|s| s.info.index);
    Ok(shards)
}

/// The first field in which two shards' manifests disagree, other than their share of the data.
fn difference(a: &Manifest, ai: &ShardInfo, b: &Manifest, bi: &ShardInfo) -> Option<&'static str> {
    fn labels(m: &Manifest) -> Vec<(&String, &crate::scenario::model::AnomalyKind, &String, &Option<String>)> {
        m.anomalies.iter().map(|l| (&l.id, &l.kind, &l.identity_id, &l.label)).collect()
    }
    [
        (a.version != b.version, "version"),
        (a.format != b.format, "format"),
        (a.scenarios != b.scenarios, "scenarios"),
        (a.seed != b.seed, "seed"),
        (a.time_range != b.time_range, "time_range"),
        (a.identities != b.identities, "identities"),
        (a.expectations != b.expectations, "expectations"),
        (labels(a) != labels(b), "anomalies"),
        (ai.count != bi.count, "shard count"),
        (!a.tables.keys().eq(b.tables.keys()), "tables (--diagnostics-mode)"),
        (ai.chunk_events != bi.chunk_events, "chunk size"),
    ]
    .into_iter()
    .find_map(|(differs, what)| differs.then_some(what))
}

/// One shard's table readers, one per table the run writes.
type TableReaders = Vec<(PathBuf, BoundedLines<BufReader<Box<dyn Read + Send>>>)>;

fn open_tables(shard: &ShardInput) -> Result<TableReaders, MergeError> {
    shard
        .manifest
        .written_tables()
        .iter()
        .map(|t| {
            let path = shard.dir.join(shard.manifest.compression.file_name(t.name()));
            let reader = BufReader::with_capacity(1 << 20, open_table_reader(&path)?);
            let lines = BoundedLines::new(reader, &path, crate::kql::load::MAX_LINE_BYTES);
            Ok((path, lines))
        })
        .collect()
}

/// Runs `merge` end to end; returns the merged manifest.
pub fn merge(options: &MergeOptions) -> Result<Manifest, MergeError> {
    let shards = read_shards(&options.shards)?;
    let target = sink::resolve_target(&options.out).map_err(GenerateError::from)?;
    crate::generate::check_out(&target, options.force).map_err(GenerateError::from)?;
    let staged = StagedDir::create(&target).map_err(GenerateError::from)?;
    let write_err = |source| GenerateError::Write {
        path: staged.path(),
        source,
    };
    let tables = shards[0].manifest.written_tables();
    let mut files = tables
        .iter()
        .map(|t| staged.file(&options.compression.file_name(t.name())).map(CountingWriter::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(GenerateError::from)?;
    let mut readers = shards.iter().map(open_tables).collect::<Result<Vec<_>, _>>()?;
    let mut packer = Packer::new(options.compression).map_err(write_err)?;
    // Indexed like the readers and files: by position among the run's tables.
    let mut stats = vec![TableStats::default(); tables.len()];
    copy_chunks(&shards, &mut readers, (&mut files, &mut packer), (&tables, &mut stats))?;
    for (i, mut file) in files.into_iter().enumerate() {
        if file.bytes == 0 && !options.compression.is_none() {
            let mut frame = Vec::new();
            options
                .compression
                .encode(&[], &mut frame)
                .and_then(|()| file.write_all(&frame))
                .map_err(write_err)?;
        }
        stats[i].bytes = file.bytes;
        file.into_inner()
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(write_err)?;
    }
    let manifest = merged_manifest(&shards, (&tables, &stats), options.compression);
    let path = staged.path().join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| write_err(e.into()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(write_err)?;
    commit(staged, &target, options.force, |_| None)?;
    Ok(manifest)
}

/// Copies chunk j of the whole run from shard j mod N, table by table, until the shards run out;
/// then checks that no table file holds more than its manifest lists.
fn copy_chunks<W: Write>(
    shards: &[ShardInput],
    readers: &mut [TableReaders],
    (files, packer): (&mut [CountingWriter<W>], &mut Packer),
    (tables, stats): (&[Table], &mut [TableStats]),
) -> Result<(), MergeError> {
    let count = shards.len();
    let mut buf = Vec::new();
    for chunk in 0.. {
        let (s, local) = (chunk % count, chunk / count);
        let Some(counts) = shards[s].info.chunks.get(local) else { break };
        for (t, &n) in counts.iter().enumerate() {
            let Some((path, lines)) = readers[s].get_mut(t) else {
                return Err(MergeError::Records {
                    path: shards[s].dir.join(MANIFEST_FILE),
                    what: "chunk counts for more tables than it lists",
                });
            };
            buf.clear();
            for _ in 0..n {
                let line = lines.next_line().ok_or_else(|| MergeError::Records {
                    path: path.clone(),
                    what: "fewer records",
                })??;
                buf.extend_from_slice(line);
                buf.push(b'\n');
            }
            if buf.is_empty() {
                continue;
            }
            let mut whole = 0..buf.len();
            packer
                .pack(&mut buf, std::slice::from_mut(&mut whole))
                .and_then(|()| files[t].write_all(&buf))
                .map_err(|source| GenerateError::Write {
                    path: path.clone(),
                    source,
                })?;
            stats[t].records += n;
        }
    }
    for (path, lines) in readers.iter_mut().flatten() {
        if lines.next_line().is_some() {
            return Err(MergeError::Records {
                path: path.clone(),
                what: "more records",
            });
        }
    }
    for shard in shards {
        for (t, stat) in stats.iter_mut().enumerate() {
            stat.billed_bytes += shard.manifest.tables.get(tables[t].name()).map_or(0, |s| s.billed_bytes);
        }
    }
    Ok(())
}

/// The whole run's manifest: the first shard's, with the stats and ground truth of all.
fn merged_manifest(shards: &[ShardInput], (tables, stats): (&[Table], &[TableStats]), compression: Compression) -> Manifest {
    let mut manifest = shards[0].manifest.clone();
    manifest.tables = tables.iter().zip(stats).map(|(t, s)| (t.name().to_owned(), *s)).collect();
    manifest.anomalies = (0..manifest.anomalies.len())
        .map(|i| merge_label(shards.iter().filter_map(|s| s.manifest.anomalies.get(i))))
        .collect();
    manifest.shard = None;
    manifest.compression = compression;
    manifest.files = if compression.is_none() {
        Default::default()
    } else {
        tables
            .iter()
            .map(|t| (t.name().to_owned(), compression.file_name(t.name())))
            .collect()
    };
    manifest
}

/// One label from its shards' parts: the earliest start, the latest end, every record (sorted,
/// as `generate` lists them). Timestamps have one fixed width, so text order is time order.
fn merge_label<'a>(parts: impl Iterator<Item = &'a Label>) -> Label {
    let parts: Vec<&Label> = parts.collect();
    let mut label = parts[0].clone();
    let starts = parts.iter().map(|l| l.window.start.as_str()).filter(|s| !s.is_empty());
    let ends = parts.iter().map(|l| l.window.end.as_str()).filter(|s| !s.is_empty());
    label.window.start = starts.min().unwrap_or_default().to_owned();
    label.window.end = ends.max().unwrap_or_default().to_owned();
    let records: BTreeSet<_> = parts.iter().flat_map(|l| l.records.iter().cloned()).collect();
    label.records = records.into_iter().collect();
    label
}
