//! `evaluate` plugin calls (…/evaluate-operator): one typed variant per plugin tenantless runs,
//! its arguments checked by the parser (count, names, closed sets) so that the evaluator only
//! resolves columns and values.

use super::{Expr, Keyword, Name};
use crate::kql::value::KqlType;

/// `evaluate [hint.x=y …] plugin(args) [: (schema)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluate {
    /// `hint.distribution=…` and the like, kept for printing; they only tune execution in Kusto.
    pub hints: Vec<(String, Expr)>,
    /// The plugin and its arguments.
    pub plugin: Plugin,
}

/// The plugins tenantless runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Plugin {
    /// `bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties]) [: schema]`.
    BagUnpack(BagUnpack),
    /// `pivot(pivotColumn [, aggregationFunction] [, column1, …]) [: schema]`.
    Pivot(Pivot),
    /// `narrow()`: one `Row`, `Column`, `Value` row per cell.
    Narrow,
    /// `ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey …] [, return_unmatched])`.
    Ipv4Lookup(Ipv4Lookup),
    /// `basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, …])`.
    Basket(PatternArgs),
    /// `autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, …])`.
    Autocluster(PatternArgs),
}

impl Plugin {
    /// The plugin's name as KQL spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Plugin::BagUnpack(_) => "bag_unpack",
            Plugin::Pivot(_) => "pivot",
            Plugin::Narrow => "narrow",
            Plugin::Ipv4Lookup(_) => "ipv4_lookup",
            Plugin::Basket(_) => "basket",
            Plugin::Autocluster(_) => "autocluster",
        }
    }

    /// `evaluate <name>`, for messages and budget errors.
    pub fn op_name(&self) -> &'static str {
        match self {
            Plugin::BagUnpack(_) => "evaluate bag_unpack",
            Plugin::Pivot(_) => "evaluate pivot",
            Plugin::Narrow => "evaluate narrow",
            Plugin::Ipv4Lookup(_) => "evaluate ipv4_lookup",
            Plugin::Basket(_) => "evaluate basket",
            Plugin::Autocluster(_) => "evaluate autocluster",
        }
    }
}

/// Arguments of `bag_unpack` (…/bag-unpack-plugin).
#[derive(Debug, Clone, PartialEq)]
pub struct BagUnpack {
    /// The dynamic column to unpack.
    pub column: Name,
    /// `OutputColumnPrefix`: a string put before every slot's column name.
    pub prefix: Option<Expr>,
    /// `columnsConflict`: what a slot named like an input column does (default `error`).
    pub conflict: Option<ColumnsConflict>,
    /// `ignoredProperties`: a dynamic array of slot names not to unpack.
    pub ignored: Option<Expr>,
    /// `: (…)`: the output columns and their types.
    pub schema: Option<OutputSchema>,
}

/// `columnsConflict` of `bag_unpack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnsConflict {
    /// The query fails (the default).
    #[default]
    Error,
    /// The slot's column replaces the input column.
    ReplaceSource,
    /// The input column stays; the slot is not unpacked.
    KeepSource,
}

impl Keyword for ColumnsConflict {
    const WHAT: &'static str = "columnsConflict";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (ColumnsConflict::Error, &["error"]),
        (ColumnsConflict::ReplaceSource, &["replace_source"]),
        (ColumnsConflict::KeepSource, &["keep_source"]),
    ];
}

/// Arguments of `pivot` (…/pivot-plugin).
#[derive(Debug, Clone, PartialEq)]
pub struct Pivot {
    /// The column whose distinct values become columns.
    pub column: Name,
    /// The aggregation call; `None` is `count()`.
    pub aggregation: Option<Expr>,
    /// The grouping columns; empty means every column but the pivoted and aggregated ones.
    pub columns: Vec<Name>,
    /// `: (…)`: the output columns and their types.
    pub schema: Option<OutputSchema>,
}

/// Arguments of `ipv4_lookup` (…/ipv4-lookup-plugin).
#[derive(Debug, Clone, PartialEq)]
pub struct Ipv4Lookup {
    /// The lookup table: a table, tabular `let`, or tabular expression.
    pub table: Expr,
    /// The input's column holding an IPv4 address (or prefix).
    pub source_key: Name,
    /// The lookup table's column holding the ranges (`a.b.c.d/n`).
    pub lookup_key: Name,
    /// Further columns both sides have, which must be equal too.
    pub extra_keys: Vec<Name>,
    /// `return_unmatched`: keep input rows without a match (lookup columns empty).
    pub return_unmatched: Option<bool>,
}

/// The positional arguments `basket` and `autocluster` share; `~` (a default) is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternArgs {
    /// basket's `Threshold`, autocluster's `SizeWeight`.
    pub tuning: Option<Expr>,
    /// `WeightColumn`: each row counts as this column's value.
    pub weight: Option<Name>,
    /// basket's `MaxDimensions`, autocluster's `NumSeeds`.
    pub limit: Option<Expr>,
    /// `CustomWildcard`s: each sets the wildcard of the columns of its type.
    pub wildcards: Vec<Expr>,
}

/// A plugin's output schema: `(*, Name: type, …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// A leading `*`: the input's columns come first.
    pub star: bool,
    /// The declared columns, in order.
    pub columns: Vec<(String, KqlType)>,
}
