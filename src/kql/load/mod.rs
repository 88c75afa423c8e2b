//! Loading NDJSON files into typed tables: the tables a query needs (see [`TableFilter`]), each
//! file parsed in chunks on every core straight into typed values (the `field` module), the chunks'
//! rows appended in file order so that the result is the one a single pass gives.

mod builder;
mod field;
mod scan;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use builder::{Keep, TableBuilder};
use scan::Earlier;

use super::error::KqlError;
use super::eval::{ColumnNeeds, RowTest};
use super::lexer;
use super::table::{Catalog, Table, known_schema};

/// The most columns a table gets, declared ones included. Log Analytics caps AzureDiagnostics at
/// 500 columns and puts the data of any further field into the dynamic `AdditionalFields` column
/// ("If the maximum number of 500 columns is reached, data for any additional columns is added to
/// a dynamic column": <https://learn.microsoft.com/azure/azure-monitor/reference/tables/azurediagnostics>,
/// see also `shared/reference/azure-logs.md` §1.5). Every table gets the same cap here: without it
/// a file whose records each bring new keys grows rows × keys cells (20,000 such records
/// exhausted 4 GiB), while folded fields cost only what their records hold.
pub const MAX_COLUMNS: usize = 500;

/// The dynamic property bag that receives the fields beyond [`MAX_COLUMNS`].
pub const OVERFLOW_COLUMN: &str = "AdditionalFields";

/// The longest NDJSON line read, in bytes: 16 times the Logs Ingestion API's 1 MB limit on a
/// whole call (<https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#logs-ingestion-api>),
/// so no record Log Analytics could hold is refused, while an endless line (a symlink to
/// `/dev/zero`) stops here instead of exhausting memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Lines are handed to the parsing threads in chunks of about this many bytes: large enough that
/// a chunk's own builder costs nothing next to its rows, small enough to keep every core busy.
const CHUNK_BYTES: usize = 4 << 20;

/// Which tables of a data directory to read, and which columns of them, for one query or several
/// (`verify` loads once for all its rules); the tables no query reads are there with their columns
/// and no rows, so that names still resolve and misspellings still get suggestions.
#[derive(Debug, Clone)]
pub struct TableFilter {
    /// Per query: its lower-cased text, whose mentions decide which tables it reads, and the
    /// columns it reads of the tables it narrows. `None`: every table, whole.
    queries: Option<Vec<(String, ColumnNeeds)>>,
    /// Whether rows the one query's leading `where`s would drop are dropped as they are read.
    drops_unseen_rows: bool,
}

impl TableFilter {
    /// Every table.
    pub fn all() -> TableFilter {
        TableFilter {
            queries: None,
            drops_unseen_rows: false,
        }
    }

    /// The tables `query` may read: those it names (case-insensitively, anywhere in its text, so a
    /// mention in a comment only costs a load), or every table when it may reach tables it does
    /// not name (`union *`, wildcards, `search`, `find`, `table()`). `query` should include the
    /// bodies of the stored functions it calls (`StoredFunctions::with_called_bodies`).
    pub fn for_query(query: &str) -> TableFilter {
        TableFilter::for_queries([(query, ColumnNeeds::default())])
    }

    /// The tables any of `queries` may read (each as in [`Self::for_query`]), with the columns it
    /// reads (see [`crate::kql::column_needs`]): a table is read narrowed only to the columns of
    /// all the queries that read it, and whole when one of them reads it whole.
    pub fn for_queries<'q>(queries: impl IntoIterator<Item = (&'q str, ColumnNeeds)>) -> TableFilter {
        let mut each = Vec::new();
        for (query, needs) in queries {
            if reaches_unnamed_tables(query) {
                return TableFilter::all();
            }
            each.push((query.to_ascii_lowercase(), needs));
        }
        TableFilter {
            queries: Some(each),
            drops_unseen_rows: false,
        }
    }

    /// Reads only the columns `needs` names of the tables it narrows, for a filter of one query.
    /// A filter of every table stays whole: a query that may reach any table is not analysed.
    pub fn reading(mut self, needs: ColumnNeeds) -> TableFilter {
        if let Some([(_, own)]) = self.queries.as_deref_mut() {
            *own = needs;
        }
        self
    }

    /// Drops, as they are read, the rows of a narrowed table that the query (of a filter of one
    /// query, given by [`Self::reading`]) surely drops first (see `ColumnNeeds::row_tests`). Its
    /// tables then hold only those rows: for `tenantless query`, not for several queries over one
    /// load, nor where the rows' count matters (`--explain`).
    pub fn dropping_unseen_rows(mut self) -> TableFilter {
        self.drops_unseen_rows = true;
        self
    }

    /// The tests the rows kept of table `name` pass, when its rows are tested as they are read:
    /// then the table is loaded only when the query reads it (see [`Catalog::insert_deferred`]).
    fn row_tests_of(&self, name: &str) -> Option<Vec<RowTest>> {
        match self.queries.as_deref() {
            Some([(_, needs)]) if self.drops_unseen_rows && needs.tests_rows_of(name) => Some(needs.row_tests(name).to_vec()),
            _ => None,
        }
    }

    /// Whether some table is read without all of its columns.
    pub fn narrows_columns(&self) -> bool {
        self.queries.iter().flatten().any(|(_, needs)| needs.narrows_any())
    }

    /// The columns (lower-cased) read of table `name`, or `None` for all of them.
    pub fn columns_of(&self, name: &str) -> Option<HashSet<String>> {
        let mut columns = HashSet::new();
        for needs in self.readers(name)? {
            columns.extend(needs.of(name)?.iter().cloned());
        }
        Some(columns)
    }

    /// Whether the table `name` is read.
    pub fn wants(&self, name: &str) -> bool {
        self.readers(name).is_none_or(|mut readers| readers.next().is_some())
    }

    /// The column needs of the queries that mention table `name`; `None` when every table is read.
    fn readers(&self, name: &str) -> Option<impl Iterator<Item = &ColumnNeeds>> {
        let lower = name.to_ascii_lowercase();
        let queries = self.queries.as_ref()?;
        Some(
            queries
                .iter()
                .filter(move |(text, _)| text.contains(&lower))
                .map(|(_, needs)| needs),
        )
    }
}

