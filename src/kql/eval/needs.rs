//! Which columns of each table a whole query can read, before any data is loaded, so that the
//! loader parses only those (a sign-in record has 46 fields; the seed's rules read five).
//!
//! A table's columns are narrowed only when every mention of its name in the query text is the
//! source of a pipeline that narrows its columns (`project`, `summarize`, … as [`prune`] decides)
//! before anything that could see every column: then no result can depend on a column the query
//! does not name. Any other mention — a `let` of the same name, an argument to a function, a
//! comment, a stored function's body, an operator this walk does not enter — leaves the table
//! whole. The check over-approximates what is read and never under-approximates it.

use std::collections::{HashMap, HashSet};

use super::super::ast::*;
use super::prune::UserFunctions;
use super::row_tests::{self, RowTest};

/// The columns each narrowed table may be read with; a table that is not in it is read whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnNeeds {
    /// Table name (as written: table names are case-sensitive) → lower-cased column names.
    tables: HashMap<String, HashSet<String>>,
    /// Per narrowed table mentioned once, as the source of a pipeline of its own: tests every
    /// row the query can see passes (maybe none).
    rows: HashMap<String, Vec<RowTest>>,
}

impl ColumnNeeds {
    /// The tests every row of `table` the query can see passes: string comparisons of its
    /// pipeline's leading `where`s, for a narrowed table mentioned once.
    pub fn row_tests(&self, table: &str) -> &[RowTest] {
        self.rows.get(table).map_or(&[], Vec::as_slice)
    }

    /// Whether the one pipeline that reads `table` may test its rows as they are read, also with
    /// tests known only as the query runs (a join's keys): a narrowed table mentioned once, as
    /// the source of a pipeline of its own.
    pub fn tests_rows_of(&self, table: &str) -> bool {
        self.rows.contains_key(table)
    }

    /// The columns (lower-cased) of `table` a query may read, or `None` for all of them.
    pub fn of(&self, table: &str) -> Option<&HashSet<String>> {
        self.tables.get(table)
    }

    /// `table` read with only `columns` (lower-cased).
    pub fn only<'c>(table: &str, columns: impl IntoIterator<Item = &'c str>) -> ColumnNeeds {
        let columns = columns.into_iter().map(str::to_owned).collect();
        ColumnNeeds {
            tables: HashMap::from([(table.to_owned(), columns)]),
            rows: HashMap::new(),
        }
    }

    /// Whether some table is read narrowed.
    pub fn narrows_any(&self) -> bool {
        !self.tables.is_empty()
    }
}

/// The functions a script may call whose bodies could read any column: its own `let` functions
/// and the stored ones.
struct Callable<'n> {
    names: HashSet<&'n str>,
}

impl UserFunctions for Callable<'_> {
    fn is_user_function(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// What a script's `statements` can read of each table (or tabular `let` of an earlier
/// statement); `text` is their text with the bodies of the stored functions they call, and
/// `stored` names every stored function.
pub fn column_needs<'n>(statements: &'n [Statement], text: &str, stored: impl Iterator<Item = &'n str>) -> ColumnNeeds {
    let mut lets = HashSet::new();
    let mut names: HashSet<&str> = stored.collect();
    for statement in statements {
        if let Statement::Let { name, value, .. } = statement {
            lets.insert(name.as_str());
            if matches!(value, LetValue::Function(_)) {
                names.insert(name);
            }
        }
    }
    let mut walk = Walk {
        functions: Callable { names },
        lets,
        refs: Vec::new(),
        let_refs: Vec::new(),
        tests: Vec::new(),
    };
    // Last to first, so that the uses of a `let` are known when its value is walked: a value
    // that does not narrow itself is read with what they read.
    for statement in statements.iter().rev() {
        match statement {
            Statement::Let {
                name,
                value: LetValue::Pipeline(p),
                ..
            } => {
                let uses = walk.uses_of(name, text);
                walk.pipeline(p, &[], uses.as_ref());
            }
            Statement::Let { .. } => {}
            Statement::Query(p) => walk.pipeline(p, &[], None),
        }
    }
    let mut tables: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    let mut found: HashMap<String, usize> = HashMap::new();
    for (table, need) in walk.refs {
        *found.entry(table.clone()).or_default() += 1;
        let entry = tables.entry(table).or_insert_with(|| Some(HashSet::new()));
        match (entry.as_mut(), need) {
            (Some(all), Some(need)) => all.extend(need.into_iter().map(|c| c.to_ascii_lowercase())),
            _ => *entry = None,
        }
    }
    let tables: HashMap<String, HashSet<String>> = tables
        .into_iter()
        .filter(|(table, _)| mentions(text, table) == found[table])
        .filter_map(|(table, need)| Some((table, need?)))
        .collect();
    // Rows may be dropped only for a table whose one mention is the pipeline the tests are of.
    let rows = walk
        .tests
        .into_iter()
        .filter(|(table, _)| found[table] == 1 && tables.contains_key(table))
        .collect();
    ColumnNeeds { tables, rows }
}

