//! The syntax tree: one enum per construct, mirroring KQL's grammar. Spans are carried for error
//! messages but ignored by equality (see [`Span`]).

mod kinds;
mod more;
mod plugins;
mod scan;

pub use super::error::Span;
use super::value::KqlType;
pub use kinds::{JoinKind, Keyword, LookupKind, MakeSeriesKind, MvExpandKind, Name, NullsPlacement, ParseKind, SortOrder, UnionKind};
pub use more::{
    FacetSpec, FindProjection, FindSpec, ForkLeg, ParseKvOptions, ParseKvSpec, PartitionBody, PartitionSpec, PartitionStrategy,
    RenderProperty, RenderSpec, RenderValue, RenderValueKind, SearchKind, SearchSpec, TopNestedLevel, Visualization,
};
pub use plugins::{BagUnpack, ColumnsConflict, Evaluate, Ipv4Lookup, OutputSchema, PatternArgs, Pivot, Plugin};
pub use scan::{ScanColumn, ScanOutput, ScanSpec, ScanStep};

/// A whole query text: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The statements in source order; each query statement yields one result table.
    pub statements: Vec<Statement>,
}

/// One statement.
// A script holds a handful of statements; boxing the common variant would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`.
    Let {
        /// The name being bound, as written.
        name: String,
        /// What the name stands for in the statements after this one.
        value: LetValue,
        /// From `let` to the end of the value, for error messages.
        span: Span,
    },
    /// A tabular (or scalar) expression whose result is returned.
    Query(Pipeline),
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar expression or a tabular pipeline; which one is decided when names resolve.
    Pipeline(Box<Pipeline>),
    /// A user function: `(a:string, T:(*)) { lets…; body }`, optionally written as `view () {…}`.
    Function(FunctionDef),
}

/// A user-defined function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// Written as `view () {…}`. Kept so the printer reproduces it; evaluation ignores it (in Kusto
    /// it only makes the function visible to `union *`).
    pub view: bool,
    /// The parameters, in declaration order.
    pub params: Vec<Param>,
    /// The body: `let` statements, then the expression whose result is the call's result.
    pub body: Vec<Statement>,
    /// For a stored function (`--functions`), the file its spans point into; `None` for a
    /// function the query defines with `let`.
    pub origin: Option<std::sync::Arc<crate::kql::stored::FunctionOrigin>>,
}

/// A function parameter with its declared type (tabular `(*)` is a tabular type with no columns)
/// and optional default.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name the body refers to the argument by.
    pub name: String,
    /// Scalar type or tabular schema.
    pub ty: ParamType,
    /// The `= value` default, used when a call leaves the argument out.
    pub default: Option<Expr>,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// A scalar parameter: `name:type`.
    Scalar(KqlType),
    /// Tabular `(*)` or `(col:type, …)`; the column list is informational.
    Tabular(Vec<(String, KqlType)>),
}

/// A source followed by `| operator` stages.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The first stage, before any `|`.
    pub source: Source,
    /// The `| operator` stages, in order.
    pub ops: Vec<Operator>,
    /// The whole pipeline's text, for error messages.
    pub span: Span,
    /// Where each operator's name starts (parallel to `ops`; empty for pipelines built in code),
    /// so budget errors can say which operator went over.
    pub op_spans: Vec<Span>,
}

/// Where rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table, tabular `let`, function call, parenthesised pipeline — or a scalar expression.
    Expr(Expr),
    /// `datatable (a:string, …) [ values… ]`
    Datatable {
        /// The declared `name:type` columns.
        columns: Vec<(String, KqlType)>,
        /// All the cells, row after row; their count must be a multiple of the column count.
        values: Vec<Expr>,
    },
    /// `print a = 1, b`
    Print(Vec<NamedExpr>),
    /// A wildcard table name in `union` (`*`, `Audit*`, `AAD*SignInLogs`): every table whose
    /// name matches, in name order.
    TableGlob(Name),
    /// `externaldata (a:string, …) [ "uri", … ] [with (format="csv", …)]`
    ExternalData {
        /// The declared `name:type` columns.
        columns: Vec<(String, KqlType)>,
        /// The files' URIs (string expressions), read in order.
        uris: Vec<Expr>,
        /// The `with (name = value, …)` properties, names as written.
        properties: Vec<(String, Expr)>,
    },
    /// `union [isfuzzy=true] A, B`
    Union(UnionSpec),
    /// `range x from a to b step c`
    Range {
        /// The single output column's name.
        name: String,
        /// The first value.
        from: Expr,
        /// The last value (inclusive): rows stop once the next value would pass it.
        to: Expr,
        /// The increment between rows (a number, or a timespan for datetime ranges).
        step: Expr,
    },
    /// `find … where …`: the matching rows of several tables, with a `source_` column.
    Find(FindSpec),
    /// `search …`: the matching rows of several tables, with a `$table` column.
    Search(SearchSpec),
}

