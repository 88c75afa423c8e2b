//! Compressed table files: `<Table>.jsonl.zst` and `<Table>.jsonl.gz` beside plain `<Table>.jsonl`.
//!
//! `generate --compress` compresses each chunk of each table on the rendering thread that
//! rendered it and appends the result as one zstd frame or gzip member. Both formats define a file
//! of several frames (members) as the concatenation of their contents, so the file is an ordinary
//! `.zst`/`.gz` to `zstd -d`, `gunzip` and Azure Data Explorer, compression runs on every core,
//! and the bytes do not depend on the thread count (chunks have fixed boundaries).

use crate::input::{InputError, open_regular};
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// zstd's own default level: about 19x on our NDJSON, hundreds of MB/s per core.
const ZSTD_LEVEL: i32 = 3;

/// How a table file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Plain NDJSON, `<Table>.jsonl`.
    #[default]
    None,
    /// Zstandard, `<Table>.jsonl.zst`.
    Zstd,
    /// gzip, `<Table>.jsonl.gz`.
    Gzip,
}

impl Compression {
    /// Every compression, plain first.
    pub const ALL: [Compression; 3] = [Compression::None, Compression::Zstd, Compression::Gzip];

    /// What follows `.jsonl` in the file name: nothing, `.zst` or `.gz`.
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Zstd => ".zst",
            Compression::Gzip => ".gz",
        }
    }

    /// The file name of table `table`: `<table>.jsonl[.zst|.gz]`.
    pub fn file_name(self, table: &str) -> String {
        format!("{table}.jsonl{}", self.suffix())
    }

    /// The table and compression a file name stands for, if it is a table file's name.
    pub fn of_file_name(name: &str) -> Option<(&str, Compression)> {
        // Longest suffix first: `T.jsonl.gz` is not a plain table named `T.jsonl`.
        [Compression::Zstd, Compression::Gzip, Compression::None].into_iter().find_map(|c| {
            let table = name.strip_suffix(c.suffix())?.strip_suffix(".jsonl")?;
            (!table.is_empty()).then_some((table, c))
        })
    }

    /// Whether the files are plain NDJSON (for `skip_serializing_if`).
    pub fn is_none(&self) -> bool {
        *self == Compression::None
    }

    /// Appends `data` to `out` compressed as one self-contained frame (member); nothing for
    /// plain files. An empty `data` still gives a frame, so that an empty table's file is valid.
    pub fn encode(self, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Compression::None => out.extend_from_slice(data),
            Compression::Zstd => {
                let mut encoder = zstd::stream::write::Encoder::new(out, ZSTD_LEVEL)?;
                encoder.write_all(data)?;
                encoder.finish()?;
            }
            Compression::Gzip => {
                // The default header has no file name and a zero mtime: the bytes depend on the data only.
                let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
                encoder.write_all(data)?;
                encoder.finish()?;
            }
        }
        Ok(())
    }
}

/// A file written through a streaming compressor (or none), counting the bytes that reach the
/// file. The diagnostic-settings shape writes its blobs and message files this way: they are cut
/// by content (hour, resource, message size), not by chunk, so the chunk packer cannot frame them.
pub(crate) enum FileEncoder {
    /// Plain bytes.
    Plain(crate::sink::CountingWriter<io::BufWriter<std::fs::File>>),
    /// One zstd frame per opening of the file.
    Zstd(zstd::stream::write::Encoder<'static, crate::sink::CountingWriter<io::BufWriter<std::fs::File>>>),
    /// One gzip member per opening of the file.
    Gzip(flate2::write::GzEncoder<crate::sink::CountingWriter<io::BufWriter<std::fs::File>>>),
}

impl FileEncoder {
    /// Compresses into `file` as `compression` says.
    pub fn new(file: std::fs::File, compression: Compression) -> io::Result<Self> {
        let inner = crate::sink::CountingWriter::new(io::BufWriter::with_capacity(64 << 10, file));
        Ok(match compression {
            Compression::None => FileEncoder::Plain(inner),
            Compression::Zstd => FileEncoder::Zstd(zstd::stream::write::Encoder::new(inner, ZSTD_LEVEL)?),
            Compression::Gzip => FileEncoder::Gzip(flate2::write::GzEncoder::new(inner, flate2::Compression::default())),
        })
    }