/// Whether a query may reach tables it does not name (`union *`, `search`, `find`, `table()`,
/// wildcards like `AAD*`). Over-approximates (a mention in a comment counts), never misses.
fn reaches_unnamed_tables(query: &str) -> bool {
    let tokens = lexer::lex(query).ok();
    let code = tokens.as_deref().map_or(Cow::Borrowed(query), |tokens| code_only(query, tokens));
    let lower = code.to_ascii_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // Without tokens, any lone `*` of a query with a union may be `union *`.
    let union_all = match tokens.as_deref() {
        Some(tokens) => union_of_every_table(tokens),
        None => lower.split(|c: char| !is_word(c)).any(|w| w == "union") && lone_star(&lower),
    };
    if union_all {
        return true;
    }
    // Runs of name characters and `*`: a wildcard table name is such a run with a letter in it
    // (`AAD*SignInLogs`), unlike arithmetic (`3*24*60`).
    let mut at = 0;
    while let Some(found) = lower[at..].find(|c: char| is_word(c) || c == '*') {
        let start = at + found;
        let end = lower[start..]
            .find(|c: char| !(is_word(c) || c == '*'))
            .map_or(lower.len(), |n| start + n);
        let run = &lower[start..end];
        let wildcard = run.contains('*') && run.contains(|c: char| c.is_ascii_alphabetic());
        let call = |name: &str| run == name && lower[end..].trim_start().starts_with('(');
        if wildcard || run == "search" || run == "find" || call("table") || call("database") {
            return true;
        }
        at = end;
    }
    false
}

/// Whether some `*` of `lower` stands alone (not inside a name run such as `AAD*`).
fn lone_star(lower: &str) -> bool {
    let is_run = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '*';
    lower.split(|c: char| !is_run(c)).any(|run| run == "*")
}

/// Whether a `union` lists `*` among its tables (`union *`, `union withsource=T kind=outer *`,
/// `union A, *`): the `*` of `arg_max(x, *)` or of a `parse` pattern is no table.
fn union_of_every_table(tokens: &[lexer::Token]) -> bool {
    use lexer::Tok;
    let is_union = |t: &lexer::Token| matches!(&t.tok, Tok::Ident(name) if name.eq_ignore_ascii_case("union"));
    tokens.iter().enumerate().filter(|(_, t)| is_union(t)).any(|(start, _)| {
        let mut i = start + 1;
        // Options: `name=value`.
        while matches!(
            (tokens.get(i).map(|t| &t.tok), tokens.get(i + 1).map(|t| &t.tok)),
            (Some(Tok::Ident(_)), Some(Tok::Sym("=")))
        ) {
            i += 3;
        }
        // The tables, separated by commas at depth 0, up to the next `|`, `;` or closing `)`.
        let (mut depth, mut first) = (0usize, true);
        for token in &tokens[i.min(tokens.len())..] {
            match token.tok {
                Tok::Sym("*") if depth == 0 && first => return true,
                Tok::Sym(",") if depth == 0 => {
                    first = true;
                    continue;
                }
                Tok::Sym("|" | ";") | Tok::Eof if depth == 0 => return false,
                Tok::Sym(")") if depth == 0 => return false,
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => depth -= 1,
                _ => {}
            }
            first = false;
        }
        false
    })
}

/// `query` with its string literals and comments blanked out (each byte a space, so that what is
/// next to what stays so): a `*` in a regex (`@"Scope:\s*"`) or the word `search` in a message is
/// not code.
fn code_only<'q>(query: &'q str, tokens: &[lexer::Token]) -> Cow<'q, str> {
    let mut code = vec![b' '; query.len()];
    for token in tokens.iter().filter(|t| !matches!(t.tok, lexer::Tok::Str(_))) {
        let span = token.span.start.min(query.len())..token.span.end.min(query.len());
        code[span.clone()].copy_from_slice(&query.as_bytes()[span]);
    }
    // Whole tokens and ASCII spaces: still UTF-8.
    String::from_utf8(code).map_or(Cow::Borrowed(query), Cow::Owned)
}

/// Parses NDJSON text (one JSON object per line) into a table. Known tables use their declared
/// schema (fields not in it are appended with inferred types); unknown tables infer every column.
/// Fields beyond [`MAX_COLUMNS`] are folded into [`OVERFLOW_COLUMN`], without a warning: callers
/// that want it use [`load_jsonl_dir_with`].
pub fn table_from_ndjson(name: &str, text: &str) -> Result<Table, KqlError> {
    let mut builder = TableBuilder::new(name, Arc::from(format!("{name}.jsonl")), None, Arc::default());
    for (i, line) in text.lines().enumerate() {
        builder.push_line(i + 1, line)?;
    }
    Ok(builder.finish().0)
}

/// Loads every `*.jsonl` file in `dir` as a table named by the file stem; warnings (fields folded
/// into [`OVERFLOW_COLUMN`]) are printed to stderr, once per table.
pub fn load_jsonl_dir(dir: &Path) -> Result<Catalog, KqlError> {
    load_jsonl_dir_with(dir, &TableFilter::all(), &mut |warning| eprintln!("{warning}"))
}

/// [`load_jsonl_dir`] of the tables `filter` wants (the others get no rows), handing each warning
/// to `warn` instead of printing it. A table whose rows the filter tests as they are read (see
/// [`TableFilter::dropping_unseen_rows`]) is loaded only when the query reads it
/// ([`Catalog::insert_deferred`]); its errors and warnings come from the catalog then
/// ([`Catalog::finish_deferred`]).
pub fn load_jsonl_dir_with(dir: &Path, filter: &TableFilter, warn: &mut dyn FnMut(String)) -> Result<Catalog, KqlError> {
    let files = crate::compress::table_files(dir).map_err(|e| KqlError::Data(e.to_string()))?;
    let mut catalog = Catalog::new();
    for (stem, path, _) in files {
        let stem = stem.as_str();
        if !filter.wants(stem) {
            catalog.insert(stem, Table::with_columns(known_schema(stem).unwrap_or_default()));
            continue;
        }
        let columns = filter.columns_of(stem);
        if let (Some(tests), Some(columns)) = (filter.row_tests_of(stem), &columns) {
            let (name, columns) = (stem.to_owned(), columns.clone());
            let load = move |tests: &[RowTest]| {
                let keep = Keep {
                    columns: columns.clone(),
                    rows: tests.to_vec(),
                };
                load_jsonl_file(&path, &name, Some(Arc::new(keep)))
            };
            catalog.insert_deferred(stem, tests, Box::new(load));
            continue;
        }
        let keep = columns.map(|columns| Arc::new(Keep { columns, rows: Vec::new() }));
        let (table, warning) = load_jsonl_file(&path, stem, keep)?;
        if let Some(warning) = warning {
            warn(warning);
        }
        catalog.insert(stem, table);
    }
    Ok(catalog)
}

