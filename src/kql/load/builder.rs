//! Builds a table row by row as NDJSON lines arrive, so that memory holds the table, not the text
//! or a parsed copy of every record. Each chunk of a file gets its own builder (parsed on its own
//! thread); [`TableBuilder::absorb`] appends a later chunk's builder to an earlier one's.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashMap;
use serde::de::{MapAccess, Visitor};

use super::super::error::KqlError;
use super::super::eval::RowTest;
use super::super::table::{Column, Table, known_schema};
use super::super::value::{Bag, KqlType, Value, convert, parse_datetime};
use super::field::{FieldSeed, plain_string_value};
use super::scan::{self, Earlier, Key, Raw};
use super::{MAX_COLUMNS, OVERFLOW_COLUMN};

/// Past this many distinct values a column stops sharing equal strings (ids, timestamps): sharing
/// only pays for the many repeated values of columns like `Category` or `TenantId`.
const INTERN_LIMIT: usize = 4096;

/// The declared columns whose strings the table being joined from chunks no longer shares (its
/// set of them passed [`INTERN_LIMIT`]): the chunks parsed after that stop sharing them too, as
/// the join would not keep what they shared. Each chunk's builder shares strings on its own, and
/// a column of ids (a few thousand distinct per chunk) cost every chunk a set of all of them.
pub(super) struct Unshared(Vec<AtomicBool>);

impl Default for Unshared {
    fn default() -> Unshared {
        Unshared((0..MAX_COLUMNS).map(|_| AtomicBool::new(false)).collect())
    }
}

impl Unshared {
    fn stop(&self, column: usize) {
        if let Some(flag) = self.0.get(column) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    fn stopped(&self, column: usize) -> bool {
        self.0.get(column).is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

/// What a load keeps of a table: the columns read (lower-cased), and tests every row kept passes
/// (a query's leading `where`s would drop the others before anything saw them).
#[derive(Debug)]
pub(super) struct Keep {
    pub(super) columns: HashSet<String>,
    pub(super) rows: Vec<RowTest>,
}

/// A row stores only the columns that are *active*: every declared column of a fixed-schema table,
/// but for AzureDiagnostics only those some record has (see [`TableBuilder::finish`]).
pub(super) struct TableBuilder {
    name: String,
    /// Where the lines come from, for errors and warnings (a path, or `<name>.jsonl`).
    source: Arc<str>,
    /// Declared columns first, then fields found outside the schema.
    columns: Vec<Column>,
    /// Each field name seen: its column, or that it is not read.
    index: FxHashMap<String, Field>,
    declared: usize,
    /// The columns to read (lower-cased), when a query reads only some; the others are skipped.
    keep: Option<Arc<Keep>>,
    /// Per test of `keep`, the declared column (of the test's type) it is of: a row that fails one
    /// is not kept.
    row_tests: Vec<(usize, RowTest)>,
    /// The values of the record being read that wait for its row tests (kept to be reused).
    pending: Vec<(usize, Option<KqlType>, Span)>,
    /// What the row tests have kept and dropped so far.
    tally: Tally,
    /// The declared columns before `keep` removed any.
    schema_width: usize,
    /// The field name last seen at each place of a record, with what it stands for.
    by_place: Vec<(Box<str>, Field)>,
    /// The row slot of each column, once active.
    slot_of: Vec<Option<usize>>,
    /// The column of each slot.
    column_of: Vec<usize>,
    /// Each slot's value when a record lacks the field, built once and shared by every row.
    defaults: Vec<Value>,
    /// Per slot: equal strings shared until the column proves to hold mostly distinct values.
    interners: Vec<Option<FxHashMap<Arc<str>, ()>>>,
    /// The declared columns the joined table stopped sharing strings of, for all the file's chunks.
    unshared: Arc<Unshared>,
    rows: Vec<Vec<Value>>,
    /// The column of [`OVERFLOW_COLUMN`], once the table has one.
    overflow: Option<usize>,
    /// Field names folded into the overflow column, shared by the rows that carry them.
    folded_names: FxHashMap<Arc<str>, ()>,
    /// Field values folded into the overflow column.
    folded: u64,
}

/// AzureDiagnostics has no fixed schema in Log Analytics: a column exists once data populated it
/// (AMD azurediagnostics.md), which is why rules reach for `column_ifexists`.
fn sparse_schema(table: &str) -> bool {
    table == "AzureDiagnostics"
}

/// What a field name stands for in a table being read.
#[derive(Clone, Copy)]
enum Field {
    Column(usize),
    /// A column the query does not read.
    Skip,
}

/// The records a builder's row tests have seen, and how many they dropped.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    tested: usize,
    dropped: usize,
}

impl Tally {
    /// Whether a record's values should wait for its tests: while a quarter or more of the
    /// records are dropped. Storing a row's strings and dropping them again cost more than keeping
    /// the row; while few are dropped, waiting costs more than the rows dropped.
    fn defers(self) -> bool {
        self.dropped * 4 >= self.tested
    }

    /// Counts a record, kept or not, and gives `kept`.
    fn count(&mut self, kept: bool) -> bool {
        self.tested += 1;
        self.dropped += usize::from(!kept);
        kept
    }
}

/// A value the scan read, as a byte range of the text it is in.
#[derive(Clone)]
struct Span {
    /// Whether it is [`Raw::Plain`] (the range then leaves out the quotes) or [`Raw::Json`].
    plain: bool,
    range: std::ops::Range<usize>,
}

impl Span {
    /// Where `raw`, a value scanned from `text`, lies in it.
    fn of(text: &str, raw: Raw) -> Span {
        let (plain, value) = match raw {
            Raw::Plain(value) => (true, value),
            Raw::Json(value) => (false, value),
        };
        // `value` is a slice of `text`, so its address is inside text's.
        let start = value.as_ptr() as usize - text.as_ptr() as usize;
        Span {
            plain,
            range: start..start + value.len(),
        }
    }

    fn raw<'t>(&self, text: &'t str) -> Raw<'t> {
        let value = &text[self.range.clone()];
        if self.plain { Raw::Plain(value) } else { Raw::Json(value) }
    }
}