/// Whole-word mentions of `name` in `text` that could read it: a name followed by a lone `=` is
/// one being bound (`let Reads =`, `summarize Reads = count()`, `kind=`), never a reference.
fn mentions(text: &str, name: &str) -> usize {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let binds = |rest: &str| {
        let rest = rest.trim_start();
        rest.starts_with('=') && !rest[1..].starts_with(['=', '~'])
    };
    let mut count = 0;
    let mut at = 0;
    for word in text.split(|c: char| !is_word(c)) {
        let end = at + word.len();
        if word == name && !binds(&text[end..]) {
            count += 1;
        }
        // The separator is one ASCII character or a wider one; step over it whole.
        at = end + text[end..].chars().next().map_or(0, char::len_utf8);
    }
    count
}

/// A reference to a table or a `let`: its name and the columns it reads (`None`: any).
type Ref = (String, Option<HashSet<String>>);

/// Collects every pipeline that starts from a table name, with the columns it can read.
struct Walk<'n> {
    functions: Callable<'n>,
    lets: HashSet<&'n str>,
    /// Per table reference.
    refs: Vec<Ref>,
    /// Per reference to a tabular `let`, in the statements walked so far.
    let_refs: Vec<Ref>,
    /// Per table reference that starts a pipeline of its own, its rows' tests.
    tests: Vec<(String, Vec<RowTest>)>,
}