/// Arguments of `union`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionSpec {
    /// `kind=`: which columns the result has.
    pub kind: Option<UnionKind>,
    /// `isfuzzy=true`: an input that fails (other than by going over a budget) is skipped.
    pub is_fuzzy: Option<bool>,
    /// `hint.name=value` options, kept for printing; they only tune performance in Kusto.
    pub hints: Vec<(String, Expr)>,
    /// `withsource=Name`: a leading `string` column naming the input each row came from.
    pub with_source: Option<String>,
    /// The inputs, in order; a bare table name is a pipeline without operators.
    pub tables: Vec<Pipeline>,
}

/// `name = expr` or just `expr` (name derived later).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// The explicit `name =`, if any; without it the column is named from the expression.
    pub name: Option<String>,
    /// The value.
    pub expr: Expr,
    /// `(a, b, …) = f(…)` in `extend`/`project`: the names of the columns a function returning
    /// several values (`series_stats`, `series_fit_line`, …) fills, in order; empty otherwise
    /// (then `name` says the name, if any).
    pub names: Vec<Name>,
}

/// A tabular operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `where predicate` (or `filter`): keeps the rows where the predicate is `true`.
    Where(Expr),
    /// `extend [name =] expr, …`: adds columns, replacing any of the same name.
    Extend(Vec<NamedExpr>),
    /// `project [name =] expr, …`: exactly these columns, in this order.
    Project(Vec<NamedExpr>),
    /// Column names or wildcard patterns.
    ProjectAway(Vec<Name>),
    /// `project-keep`: only the columns matching these names or wildcard patterns, in input order.
    ProjectKeep(Vec<Name>),
    /// `new = old` pairs.
    ProjectRename(Vec<(Name, Name)>),
    /// Patterns, in order.
    ProjectReorder(Vec<Name>),
    /// `summarize [aggregations] [by keys]`: one row per distinct combination of the keys.
    Summarize {
        /// Aggregation calls (`count()`, `arg_max(…)`, …), possibly none (`summarize by X`).
        aggs: Vec<NamedExpr>,
        /// Grouping keys; none means one row over the whole input.
        by: Vec<NamedExpr>,
    },
    /// `join [kind=…] [hint.*=…] (right) on …`.
    Join(JoinSpec),
    /// `lookup [kind=leftouter|inner] (right) on …`
    Lookup(JoinSpec),
    /// `| union …`: the piped input followed by the listed inputs.
    Union(UnionSpec),
    /// `mv-expand`: one row per element of an array (or entry of a bag).
    MvExpand(MvExpandSpec),
    /// `mv-apply items on ( ops… )`: the ops run per input row over that row's expanded rows.
    MvApply {
        /// The `mv-expand` part before `on`, giving each input row its expanded rows.
        expand: MvExpandSpec,
        /// The sub-query's operators, run once per input row.
        body: Vec<Operator>,
    },
    /// `parse [kind=…] expr with pattern`: extracts columns from a string by a pattern.
    Parse {
        /// `kind=`; only `regex` is treated differently: its literals are regex fragments.
        kind: Option<ParseKind>,
        /// The string being parsed.
        expr: Expr,
        /// The `with` pattern: literals, `*` and column captures, in order.
        pattern: Vec<ParsePart>,
    },
    /// `distinct *` is an empty list.
    Distinct(Vec<NamedExpr>),
    /// `sort by` / `order by` keys, most significant first.
    Sort(Vec<SortKey>),
    /// `top N by key`: the first N rows in key order.
    Top {
        /// How many rows (`N`).
        count: Expr,
        /// The single sort key.
        key: SortKey,
    },
    /// `take N` / `limit N`: at most N rows (here, the first N).
    Take(Expr),
    /// `count`: one row with a `long` column `Count` holding the number of input rows.
    Count,
    /// `as [hint.materialized=B] Name`: binds the result to a name the rest of the query can use;
    /// rows pass through.
    As {
        /// The name bound.
        name: String,
        /// `hint.materialized=`, kept for printing: every `as` is evaluated once here anyway.
        materialized: Option<bool>,
    },
    /// `serialize` / `order` no-ops that only make row order explicit.
    Serialize(Vec<NamedExpr>),
    /// `getschema`.
    GetSchema,
    /// `scan …`: a state machine of steps over the rows in order.
    Scan(Box<ScanSpec>),
    /// `evaluate plugin(…)`: a plugin call (see [`Plugin`]).
    Evaluate(Box<Evaluate>),
    /// `| search …`: the piped rows matching the predicate, with a `$table` column.
    Search(SearchSpec),
    /// `invoke f(args)`: calls the tabular function `f` with the piped table as its first argument.
    Invoke {
        /// The function's name.
        name: Name,
        /// The arguments after the piped table.
        args: Vec<Expr>,
    },
    /// `facet by …`: one table of values and counts per column (several result tables).
    Facet(FacetSpec),
    /// `top-nested …, top-nested …`: hierarchical top values, two columns per clause.
    TopNested(Vec<TopNestedLevel>),
    /// `partition by Column (…)`: a subquery per value of the column, results unioned.
    Partition(PartitionSpec),
    /// `fork (…) (…)`: several result tables from one input.
    Fork(Vec<ForkLeg>),
    /// `sample N`: N rows picked at random (reproducibly, see `eval/sample.rs`).
    Sample(Expr),
    /// `sample-distinct N of Column`: up to N distinct values of the column.
    SampleDistinct {
        /// How many values.
        count: Expr,
        /// The column sampled.
        column: Name,
    },
    /// `top-hitters N of Expr [by Sum]`: the N most frequent values (or the N largest sums).
    TopHitters {
        /// How many values.
        count: Expr,
        /// The values counted.
        expr: Expr,
        /// What is summed per value instead of counting its rows.
        by: Option<Expr>,
    },
    /// `parse-where`: `parse`, keeping only the rows that match.
    ParseWhere {
        /// `kind=`: `simple` or `regex`.
        kind: Option<ParseKind>,
        /// `flags=`: regex flags (`i`, `m`, `s`, `U`) under `kind=regex`.
        flags: Option<String>,
        /// The string being parsed.
        expr: Expr,
        /// The `with` pattern.
        pattern: Vec<ParsePart>,
    },
    /// `parse-kv Expr as (keys) with (…)`: columns from key/value text.
    ParseKv(ParseKvSpec),
    /// `render …`: visualization properties only; rows pass through.
    Render(RenderSpec),
    /// `make-series …`: per group, arrays of aggregates along an axis (…/make-series-operator).
    MakeSeries(Box<MakeSeriesSpec>),
}