/// The text of column `column` in a record whose values read are `pending` (in order, so the
/// last of a column counts): `None` when it is not a plain string, `""` (the default) when the
/// record lacks it.
fn pending_text<'t>(text: &'t str, pending: &[(usize, Option<KqlType>, Span)], column: usize) -> Option<&'t str> {
    match pending.iter().rev().find(|(c, ..)| *c == column) {
        Some((.., Span { plain: true, range })) => Some(&text[range.clone()]),
        Some(_) => None,
        None => Some(""),
    }
}

/// The value of column `column` in a record whose values read are `pending`, converted as it
/// will be stored: `None` when the record lacks it, `Some(None)` when it cannot be read.
fn pending_value(text: &str, pending: &[(usize, Option<KqlType>, Span)], column: usize) -> Option<Option<Value>> {
    let (_, ty, span) = pending.iter().rev().find(|(c, ..)| *c == column)?;
    Some(read_raw(span.raw(text), *ty))
}

/// Where one field of a record goes.
enum Target {
    /// Nowhere: the column is not read.
    Skip,
    /// A column of the table, read as its declared type (`None`: typed once all rows are in).
    Column(usize, Option<KqlType>),
    /// Beyond [`MAX_COLUMNS`]: into the record's overflow bag under this name.
    Folded(Arc<str>),
}