/// A parsed chunk: its index, and its builder with its number of lines, or the chunk itself when
/// a line fails (parsed again once the lines before it are counted, so that the error names its
/// line in the file).
type Part = (usize, Result<(TableBuilder, usize), Chunk>);

/// A run of whole lines, each ended by `\n`: the chunk `index` of the file. Lines are numbered
/// only where an error needs it: counting every chunk's lines on the reading thread was 6% of a
/// large query's samples.
struct Chunk {
    index: usize,
    text: Vec<u8>,
}

/// Reads one `.jsonl` file into a table, refusing what is not a regular file (a FIFO would block
/// forever) and lines longer than [`MAX_LINE_BYTES`]. Chunks of lines are parsed on every core;
/// the rare file whose chunks cannot be joined exactly (fields beyond [`MAX_COLUMNS`]) is read
/// again in one piece.
/// `keep`: the columns to read (lower-cased), or all of them.
fn load_jsonl_file(path: &Path, name: &str, keep: Option<Arc<Keep>>) -> Result<(Table, Option<String>), KqlError> {
    load_split(path, name, Split::every_core(), keep)
}

/// How a file is split for parsing.
#[derive(Debug, Clone, Copy)]
struct Split {
    /// Threads that parse chunks (0: one pass on this thread).
    workers: usize,
    /// About how many bytes of lines each chunk holds.
    chunk_bytes: usize,
}

impl Split {
    /// One thread per core, in chunks of [`CHUNK_BYTES`].
    fn every_core() -> Split {
        Split {
            workers: crate::parallel::cores(),
            chunk_bytes: CHUNK_BYTES,
        }
    }

    /// The whole file in one pass.
    const ONE_PASS: Split = Split {
        workers: 0,
        chunk_bytes: usize::MAX,
    };
}

fn load_split(path: &Path, name: &str, split: Split, keep: Option<Arc<Keep>>) -> Result<(Table, Option<String>), KqlError> {
    let source: Arc<str> = Arc::from(path.display().to_string());
    let narrowed = keep.is_some();
    match parse_file(path, name, &source, split, keep)? {
        Some(whole) if whole.narrowed_exactly() => Ok(whole.finish()),
        // Too many fields to tell what reading every column would have folded: read them all.
        Some(_) => load_split(path, name, split, None),
        None if narrowed => load_split(path, name, split, None),
        // One pass has one chunk, which always joins.
        None => parse_file(path, name, &source, Split::ONE_PASS, None)?
            .map(TableBuilder::finish)
            .ok_or_else(|| changed_while_read(&source)),
    }
}

/// The file's lines parsed in chunks on `split.workers` threads and joined in file order as they
/// arrive; `None` when the chunks cannot be joined exactly (see [`TableBuilder::absorb`]). The
/// first error in file order wins.
fn parse_file(path: &Path, name: &str, source: &Arc<str>, split: Split, keep: Option<Arc<Keep>>) -> Result<Option<TableBuilder>, KqlError> {
    let file = crate::compress::open_table_reader(path).map_err(|e| KqlError::Data(e.to_string()))?;
    // Parsed chunks' buffers come back to be filled again: fresh 4 MiB buffers cost page faults.
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    let mut reader = ChunkReader {
        reader: file,
        path,
        bytes: if split.workers == 0 { usize::MAX } else { split.chunk_bytes },
        carry: Vec::new(),
        spare: Some(spare_rx),
        chunks: 0,
        offset: 0,
        done: false,
    };
    let unshared = Arc::default();
    let Some(first) = reader.next().transpose()? else {
        return Ok(Some(TableBuilder::new(name, source.clone(), keep, unshared)));
    };
    let Some(second) = reader.next().transpose()? else {
        // One chunk: no threads to start.
        return parse_chunk((name, source, &keep, &unshared), &first, 1).map(|(whole, _)| Some(whole));
    };
    let stop = AtomicBool::new(false);
    let workers = split.workers;
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(workers);
    let chunk_rx = Mutex::new(chunk_rx);
    let (merged, read) = std::thread::scope(|scope| {
        let (part_tx, part_rx) = mpsc::channel();
        for _ in 0..workers {
            let (chunk_rx, part_tx, stop, keep, spare_tx) = (&chunk_rx, part_tx.clone(), &stop, &keep, spare_tx.clone());
            let unshared = &unshared;
            scope.spawn(move || parse_worker((name, source, keep, unshared), chunk_rx, (&part_tx, &spare_tx), stop));
        }
        drop(part_tx);
        // Joining overlaps parsing: chunks are appended as soon as those before them are in.
        let parse = (name, source, &keep, &unshared);
        let merger = scope.spawn(move || part_rx.iter().fold(Merger::new(parse), Merger::add));
        let mut read = Ok(());
        for chunk in [Ok(first), Ok(second)].into_iter().chain(&mut reader) {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    read = Err(e);
                    break;
                }
            };
            if stop.load(Ordering::Relaxed) || chunk_tx.send(chunk).is_err() {
                break;
            }
        }
        drop(chunk_tx);
        let merged = merger.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (merged, read)
    });
    let whole = merged.finish()?;
    // Every chunk sent was parsed, and a read error lies after all of them.
    read?;
    Ok(whole)
}

/// Chunks' builders joined in chunk order as they arrive, in any order.
struct Merger<'m> {
    /// What a failed chunk is parsed again with, its lines numbered from the file's start.
    parse: ChunkParse<'m>,
    whole: Option<TableBuilder>,
    /// Chunks that arrived before one they follow.
    waiting: std::collections::BTreeMap<usize, Result<(TableBuilder, usize), Chunk>>,
    next: usize,
    /// Lines in the chunks joined so far.
    lines: usize,
    /// The first failure in chunk order: an error, or `None` inside when the chunks cannot be joined.
    failed: Option<Option<KqlError>>,
}

