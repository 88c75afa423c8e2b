//! The one table of tabular operators: each name (and alias) with its parse function, or marked as
//! not supported yet. The parser dispatches on it, "did you mean" and "expected …" come from it,
//! and docs/cli.md's coverage list is checked against it (`tests/it/kql_tree.rs`).

use super::Parser;
use crate::kql::ast::{Operator, SortKey};
use crate::kql::error::KqlError;
use crate::kql::lexer::Tok;

/// How the parser treats an operator.
#[derive(Clone, Copy)]
pub(super) enum Support {
    /// Parsed by this function, called after the operator's name.
    Parsed(fn(&mut Parser<'_>) -> Result<Operator, KqlError>),
    /// Part of KQL, not of tenantless yet: reported by name.
    NotYet,
}

/// One tabular operator.
#[derive(Clone, Copy)]
pub(super) struct OperatorDef {
    /// Its names, the documented one first (`sort`, `order`).
    pub(super) names: &'static [&'static str],
    /// Whether and how it parses.
    pub(super) support: Support,
}

impl OperatorDef {
    /// Whether tenantless runs it.
    pub(super) fn supported(&self) -> bool {
        matches!(self.support, Support::Parsed(_))
    }
}

const fn parsed(names: &'static [&'static str], parse: fn(&mut Parser<'_>) -> Result<Operator, KqlError>) -> OperatorDef {
    OperatorDef {
        names,
        support: Support::Parsed(parse),
    }
}

const fn not_yet(names: &'static [&'static str]) -> OperatorDef {
    OperatorDef {
        names,
        support: Support::NotYet,
    }
}

/// Every tabular operator of KQL that queries over these tables use, in the order docs list them.
pub(super) const OPERATORS: &[OperatorDef] = &[
    parsed(&["where", "filter"], |p| Ok(Operator::Where(p.expr()?))),
    parsed(&["extend"], |p| Ok(Operator::Extend(p.assignments()?))),
    parsed(&["project"], |p| Ok(Operator::Project(p.assignments()?))),
    parsed(&["project-away"], |p| Ok(Operator::ProjectAway(p.patterns()?))),
    parsed(&["project-keep"], |p| Ok(Operator::ProjectKeep(p.patterns()?))),
    parsed(&["project-rename"], |p| p.project_rename_op()),
    parsed(&["project-reorder"], |p| Ok(Operator::ProjectReorder(p.patterns()?))),
    parsed(&["summarize"], |p| p.summarize_op()),
    parsed(&["join"], |p| Ok(Operator::Join(p.join(false)?))),
    parsed(&["lookup"], |p| Ok(Operator::Lookup(p.join(true)?))),
    parsed(&["union"], |p| Ok(Operator::Union(p.union_spec()?))),
    parsed(&["mv-expand", "mvexpand"], |p| Ok(Operator::MvExpand(p.mv_expand_spec()?))),
    parsed(&["mv-apply", "mvapply"], |p| p.mv_apply_op()),
    parsed(&["parse"], |p| p.parse_op()),
    parsed(&["distinct"], |p| p.distinct_op()),
    parsed(&["sort", "order"], |p| p.sort_op()),
    parsed(&["top"], |p| p.top_op()),
    parsed(&["take", "limit"], |p| Ok(Operator::Take(p.expr()?))),
    parsed(&["count"], |_| Ok(Operator::Count)),
    parsed(&["as"], |p| p.as_op()),
    parsed(&["serialize"], |p| p.serialize_op()),
    parsed(&["getschema"], |_| Ok(Operator::GetSchema)),
    parsed(&["evaluate"], |p| p.evaluate_op()),
    parsed(&["scan"], |p| p.scan_op()),
    parsed(&["make-series"], |p| p.make_series_op()),
    parsed(&["render"], |p| p.render_op()),
    parsed(&["invoke"], |p| p.invoke_op()),
    parsed(&["facet"], |p| p.facet_op()),
    parsed(&["sample"], |p| Ok(Operator::Sample(p.expr()?))),
    parsed(&["sample-distinct"], |p| p.sample_distinct_op()),
    parsed(&["find"], |p| {
        p.error_at(
            p.prev_span(),
            "`find` starts a query: it reads tables, not a piped input (write `find in (…) where …`)",
        )
    }),
    parsed(&["search"], |p| Ok(Operator::Search(p.search_spec(false)?))),
    parsed(&["fork"], |p| p.fork_op()),
    parsed(&["partition"], |p| p.partition_op()),
    // The docs give no algorithm to reproduce its patterns (…/reduce-operator cites a paper).
    not_yet(&["reduce"]),
    parsed(&["top-nested"], |p| p.top_nested_op()),
    parsed(&["top-hitters"], |p| p.top_hitters_op()),
    parsed(&["parse-kv"], |p| p.parse_kv_op()),
    parsed(&["parse-where"], |p| p.parse_where_op()),
    // Not an operator of its own: the last clause of `find` (Microsoft's analyzer rejects
    // `| project-smart`); listed so the name lexes as one word and gets this message.
    parsed(&["project-smart"], |p| {
        p.error_at(
            p.prev_span(),
            "`project-smart` is only valid as the last clause of `find`; use `project`",
        )
    }),
];