impl TableBuilder {
    /// A builder of table `name` that reads the columns in `keep` (lower-cased names), or every
    /// column.
    pub(super) fn new(name: &str, source: Arc<str>, keep: Option<Arc<Keep>>, unshared: Arc<Unshared>) -> TableBuilder {
        let schema = known_schema(name).unwrap_or_default();
        let schema_width = schema.len();
        let wanted = |c: &Column| keep.as_ref().is_none_or(|k| k.columns.contains(&c.name.to_ascii_lowercase()));
        let columns: Vec<Column> = schema.into_iter().filter(wanted).collect();
        // A test is decided on the value stored, so only on a declared column of its type.
        let row_tests = keep
            .iter()
            .flat_map(|k| &k.rows)
            .filter_map(|t| {
                let ty = match t {
                    RowTest::Text(_) | RowTest::Match(_) => KqlType::String,
                    RowTest::Time(_) => KqlType::DateTime,
                };
                Some((columns.iter().position(|c| c.name == t.column() && c.ty == ty)?, t.clone()))
            })
            .collect();
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), Field::Column(i)))
            .collect::<FxHashMap<_, _>>();
        let overflow = columns.iter().position(|c| c.name == OVERFLOW_COLUMN);
        let mut builder = TableBuilder {
            name: name.to_owned(),
            source,
            keep,
            row_tests,
            pending: Vec::new(),
            tally: Tally::default(),
            schema_width,
            by_place: Vec::new(),
            declared: columns.len(),
            slot_of: vec![None; columns.len()],
            column_of: Vec::new(),
            defaults: Vec::new(),
            interners: Vec::new(),
            unshared,
            overflow,
            columns,
            index,
            rows: Vec::new(),
            folded_names: FxHashMap::default(),
            folded: 0,
        };
        if !sparse_schema(name) {
            for c in 0..builder.declared {
                builder.activate(c);
            }
        }
        builder
    }

    /// Whether fields were folded into the overflow bag: such a file is read again in one piece,
    /// as which fields fold depends on the order all of its columns appeared in.
    pub(super) fn folded_any(&self) -> bool {
        self.folded > 0
    }

    /// Gives column `c` a slot in every row (rows read so far get its default).
    fn activate(&mut self, c: usize) -> usize {
        if let Some(slot) = self.slot_of[c] {
            return slot;
        }
        let slot = self.column_of.len();
        let default = if c < self.declared {
            convert(&Value::Null, self.columns[c].ty)
        } else {
            Value::Null
        };
        for row in &mut self.rows {
            row.push(default.clone());
        }
        self.slot_of[c] = Some(slot);
        self.column_of.push(c);
        self.defaults.push(default);
        self.interners.push(Some(FxHashMap::default()));
        slot
    }

    /// The slot of column `c` in `row`, the row being read, activating the column if needed.
    fn slot_in(&mut self, row: &mut Vec<Value>, c: usize) -> usize {
        if let Some(slot) = self.slot_of[c] {
            return slot;
        }
        let slot = self.activate(c);
        row.push(self.defaults[slot].clone());
        slot
    }

    /// Shares equal strings of a slot, until it proves to hold mostly distinct values.
    fn intern(&mut self, slot: usize, value: Value) -> Value {
        let Value::String(s) = &value else { return value };
        self.shared(slot, s).unwrap_or(value)
    }

    /// The string of slot `slot` equal to `text`, shared, when the slot shares strings and has
    /// one; `text` is remembered for the next time if there is room.
    fn shared(&mut self, slot: usize, text: &str) -> Option<Value> {
        let Some(Some(set)) = self.interners.get_mut(slot) else {
            return None;
        };
        if let Some((shared, ())) = set.get_key_value(text) {
            return Some(Value::String(shared.clone()));
        }
        let column = self.column_of[slot];
        if set.len() >= INTERN_LIMIT || (column < self.declared && self.unshared.stopped(column)) {
            self.interners[slot] = None;
            return None;
        }
        let fresh: Arc<str> = Arc::from(text);
        set.insert(fresh.clone(), ());
        Some(Value::String(fresh))
    }

    /// Stores a plain JSON string in a column that holds it as it is (a string, guid or not yet
    /// typed column), allocating only a string not seen before.
    fn store_text(&mut self, row: &mut Vec<Value>, column: usize, text: &str) {
        let slot = self.slot_in(row, column);
        row[slot] = self.shared(slot, text).unwrap_or_else(|| Value::str(text));
    }

    /// Reads one line (line `number` of the source, holding no line end) into a row.
    pub(super) fn push_line(&mut self, number: usize, line: &str) -> Result<(), KqlError> {
        self.push_line_at(number, line, 0, &mut Earlier::none(line)).map(|_| ())
    }

    /// Reads the line of `text` that starts at byte `start` (line `number` of the source) into a
    /// row, and gives the index of its end (its `\n`, or the end of `text`). A line the scan
    /// accepts is not searched for its end: the scan stops there.
    /// `earlier` holds values of records of `text` read before, which the scan may find again.
    pub(super) fn push_line_at<'t>(
        &mut self,
        number: usize,
        text: &'t str,
        start: usize,
        earlier: &mut Earlier<'t>,
    ) -> Result<usize, KqlError> {
        let folded_before = self.folded;
        if let Some((row, end)) = self.scan_record(text, start, earlier) {
            self.rows.extend(row);
            return Ok(end);
        }
        // The scan gave up part way: what it counted is counted again below.
        self.folded = folded_before;
        let end = memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        if !line.trim().is_empty() {
            self.parse_line(number, line)?;
        }
        Ok(end)
    }

    /// The row of the record at byte `at` of `text` by [`scan::Record`], parsing only the values
    /// of the columns read (no row when it fails a row test), and the index of its line end;
    /// `None` when the scan gives up (the line may still be valid: [`Self::parse_line`] decides).
    fn scan_record<'t>(&mut self, text: &'t str, at: usize, earlier: &mut Earlier<'t>) -> Option<(Option<Vec<Value>>, usize)> {
        // While the row tests drop many rows, the values read wait in `pending` until the record
        // is known to pass them (see [`Tally::defers`]); then no row is made for a dropped one.
        let defer = !self.row_tests.is_empty() && self.tally.defers();
        let mut row = if defer { Vec::new() } else { self.defaults.clone() };
        let mut folded = Bag::new();
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        let mut record = scan::Record::open(text, at)?;
        let mut place = 0;
        while let Some(key) = record.key(self.by_place.get(place).map(|(name, _)| &**name))? {
            let target = self.target_at(place, key);
            // A field not read needs only to be valid: the same text as before at this place is.
            if matches!(target, Target::Skip) && record.repeats(earlier, place) {
                place += 1;
                continue;
            }
            let raw = record.value()?;
            earlier.remember(place, &record);
            match target {
                Target::Skip => {}
                Target::Column(c, ty) if defer => pending.push((c, ty, Span::of(text, raw))),
                Target::Column(c, ty) => self.store_raw(&mut row, c, ty, raw)?,
                Target::Folded(name) => folded.push((name, read_raw(raw, None)?)),
            }
            place += 1;
        }
        let end = record.end()?;
        if defer {
            let value_of = |column| pending_value(text, &pending, column).unwrap_or_else(|| Some(self.default_of(column)));
            let passes = self.passes_tests(|column| pending_text(text, &pending, column), value_of);
            if !self.tally.count(passes) {
                self.pending = pending;
                return Some((None, end));
            }
            row = self.defaults.clone();
            for (c, ty, span) in &pending {
                self.store_raw(&mut row, *c, *ty, span.raw(text))?;
            }
        }
        // Kept for the next record, not to allocate one for each.
        self.pending = pending;
        if !folded.is_empty() {
            self.store_folded(&mut row, folded);
        }
        let row = if defer { Some(row) } else { self.tested(row) };
        Some((row, end))
    }

    /// Stores a value the scan read in column `column`, of type `ty` (`None`: typed later).
    #[inline]
    fn store_raw(&mut self, row: &mut Vec<Value>, column: usize, ty: Option<KqlType>, raw: Raw) -> Option<()> {
        match (ty, raw) {
            (None | Some(KqlType::String | KqlType::Guid), Raw::Plain(text)) => self.store_text(row, column, text),
            (ty, raw) => self.store(row, column, read_raw(raw, ty)?),
        }
        Some(())
    }

    /// Whether a record passes every row test, given the text of each tested string column
    /// (`None` for a value that is not a plain JSON string, which passes: it is converted to the
    /// column's string before the query tests it again) and the value of each tested datetime
    /// column as the table stores it (`None` when it cannot be read, which the store reports).
    fn passes_tests<'v>(&self, text_of: impl Fn(usize) -> Option<&'v str>, value_of: impl Fn(usize) -> Option<Value>) -> bool {
        self.row_tests.iter().all(|(column, test)| match test {
            RowTest::Text(test) => text_of(*column).is_none_or(|text| test.passes(text)),
            RowTest::Match(test) => text_of(*column).is_none_or(|text| test.passes(text)),
            RowTest::Time(test) => value_of(*column).is_none_or(|value| test.passes(&value)),
        })
    }

    /// The value column `column` holds by default, in a record that lacks it.
    fn default_of(&self, column: usize) -> Value {
        convert(&Value::Null, self.columns[column].ty)
    }

    /// Reads one line with `serde_json`, which locates any error.
    fn parse_line(&mut self, number: usize, line: &str) -> Result<(), KqlError> {
        // Fields go straight into the row's slots: no map of the whole record is built.
        let row = self.defaults.clone();
        let visitor = RowVisitor {
            builder: self,
            row,
            folded: Vec::new(),
        };
        let mut de = serde_json::Deserializer::from_str(line);
        let (mut row, folded) = serde::Deserializer::deserialize_map(&mut de, visitor)
            .and_then(|done| de.end().map(|()| done))
            .map_err(|e| json_error(&self.source, number, &e))?;
        if !folded.is_empty() {
            self.store_folded(&mut row, folded);
        }
        if let Some(row) = self.tested(row) {
            self.rows.push(row);
        }
        Ok(())
    }

    /// `row`, unless it fails a row test; counted in [`Self::tally`].
    fn tested(&mut self, row: Vec<Value>) -> Option<Vec<Value>> {
        if self.row_tests.is_empty() {
            return Some(row);
        }
        let stored = |column: usize| self.slot_of[column].map(|slot| &row[slot]);
        let text_of = |column| match stored(column) {
            Some(Value::String(text)) => Some(&**text),
            // An inactive column holds its default, the empty string, in every row.
            None => Some(""),
            Some(_) => None,
        };
        let value_of = |column| Some(stored(column).cloned().unwrap_or_else(|| self.default_of(column)));
        let passes = self.passes_tests(text_of, value_of);
        self.tally.count(passes).then_some(row)
    }

    /// Whether the column of field `key` is read.
    fn reads(&self, key: &str) -> bool {
        self.keep.as_ref().is_none_or(|k| k.columns.contains(&key.to_ascii_lowercase()))
    }

    /// Whether the columns read are exactly those a builder of every column would have read:
    /// false when the file has so many fields that reading all of them could have folded some
    /// into [`OVERFLOW_COLUMN`] (the caller then reads the file whole).
    pub(super) fn narrowed_exactly(&self) -> bool {
        self.keep.is_none() || self.schema_width + self.index.len() < MAX_COLUMNS
    }

    /// Room for one more column of its own, keeping one for the overflow bag if it is not there yet.
    fn has_room(&self) -> bool {
        self.columns.len() + usize::from(self.overflow.is_none()) < MAX_COLUMNS
    }

    /// A new column, typed once all rows are in.
    fn add_column(&mut self, key: &str) -> usize {
        let c = self.columns.len();
        self.columns.push(Column::new(key, KqlType::Dynamic));
        self.index.insert(key.to_owned(), Field::Column(c));
        self.slot_of.push(None);
        if key == OVERFLOW_COLUMN {
            self.overflow = Some(c);
        }
        c
    }

    /// [`Self::target`] through the names by their place in the record: the records of a file
    /// mostly list the same fields in the same order, so the scan is given the name last seen at
    /// `place` to compare with (which costs less than scanning and hashing it), and says
    /// [`Key::Expected`] when it is that name.
    fn target_at(&mut self, place: usize, key: Key) -> Target {
        let key = match key {
            Key::Expected => {
                return match self.by_place[place].1 {
                    Field::Skip => Target::Skip,
                    Field::Column(c) => Target::Column(c, (c < self.declared).then(|| self.columns[c].ty)),
                };
            }
            Key::Other(key) => key,
        };
        let target = self.target(key);
        let field = match target {
            Target::Skip => Field::Skip,
            Target::Column(c, _) => Field::Column(c),
            Target::Folded(_) => return target,
        };
        // Only names the scan read land here, so the scan can compare them as they are.
        if place < self.by_place.len() {
            self.by_place[place] = (key.into(), field);
        } else if place == self.by_place.len() {
            self.by_place.push((key.into(), field));
        }
        target
    }

    /// Where a record's field named `key` goes, making its column first if needed.
    fn target(&mut self, key: &str) -> Target {
        let column = match self.index.get(key) {
            Some(&Field::Column(c)) => c,
            Some(Field::Skip) => return Target::Skip,
            None if !self.reads(key) => {
                self.index.insert(key.to_owned(), Field::Skip);
                return Target::Skip;
            }
            None if self.has_room() => self.add_column(key),
            None => {
                self.folded += 1;
                let name = match self.folded_names.get_key_value(key) {
                    Some((shared, ())) => shared.clone(),
                    None => {
                        let name: Arc<str> = Arc::from(key);
                        self.folded_names.insert(name.clone(), ());
                        name
                    }
                };
                return Target::Folded(name);
            }
        };
        Target::Column(column, (column < self.declared).then(|| self.columns[column].ty))
    }

    /// Stores a field's value in its column's slot of `row`.
    fn store(&mut self, row: &mut Vec<Value>, column: usize, value: Value) {
        let slot = self.slot_in(row, column);
        row[slot] = self.intern(slot, value);
    }

    /// Adds a record's folded fields to its overflow bag, after what the record's own
    /// `AdditionalFields` held (a value that is not a bag is kept under its own name).
    fn store_folded(&mut self, row: &mut Vec<Value>, folded: Bag) {
        let column = match self.overflow {
            Some(c) => c,
            None => self.add_column(OVERFLOW_COLUMN),
        };
        let slot = self.slot_in(row, column);
        let mut bag = match std::mem::take(&mut row[slot]) {
            Value::Bag(own) => Arc::unwrap_or_clone(own),
            Value::Null => Bag::new(),
            other => vec![(Arc::from(OVERFLOW_COLUMN), other)],
        };
        bag.extend(folded);
        row[slot] = Value::Bag(Arc::new(bag));
    }

    /// Appends the rows of `later`, a builder of the lines that follow this one's, as if this
    /// builder had read them itself. False when that cannot be done exactly (the union of columns
    /// would pass [`MAX_COLUMNS`], or `later` folded fields): the caller reads the file again in
    /// one piece.
    pub(super) fn absorb(&mut self, mut later: TableBuilder) -> bool {
        if later.folded_any() || self.folded_any() {
            return false;
        }
        // `later`'s columns in its order of first appearance, after this builder's own.
        let mut slot_map = Vec::with_capacity(later.column_of.len());
        for &c in &later.column_of {
            let column = if c < self.declared {
                c
            } else {
                match self.index.get(&later.columns[c].name) {
                    Some(&Field::Column(mine)) => mine,
                    None if self.has_room() => self.add_column(&later.columns[c].name),
                    // Both builders read the same columns, so neither skips what the other reads.
                    Some(Field::Skip) | None => return false,
                }
            };
            slot_map.push(self.activate(column));
        }
        for (key, field) in later.index.drain() {
            if matches!(field, Field::Skip) {
                self.index.entry(key).or_insert(Field::Skip);
            }
        }
        self.share_strings(&mut later, &slot_map);
        for (slot, &column) in self.column_of.iter().enumerate() {
            if column < self.declared && self.interners[slot].is_none() {
                self.unshared.stop(column);
            }
        }
        let identity = slot_map.len() == self.column_of.len() && slot_map.iter().enumerate().all(|(i, &s)| i == s);
        if identity {
            self.rows.append(&mut later.rows);
        } else {
            for row in later.rows {
                let mut mine = self.defaults.clone();
                for (value, &slot) in row.into_iter().zip(&slot_map) {
                    mine[slot] = value;
                }
                self.rows.push(mine);
            }
        }
        true
    }

    /// Makes `later`'s repeated strings share this builder's, for the columns both still share
    /// strings in: each chunk interns on its own, and without this every chunk would keep its
    /// own copy of, say, each distinct caller IP.
    fn share_strings(&mut self, later: &mut TableBuilder, slot_map: &[usize]) {
        for (from, &to) in slot_map.iter().enumerate() {
            if later.interners[from].is_none() || self.interners[to].is_none() {
                continue;
            }
            for row in &mut later.rows {
                let value = std::mem::take(&mut row[from]);
                row[from] = self.intern(to, value);
            }
        }
    }

    /// The once-per-table warning about fields folded into the overflow bag.
    fn warning(&self) -> Option<String> {
        if self.folded == 0 {
            return None;
        }
        let how = if sparse_schema(&self.name) {
            "as Log Analytics does"
        } else {
            "rather than dropping them"
        };
        Some(format!(
            "warning: {}: {} value(s) of {} field(s) beyond the {MAX_COLUMNS}-column limit of a Log Analytics table were folded into the dynamic column {OVERFLOW_COLUMN}, {how}; query them as {OVERFLOW_COLUMN}.<field>",
            self.source,
            self.folded,
            self.folded_names.len(),
        ))
    }

    pub(super) fn finish(mut self) -> (Table, Option<String>) {
        let warning = self.warning();
        // Columns outside the schema get the type their values agree on.
        for (slot, &c) in self.column_of.iter().enumerate() {
            if c >= self.declared {
                let ty = infer_value_type(self.rows.iter().map(|r| &r[slot]));
                self.columns[c].ty = ty;
                for row in &mut self.rows {
                    row[slot] = convert(&row[slot], ty);
                }
            }
        }
        // Declared order first, then extras in the order found; an empty sparse table keeps its
        // declared columns so that queries over no data still resolve names.
        if sparse_schema(&self.name) && self.rows.is_empty() {
            for c in 0..self.declared {
                self.activate(c);
            }
        }
        let mut order: Vec<usize> = (0..self.column_of.len()).collect();
        order.sort_by_key(|&slot| self.column_of[slot]);
        let columns = order.iter().map(|&slot| self.columns[self.column_of[slot]].clone()).collect();
        if order.iter().enumerate().any(|(i, &slot)| i != slot) {
            for row in &mut self.rows {
                *row = order.iter().map(|&slot| std::mem::take(&mut row[slot])).collect();
            }
        }
        (Table { columns, rows: self.rows }, warning)
    }
}

