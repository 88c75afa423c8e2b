//! `evaluate [hints] plugin(args) [: (schema)]` (…/evaluate-operator): the table of Kusto's
//! plugins, each either parsed into its typed [`Plugin`] variant or reported by name as not
//! supported yet. Every plugin's arguments are bound to its documented parameters (by position or
//! `Name = value`), counted and checked here, so bad calls are located parse errors.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::{KqlError, Span, suggest};
use crate::kql::lexer::Tok;

/// How one plugin's arguments become its typed call.
type ParseFn = fn(&Parser<'_>, Call) -> Result<Plugin, KqlError>;

/// One Kusto plugin: parsed by tenantless (`Some`), or known and not supported yet (`None`).
struct PluginDef {
    name: &'static str,
    parse: Option<ParseFn>,
}

const fn runs(name: &'static str, parse: ParseFn) -> PluginDef {
    PluginDef { name, parse: Some(parse) }
}

const fn not_yet(name: &'static str) -> PluginDef {
    PluginDef { name, parse: None }
}

/// Every plugin the KQL docs list (…/evaluate-operator and the `*-plugin` pages).
const PLUGINS: &[PluginDef] = &[
    runs("autocluster", |p, c| {
        Ok(Plugin::Autocluster(p.pattern_args(c, ["SizeWeight", "WeightColumn", "NumSeeds"])?))
    }),
    runs("bag_unpack", |p, c| p.bag_unpack_args(c)),
    runs("basket", |p, c| {
        Ok(Plugin::Basket(p.pattern_args(c, ["Threshold", "WeightColumn", "MaxDimensions"])?))
    }),
    runs("ipv4_lookup", |p, c| p.ipv4_lookup_args(c)),
    runs("narrow", |p, c| {
        p.no_schema(&c)?;
        p.bind(&c, &[], false)?;
        Ok(Plugin::Narrow)
    }),
    runs("pivot", |p, c| p.pivot_args(c)),
    not_yet("active_users_count"),
    not_yet("activity_counts_metrics"),
    not_yet("activity_engagement"),
    not_yet("activity_metrics"),
    not_yet("ai_chat_completion"),
    not_yet("ai_chat_completion_prompt"),
    not_yet("ai_embed_text"),
    not_yet("ai_embeddings"),
    not_yet("azure_digital_twins_query_request"),
    not_yet("cosmosdb_sql_request"),
    not_yet("dcount_intersect"),
    not_yet("diffpatterns"),
    not_yet("diffpatterns_text"),
    not_yet("funnel_sequence"),
    not_yet("funnel_sequence_completion"),
    not_yet("geo_line_lookup"),
    not_yet("geo_polygon_lookup"),
    not_yet("http_request"),
    not_yet("http_request_post"),
    not_yet("infer_storage_schema"),
    not_yet("infer_storage_schema_with_suggestions"),
    not_yet("ipv6_lookup"),
    not_yet("mysql_request"),
    not_yet("new_activity_metrics"),
    not_yet("postgresql_request"),
    not_yet("preview"),
    not_yet("python"),
    not_yet("r"),
    not_yet("rolling_percentile"),
    not_yet("rows_near"),
    not_yet("schema_merge"),
    not_yet("sequence_detect"),
    not_yet("session_count"),
    not_yet("sliding_window_counts"),
    not_yet("sql_request"),
];

/// The aggregations `pivot` accepts (…/pivot-plugin#parameters).
const PIVOT_AGGREGATIONS: &[&str] = &[
    "min",
    "max",
    "take_any",
    "sum",
    "dcount",
    "avg",
    "stdev",
    "variance",
    "make_list",
    "make_bag",
    "make_set",
    "count",
];

/// One argument as written: `Name = value` or a bare value.
struct Arg {
    name: Option<Name>,
    value: Expr,
}

/// A plugin call before its arguments are bound: its name, where it was written, the arguments
/// and the `: (…)` schema.
pub(super) struct Call {
    plugin: &'static str,
    span: Span,
    args: Vec<Arg>,
    schema: Option<(OutputSchema, Span)>,
}

/// A parameter a plugin takes by position or name, or (`named_only`) only as `Name = value`.
#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    named_only: bool,
}

const fn param(name: &'static str) -> Param {
    Param { name, named_only: false }
}

/// Arguments bound to parameters: one slot per parameter, then the positional rest.
struct Bound {
    slots: Vec<Option<Expr>>,
    rest: Vec<Expr>,
}