impl<'m> Merger<'m> {
    fn new(parse: ChunkParse<'m>) -> Merger<'m> {
        Merger {
            parse,
            whole: None,
            waiting: std::collections::BTreeMap::new(),
            next: 0,
            lines: 0,
            failed: None,
        }
    }

    fn add(mut self, (index, part): Part) -> Merger<'m> {
        self.waiting.insert(index, part);
        while let Some(part) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.failed.is_some() {
                continue;
            }
            match part {
                Err(chunk) => self.failed = Some(Some(self.numbered_error(&chunk))),
                Ok((part, lines)) => {
                    self.lines += lines;
                    match &mut self.whole {
                        None => self.whole = Some(part),
                        Some(whole) => {
                            if !whole.absorb(part) {
                                self.failed = Some(None);
                            }
                        }
                    }
                }
            }
        }
        self
    }

    /// The error of a chunk that failed, with its line numbered from the file's start.
    fn numbered_error(&self, chunk: &Chunk) -> KqlError {
        match parse_chunk(self.parse, chunk, self.lines + 1) {
            Err(e) => e,
            // Parsing the same text twice cannot succeed once and fail once.
            Ok(_) => changed_while_read(self.parse.1),
        }
    }

    fn finish(self) -> Result<Option<TableBuilder>, KqlError> {
        match self.failed {
            Some(Some(e)) => Err(e),
            Some(None) => Ok(None),
            None => Ok(self.whole),
        }
    }
}

/// The error of a file whose text differed between two reads of it.
fn changed_while_read(source: &str) -> KqlError {
    KqlError::Data(format!("{source}: the file changed while it was read; read it again"))
}

/// What a chunk is parsed with: the table's name, the file's name, the columns read, and the
/// columns whose strings the file's chunks no longer share.
type ChunkParse<'p> = (&'p str, &'p Arc<str>, &'p Option<Arc<Keep>>, &'p Arc<builder::Unshared>);

/// Takes chunks until there are none, or until a chunk failed (then the others stop early: only
/// the first error in file order is reported, and the chunks before it are all parsed).
fn parse_worker(
    parse: ChunkParse<'_>,
    chunks: &Mutex<mpsc::Receiver<Chunk>>,
    (parts, spare): (&mpsc::Sender<Part>, &mpsc::Sender<Vec<u8>>),
    stop: &AtomicBool,
) {
    loop {
        // The lock is held only while waiting for the next chunk, not while parsing it.
        let next = chunks.lock().map_or(None, |rx| rx.recv().ok());
        let Some(chunk) = next else { return };
        let index = chunk.index;
        // Numbered from the chunk's start: a failed chunk goes back to the merger, which knows
        // how many lines come before it.
        let part = match parse_chunk(parse, &chunk, 1) {
            Ok(parsed) => {
                // The reader may have finished: then the buffer is simply dropped.
                let _ = spare.send(chunk.text);
                Ok(parsed)
            }
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                Err(chunk)
            }
        };
        if parts.send((index, part)).is_err() {
            return;
        }
    }
}

/// A file's lines in chunks of about `bytes` bytes of whole lines, read in large blocks and cut
/// at the last line end (a line is never copied on its own).
struct ChunkReader<'p, R> {
    reader: R,
    path: &'p Path,
    bytes: usize,
    /// The start of the line the last chunk cut off.
    carry: Vec<u8>,
    /// Buffers of chunks already parsed, to read the next chunks into.
    spare: Option<mpsc::Receiver<Vec<u8>>>,
    chunks: usize,
    /// Bytes of the file's text before `carry`.
    offset: u64,
    done: bool,
}

impl<R: std::io::Read> ChunkReader<'_, R> {
    /// Reads until `text` holds at least `self.bytes` bytes and a line end, or the file ends;
    /// a line longer than [`MAX_LINE_BYTES`] (and a `\r`) is an error.
    fn fill(&mut self, text: &mut Vec<u8>) -> Result<(), KqlError> {
        let io = |e: std::io::Error| KqlError::Data(format!("{}: {e}", self.path.display()));
        // The start of the line not yet ended. Only that line can be long: any line that starts
        // after it ends within one read, and reads are shorter than the limit.
        let mut open = 0;
        loop {
            if let Some(end) = memchr::memchr(b'\n', &text[open..]).map(|i| open + i) {
                self.check_length(open, end)?;
                open = memchr::memrchr(b'\n', &text[end..]).map_or(end, |i| end + i) + 1;
                if text.len() >= self.bytes {
                    return Ok(());
                }
            }
            self.check_length(open, text.len())?;
            let want = self.bytes.saturating_sub(text.len()).clamp(1 << 16, 8 << 20) as u64;
            let mut block = std::io::Read::take(&mut self.reader, want);
            if std::io::Read::read_to_end(&mut block, text).map_err(io)? == 0 {
                self.done = true;
                return Ok(());
            }
        }
    }

    /// The line from `start` to `end` of the text being filled is not over the limit.
    fn check_length(&self, start: usize, end: usize) -> Result<(), KqlError> {
        if end - start <= MAX_LINE_BYTES + 1 {
            return Ok(());
        }
        let line = line_at(self.path, self.offset + start as u64);
        let too_long = crate::input::InputError::LineTooLong {
            path: self.path.to_owned(),
            line,
            limit: MAX_LINE_BYTES,
        };
        Err(KqlError::Data(too_long.to_string()))
    }
}

impl<R: std::io::Read> Iterator for ChunkReader<'_, R> {
    type Item = Result<Chunk, KqlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done && self.carry.is_empty() {
            return None;
        }
        let mut text = self.spare.as_ref().and_then(|rx| rx.try_recv().ok()).unwrap_or_default();
        text.clear();
        if self.bytes != usize::MAX {
            // Room for a chunk and the read that completes its last line, without reallocating.
            text.reserve(self.bytes + (1 << 17));
        }
        text.extend_from_slice(&self.carry);
        self.carry.clear();
        if !self.done
            && let Err(e) = self.fill(&mut text)
        {
            self.done = true;
            return Some(Err(e));
        }
        if !self.done {
            let cut = memchr::memrchr(b'\n', &text).map_or(text.len(), |i| i + 1);
            self.carry.extend_from_slice(&text[cut..]);
            text.truncate(cut);
        }
        if text.is_empty() {
            return None;
        }
        self.offset += text.len() as u64;
        self.chunks += 1;
        Some(Ok(Chunk {
            index: self.chunks - 1,
            text,
        }))
    }
}