impl Walk<'_> {
    /// `then`: the operators that follow this pipeline's own (those after a `union` its inputs
    /// feed); `uses`: what reads its result can read, when it is a `let`'s value.
    fn pipeline(&mut self, p: &Pipeline, then: &[Operator], uses: Option<&HashSet<String>>) {
        match &p.source {
            Source::Expr(Expr::Ident(name, _)) => {
                let need = self.reads_then(p.ops.iter().chain(then), uses);
                let refs = if self.lets.contains(name.as_str()) {
                    &mut self.let_refs
                } else {
                    if then.is_empty() {
                        self.tests.push((
                            name.clone(),
                            row_tests::leading(&p.ops, &self.lets, &self.functions, &row_tests::literal),
                        ));
                    }
                    &mut self.refs
                };
                refs.push((name.clone(), need));
            }
            Source::Expr(e) => self.expr(e),
            Source::Union(spec) => {
                for input in &spec.tables {
                    self.pipeline(input, &p.ops, uses);
                }
            }
            _ => {}
        }
        for (at, op) in p.ops.iter().enumerate() {
            match op {
                Operator::Join(spec) | Operator::Lookup(spec) => {
                    let right = self.right_reads(op, spec, p.ops[at + 1..].iter().chain(then), uses);
                    self.pipeline(&spec.right, &[], right.as_ref());
                }
                other => self.operator(other),
            }
        }
    }

    /// What `ops` read of their input: the names up to the one that narrows, or, when none does
    /// and what reads their result is known (`uses`), the names they read and those.
    fn reads_then<'o>(&self, ops: impl Iterator<Item = &'o Operator> + Clone, uses: Option<&HashSet<String>>) -> Option<HashSet<String>> {
        super::prune::reads(ops.clone(), &self.functions).or_else(|| {
            let uses = uses?;
            let mut own = super::prune::passed_on_reads(ops, &self.functions, uses)?;
            own.extend(uses.iter().cloned());
            Some(own)
        })
    }

    /// What a join's result is read with, of its right side's columns: its keys and, for the kinds
    /// whose result holds right columns, what the operators after it (`rest`, then `uses`) read,
    /// when they narrow and no read could be of a renamed right column (`x1`).
    fn right_reads<'o>(
        &self,
        op: &Operator,
        spec: &JoinSpec,
        rest: impl Iterator<Item = &'o Operator> + Clone,
        uses: Option<&HashSet<String>>,
    ) -> Option<HashSet<String>> {
        let mut names = if matches!(op, Operator::Join(_)) && matches!(spec.kind, Some(JoinKind::LeftSemi | JoinKind::LeftAnti)) {
            HashSet::new()
        } else {
            let after = self.reads_then(rest, uses)?;
            if super::prune::renames_right_columns(op) && after.iter().any(|n| super::prune::may_be_renamed(n)) {
                return None;
            }
            after
        };
        names.extend(spec.on.iter().map(|cond| match cond {
            JoinCond::Column(name) | JoinCond::Eq { right: name, .. } => name.text.clone(),
        }));
        Some(names)
    }

    /// What the statements walked so far read of the `let` named `name`, when every mention of
    /// the name in `text` that could read it is one of them and each narrows.
    fn uses_of(&self, name: &str, text: &str) -> Option<HashSet<String>> {
        let uses: Vec<&Ref> = self.let_refs.iter().filter(|(n, _)| n == name).collect();
        // The declaration itself binds the name, so it is not counted.
        if uses.is_empty() || mentions(text, name) != uses.len() {
            return None;
        }
        let mut columns = HashSet::new();
        for (_, need) in uses {
            columns.extend(need.as_ref()?.iter().map(|c| c.to_ascii_lowercase()));
        }
        Some(columns)
    }

    /// Enters the pipelines an operator holds (join and lookup sides, union inputs, sub-queries in
    /// expressions); operators not entered here leave their tables' mentions unexplained.
    fn operator(&mut self, op: &Operator) {
        match op {
            Operator::Union(spec) => {
                for input in &spec.tables {
                    self.pipeline(input, &[], None);
                }
            }
            Operator::Where(e) => self.expr(e),
            Operator::Extend(items) | Operator::Project(items) => items.iter().for_each(|i| self.expr(&i.expr)),
            Operator::Summarize { aggs, by } => aggs.iter().chain(by).for_each(|i| self.expr(&i.expr)),
            _ => {}
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Literal(..) | Expr::Ident(..) | Expr::Star(_) => {}
            Expr::Member(b, _, _) | Expr::Unary(_, b, _) | Expr::NamedArg { value: b, .. } => self.expr(b),
            Expr::Index(b, i, _) | Expr::Binary(_, b, i, _) => {
                self.expr(b);
                self.expr(i);
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| self.expr(a)),
            Expr::Between { expr, lo, hi, .. } => [expr, lo, hi].into_iter().for_each(|x| self.expr(x)),
            Expr::In { expr, list, .. } => {
                self.expr(expr);
                list.iter().for_each(|x| self.expr(x));
            }
            Expr::Tabular(p) => self.pipeline(p, &[], None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(query: &str) -> ColumnNeeds {
        let script = crate::kql::parse(query).expect("parses");
        column_needs(&script.statements, query, std::iter::empty())
    }

    fn columns(query: &str, table: &str) -> Option<Vec<String>> {
        let mut names: Vec<String> = needs(query).of(table)?.iter().cloned().collect();
        names.sort();
        Some(names)
    }

    #[test]
    fn a_pipeline_that_narrows_reads_only_the_columns_it_names() {
        let q = "let t = 1d; T | where TimeGenerated > ago(t) | where ResultType != '0' | summarize count() by Name";
        assert_eq!(columns(q, "T").expect("narrowed"), ["name", "resulttype", "t", "timegenerated"]);
        let join = "A | where x == 1 | project k, a | join (B | project k, b) on k";
        assert_eq!(columns(join, "A").expect("narrowed"), ["a", "k", "x"]);
        assert_eq!(columns(join, "B").expect("narrowed"), ["b", "k"]);
        let union = "union A, (B | where y > 0) | summarize count() by k";
        assert_eq!(columns(union, "B").expect("narrowed"), ["k", "y"]);
        let ifexists = "T | extend c = column_ifexists('Named', 0) | project c, d";
        assert_eq!(columns(ifexists, "T").expect("narrowed"), ["c", "d", "named"]);
        let anti = "A | where x == 1 | join kind=leftanti (B | project k) on $left.a == $right.k | summarize count() by c";
        assert_eq!(columns(anti, "A").expect("narrowed"), ["a", "c", "x"]);
        let inner = "A | join (B | project k, b) on k | project b, c";
        assert_eq!(columns(inner, "A").expect("narrowed"), ["b", "c", "k"]);
        let chained = "let s = T | where x; let r = s | where y; r | summarize by k | join (s | project k, v) on k";
        assert_eq!(columns(chained, "T").expect("narrowed"), ["k", "v", "x", "y"]);
        let bound = "let Reads = T | where x; Reads | summarize Reads = count() by k";
        assert_eq!(columns(bound, "T").expect("narrowed"), ["k", "x"]);
        let right = "A | join kind=inner (B | where y) on k | project b, a";
        assert_eq!(columns(right, "B").expect("narrowed"), ["a", "b", "k", "y"]);
        let right_let = "let u = B | where y; A | join u on k | summarize max(v) by w";
        assert_eq!(columns(right_let, "B").expect("narrowed"), ["k", "v", "w", "y"]);
        let anti = "A | join kind=leftanti (B | where y) on $left.a == $right.b | project c";
        assert_eq!(columns(anti, "B").expect("narrowed"), ["b", "y"]);
        let applied = "T | mv-apply d = x on (where tostring(d.key) == 'k' | project v = d.value, w) | project v, a";
        assert_eq!(columns(applied, "T").expect("narrowed"), ["a", "d", "v", "w", "x"]);
        let sub = "A | where k in ((B | project k)) | project a";
        assert_eq!(columns(sub, "B").expect("narrowed"), ["k"]);
        // The sub-query's names count too (here its table's): an over-approximation, never a miss.
        assert_eq!(columns(sub, "A").expect("narrowed"), ["a", "b", "k"]);
    }

    #[test]
    fn rows_are_tested_only_for_a_narrowed_table_mentioned_once() {
        let once = r#"T | where TimeGenerated > ago(1d) | where ResultType != "0" | summarize count() by Name"#;
        let test = RowTest::compare("ResultType", false, "0");
        assert_eq!(needs(once).row_tests("T"), std::slice::from_ref(&test));
        let joined = r#"A | project k | join (T | where ResultType != "0" | project k, v) on k"#;
        assert_eq!(needs(joined).row_tests("T"), [test]);
        for query in [
            // Mentioned twice: the other mention sees every row.
            r#"T | where ResultType != "0" | project k | join (T | project k) on k"#,
            // Read whole (no narrowing): left to the query.
            r#"T | where ResultType != "0""#,
            // A union's input is followed by the union's operators, not only its own.
            r#"union (T | where ResultType != "0"), U | summarize count()"#,
        ] {
            assert_eq!(needs(query).row_tests("T"), [], "{query}");
            assert!(!needs(query).tests_rows_of("T"), "{query}");
        }
        // Mentioned once without a test of its own, it is still tested as the query runs (by a
        // join's keys).
        let keyed = r#"A | project k | join (T | extend k = tolower(Name) | project k, v) on k"#;
        assert_eq!(needs(keyed).row_tests("T"), []);
        assert!(needs(keyed).tests_rows_of("T"));
        assert!(needs(joined).tests_rows_of("T"));
    }

    #[test]
    fn a_table_any_of_whose_mentions_could_see_every_column_is_read_whole() {
        for (query, table) in [
            ("T | where x > 1", "T"),
            ("T | take 5", "T"),
            ("T | project-away x | project y", "T"),
            ("T | project a | union (T)", "T"),
            ("let T2 = T; T2 | take 1", "T"),
            ("let T2 = T; T2 | project a | union T2", "T"),
            ("T | join (U) on k | project a1", "T"),
            ("U | join (T | where y) on k | project v1", "T"),
            ("U | lookup (T) on k | take 1", "T"),
            (
                "let T2 = T | where y; T2 | summarize by k | join (T2 | project k) on k | project T2 = k, z = T2",
                "T",
            ),
            ("T | extend c = column_ifexists(name, '') | project c", "T"),
            ("let f = () { T | project b }; T | project a | union (f())", "T"),
            ("T | extend p = pack_all() | project p", "T"),
            ("T | where * has 'x' | project a", "T"),
            ("T | project a // T | take 1", "T"),
            ("T | project a | join (U | project a) on a | join kind=inner T on a", "T"),
            ("T | mv-apply x on (project-away b) | project a", "T"),
            ("T | mv-apply x on (join (U) on k) | project a", "T"),
            ("let g = (x:long) { x + 1 }; T | summarize count() by g(a)", "T"),
        ] {
            assert_eq!(needs(query).of(table), None, "{query}");
        }
    }

    #[test]
    fn a_mention_in_a_stored_function_body_keeps_the_table_whole() {
        let script = crate::kql::parse("T | project a | union (F)").expect("parses");
        let with_body = "T | project a | union (F)\nT | take 1";
        assert_eq!(column_needs(&script.statements, with_body, ["F"].into_iter()).of("T"), None);
        let without = "T | project a | union (F)";
        assert!(column_needs(&script.statements, without, ["F"].into_iter()).of("T").is_some());
    }

    #[test]
    fn the_uses_of_a_tabular_let_tell_the_columns_it_is_read_with() {
        let q = "let s = T | where ok; s | summarize count() by K | join (s | project K, V) on K";
        let script = crate::kql::parse(q).expect("parses");
        let after = &q[q.find(';').expect("a let")..];
        let needs = column_needs(&script.statements[1..], after, std::iter::empty());
        let mut got: Vec<&String> = needs.of("s").expect("narrowed").iter().collect();
        got.sort();
        assert_eq!(got, ["k", "v"]);
        let taken = "let s = T | where ok; s | take 1";
        let script = crate::kql::parse(taken).expect("parses");
        assert_eq!(
            column_needs(&script.statements[1..], &taken[21..], std::iter::empty()).of("s"),
            None
        );
    }

    #[test]
    fn table_names_are_case_sensitive_and_column_names_are_kept_in_any_case() {
        let q = "let t = 1; T | project A, t";
        assert!(needs(q).of("T").expect("narrowed").contains("a"));
        assert_eq!(needs(q).of("t"), None);
    }
}
