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

/// The ground-truth labels by the value of a record key: per value, the table, the column
/// (`Id`, `CorrelationId` or `resource_runId_s`) and the label's index. Keyed by value so that a
/// record is looked up by its own borrowed values, without building a key per record.
type LabelKeys = HashMap<String, Vec<(String, &'static str, usize)>>;

fn label_keys(manifest: &Manifest) -> LabelKeys {
    let mut keys = LabelKeys::new();
    for (i, label) in manifest.anomalies.iter().enumerate() {
        for r in &label.records {
            let column = match r.column.as_str() {
                "Id" => "Id",
                "CorrelationId" => "CorrelationId",
                "resource_runId_s" => "resource_runId_s",
                _ => continue,
            };
            keys.entry(r.value.clone()).or_default().push((r.table.clone(), column, i));
        }
    }
    keys
}

/// The hash a link is compared by: 64 bits, so that millions of keys cost no strings. The same
/// as hashing [`Link::key`], without building it.
pub fn link_hash(link: &Link) -> u64 {
    let (prefix, value) = match link {
        Link::Token(v) => ("token:", v),
        Link::Correlation(v) => ("correlation:", v),
        Link::Run(v) => ("run:", v),
    };
    let mut hasher = xxhash_rust::xxh64::Xxh64::new(0);
    hasher.update(prefix.as_bytes());
    hasher.update(value.as_bytes());
    hasher.digest().max(1)
}

/// Numbers the distinct keys it is given, keeping one item per key.
struct Interner<K, T> {
    index: HashMap<K, u32>,
    items: Vec<T>,
}

impl<K: std::hash::Hash + Eq, T> Interner<K, T> {
    fn new() -> Self {
        Self {
            index: HashMap::new(),
            items: Vec::new(),
        }
    }

    /// The key's number; `make` builds its item the first time (the key is copied only then).
    fn intern<Q>(&mut self, key: &Q, make: impl FnOnce() -> T) -> u32
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
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
    let mut actors = Interner::<String, Actor>::new();
    let mut resources = Interner::<Resource, Resource>::new();
    let table_count = files.len();
    for (t, (table, path, _)) in files.into_iter().enumerate() {
        let mut categories: HashMap<Option<String>, CategoryVolume> = HashMap::new();
        let mut each = |line_no: usize, line: &str| -> Result<(), ReportError> {
            let mut f = facts::of_line(line).map_err(|e| ReportError::Data {
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
                let r = resources.intern(r, || r.clone());
                *scan.edges.entry((actor, r)).or_default() += 1;
            }
            scan.labelled.extend(labels_of(&keys, &table, &f).map(|label| (record, label)));
            let volume = categories.entry(f.category.take()).or_default();
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
        for (category, volume) in categories {
            scan.categories.insert((table.clone(), category.unwrap_or_default()), volume);
        }
        scan.tables.push(table);
        scan.files.push(path);
    }
    scan.actors = actors.items;
    scan.resources = resources.items;
    Ok(scan)
}

/// The labels naming this record of `table`, by its `Id`, `CorrelationId` or run.
fn labels_of<'k>(keys: &'k LabelKeys, table: &'k str, f: &'k facts::Facts) -> impl Iterator<Item = usize> + 'k {
    let ids = f.id.iter().map(|id| ("Id", id.as_str()));
    let linked = f.links.iter().filter_map(|link| match link {
        Link::Correlation(v) => Some(("CorrelationId", v.as_str())),
        Link::Run(v) => Some(("resource_runId_s", v.as_str())),
        Link::Token(_) => None,
    });
    ids.chain(linked).flat_map(move |(column, value)| {
        keys.get(value)
            .into_iter()
            .flatten()
            .filter(move |(t, c, _)| t == table && *c == column)
            .map(|(_, _, label)| *label)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_links_hash_is_that_of_its_key() {
        for link in [Link::Token("t".into()), Link::Correlation("c-1".into()), Link::Run("r".into())] {
            assert_eq!(link_hash(&link), xxhash_rust::xxh64::xxh64(link.key().as_bytes(), 0).max(1));
        }
        assert_ne!(link_hash(&Link::Token("x".into())), link_hash(&Link::Run("x".into())));
    }
}
