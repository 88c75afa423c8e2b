//! The syntax tree: one enum per construct, mirroring KQL's grammar. Spans are carried for error
//! messages but ignored by equality (see [`Span`]).

use super::error::Span;
use super::value::KqlType;

/// A whole query text: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

/// One statement.
// A script holds a handful of statements; boxing the common variant would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`.
    Let { name: String, value: LetValue, span: Span },
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
    pub view: bool,
    pub params: Vec<Param>,
    pub body: Vec<Statement>,
}

/// A function parameter with its declared type (`None` = tabular `(*)`), and optional default.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<Expr>,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    Scalar(KqlType),
    /// Tabular `(*)` or `(col:type, …)`; the column list is informational.
    Tabular(Vec<(String, KqlType)>),
}

/// A source followed by `| operator` stages.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub source: Source,
    pub ops: Vec<Operator>,
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
        columns: Vec<(String, KqlType)>,
        values: Vec<Expr>,
    },
    /// `print a = 1, b`
    Print(Vec<NamedExpr>),
    /// `union [isfuzzy=true] A, B`
    Union(UnionSpec),
    /// `range x from a to b step c`
    Range { name: String, from: Expr, to: Expr, step: Expr },
}

/// Arguments of `union`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionSpec {
    pub options: Vec<(String, Expr)>,
    pub with_source: Option<String>,
    pub tables: Vec<Pipeline>,
}

/// `name = expr` or just `expr` (name derived later).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    pub name: Option<String>,
    pub expr: Expr,
}

/// A tabular operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Extend(Vec<NamedExpr>),
    Project(Vec<NamedExpr>),
    /// Column names or wildcard patterns.
    ProjectAway(Vec<String>),
    ProjectKeep(Vec<String>),
    /// `new = old` pairs.
    ProjectRename(Vec<(String, String)>),
    /// Patterns, in order.
    ProjectReorder(Vec<String>),
    Summarize {
        aggs: Vec<NamedExpr>,
        by: Vec<NamedExpr>,
    },
    Join(JoinSpec),
    /// `lookup [kind=leftouter|inner] (right) on …`
    Lookup(JoinSpec),
    Union(UnionSpec),
    MvExpand(MvExpandSpec),
    /// `mv-apply items on ( ops… )`: the ops run per input row over that row's expanded rows.
    MvApply {
        expand: MvExpandSpec,
        body: Vec<Operator>,
    },
    Parse {
        kind: Option<String>,
        expr: Expr,
        pattern: Vec<ParsePart>,
    },
    /// `distinct *` is an empty list.
    Distinct(Vec<NamedExpr>),
    Sort(Vec<SortKey>),
    Top {
        count: Expr,
        key: SortKey,
    },
    Take(Expr),
    Count,
    As(String),
    /// `serialize` / `order` no-ops that only make row order explicit.
    Serialize(Vec<NamedExpr>),
    /// `getschema`.
    GetSchema,
    /// `evaluate bag_unpack(column[, prefix])`.
    BagUnpack(Vec<Expr>),
}

/// `join kind=… (right) on …`.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinSpec {
    pub kind: Option<String>,
    pub hints: Vec<(String, Expr)>,
    pub right: Box<Pipeline>,
    pub on: Vec<JoinCond>,
}

/// One join condition.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCond {
    /// `on Col` — same name on both sides.
    Column(String),
    /// `$left.A == $right.B`.
    Eq { left: String, right: String },
}

/// `mv-expand [kind=…] [with_itemindex=I] items… [limit N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandSpec {
    pub kind: Option<String>,
    pub item_index: Option<String>,
    pub items: Vec<MvItem>,
    pub limit: Option<Expr>,
}

/// One expanded column: `[name =] expr [to typeof(T)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvItem {
    pub name: Option<String>,
    pub expr: Expr,
    pub to_type: Option<KqlType>,
}

/// A piece of a `parse … with` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    Star,
    Literal(String),
    Column(String, Option<KqlType>),
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    /// `None` means the default (descending).
    pub desc: Option<bool>,
    pub nulls_first: Option<bool>,
}

/// A literal constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
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
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    EqCi,
    NeCi,
    And,
    Or,
    /// String operator given by name, e.g. `has`, `!contains_cs`, `matches regex`.
    Str(StrOp, bool),
}

/// String predicates; the bool in [`BinOp::Str`] is negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrOp {
    Has,
    HasCs,
    HasPrefix,
    HasPrefixCs,
    HasSuffix,
    HasSuffixCs,
    Contains,
    ContainsCs,
    StartsWith,
    StartsWithCs,
    EndsWith,
    EndsWithCs,
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
    In,
    NotIn,
    InCi,
    NotInCi,
    HasAny,
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
    Neg,
    Plus,
}

/// A scalar expression (or, in a few positions, a tabular one).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Literal, Span),
    /// A column, scalar `let`, or table name.
    Ident(String, Span),
    /// `*` as a function argument (`count(*)`, `arg_max(x, *)`).
    Star(Span),
    /// `a.b`
    Member(Box<Expr>, String, Span),
    /// `a[i]`
    Index(Box<Expr>, Box<Expr>, Span),
    Call {
        name: String,
        args: Vec<Expr>,
        span: Span,
    },
    Unary(UnOp, Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `x [!]between (lo .. hi)`
    Between {
        expr: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
        negated: bool,
        span: Span,
    },
    /// `x in (a, b)`, `x in (T | …)`, `x has_any (…)`
    In {
        expr: Box<Expr>,
        op: InOp,
        list: Vec<Expr>,
        span: Span,
    },
    /// A parenthesised pipeline with at least one operator, used as a value (`toscalar(T | …)`).
    Tabular(Box<Pipeline>),
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
            | Expr::In { span: s, .. } => *s,
            Expr::Tabular(p) => p.span,
        }
    }
}