/// `~`: the documented "use the default" placeholder of basket and autocluster.
fn is_tilde(e: &Expr) -> bool {
    matches!(e, Expr::Literal(Literal::String(s), _) if s == "~")
}

impl Parser<'_> {
    /// After `evaluate`: hints, the plugin's name, its arguments and an optional output schema.
    pub(super) fn evaluate_op(&mut self) -> Result<Operator, KqlError> {
        let mut hints = Vec::new();
        while let Some(hint) = self.hint_option()? {
            hints.push(hint);
        }
        let start = self.span();
        let name = match self.peek() {
            Tok::Ident(w) => w.clone(),
            _ => return self.error("a plugin name (pivot, bag_unpack, ipv4_lookup, …)"),
        };
        let def = PLUGINS
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| self.unknown_plugin(&name, start))?;
        let Some(parse) = def.parse else {
            return Err(KqlError::Unsupported(format!("`evaluate {name}`")));
        };
        self.bump();
        self.expect_sym("(")?;
        let args = self.list_until(")", Self::plugin_arg)?;
        self.expect_sym(")")?;
        let span = start.to(self.prev_span());
        let schema = if self.at_sym(":") {
            let at = self.span();
            self.bump();
            Some((self.output_schema()?, at.to(self.prev_span())))
        } else {
            None
        };
        let call = Call {
            plugin: def.name,
            span,
            args,
            schema,
        };
        let plugin = parse(self, call)?;
        Ok(Operator::Evaluate(Box::new(Evaluate { hints, plugin })))
    }

    fn unknown_plugin(&self, name: &str, span: Span) -> KqlError {
        let hint = suggest(name, PLUGINS.iter().map(|d| d.name))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        let known: Vec<&str> = PLUGINS.iter().filter(|d| d.parse.is_some()).map(|d| d.name).collect();
        KqlError::syntax(
            self.src,
            span,
            format!("unknown plugin `{name}`; {hint}tenantless runs: {}", known.join(", ")),
        )
    }

    /// `Name = value` or a value (a scalar or tabular expression).
    fn plugin_arg(&mut self) -> Result<Arg, KqlError> {
        let named = matches!(self.peek(), Tok::Ident(w) if !w.starts_with('!')) && matches!(self.peek_at(1), Tok::Sym("="));
        let name = if named {
            let n = self.name()?;
            self.bump();
            Some(n)
        } else {
            None
        };
        // A lone name is a column or table name even when it spells a source keyword (`Range`).
        let lone_name = matches!(self.peek(), Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Sym(",") | Tok::Sym(")"));
        let value = if lone_name { self.expr()? } else { self.pipeline_expr()? };
        Ok(Arg { name, value })
    }

    /// `( [*,] Name: type, … )` after a plugin call's `:`.
    fn output_schema(&mut self) -> Result<OutputSchema, KqlError> {
        self.expect_sym("(")?;
        let star = self.eat_sym("*");
        if star && !self.at_sym(")") {
            self.expect_sym(",")?;
        }
        let columns = self.typed_columns()?;
        self.expect_sym(")")?;
        Ok(OutputSchema { star, columns })
    }

    fn plugin_error(&self, span: Span, message: impl Into<String>) -> KqlError {
        KqlError::syntax(self.src, span, message)
    }

    /// Binds a call's arguments to `params` (positional first, then `Name = value`, names
    /// case-insensitive); extra positional ones go to `rest` when the plugin takes more.
    fn bind(&self, call: &Call, params: &[Param], variadic: bool) -> Result<Bound, KqlError> {
        let mut slots: Vec<Option<Expr>> = vec![None; params.len()];
        let mut rest = Vec::new();
        let positional: Vec<usize> = (0..params.len()).filter(|&i| !params[i].named_only).collect();
        let mut next = 0;
        let mut seen_named = false;
        for arg in &call.args {
            let span = arg.value.span();
            let slot = match &arg.name {
                Some(n) => {
                    seen_named = true;
                    let i = params.iter().position(|p| p.name.eq_ignore_ascii_case(&n.text));
                    i.ok_or_else(|| self.unknown_argument(call.plugin, n, params))?
                }
                None if seen_named => {
                    return Err(self.plugin_error(span, "a positional argument cannot follow `Name = value` arguments"));
                }
                None if next < positional.len() => {
                    next += 1;
                    positional[next - 1]
                }
                None if variadic => {
                    rest.push(arg.value.clone());
                    continue;
                }
                None => {
                    let most = positional.len();
                    let what = if most == 0 {
                        "no arguments".to_owned()
                    } else {
                        format!("at most {most} arguments")
                    };
                    return Err(self.plugin_error(span, format!("`{}` takes {what}, got {}", call.plugin, call.args.len())));
                }
            };
            if slots[slot].is_some() {
                return Err(self.plugin_error(span, format!("`{}` is given twice", params[slot].name)));
            }
            slots[slot] = Some(arg.value.clone());
        }
        Ok(Bound { slots, rest })
    }

    fn unknown_argument(&self, plugin: &str, name: &Name, params: &[Param]) -> KqlError {
        let names = params.iter().map(|p| p.name);
        let hint = suggest(&name.text, names.clone())
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        let list: Vec<&str> = names.collect();
        let takes = if list.is_empty() {
            "no named arguments".to_owned()
        } else {
            list.join(", ")
        };
        self.plugin_error(name.span, format!("`{plugin}` has no argument `{name}`; {hint}it takes: {takes}"))
    }

    /// A required argument's value, or an error at the call naming it.
    fn required(&self, call: &Call, slot: Option<Expr>, what: &str, usage: &str) -> Result<Expr, KqlError> {
        slot.ok_or_else(|| self.plugin_error(call.span, format!("`{}` needs {what}: {usage}", call.plugin)))
    }

    /// A column named by an argument.
    fn column_arg(&self, e: &Expr) -> Result<Name, KqlError> {
        match e {
            Expr::Ident(n, span) => Ok(Name::new(n.clone(), *span)),
            other => Err(self.plugin_error(other.span(), format!("expected a column name, found `{other}`"))),
        }
    }

    /// The call's output schema, refused for plugins that take none.
    fn no_schema(&self, call: &Call) -> Result<(), KqlError> {
        match &call.schema {
            Some((_, span)) => Err(self.plugin_error(*span, format!("`{}` takes no output schema (bag_unpack and pivot do)", call.plugin))),
            None => Ok(()),
        }
    }

    fn bag_unpack_args(&self, call: Call) -> Result<Plugin, KqlError> {
        let params = [
            param("Column"),
            param("OutputColumnPrefix"),
            param("columnsConflict"),
            param("ignoredProperties"),
        ];
        let mut b = self.bind(&call, &params, false)?;
        let usage = "bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties])";
        let column = self.column_arg(&self.required(&call, b.slots[0].take(), "the column to unpack", usage)?)?;
        let conflict = match b.slots[2].take() {
            Some(Expr::Literal(Literal::String(s), span)) => Some(ColumnsConflict::from_word(&s).ok_or_else(|| {
                let words = ColumnsConflict::words().join(", ");
                self.plugin_error(span, format!("unknown columnsConflict `{s}`; expected one of: {words}"))
            })?),
            Some(other) => {
                let msg = "expected columnsConflict as a string: 'error', 'replace_source' or 'keep_source'";
                return Err(self.plugin_error(other.span(), msg));
            }
            None => None,
        };
        Ok(Plugin::BagUnpack(BagUnpack {
            column,
            prefix: b.slots[1].take(),
            conflict,
            ignored: b.slots[3].take(),
            schema: call.schema.map(|(s, _)| s),
        }))
    }

    fn pivot_args(&self, call: Call) -> Result<Plugin, KqlError> {
        let b = self.bind(&call, &[param("pivotColumn")], true)?;
        let usage = "pivot(pivotColumn [, aggregationFunction] [, column1, …])";
        let column = self.column_arg(&self.required(&call, b.slots[0].clone(), "the column to pivot", usage)?)?;
        let mut rest = b.rest.into_iter().peekable();
        let aggregation = match rest.peek() {
            Some(Expr::Call { name, span, .. }) => {
                if !PIVOT_AGGREGATIONS.contains(&name.as_str()) {
                    let hint = suggest(name, PIVOT_AGGREGATIONS.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    let msg = format!(
                        "pivot cannot aggregate with `{name}()`; {hint}expected one of: {}",
                        PIVOT_AGGREGATIONS.join(", ")
                    );
                    return Err(self.plugin_error(*span, msg));
                }
                rest.next()
            }
            _ => None,
        };
        let columns = rest.map(|e| self.column_arg(&e)).collect::<Result<_, _>>()?;
        if let Some((OutputSchema { star: true, .. }, span)) = &call.schema {
            return Err(self.plugin_error(*span, "pivot's output schema lists its columns; `*` is only for bag_unpack's"));
        }
        Ok(Plugin::Pivot(Pivot {
            column,
            aggregation,
            columns,
            schema: call.schema.map(|(s, _)| s),
        }))
    }

    fn ipv4_lookup_args(&self, call: Call) -> Result<Plugin, KqlError> {
        self.no_schema(&call)?;
        let params = [
            param("LookupTable"),
            param("SourceIPv4Key"),
            param("IPv4LookupKey"),
            Param {
                name: "return_unmatched",
                named_only: true,
            },
        ];
        let mut b = self.bind(&call, &params, true)?;
        let usage = "ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey …] [, return_unmatched = bool])";
        let table = self.required(&call, b.slots[0].take(), "a lookup table", usage)?;
        let source_key = self.column_arg(&self.required(&call, b.slots[1].take(), "the input's IPv4 column", usage)?)?;
        let lookup_key = self.column_arg(&self.required(&call, b.slots[2].take(), "the lookup table's range column", usage)?)?;
        // `return_unmatched` may also come last without its name (the docs' syntax lists it so).
        let mut unmatched = b.slots[3].take();
        if unmatched.is_none() && matches!(b.rest.last(), Some(Expr::Literal(Literal::Bool(_), _))) {
            unmatched = b.rest.pop();
        }
        let return_unmatched = match unmatched {
            Some(Expr::Literal(Literal::Bool(v), _)) => Some(v),
            Some(other) => return Err(self.plugin_error(other.span(), "expected return_unmatched as `true` or `false`")),
            None => None,
        };
        let extra_keys = b.rest.iter().map(|e| self.column_arg(e)).collect::<Result<_, _>>()?;
        Ok(Plugin::Ipv4Lookup(Ipv4Lookup {
            table,
            source_key,
            lookup_key,
            extra_keys,
            return_unmatched,
        }))
    }

    /// basket's and autocluster's positional arguments: a tuning number, a weight column, a limit,
    /// then custom wildcards; `~` stands for a default anywhere.
    fn pattern_args(&self, call: Call, names: [&'static str; 3]) -> Result<PatternArgs, KqlError> {
        self.no_schema(&call)?;
        let mut b = self.bind(&call, &names.map(param), true)?;
        let given = |e: Option<Expr>| e.filter(|e| !is_tilde(e));
        let weight = match given(b.slots[1].take()) {
            Some(e) => Some(self.column_arg(&e)?),
            None => None,
        };
        Ok(PatternArgs {
            tuning: given(b.slots[0].take()),
            weight,
            limit: given(b.slots[2].take()),
            wildcards: b.rest.into_iter().filter(|e| !is_tilde(e)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    fn err(q: &str) -> String {
        parse(q).map(|_| ()).expect_err("fails").to_string()
    }

    #[test]
    fn every_documented_plugin_is_in_the_table_once() {
        let mut names: Vec<&str> = super::PLUGINS.iter().map(|d| d.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "no plugin listed twice");
    }

    #[test]
    fn bad_calls_are_located_errors() {
        assert!(err("T | evaluate pivt(A)").contains("unknown plugin `pivt`; did you mean `pivot`?"));
        assert!(err("T | evaluate narrow(1)").contains("`narrow` takes no arguments, got 1"));
        assert!(err("T | evaluate bag_unpack(D, OutputColumnPrefx='a')").contains("did you mean `OutputColumnPrefix`?"));
        assert!(err("T | evaluate bag_unpack(D, columnsConflict='x')").contains("unknown columnsConflict `x`"));
        assert!(err("T | evaluate bag_unpack()").contains("`bag_unpack` needs the column to unpack"));
        assert!(err("T | evaluate pivot(A, median(B))").contains("pivot cannot aggregate with `median()`"));
        assert!(err("T | evaluate narrow() : (A:string)").contains("`narrow` takes no output schema"));
        assert!(err("T | evaluate ipv4_lookup(L, ip)").contains("needs the lookup table's range column"));
        assert!(err("T | evaluate ipv4_lookup(L, ip, r, return_unmatched=1)").contains("`true` or `false`"));
        assert_eq!(
            err("T | evaluate sql_request('a', 'b')"),
            "`evaluate sql_request` is not supported by tenantless yet"
        );
    }
}