    /// Ends the frame, flushes and syncs the file; returns the bytes written to it.
    pub fn finish(self) -> io::Result<u64> {
        let counted = match self {
            FileEncoder::Plain(inner) => inner,
            FileEncoder::Zstd(encoder) => encoder.finish()?,
            FileEncoder::Gzip(encoder) => encoder.finish()?,
        };
        let bytes = counted.bytes;
        counted.into_inner().into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(bytes)
    }
}

impl Write for FileEncoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            FileEncoder::Plain(w) => w.write(buf),
            FileEncoder::Zstd(w) => w.write(buf),
            FileEncoder::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            FileEncoder::Plain(w) => w.flush(),
            FileEncoder::Zstd(w) => w.flush(),
            FileEncoder::Gzip(w) => w.flush(),
        }
    }
}

/// How the table files are written (`generate --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// NDJSON, `<Table>.jsonl` (compressed or not): what every tenantless command reads.
    #[default]
    Jsonl,
    /// Parquet, `<Table>.parquet`: typed columns for ADX, Spark, Databricks and DuckDB
    /// ([`crate::export::parquet`]).
    Parquet,
}

impl TableFormat {
    /// Whether the files are NDJSON (for `skip_serializing_if`).
    pub fn is_jsonl(&self) -> bool {
        *self == TableFormat::Jsonl
    }

    /// The Parquet file name of table `table`.
    pub fn parquet_name(table: &str) -> String {
        format!("{table}.parquet")
    }
}

/// A rendering thread's compressor, kept across chunks so that zstd's context is made once.
pub struct Packer {
    compression: Compression,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    scratch: Vec<u8>,
}

impl Packer {
    /// A compressor for `compression`.
    pub fn new(compression: Compression) -> io::Result<Self> {
        let zstd = match compression {
            Compression::Zstd => Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
            Compression::None | Compression::Gzip => None,
        };
        Ok(Self {
            compression,
            zstd,
            scratch: Vec::new(),
        })
    }

    /// Replaces each table's lines in `data` (at `spans`) by their compressed form, one frame or
    /// member per non-empty table, and moves `spans` to match; plain data stays as it is.
    pub fn pack(&mut self, data: &mut Vec<u8>, spans: &mut [Range<usize>]) -> io::Result<()> {
        if self.compression == Compression::None {
            return Ok(());
        }
        self.scratch.clear();
        for span in spans.iter_mut() {
            let start = self.scratch.len();
            // A table without records in this chunk gets no (empty) frame.
            if span.end > span.start {
                let lines = &data[span.clone()];
                match &mut self.zstd {
                    Some(zstd) => {
                        self.scratch.reserve(zstd::zstd_safe::compress_bound(lines.len()));
                        // Written after what the earlier tables' frames took.
                        let mut after = io::Cursor::new(&mut self.scratch);
                        after.set_position(start as u64);
                        zstd.compress_to_buffer(lines, &mut after)?;
                    }
                    None => self.compression.encode(lines, &mut self.scratch)?,
                }
            }
            *span = start..self.scratch.len();
        }
        // Copied back rather than swapped, so that each buffer keeps its own capacity.
        data.clear();
        data.extend_from_slice(&self.scratch);
        Ok(())
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
        })
    }
}

/// Opens a table file for reading its NDJSON, decompressing by the extension (`.zst`, `.gz`,
/// otherwise plain). Refuses what is not a regular file, as [`open_regular`] does.
pub fn open_table_reader(path: &Path) -> Result<Box<dyn Read + Send>, InputError> {
    let file = open_regular(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let compression = Compression::of_file_name(&name).map_or(Compression::None, |(_, c)| c);
    let io_error = |source| InputError::Io {
        path: path.to_owned(),
        source,
    };
    Ok(match compression {
        Compression::None => Box::new(file),
        // Decodes every frame of a multi-frame file, not only the first.
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file).map_err(io_error)?),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(file))),
    })
}

/// Why the table files of a directory could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum TableFilesError {
    /// The directory could not be read.
    #[error("cannot read data directory {}: {source}", dir.display())]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// What the operating system reported.
        source: io::Error,
    },
    /// One table in two files.
    #[error(
        "table {table} is in two files, {} and {}; keep one (tenantless cannot tell which is current)",
        first.display(), second.display()
    )]
    Duplicate {
        /// The table.
        table: String,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// The directory holds a `generate --format parquet` output, not NDJSON table files.
    #[error(
        "{} holds Parquet tables (`generate --format parquet`), for ADX, Spark and DuckDB; query, verify, report, export and merge read NDJSON: generate without --format parquet to query it",
        .0.display()
    )]
    Parquet(PathBuf),
    /// The directory holds a `generate --shape diagnostic-settings` output, not table files.
    #[error(
        "{} holds the diagnostic-settings shape (`generate --shape diagnostic-settings`), which query, verify, report and export do not read; generate with the default shape (`--shape log-analytics`) to query it",
        .0.display()
    )]
    DiagnosticSettings(PathBuf),
}

