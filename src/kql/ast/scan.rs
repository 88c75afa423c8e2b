//! The `scan` operator's tree (learn.microsoft.com/kusto/query/scan-operator):
//! `scan [with_match_id = Id] [declare (Col: type [= default], …)] with (step Name [output = all|last|none]: Condition [=> Col = Expr, …]; …)`.

use super::{Expr, Keyword, Name};
use crate::kql::value::KqlType;

/// `scan …` after the operator's name.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSpec {
    /// `with_match_id = Name`: a `long` column appended to the output with each match's 0-based
    /// sequence number.
    pub match_id: Option<Name>,
    /// `declare (…)`: the columns the steps assign, appended to the input's.
    pub declare: Vec<ScanColumn>,
    /// The steps, in order (`s_1` … `s_n`).
    pub steps: Vec<ScanStep>,
}

/// One declared column: `Name: type [= default]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanColumn {
    /// The column's name.
    pub name: Name,
    /// Its type.
    pub ty: KqlType,
    /// Its value where no step assigned it; `None` is null.
    pub default: Option<Expr>,
}

/// One step: `step Name [output = …]: Condition [=> Col = Expr, …];`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    /// The step's name, which conditions and assignments use to read its state (`Name.Col`).
    pub name: Name,
    /// `output =`; `None` is `all`.
    pub output: Option<ScanOutput>,
    /// Which records match the step.
    pub condition: Expr,
    /// `=> Col = Expr, …`: the columns set on a matching record, in order.
    pub assignments: Vec<(Name, Expr)>,
}

/// `output =` of a scan step: which of its matches are output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanOutput {
    /// Every record that matches the step (the default).
    #[default]
    All,
    /// Only the last record of a series of repeated matches of the step.
    Last,
    /// None: the step only moves the sequence on.
    None,
}

impl Keyword for ScanOutput {
    const WHAT: &'static str = "scan step output";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (ScanOutput::All, &["all"]),
        (ScanOutput::Last, &["last"]),
        (ScanOutput::None, &["none"]),
    ];
}
