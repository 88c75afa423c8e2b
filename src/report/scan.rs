//! The report's first pass: every record of every table, reduced to a few numbers (when, who,
//! which keys), plus the counts the graph and the volume section show. The records' text is read
//! again only for the few the page embeds ([`read_lines`]).

use super::ReportError;
use super::facts::{self, Link, Resource};
use crate::manifest::Manifest;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The actor of records that name no caller (a Key Vault's unauthenticated challenge request):
/// they get a lane of their own rather than none.
pub const NO_CALLER: &str = "(no caller identity)";

/// One record, as the first pass keeps it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Index of its table in [`Scan::tables`].
    pub table: u8,
    /// Its line number in the table file, from 1.
    pub line: u32,
    /// `TimeGenerated` in milliseconds since the epoch.
    pub time_ms: i64,
    /// Index into [`Scan::actors`].
    pub actor: u32,
    /// Hashes of its correlation keys ([`Link`]), unused slots 0.
    pub links: [u64; 3],
    /// The length of its line: what embedding it costs the page.
    pub bytes: u32,
}

/// Someone who acted in the records.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// Object id (or `workflow:<name>`).
    pub id: String,
    /// The best name known: the manifest's, else one a record gave.
    pub name: Option<String>,
    /// Records per table, in [`Scan::tables`] order.
    pub records: Vec<u64>,
}

/// Rows and billed bytes of one category of one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryVolume {
    /// Records.
    pub rows: u64,
    /// Sum of `_BilledSize`.
    pub billed_bytes: u64,
}

/// Everything the first pass learnt.
#[derive(Debug, Default)]
pub struct Scan {
    /// Table names, in the order their files were read.
    pub tables: Vec<String>,
    /// Each table's file.
    pub files: Vec<PathBuf>,
    /// Every record.
    pub seen: Vec<Seen>,
    /// Everyone who acted.
    pub actors: Vec<Actor>,
    /// Everything touched.
    pub resources: Vec<Resource>,
    /// Records per (actor, resource).
    pub edges: HashMap<(u32, u32), u64>,
    /// (record, label) pairs: which records each ground-truth label names.
    pub labelled: Vec<(u32, usize)>,
    /// Volume per (table, category).
    pub categories: BTreeMap<(String, String), CategoryVolume>,
}