/// `make-series [kind=nonempty] aggregations on Axis (from … to … step … | in range(…)) [by …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeSeriesSpec {
    /// `kind=nonempty`: a row of default series even when nothing was aggregated.
    pub kind: Option<MakeSeriesKind>,
    /// `hint.name=value` options, kept for printing; they only tune performance in Kusto.
    pub hints: Vec<(String, Expr)>,
    /// `[Column =] Aggregation [default = Value]`, at least one.
    pub aggs: Vec<SeriesAgg>,
    /// The axis the series are ordered by (usually a datetime column).
    pub axis: Expr,
    /// Which bins the axis is cut into.
    pub range: SeriesRange,
    /// Grouping keys: one output row per distinct combination.
    pub by: Vec<NamedExpr>,
}

/// One aggregation of `make-series`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAgg {
    /// The aggregate call and its optional column name.
    pub agg: NamedExpr,
    /// `default = Value`: the element of bins without rows (0 when absent).
    pub default: Option<Expr>,
}

/// The bins of `make-series`.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesRange {
    /// `[from start] [to end] step step`: bins `bin_at(axis, step, start)`, `end` exclusive; a
    /// missing bound comes from the data.
    Step {
        /// The first bin's start.
        from: Option<Expr>,
        /// The exclusive end.
        to: Option<Expr>,
        /// The bin size.
        step: Expr,
    },
    /// `in range(start, stop, step)`: bins `bin(axis, step)` from `start`'s to `stop`'s, inclusive.
    InRange {
        /// The value whose bin is the first.
        start: Expr,
        /// The value whose bin is the last.
        stop: Expr,
        /// The bin size.
        step: Expr,
    },
}

/// `join kind=… (right) on …`.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinSpec {
    /// `kind=`; `None` is Kusto's default (`innerunique` for `join`, `leftouter` for `lookup`,
    /// whose parser admits only its two kinds).
    pub kind: Option<JoinKind>,
    /// `hint.name=value` options, kept for printing; they only tune performance in Kusto.
    pub hints: Vec<(String, Expr)>,
    /// The right-hand input: a parenthesised pipeline or a bare table name.
    pub right: Box<Pipeline>,
    /// The key conditions (separated by `,` or `and`), all of which must hold.
    pub on: Vec<JoinCond>,
}