/// A line that is not one JSON object, located by file, line and column.
fn json_error(source: &str, line: usize, e: &serde_json::Error) -> KqlError {
    let text = e.to_string();
    // serde_json appends " at line 1 column N", which is the position inside this one line.
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    KqlError::Data(format!(
        "{source}:{line}:{}: {message}; each line must hold one JSON object",
        e.column()
    ))
}

/// Reads one NDJSON record into a row of the builder's slots.
struct RowVisitor<'b> {
    builder: &'b mut TableBuilder,
    row: Vec<Value>,
    /// Fields beyond [`MAX_COLUMNS`], for the overflow bag.
    folded: Bag,
}

impl<'de> Visitor<'de> for RowVisitor<'_> {
    type Value = (Vec<Value>, Bag);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        // Keys are borrowed from the line unless they hold escapes.
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.builder.target(&key) {
                Target::Skip => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                Target::Column(c, ty) => {
                    let value = map.next_value_seed(FieldSeed(ty))?;
                    self.builder.store(&mut self.row, c, value);
                }
                Target::Folded(name) => {
                    let value = map.next_value_seed(FieldSeed(None))?;
                    self.folded.push((name, value));
                }
            }
        }
        Ok((self.row, self.folded))
    }
}

/// A field's value read as a column of type `ty` would read it (see [`FieldSeed`]); `None` when
/// `serde_json` refuses the text (a number out of range), which the caller leaves to the slow path.
fn read_raw(raw: Raw, ty: Option<KqlType>) -> Option<Value> {
    match raw {
        Raw::Plain(text) => Some(plain_string_value(text, ty)),
        Raw::Json(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let value = serde::de::DeserializeSeed::deserialize(FieldSeed(ty), &mut de).ok()?;
            de.end().ok()?;
            Some(value)
        }
    }
}

