//! The arguments of the less common tabular operators (`find`, `search`, `top-nested`,
//! `partition`, `fork`, `facet`, `parse-kv`, `render`) and their closed sets of words.

use super::{Expr, Keyword, Name, NamedExpr, Operator, Pipeline, SortOrder};
use crate::kql::value::KqlType;

/// `find [withsource=C] [in (T, …)] where Predicate [project-smart | project C[:type], …]`
/// (…/find-operator).
#[derive(Debug, Clone, PartialEq)]
pub struct FindSpec {
    /// `withsource=`: the name of the column naming each row's table (`source_` without it).
    pub with_source: Option<String>,
    /// `in (…)`: the tables searched, as `union` lists them; `None` is every table.
    pub tables: Option<Vec<Pipeline>>,
    /// The predicate, search terms already written as `* has "term"` and the like.
    pub predicate: Expr,
    /// Which columns the result has.
    pub projection: FindProjection,
}

/// The result columns of `find`.
#[derive(Debug, Clone, PartialEq)]
pub enum FindProjection {
    /// `project-smart` (also the default, `written` false): the predicate's columns and the
    /// columns every searched table has, the rest packed into `pack_`.
    Smart {
        /// Whether `project-smart` was written (kept for printing).
        written: bool,
    },
    /// `project C[:type], …[, pack_all()]`.
    Columns {
        /// The columns, with the type to convert their values to.
        columns: Vec<(Name, Option<KqlType>)>,
        /// `pack_all()`: the columns not listed, packed into `pack_`.
        pack_all: bool,
    },
}

/// `search [kind=…] [in (T, …)] Predicate` (…/search-operator), as a source or after `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpec {
    /// `kind=`: whether string operators ignore case (the default) or not.
    pub kind: Option<SearchKind>,
    /// `in (…)`: the tables searched; `None` is every table, or the piped input after `|`.
    pub tables: Option<Vec<Pipeline>>,
    /// The predicate, search terms already written as `* has "term"` and the like.
    pub predicate: Expr,
}

/// `search kind=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// The same as `case_insensitive`.
    Default,
    /// String operators ignore case.
    CaseInsensitive,
    /// String operators are case-sensitive (`has` is `has_cs`, …).
    CaseSensitive,
}

impl Keyword for SearchKind {
    const WHAT: &'static str = "search kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (SearchKind::Default, &["default"]),
        (SearchKind::CaseInsensitive, &["case_insensitive"]),
        (SearchKind::CaseSensitive, &["case_sensitive"]),
    ];
}

/// One clause of `top-nested [N] of Expr [with others = V] by Aggregation [asc|desc]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedLevel {
    /// `N`: how many values this level keeps per parent; `None` keeps every value.
    pub count: Option<Expr>,
    /// The values of this level, optionally named (`Name = Expr`).
    pub expr: NamedExpr,
    /// `with others = V`: one more row per parent, valued `V`, aggregating the rows left out.
    pub others: Option<Expr>,
    /// The aggregation ranking the values, optionally named.
    pub aggregation: NamedExpr,
    /// `asc` or `desc` (the default).
    pub order: Option<SortOrder>,
}

/// `partition [hint.strategy=…] [hints] by Column (operators)` or `… by Column { query }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionSpec {
    /// `hint.strategy=`; the default is `legacy`.
    pub strategy: Option<PartitionStrategy>,
    /// The other `hint.name=value` options, kept for printing; they only tune performance.
    pub hints: Vec<(String, Expr)>,
    /// The column whose values split the input.
    pub column: Name,
    /// What runs per partition.
    pub body: PartitionBody,
}

/// The subquery of `partition`.
#[derive(Debug, Clone, PartialEq)]
pub enum PartitionBody {
    /// `( operators )`: run over each partition's rows.
    Operators(Vec<Operator>),
    /// `{ query }` (legacy strategy only): a query with its own source, run once per key with
    /// the column's name bound to the key.
    Query(Box<Pipeline>),
}

/// `partition hint.strategy=…` (…/partition-operator#strategies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionStrategy {
    /// At most 64 partitions; the only one taking a `{ query }` (the default).
    Legacy,
    /// Any number of partitions.
    Shuffle,
    /// Any number of partitions.
    Native,
}

impl Keyword for PartitionStrategy {
    const WHAT: &'static str = "partition strategy";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (PartitionStrategy::Legacy, &["legacy"]),
        (PartitionStrategy::Shuffle, &["shuffle"]),
        (PartitionStrategy::Native, &["native"]),
    ];
}

/// One leg of `fork`: `[name =] ( operators )`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForkLeg {
    /// `name =`: the name of the leg's result table.
    pub name: Option<String>,
    /// The leg's operators, run over the input.
    pub ops: Vec<Operator>,
}

/// `facet by C1, C2 [with ( operators )]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetSpec {
    /// The columns, each giving a table of its values and their counts.
    pub columns: Vec<Name>,
    /// The `with` operators, whose result is the first table.
    pub with: Vec<Operator>,
}

/// `parse-kv Expr as (K:type, …) [with (…)]` (…/parse-kv-operator).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseKvSpec {
    /// The text holding the pairs.
    pub expr: Expr,
    /// The keys extracted, each a new column of its type.
    pub keys: Vec<(String, KqlType)>,
    /// The `with (…)` options.
    pub options: ParseKvOptions,
}