/// One join condition.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCond {
    /// `on Col` — same name on both sides.
    Column(Name),
    /// `$left.A == $right.B`.
    Eq {
        /// The column on the left (piped) input.
        left: Name,
        /// The column on the right input.
        right: Name,
    },
}

/// `mv-expand [kind=…] [with_itemindex=I] items… [limit N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandSpec {
    /// `kind=` (or `bagexpansion=`): `array` expands a bag entry to a `[key, value]` array;
    /// `bag` (the default) to a one-entry bag.
    pub kind: Option<MvExpandKind>,
    /// `with_itemindex=Name`: an extra `long` column with each element's 0-based position.
    pub item_index: Option<String>,
    /// The columns expanded side by side; a shorter list is padded with nulls.
    pub items: Vec<MvItem>,
    /// `limit N`: at most N rows from each input row.
    pub limit: Option<Expr>,
}

/// One expanded column: `[name =] expr [to typeof(T)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvItem {
    /// The output column (`name =`); without it the column is named from the expression.
    pub name: Option<String>,
    /// The array or bag to expand (a string holding JSON is parsed first).
    pub expr: Expr,
    /// `to typeof(T)`: the type elements are converted to; without it they stay `dynamic`.
    pub to_type: Option<KqlType>,
}

/// A piece of a `parse … with` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// `*`: skips any text, as little as possible.
    Star,
    /// Text that must appear verbatim (a regex fragment under `kind=regex`).
    Literal(String),
    /// A capture `Name` or `Name:type`; a typed `long`/`int`/`real` capture matches only a number.
    Column(String, Option<KqlType>),
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The value to sort by.
    pub expr: Expr,
    /// `None` means the default (descending).
    pub order: Option<SortOrder>,
    /// `nulls first` or `nulls last`; `None` means Kusto's default: first when ascending, last
    /// when descending.
    pub nulls: Option<NullsPlacement>,
}

/// A literal constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer literal such as `42`.
    Long(i64),
    /// A floating-point literal such as `1.5`.
    Real(f64),
    /// A string literal's value, quotes and escapes already resolved.
    String(String),
    /// Ticks since the epoch; `None` is `datetime(null)`.
    DateTime(Option<i64>),
    /// Ticks; `None` is `timespan(null)`.
    TimeSpan(Option<i64>),
    /// `dynamic(...)` as JSON.
    Dynamic(serde_json::Value),
    /// `typeof(string)` (used by `mv-expand … to typeof()` and a few functions).
    Type(KqlType),
}