/// The type a column's values agree on: one type, Long and Real widen to Real, mixed to String.
fn infer_value_type<'a>(values: impl Iterator<Item = &'a Value>) -> KqlType {
    let mut ty: Option<KqlType> = None;
    for v in values {
        let t = match v {
            Value::Null => continue,
            Value::Bool(_) => KqlType::Bool,
            Value::Long(_) => KqlType::Long,
            Value::Real(_) => KqlType::Real,
            Value::String(s) if s.len() >= 10 && s.contains('T') && parse_datetime(s).is_some() => KqlType::DateTime,
            Value::String(_) => KqlType::String,
            _ => KqlType::Dynamic,
        };
        ty = Some(match (ty, t) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(KqlType::Long), KqlType::Real) | (Some(KqlType::Real), KqlType::Long) => KqlType::Real,
            (Some(KqlType::Dynamic), _) | (_, KqlType::Dynamic) => KqlType::Dynamic,
            _ => KqlType::String,
        });
    }
    ty.unwrap_or(KqlType::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl TableBuilder {
        fn shares_strings_of(&self, name: &str) -> bool {
            let c = self.columns.iter().position(|c| c.name == name).expect("a column");
            self.slot_of[c].is_some_and(|slot| self.interners[slot].is_some())
        }
    }

    fn builder(unshared: &Arc<Unshared>) -> TableBuilder {
        TableBuilder::new("AuditLogs", Arc::from("AuditLogs.jsonl"), None, unshared.clone())
    }

    fn push(builder: &mut TableBuilder, lines: impl Iterator<Item = String>) {
        for (i, line) in lines.enumerate() {
            builder.push_line(i + 1, &line).expect("a valid line");
        }
    }

    #[test]
    fn once_the_joined_table_stops_sharing_a_column_later_chunks_stop_too() {
        let unshared = Arc::new(Unshared::default());
        let line = |id: usize| format!(r#"{{"Id":"id-{id}","Category":"ApplicationManagement"}}"#);
        let (mut whole, mut first) = (builder(&unshared), builder(&unshared));
        push(&mut whole, (0..10).map(line));
        push(&mut first, (0..=INTERN_LIMIT).map(line));
        // The chunk alone passing the limit stops only its own sharing.
        assert!(!first.shares_strings_of("Id") && !unshared.stopped(whole.columns.iter().position(|c| c.name == "Id").expect("Id")));
        let mut second = builder(&unshared);
        push(&mut second, (0..10).map(line));
        assert!(second.shares_strings_of("Id"), "nothing has stopped yet");
        push(&mut whole, (10..=INTERN_LIMIT).map(line));
        let mut third = builder(&unshared);
        assert!(whole.absorb(second));
        assert!(!whole.shares_strings_of("Id") && whole.shares_strings_of("Category"));
        push(&mut third, (0..10).map(line));
        assert!(!third.shares_strings_of("Id"), "the joined table stopped sharing Id");
        assert!(third.shares_strings_of("Category"), "and only Id");
        let table = whole.finish().0;
        assert_eq!(table.rows.len(), INTERN_LIMIT + 11);
    }
}