/// The `with (…)` options of `parse-kv`; without delimiters or `regex`, any character that is
/// not a letter or digit delimits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParseKvOptions {
    /// `pair_delimiter=`: what separates one pair from the next.
    pub pair_delimiter: Option<String>,
    /// `kv_delimiter=`: what separates a key from its value.
    pub kv_delimiter: Option<String>,
    /// `quote=`: one- or two-character strings, opening and closing quotes (repeatable).
    pub quotes: Vec<String>,
    /// `escape=`: one-character strings escaping a quote inside a quoted value (repeatable).
    pub escapes: Vec<String>,
    /// `greedy=`: an unquoted value runs up to the next key (not the next pair delimiter).
    pub greedy: Option<bool>,
    /// `regex=`: a pattern whose two groups are a key and its value.
    pub regex: Option<String>,
}

/// `render Visualization [with (property = value, …)]` (…/render-operator).
#[derive(Debug, Clone, PartialEq)]
pub struct RenderSpec {
    /// The chart kind.
    pub visualization: Visualization,
    /// The `with (…)` properties, in the order written.
    pub properties: Vec<(RenderProperty, RenderValue)>,
}

/// A `render` property's value.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderValue {
    /// A word of the property's closed set (`kind=stacked`, `legend=hidden`).
    Word(String),
    /// A constant (`title="…"`, `ymin=0`, `accumulate=true`).
    Value(Expr),
    /// Column names (`xcolumn=`, `ycolumns=`, `series=`, `anomalycolumns=`).
    Columns(Vec<Name>),
}

/// `render`'s visualizations, as the docs list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Visualization {
    AnomalyChart,
    AreaChart,
    BarChart,
    Card,
    ColumnChart,
    LadderChart,
    LineChart,
    PieChart,
    PivotChart,
    ScatterChart,
    StackedAreaChart,
    Table,
    TimeChart,
    TimePivot,
    TreeMap,
}

impl Keyword for Visualization {
    const WHAT: &'static str = "visualization";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (Visualization::AnomalyChart, &["anomalychart"]),
        (Visualization::AreaChart, &["areachart"]),
        (Visualization::BarChart, &["barchart"]),
        (Visualization::Card, &["card"]),
        (Visualization::ColumnChart, &["columnchart"]),
        (Visualization::LadderChart, &["ladderchart"]),
        (Visualization::LineChart, &["linechart"]),
        (Visualization::PieChart, &["piechart"]),
        (Visualization::PivotChart, &["pivotchart"]),
        (Visualization::ScatterChart, &["scatterchart"]),
        (Visualization::StackedAreaChart, &["stackedareachart"]),
        (Visualization::Table, &["table"]),
        (Visualization::TimeChart, &["timechart"]),
        (Visualization::TimePivot, &["timepivot"]),
        (Visualization::TreeMap, &["treemap"]),
    ];
}

/// `render`'s properties (…/render-operator#supported-properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum RenderProperty {
    Accumulate,
    Kind,
    Legend,
    Series,
    YMin,
    YMax,
    Title,
    XAxis,
    XColumn,
    XTitle,
    YAxis,
    YColumns,
    YSplit,
    YTitle,
    AnomalyColumns,
}

impl Keyword for RenderProperty {
    const WHAT: &'static str = "render property";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (RenderProperty::Accumulate, &["accumulate"]),
        (RenderProperty::Kind, &["kind"]),
        (RenderProperty::Legend, &["legend"]),
        (RenderProperty::Series, &["series"]),
        (RenderProperty::YMin, &["ymin"]),
        (RenderProperty::YMax, &["ymax"]),
        (RenderProperty::Title, &["title"]),
        (RenderProperty::XAxis, &["xaxis"]),
        (RenderProperty::XColumn, &["xcolumn"]),
        (RenderProperty::XTitle, &["xtitle"]),
        (RenderProperty::YAxis, &["yaxis"]),
        (RenderProperty::YColumns, &["ycolumns"]),
        (RenderProperty::YSplit, &["ysplit"]),
        (RenderProperty::YTitle, &["ytitle"]),
        (RenderProperty::AnomalyColumns, &["anomalycolumns"]),
    ];
}

/// What a `render` property takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderValueKind {
    /// One of these words.
    Words(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string literal.
    Text,
    /// One column name.
    Column,
    /// Comma-separated column names.
    ColumnList,
}

impl RenderProperty {
    /// The values the property takes (…/render-operator#supported-properties).
    pub fn value_kind(self) -> RenderValueKind {
        use RenderProperty::*;
        use RenderValueKind::*;
        match self {
            Accumulate => Bool,
            Kind => Words(&["default", "unstacked", "stacked", "stacked100", "map"]),
            Legend => Words(&["visible", "hidden"]),
            XAxis | YAxis => Words(&["linear", "log"]),
            YSplit => Words(&["none", "axes", "panels"]),
            YMin | YMax => Number,
            Title | XTitle | YTitle => Text,
            XColumn => Column,
            Series | YColumns | AnomalyColumns => ColumnList,
        }
    }
}