/// The operator `name` names (case-insensitive), if KQL has it.
fn find(name: &str) -> Option<&'static OperatorDef> {
    OPERATORS.iter().find(|op| op.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

impl Parser<'_> {
    /// A tabular operator, by the table.
    pub(super) fn operator(&mut self) -> Result<Operator, KqlError> {
        let span = self.span();
        let name = match self.peek() {
            Tok::Ident(w) => w.clone(),
            _ => return self.error("a tabular operator (where, extend, project, summarize, join, …)"),
        };
        match find(&name).map(|op| op.support) {
            Some(Support::Parsed(parse)) => {
                self.bump();
                parse(self)
            }
            Some(Support::NotYet) => Err(KqlError::Unsupported(format!("`{}`", name.to_ascii_lowercase()))),
            None => Err(self.unknown_operator(&name, span)),
        }
    }

    /// An operator name KQL does not have, with the closest one tenantless runs.
    fn unknown_operator(&self, name: &str, span: crate::kql::error::Span) -> KqlError {
        let runs = || OPERATORS.iter().filter(|op| op.supported());
        let hint = crate::kql::error::suggest(name, runs().flat_map(|op| op.names.iter().copied()))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        let expected: Vec<&str> = runs().map(|op| op.names[0]).collect();
        KqlError::syntax(
            self.src,
            span,
            format!("unknown tabular operator `{name}`; {hint}expected one of: {}", expected.join(", ")),
        )
    }

    fn summarize_op(&mut self) -> Result<Operator, KqlError> {
        self.skip_hints()?;
        let aggs = if self.at_word("by") { Vec::new() } else { self.named_list()? };
        let by = if self.eat_word("by") { self.named_list()? } else { Vec::new() };
        Ok(Operator::Summarize { aggs, by })
    }

    fn distinct_op(&mut self) -> Result<Operator, KqlError> {
        if self.eat_sym("*") {
            return Ok(Operator::Distinct(Vec::new()));
        }
        Ok(Operator::Distinct(self.named_list()?))
    }

    fn sort_op(&mut self) -> Result<Operator, KqlError> {
        self.expect_word("by")?;
        let mut keys: Vec<SortKey> = vec![self.sort_key()?];
        while self.eat_sym(",") {
            keys.push(self.sort_key()?);
        }
        Ok(Operator::Sort(keys))
    }

    fn top_op(&mut self) -> Result<Operator, KqlError> {
        let count = self.expr()?;
        self.expect_word("by")?;
        Ok(Operator::Top {
            count,
            key: self.sort_key()?,
        })
    }

    fn serialize_op(&mut self) -> Result<Operator, KqlError> {
        if matches!(self.peek(), Tok::Eof | Tok::Sym("|") | Tok::Sym(";") | Tok::Sym(")")) {
            return Ok(Operator::Serialize(Vec::new()));
        }
        Ok(Operator::Serialize(self.named_list()?))
    }
}