/// The table files of `dir` (`*.jsonl`, `*.jsonl.zst`, `*.jsonl.gz`), as (table, path,
/// compression), sorted by file name.
pub fn table_files(dir: &Path) -> Result<Vec<(String, PathBuf, Compression)>, TableFilesError> {
    let read_dir = |source| TableFilesError::ReadDir {
        dir: dir.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir)? {
        let name = entry.map_err(read_dir)?.file_name();
        if let Some(name) = name.to_str() {
            names.push(name.to_owned());
        }
    }
    names.sort();
    let mut found: Vec<(String, PathBuf, Compression)> = Vec::new();
    for name in &names {
        let Some((table, compression)) = Compression::of_file_name(name) else {
            continue;
        };
        if let Some((_, first, _)) = found.iter().find(|(t, ..)| t == table) {
            return Err(TableFilesError::Duplicate {
                table: table.to_owned(),
                first: first.clone(),
                second: dir.join(name),
            });
        }
        found.push((table.to_owned(), dir.join(name), compression));
    }
    if found.is_empty()
        && let Some(manifest) = crate::manifest::Manifest::read(dir)
    {
        if manifest.diagnostic_settings.is_some() {
            return Err(TableFilesError::DiagnosticSettings(dir.to_owned()));
        }
        if manifest.table_format == TableFormat::Parquet {
            return Err(TableFilesError::Parquet(dir.to_owned()));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip_and_the_longest_suffix_wins() {
        for c in Compression::ALL {
            let name = c.file_name("AuditLogs");
            assert_eq!(Compression::of_file_name(&name), Some(("AuditLogs", c)), "{name}");
        }
        assert_eq!(Compression::of_file_name("T.jsonl.gz"), Some(("T", Compression::Gzip)));
        assert_eq!(Compression::of_file_name("manifest.json"), None);
        assert_eq!(Compression::of_file_name(".jsonl"), None);
        assert_eq!(Compression::of_file_name("T.jsonl.bz2"), None);
    }

    /// Frames (members) appended one after the other read back as the concatenated text, whether
    /// made by `encode` or by a `Packer`; a `Packer` makes one frame per non-empty span (a chunk's
    /// table), none for an empty one.
    #[test]
    fn concatenated_frames_read_back_whole_in_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let parts = ["{\"a\":1}\n", "", "{\"a\":2}\n{\"a\":3}\n"];
        for c in Compression::ALL {
            let mut bytes = Vec::new();
            let mut packer = Packer::new(c).unwrap();
            for part in parts {
                c.encode(part.as_bytes(), &mut bytes).unwrap();
            }
            let mut packed = parts.concat().into_bytes();
            let mut spans = [0..8, 8..8, 8..parts.concat().len()];
            packer.pack(&mut packed, &mut spans).unwrap();
            assert!(spans[1].start == spans[1].end, "{c}: an empty span packs to nothing");
            assert_eq!(spans[2].end, packed.len(), "{c}");
            for span in &spans {
                bytes.extend_from_slice(&packed[span.clone()]);
            }
            let path = dir.path().join(c.file_name("T"));
            std::fs::write(&path, &bytes).unwrap();
            let mut text = String::new();
            open_table_reader(&path).unwrap().read_to_string(&mut text).unwrap();
            // The encoded parts, then the packed spans: the same text twice.
            assert_eq!(text, parts.concat().repeat(2), "{c}");
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn a_table_in_two_compressions_is_an_error_naming_both_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["A.jsonl", "B.jsonl.zst", "notes.txt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let files = table_files(dir.path()).unwrap();
        let names: Vec<_> = files.iter().map(|(t, _, c)| (t.as_str(), *c)).collect();
        assert_eq!(names, [("A", Compression::None), ("B", Compression::Zstd)]);
        std::fs::write(dir.path().join("A.jsonl.gz"), "").unwrap();
        let error = table_files(dir.path()).unwrap_err().to_string();
        assert!(error.contains("A.jsonl ") && error.contains("A.jsonl.gz"), "{error}");
    }

    #[test]
    fn a_corrupt_compressed_file_is_a_read_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        for c in [Compression::Zstd, Compression::Gzip] {
            let path = dir.path().join(c.file_name("T"));
            std::fs::write(&path, b"not compressed at all\n").unwrap();
            let mut text = String::new();
            let result = open_table_reader(&path).and_then(|mut r| {
                r.read_to_string(&mut text).map_err(|source| InputError::Io {
                    path: path.clone(),
                    source,
                })
            });
            assert!(result.is_err(), "{c}: read {text:?}");
        }
    }
}