/// The number of the line holding byte `offset` of the file's text, read again to count: only a
/// line too long to read needs it (0 when the file can no longer be read).
fn line_at(path: &Path, offset: u64) -> usize {
    let Ok(file) = crate::compress::open_table_reader(path) else {
        return 0;
    };
    let mut before = std::io::Read::take(file, offset);
    let mut block = vec![0; 1 << 16];
    let mut lines = 1;
    while let Ok(n @ 1..) = std::io::Read::read(&mut before, &mut block) {
        lines += memchr::memchr_iter(b'\n', &block[..n]).count();
    }
    lines
}

/// One chunk's lines in a builder of their own, numbered from `first_line`, and how many lines
/// it holds.
fn parse_chunk(
    (name, source, keep, unshared): ChunkParse<'_>,
    chunk: &Chunk,
    first_line: usize,
) -> Result<(TableBuilder, usize), KqlError> {
    let mut builder = TableBuilder::new(name, source.clone(), keep.clone(), unshared.clone());
    let text = chunk.text.strip_suffix(b"\n").unwrap_or(&chunk.text);
    // One UTF-8 check of the whole chunk, and no search for line ends: the scan of each line
    // stops at its end. Only a chunk that is not UTF-8 goes line by line, to locate the error.
    let Ok(text) = simdutf8::basic::from_utf8(text) else {
        return parse_lines(builder, text, source, first_line);
    };
    let (mut start, mut lines) = (0, 0);
    let mut earlier = Earlier::new(text);
    loop {
        let end = builder.push_line_at(first_line + lines, text, start, &mut earlier)?;
        lines += 1;
        if end >= text.len() {
            return Ok((builder, lines));
        }
        start = end + 1;
    }
}