/// Binary operators (arithmetic, comparison, logical, and string operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=` (also written `<>`).
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`: equal, ignoring case.
    EqCi,
    /// `!~`: not equal, ignoring case.
    NeCi,
    /// `and`
    And,
    /// `or`
    Or,
    /// String operator given by name, e.g. `has`, `!contains_cs`, `matches regex`.
    Str(StrOp, bool),
}

/// String predicates; the bool in [`BinOp::Str`] is negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    /// `has`: the left side contains the right as a whole term, ignoring case.
    Has,
    /// `has_cs`: as `has`, case-sensitive.
    HasCs,
    /// `hasprefix`: some term of the left side starts with the right, ignoring case.
    HasPrefix,
    /// `hasprefix_cs`: as `hasprefix`, case-sensitive.
    HasPrefixCs,
    /// `hassuffix`: some term of the left side ends with the right, ignoring case.
    HasSuffix,
    /// `hassuffix_cs`: as `hassuffix`, case-sensitive.
    HasSuffixCs,
    /// `contains`: the right side is a substring of the left, ignoring case.
    Contains,
    /// `contains_cs`: as `contains`, case-sensitive.
    ContainsCs,
    /// `startswith`: the left side begins with the right, ignoring case.
    StartsWith,
    /// `startswith_cs`: as `startswith`, case-sensitive.
    StartsWithCs,
    /// `endswith`: the left side ends with the right, ignoring case.
    EndsWith,
    /// `endswith_cs`: as `endswith`, case-sensitive.
    EndsWithCs,
    /// `matches regex`: the regular expression on the right matches somewhere in the left side.
    MatchesRegex,
}

impl StrOp {
    /// All operators with their KQL spelling (un-negated).
    pub const ALL: &'static [(StrOp, &'static str)] = &[
        (StrOp::Has, "has"),
        (StrOp::HasCs, "has_cs"),
        (StrOp::HasPrefix, "hasprefix"),
        (StrOp::HasPrefixCs, "hasprefix_cs"),
        (StrOp::HasSuffix, "hassuffix"),
        (StrOp::HasSuffixCs, "hassuffix_cs"),
        (StrOp::Contains, "contains"),
        (StrOp::ContainsCs, "contains_cs"),
        (StrOp::StartsWith, "startswith"),
        (StrOp::StartsWithCs, "startswith_cs"),
        (StrOp::EndsWith, "endswith"),
        (StrOp::EndsWithCs, "endswith_cs"),
        (StrOp::MatchesRegex, "matches regex"),
    ];

    /// The operator's KQL spelling.
    pub fn name(self) -> &'static str {
        StrOp::ALL.iter().find(|(op, _)| *op == self).map(|(_, n)| *n).unwrap_or("has")
    }
}

/// `in`-family operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InOp {
    /// `in`: equal to one of the list's values.
    In,
    /// `!in`: equal to none of the list's values.
    NotIn,
    /// `in~`: as `in`, ignoring case.
    InCi,
    /// `!in~`: as `!in`, ignoring case.
    NotInCi,
    /// `has_any`: has at least one of the list's values as a term.
    HasAny,
    /// `has_all`: has every one of the list's values as a term.
    HasAll,
}

impl InOp {
    /// KQL spelling.
    pub fn name(self) -> &'static str {
        match self {
            InOp::In => "in",
            InOp::NotIn => "!in",
            InOp::InCi => "in~",
            InOp::NotInCi => "!in~",
            InOp::HasAny => "has_any",
            InOp::HasAll => "has_all",
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `+x`, which leaves the value unchanged.
    Plus,
}

/// A scalar expression (or, in a few positions, a tabular one).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal constant.
    Literal(Literal, Span),
    /// A column, scalar `let`, or table name.
    Ident(String, Span),
    /// `*` as a function argument (`count(*)`, `arg_max(x, *)`).
    Star(Span),
    /// `a.b`
    Member(Box<Expr>, String, Span),
    /// `a[i]`
    Index(Box<Expr>, Box<Expr>, Span),
    /// A function call `name(args…)`: built-in, aggregate or user-defined.
    Call {
        /// The name as written; a user-defined function in scope takes precedence over a built-in.
        name: String,
        /// The arguments, in order; they may include `*` or a tabular expression.
        args: Vec<Expr>,
        /// From the name to the closing `)`.
        span: Span,
    },
    /// A unary operator and its operand.
    Unary(UnOp, Box<Expr>, Span),
    /// A binary operator with its left and right operands.
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `x [!]between (lo .. hi)`
    Between {
        /// The value tested.
        expr: Box<Expr>,
        /// The lower bound (inclusive).
        lo: Box<Expr>,
        /// The upper bound (inclusive).
        hi: Box<Expr>,
        /// True for `!between`.
        negated: bool,
        /// The whole expression's text.
        span: Span,
    },
    /// `x in (a, b)`, `x in (T | …)`, `x has_any (…)`
    In {
        /// The value tested (left of the operator).
        expr: Box<Expr>,
        /// Which `in`-family operator.
        op: InOp,
        /// The right-hand values; a tabular expression among them contributes its first column.
        list: Vec<Expr>,
        /// The whole expression's text.
        span: Span,
    },
    /// A parenthesised pipeline with at least one operator, used as a value (`toscalar(T | …)`).
    Tabular(Box<Pipeline>),
    /// `name = value` as an argument of a call to a user-defined or stored function (ASIM
    /// parsers are called as `_Im_Authentication(starttime = ago(1d))`).
    NamedArg {
        /// The parameter it binds.
        name: Name,
        /// The argument.
        value: Box<Expr>,
        /// From the name to the end of the value.
        span: Span,
    },
}

impl Expr {
    /// The expression's source span.
    pub fn span(&self) -> Span {
        match self {
            Expr::Literal(_, s)
            | Expr::Ident(_, s)
            | Expr::Star(s)
            | Expr::Member(_, _, s)
            | Expr::Index(_, _, s)
            | Expr::Call { span: s, .. }
            | Expr::Unary(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::Between { span: s, .. }
            | Expr::In { span: s, .. }
            | Expr::NamedArg { span: s, .. } => *s,
            Expr::Tabular(p) => p.span,
        }
    }
}