/// A label's record key: table, column, value.
type LabelKey = (String, &'static str, String);

fn label_keys(manifest: &Manifest) -> HashMap<LabelKey, Vec<usize>> {
    let mut keys: HashMap<LabelKey, Vec<usize>> = HashMap::new();
    for (i, label) in manifest.anomalies.iter().enumerate() {
        for r in &label.records {
            let column = match r.column.as_str() {
                "Id" => "Id",
                "CorrelationId" => "CorrelationId",
                "resource_runId_s" => "resource_runId_s",
                _ => continue,
            };
            keys.entry((r.table.clone(), column, r.value.clone())).or_default().push(i);
        }
    }
    keys
}

/// The hash a link is compared by: 64 bits, so that millions of keys cost no strings.
pub fn link_hash(link: &Link) -> u64 {
    xxhash_rust::xxh64::xxh64(link.key().as_bytes(), 0).max(1)
}

struct Interner<T> {
    index: HashMap<String, u32>,
    items: Vec<T>,
}

impl<T> Interner<T> {
    fn new() -> Self {
        Self {
            index: HashMap::new(),
            items: Vec::new(),
        }
    }

    fn intern(&mut self, key: &str, make: impl FnOnce() -> T) -> u32 {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(make());
        self.index.insert(key.to_owned(), i);
        i
    }
}

/// Reads every table file of `data` once.
pub fn scan(data: &Path, manifest: &Manifest) -> Result<Scan, ReportError> {
    let files = crate::compress::table_files(data).map_err(|e| ReportError::Input(e.to_string()))?;
    if files.is_empty() {
        return Err(ReportError::Input(format!(
            "{} holds no table files: point --data at a directory written by `tenantless generate`",
            data.display()
        )));
    }
    let keys = label_keys(manifest);
    let names: HashMap<&str, &str> = manifest
        .identities
        .iter()
        .map(|i| (i.service_principal_id.as_str(), i.name.as_str()))
        .collect();
    let mut scan = Scan::default();
    let mut actors = Interner::<Actor>::new();
    let mut resources = Interner::<Resource>::new();
    let table_count = files.len();
    for (t, (table, path, _)) in files.into_iter().enumerate() {
        let mut each = |line_no: usize, line: &str| -> Result<(), ReportError> {
            let f = facts::of_line(line).map_err(|e| ReportError::Data {
                path: path.clone(),
                line: line_no,
                message: e.to_string(),
            })?;
            let record = scan.seen.len() as u32;
            let actor_id = f.actor.as_deref().unwrap_or(NO_CALLER);
            let actor = actors.intern(actor_id, || Actor {
                id: actor_id.to_owned(),
                name: names.get(actor_id).map(|n| n.to_string()),
                records: vec![0; table_count],
            });
            let entry = &mut actors.items[actor as usize];
            entry.records[t] += 1;
            if entry.name.is_none() {
                entry.name = f.actor_name.clone();
            }
            if let (Some(r), Some(_)) = (&f.resource, &f.actor) {
                let key = format!("{:?}:{}", r.kind, r.name);
                let r = resources.intern(&key, || r.clone());
                *scan.edges.entry((actor, r)).or_default() += 1;
            }
            for label in labels_of(&keys, &table, &f) {
                scan.labelled.push((record, label));
            }
            let volume = scan
                .categories
                .entry((table.clone(), f.category.clone().unwrap_or_default()))
                .or_default();
            volume.rows += 1;
            volume.billed_bytes += f.billed_size.unwrap_or(0);
            let mut links = [0; 3];
            for (slot, link) in links.iter_mut().zip(&f.links) {
                *slot = link_hash(link);
            }
            scan.seen.push(Seen {
                table: t as u8,
                line: line_no as u32,
                time_ms: f.time_ms,
                actor,
                links,
                bytes: line.len().min(u32::MAX as usize) as u32,
            });
            Ok(())
        };
        for_each_line(&path, &mut each)?;
        scan.tables.push(table);
        scan.files.push(path);
    }
    scan.actors = actors.items;
    scan.resources = resources.items;
    Ok(scan)
}

fn labels_of<'k>(keys: &'k HashMap<LabelKey, Vec<usize>>, table: &str, f: &facts::Facts) -> impl Iterator<Item = usize> + 'k {
    let mut candidates: Vec<LabelKey> = Vec::new();
    if let Some(id) = &f.id {
        candidates.push((table.to_owned(), "Id", id.clone()));
    }
    for link in &f.links {
        match link {
            Link::Correlation(v) => candidates.push((table.to_owned(), "CorrelationId", v.clone())),
            Link::Run(v) => candidates.push((table.to_owned(), "resource_runId_s", v.clone())),
            Link::Token(_) => {}
        }
    }
    candidates.into_iter().filter_map(|k| keys.get(&k)).flatten().copied()
}

/// Calls `each` with every non-blank line of a table file (plain or compressed) and its number.
fn for_each_line(path: &Path, each: &mut dyn FnMut(usize, &str) -> Result<(), ReportError>) -> Result<(), ReportError> {
    let reader = crate::compress::open_table_reader(path).map_err(|e| ReportError::Input(e.to_string()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader);
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|e| ReportError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if !text.trim().is_empty() {
            each(number, text)?;
        }
    }
}

/// The text of the given lines (numbers from 1, ascending) of a table file.
pub fn read_lines(path: &Path, wanted: &[u32]) -> Result<Vec<String>, ReportError> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut next = wanted.iter().peekable();
    let mut each = |number: usize, text: &str| {
        while next.peek().is_some_and(|&&w| (w as usize) < number) {
            next.next();
        }
        if next.peek().is_some_and(|&&w| w as usize == number) {
            out.push(text.to_owned());
            next.next();
        }
        Ok(())
    };
    for_each_line(path, &mut each)?;
    Ok(out)
}