/// [`parse_chunk`] line by line, checking each line is UTF-8.
fn parse_lines(mut builder: TableBuilder, text: &[u8], source: &str, first_line: usize) -> Result<(TableBuilder, usize), KqlError> {
    let ends = memchr::memchr_iter(b'\n', text).chain([text.len()]);
    let mut start = 0;
    let mut lines = 0;
    for (offset, end) in ends.enumerate() {
        // A `\r` before the `\n` is JSON whitespace, as to `serde_json`.
        let line = &text[start..end];
        start = end + 1;
        let number = first_line + offset;
        lines = offset + 1;
        let line = std::str::from_utf8(line).map_err(|e| {
            KqlError::Data(format!(
                "{source}:{number}:{}: the line is not UTF-8 text; NDJSON is UTF-8",
                e.valid_up_to() + 1
            ))
        })?;
        builder.push_line(number, line)?;
    }
    Ok((builder, lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::{KqlType, Value};

    #[test]
    fn only_queries_that_can_reach_unnamed_tables_get_every_table() {
        for query in [
            "union * | count",
            "union AAD* | count",
            "search \"x\"",
            "table('AuditLogs')",
            "union\n  *",
            "union isfuzzy=true AAD*SignInLogs",
            "union withsource=T * | count",
            "union kind=outer withsource=T (A | take 1), * | count",
            "A | join (union *) on k",
            "T | find in (AuditLogs) where x",
            "database('x').AuditLogs",
            "union AAD* // a comment with a \"quote",
            // Does not lex (an unterminated string): the whole text counts.
            "AuditLogs | where x == \"union *",
        ] {
            assert!(reaches_unnamed_tables(query), "{query}");
        }
        for query in [
            "AuditLogs | where x > 1",
            "AuditLogs | extend y = a * 2 | count",
            "T | summarize count() by bin(t, 1h)",
            "let m = 3*24*60; AuditLogs | where FindingId has 'researcher' | take 1",
            "AuditLogs | extend tablename = 1",
            "AuditLogs | extend s = extract_all(@\"Scope:\\s*([^,\\]]*)\", x)",
            "AuditLogs | where x has 'search' and y != \"a*b\" // union *, find",
            "union A, B | summarize arg_max(t, *) by k",
            "union (A | where x), B | parse m with * \"k=\" v \",\" *",
        ] {
            assert!(!reaches_unnamed_tables(query), "{query}");
        }
    }

    #[test]
    fn a_filter_wants_the_tables_a_query_names_in_any_case() {
        let filter = TableFilter::for_query("auditlogs | join (AzureActivity) on X");
        assert!(filter.wants("AuditLogs") && filter.wants("AzureActivity"));
        assert!(!filter.wants("AzureDiagnostics"));
        assert!(TableFilter::for_query("union * | count").wants("AzureDiagnostics"));
    }

    #[test]
    fn ndjson_loads_declared_and_inferred() {
        let t = table_from_ndjson(
            "Custom",
            "{\"a\":1,\"t\":\"2026-11-28T10:15:02.1234567Z\",\"d\":{\"x\":1}}\n{\"a\":2.5}\n",
        )
        .expect("loads");
        assert_eq!(t.columns[0].ty, KqlType::Real);
        assert_eq!(t.columns[1].ty, KqlType::DateTime);
        assert_eq!(t.columns[2].ty, KqlType::Dynamic);
        assert_eq!(t.rows.len(), 2);
        let s = table_from_ndjson("AuditLogs", "{\"OperationName\":\"x\"}").expect("loads");
        assert_eq!(s.get(0, "Category"), Some(&Value::str("")));
        assert_eq!(s.get(0, "InitiatedBy"), Some(&Value::Null));
    }

    #[test]
    fn azure_diagnostics_keeps_only_populated_columns_and_shares_repeated_strings() {
        let t = table_from_ndjson(
            "AzureDiagnostics",
            "{\"Category\":\"AuditEvent\",\"TimeGenerated\":\"2026-11-28T10:15:02.1234567Z\",\"httpStatusCode_d\":200}\n{\"Category\":\"AuditEvent\"}\n",
        )
        .expect("loads");
        assert_eq!(
            t.columns.len(),
            3,
            "only the populated columns of the 290 declared: {:?}",
            t.column_names()
        );
        assert_eq!(t.get(0, "httpStatusCode_d"), Some(&Value::Real(200.0)));
        assert_eq!(t.get(1, "httpStatusCode_d"), Some(&Value::Null));
        let (Some(Value::String(a)), Some(Value::String(b))) = (t.get(0, "Category"), t.get(1, "Category")) else {
            panic!()
        };
        assert!(Arc::ptr_eq(a, b), "equal strings of a column share one allocation");
    }

    /// A file with sparse and extra columns, columns that first appear late, and blank lines.
    fn mixed_lines() -> String {
        let mut text = String::new();
        for i in 0..200 {
            let extra = match i % 7 {
                0 => format!(",\"late_{}\":{i}", i / 50),
                3 => ",\"httpStatusCode_d\":200".to_owned(),
                5 => format!(",\"Extra\":\"{}\"", i % 3),
                _ => String::new(),
            };
            text.push_str(&format!(
                "{{\"TimeGenerated\":\"2026-11-28T10:{:02}:02.1234567Z\",\"Category\":\"AuditEvent\",\"n\":{i}{extra}}}\n",
                i % 60
            ));
            if i % 40 == 0 {
                text.push('\n');
            }
        }
        text
    }

    fn load_text(dir: &Path, name: &str, text: &str, split: Split) -> Result<Table, KqlError> {
        let path = dir.join(format!("{name}.jsonl"));
        std::fs::write(&path, text).expect("writes");
        load_split(&path, name, split, None).map(|(t, _)| t)
    }

    #[test]
    fn chunks_parsed_on_several_threads_give_the_table_one_pass_gives() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let text = mixed_lines();
        for name in ["AzureDiagnostics", "AuditLogs", "Custom"] {
            let one = load_text(dir.path(), name, &text, Split::ONE_PASS).expect("loads");
            assert_eq!(one, table_from_ndjson(name, &text).expect("loads"));
            for (workers, chunk_bytes) in [(1, 100), (3, 64), (2, 1000), (4, 1)] {
                let split = Split { workers, chunk_bytes };
                assert_eq!(load_text(dir.path(), name, &text, split).expect("loads"), one, "{name} {split:?}");
            }
        }
    }

    #[test]
    fn chunks_hold_whole_lines_in_file_order() {
        let text = "a\nbb\n\nccc\r\ndddd\ne";
        for bytes in [1, 2, 3, 5, 8, 100] {
            let reader = ChunkReader {
                reader: text.as_bytes(),
                path: Path::new("t.jsonl"),
                bytes,
                carry: Vec::new(),
                spare: None,
                chunks: 0,
                offset: 0,
                done: false,
            };
            let chunks: Vec<Chunk> = reader.map(|c| c.expect("reads")).collect();
            let joined: Vec<u8> = chunks.iter().flat_map(|c| c.text.clone()).collect();
            assert_eq!(joined, text.as_bytes(), "{bytes}");
            for (i, c) in chunks.iter().enumerate() {
                assert_eq!(c.index, i, "{bytes}: chunks in file order");
                assert!(c.text.ends_with(b"\n") || c.index + 1 == chunks.len(), "{bytes}: whole lines");
            }
        }
    }

    #[test]
    fn the_first_bad_line_in_file_order_is_reported_whatever_the_split() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut lines: Vec<String> = mixed_lines().lines().map(str::to_owned).collect();
        lines[57] = "{\"a\": nope}".to_owned();
        lines[150] = "[1]".to_owned();
        let text = lines.join("\n");
        for (workers, chunk_bytes) in [(0, usize::MAX), (3, 64), (2, 500)] {
            let err = load_text(dir.path(), "AuditLogs", &text, Split { workers, chunk_bytes }).expect_err("line 58 is bad");
            assert!(err.to_string().contains("AuditLogs.jsonl:58:"), "{err}");
        }
    }

    #[test]
    fn a_line_that_repeats_the_values_before_it_is_still_checked_after_them() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let good = r#"{"TimeGenerated":"2026-11-28T10:00:00Z","Category":"AuditEvent","OperationName":"x"}"#;
        for bad in [
            r#"{"TimeGenerated":"2026-11-28T10:00:00Z","Category":"AuditEvent","OperationName":"x",}"#,
            r#"{"TimeGenerated":"2026-11-28T10:00:00Z","Category":"AuditEvent","OperationName":"x""#,
            r#"{"TimeGenerated":"2026-11-28T10:00:00Z","Category":"AuditEvent","OperationName":"x"} x"#,
            r#"{"TimeGenerated":"2026-11-28T10:00:00Z","Category":"AuditEvent","OperationName":"x" "y"}"#,
        ] {
            let text = format!("{good}\n{good}\n{bad}\n{good}\n");
            for split in [
                Split::ONE_PASS,
                Split {
                    workers: 2,
                    chunk_bytes: 200,
                },
            ] {
                let err = load_text(dir.path(), "AuditLogs", &text, split).expect_err("line 3 is bad");
                assert!(err.to_string().contains("AuditLogs.jsonl:3:"), "{bad} {split:?}: {err}");
            }
        }
    }

    proptest::proptest! {
        /// Lines drawn from few values, so that values repeat from line to line, some broken:
        /// read in chunks (where repeated values are stepped over) they give what reading each
        /// line on its own gives, the same table or an error at the same line.
        #[test]
        fn repeated_values_read_as_each_line_alone_reads_them(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    (0..4usize, proptest::sample::select(vec![
                        "\"x\"", "\"x y\"", "12", "123", "1.5", "\"q\\\"q\"", "{\"b\":[1,2]}",
                        "[]", "null", "\"2026-11-28T10:00:00Z\"", "nope", "\"x", "12,",
                    ])),
                    0..5,
                ),
                1..12,
            ),
        ) {
            let keys = ["TimeGenerated", "Category", "n", "Extra"];
            let text: String = lines
                .iter()
                .map(|fields| {
                    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{}\":{v}", keys[*k])).collect();
                    format!("{{{}}}\n", body.join(","))
                })
                .collect();
            let dir = tempfile::tempdir().expect("a temp dir");
            // `Category` and `Extra` are not read: only their validity counts.
            let keep = Some(Arc::new(Keep { columns: ["timegenerated".into(), "n".into()].into(), rows: Vec::new() }));
            let mut alone = TableBuilder::new("AuditLogs", Arc::from("AuditLogs.jsonl"), keep.clone(), Arc::default());
            let alone = text.lines().enumerate().try_for_each(|(i, line)| alone.push_line(i + 1, line)).map(|()| alone.finish().0);
            let path = dir.path().join("AuditLogs.jsonl");
            std::fs::write(&path, &text).expect("writes");
            for split in [Split::ONE_PASS, Split { workers: 2, chunk_bytes: 64 }] {
                let chunked = load_split(&path, "AuditLogs", split, keep.clone()).map(|(t, _)| t);
                match (&alone, &chunked) {
                    (Ok(a), Ok(c)) => proptest::prop_assert_eq!(a, c),
                    (Err(a), Err(c)) => {
                        // The same place and message, after the source (a path, or the table's name).
                        let line = |e: &KqlError| e.to_string().split("AuditLogs.jsonl").nth(1).map(str::to_owned);
                        proptest::prop_assert_eq!(line(a), line(c), "{} / {}", a, c);
                    }
                    _ => proptest::prop_assert!(false, "{:?} / {:?}", alone.as_ref().err(), chunked.as_ref().err()),
                }
            }
        }
    }

    #[test]
    fn rows_that_fail_a_row_test_are_not_kept_and_the_query_sees_what_it_would() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // Mostly failures and then mostly successes, so that both ways of testing run: values
        // waiting for the test while most rows are dropped, stored first while most are kept.
        let mut lines = Vec::new();
        for i in 0..400 {
            let result = match i % 9 {
                _ if i < 40 && i % 5 != 0 => r#","ResultType":"7000222""#,
                // A number and an escaped string are converted before the query tests them.
                3 => r#","ResultType":0"#,
                4 => r#","ResultType":"\u0030""#,
                // A record without the field holds the empty string.
                5 => "",
                _ => r#","ResultType":"0""#,
            };
            lines.push(format!(
                r#"{{"TimeGenerated":"2026-11-28T10:{:02}:00Z","ServicePrincipalName":"app-{}"{result}}}"#,
                i % 60,
                i % 7
            ));
        }
        let text = lines.join("\n");
        let path = dir.path().join("AADServicePrincipalSignInLogs.jsonl");
        std::fs::write(&path, &text).expect("writes");
        let query = r#"AADServicePrincipalSignInLogs | where ResultType == "0" | summarize n = count() by ServicePrincipalName, ResultType | order by ServicePrincipalName asc"#;
        let needs = crate::kql::column_needs(query, &Default::default());
        assert!(!needs.row_tests("AADServicePrincipalSignInLogs").is_empty());
        let filter = TableFilter::for_query(query).reading(needs);
        let whole = load_jsonl_dir_with(dir.path(), &filter, &mut |_| {}).expect("loads");
        let tested = load_jsonl_dir_with(dir.path(), &filter.dropping_unseen_rows(), &mut |_| {}).expect("loads");
        let rows = |c: &Catalog| c.get("AADServicePrincipalSignInLogs").expect("a table").expect("loads").rows.len();
        let kept = whole
            .get("AADServicePrincipalSignInLogs")
            .expect("a table")
            .expect("loads")
            .rows
            .iter()
            .filter(|r| r.iter().any(|v| v == &Value::str("0")))
            .count();
        assert_eq!(rows(&whole), 400);
        // Exactly the rows whose value is "0" once converted, whichever way they were tested.
        assert_eq!(rows(&tested), kept);
        assert!(kept < 400);
        let options = crate::kql::RunOptions::default();
        let expected = crate::kql::run(query, &whole, &options).expect("runs");
        assert_eq!(crate::kql::run(query, &tested, &options).expect("runs"), expected);
    }

    #[test]
    fn a_joins_right_side_keeps_as_it_is_read_only_the_rows_whose_key_the_left_side_has() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let signins: Vec<String> = (0..300)
            .map(|i| {
                let name = ["App-1", "app-2", "APP-3", "app-4"][i % 4];
                let result = if i % 5 == 0 { "50126" } else { "0" };
                format!(r#"{{"TimeGenerated":"2026-11-28T10:{:02}:00Z","ServicePrincipalName":"{name}","ResultType":"{result}","ServicePrincipalId":"sp-{i}"}}"#, i % 60)
            })
            .collect();
        std::fs::write(dir.path().join("AADServicePrincipalSignInLogs.jsonl"), signins.join("\n")).expect("writes");
        let audit = [("app-1", 1), ("App-3", 2)].map(|(name, minute)| {
            format!(r#"{{"TimeGenerated":"2026-11-28T11:{minute:02}:00Z","OperationName":"Update application","TargetResources":[{{"displayName":"{name}"}}]}}"#)
        });
        std::fs::write(dir.path().join("AuditLogs.jsonl"), audit.join("\n")).expect("writes");
        // The seed's credential rules' shape: the key is lower-cased on both sides.
        let query = r#"AuditLogs
            | extend Name = tolower(tostring(TargetResources[0].displayName))
            | project Name, Changed = TimeGenerated
            | join kind=leftouter (AADServicePrincipalSignInLogs
                | where ResultType == "0"
                | extend Name = tolower(tostring(ServicePrincipalName))
                | project Name, ServicePrincipalId) on Name
            | summarize n = count(), ids = dcount(ServicePrincipalId) by Name | order by Name asc"#;
        let needs = crate::kql::column_needs(query, &Default::default());
        let filter = TableFilter::for_query(query).reading(needs);
        let whole = load_jsonl_dir_with(dir.path(), &filter, &mut |_| {}).expect("loads");
        let tested = load_jsonl_dir_with(dir.path(), &filter.dropping_unseen_rows(), &mut |_| {}).expect("loads");
        let options = crate::kql::RunOptions::default();
        let expected = crate::kql::run(query, &whole, &options).expect("runs");
        assert_eq!(expected[0].rows.len(), 2, "{expected:?}");
        assert_eq!(crate::kql::run(query, &tested, &options).expect("runs"), expected);
        // The one load the query made kept the successful sign-ins of the two names only: of
        // the 150 sign-ins of App-1 and APP-3, the 30 failed ones (every fifth) are dropped.
        let signins = "AADServicePrincipalSignInLogs";
        let first = tested.first_load(signins).expect("read by the query");
        let name = first.column_index("ServicePrincipalName").expect("read");
        let mut names: Vec<String> = first.rows.iter().map(|r| r[name].to_kql_string().to_string()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        assert_eq!((first.rows.len(), names), (120, vec!["APP-3".to_owned(), "App-1".to_owned()]));
        assert_eq!(whole.get(signins).expect("a table").expect("loads").rows.len(), 300);
        assert_eq!(tested.finish_deferred().expect("loaded"), Vec::<String>::new());
    }

    #[test]
    fn a_time_window_the_query_fixes_as_it_runs_keeps_only_the_rows_inside_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // 48 sign-ins an hour apart, every other one failed, each with a field outside the
        // schema, `x`, that repeats its result.
        let lines: Vec<String> = (0..48)
            .map(|h| {
                let result = if h % 2 == 0 { "0" } else { "50126" };
                format!(
                    r#"{{"TimeGenerated":"2026-11-{:02}T{:02}:30:00Z","ResultType":"{result}","x":"{result}"}}"#,
                    27 + h / 24,
                    h % 24
                )
            })
            .collect();
        std::fs::write(dir.path().join("AADServicePrincipalSignInLogs.jsonl"), lines.join("\n")).expect("writes");
        let signins = "AADServicePrincipalSignInLogs";
        let options = crate::kql::RunOptions {
            now: "2026-11-29T00:00:00Z".parse().expect("a time"),
            ..Default::default()
        };
        let load = |query: &str, dropping: bool| {
            let filter = TableFilter::for_query(query).reading(crate::kql::column_needs(query, &Default::default()));
            let filter = if dropping { filter.dropping_unseen_rows() } else { filter };
            load_jsonl_dir_with(dir.path(), &filter, &mut |_| {}).expect("loads")
        };
        for (query, kept) in [
            // The last day: 24 of the 48.
            (
                "let window = 1d; AADServicePrincipalSignInLogs | where TimeGenerated >= ago(window) | summarize n = count()",
                24,
            ),
            (
                "AADServicePrincipalSignInLogs | where TimeGenerated between (ago(1d) .. now()) | summarize n = count()",
                24,
            ),
            // From midnight to 06:00 on the last day: 6.
            (
                "AADServicePrincipalSignInLogs | where TimeGenerated between (ago(1d) .. 6h) | summarize n = count()",
                6,
            ),
            // Before 18:00 on the last day, and successful: 21.
            (
                "AADServicePrincipalSignInLogs | where ago(6h) > TimeGenerated and ResultType == '0' | summarize n = count()",
                21,
            ),
            // `x` is also a column of the table, which the `where` means (all 48 rows pass):
            // the `let` is no constant there, so the table is read again with the tests known
            // before the query ran.
            (
                "let x = '0'; AADServicePrincipalSignInLogs | where ResultType == x | summarize n = count()",
                48,
            ),
        ] {
            let (whole, tested) = (load(query, false), load(query, true));
            let expected = crate::kql::run(query, &whole, &options).expect("runs");
            assert_eq!(crate::kql::run(query, &tested, &options).expect("runs"), expected, "{query}");
            assert_eq!(expected[0].rows[0][0], Value::Long(kept as i64), "{query}");
        }
        // The window is applied as the table is read, not only by the query's `where`.
        let windowed = load(
            "let window = 1d; AADServicePrincipalSignInLogs | where TimeGenerated >= ago(window) | count",
            true,
        );
        crate::kql::run(
            "let window = 1d; AADServicePrincipalSignInLogs | where TimeGenerated >= ago(window) | count",
            &windowed,
            &options,
        )
        .expect("runs");
        assert_eq!(windowed.first_load(signins).expect("read").rows.len(), 24);
    }

    #[test]
    fn a_record_never_reaches_into_the_next_line() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // serde_json alone would read `{"a":` and `1}` as one object; in NDJSON they are two lines.
        let text = "{\"TimeGenerated\":\"2026-11-28T10:00:00Z\"}\r\n{\"a\":\n1}\n";
        for split in [
            Split::ONE_PASS,
            Split {
                workers: 2,
                chunk_bytes: 16,
            },
        ] {
            let err = load_text(dir.path(), "AuditLogs", text, split).expect_err("line 2 is cut short");
            assert!(err.to_string().contains("AuditLogs.jsonl:2:"), "{split:?}: {err}");
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_is_located_by_line_and_column() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("AuditLogs.jsonl");
        let mut text = mixed_lines().into_bytes();
        // Line 3 (after line 1 and the blank line 2) gets a stray continuation byte in a value.
        let third = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .map(|(i, _)| i + 1)
            .expect("three lines");
        text[third + 20] = 0x80;
        std::fs::write(&path, &text).expect("writes");
        for split in [
            Split::ONE_PASS,
            Split {
                workers: 2,
                chunk_bytes: 100,
            },
        ] {
            let err = load_split(&path, "AuditLogs", split, None).expect_err("not UTF-8");
            assert!(
                err.to_string().contains("AuditLogs.jsonl:3:21: the line is not UTF-8"),
                "{split:?}: {err}"
            );
        }
    }

    #[test]
    fn columns_past_the_limit_fold_as_in_one_pass_when_chunks_disagree() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // Each line brings new keys: which ones fold depends on the order of the whole file.
        let text: String = (0..40)
            .map(|i| {
                let fields: Vec<String> = (0..30).map(|k| format!("\"f{i}_{k}\":{k}")).collect();
                format!("{{{}}}\n", fields.join(","))
            })
            .collect();
        let one = load_text(dir.path(), "Custom", &text, Split::ONE_PASS).expect("loads");
        assert_eq!(one.columns.len(), MAX_COLUMNS);
        let split = Split {
            workers: 2,
            chunk_bytes: 300,
        };
        assert_eq!(load_text(dir.path(), "Custom", &text, split).expect("loads"), one);
    }
}
