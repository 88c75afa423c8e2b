//! `invoke f(args)` (…/invoke-operator): calls a tabular `let` function with the piped table as
//! its first argument.

use std::sync::Arc;

use super::super::ast::{Expr, Name, ParamType};
use super::super::error::{KqlError, suggest};
use super::super::table::Table;
use super::{Binding, Env, Evaluator};

/// The name the piped table is bound to for the call; no query can spell it.
const PIPED: &str = "\u{0}invoke input";

impl Evaluator<'_> {
    pub(super) fn invoke(&self, t: Arc<Table>, name: &Name, args: &[Expr], env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let def = match env.get(&name.text) {
            Some(Binding::Function(def)) => def.clone(),
            Some(_) => return Err(self.err(name.span, format!("`{name}` is not a function; invoke calls a `let` function"))),
            None => {
                let functions = env.names(|b| matches!(b, Binding::Function(_)));
                let hint = suggest(&name.text, functions.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(self.err(name.span, format!("unknown function `{name}`{hint}")));
            }
        };
        if !matches!(def.params.first(), Some(p) if matches!(p.ty, ParamType::Tabular(_))) {
            let message = format!("`{name}` takes no table first (`T:(*)`), so invoke cannot pass it the piped rows");
            return Err(self.err(name.span, message));
        }
        let mut inner = env.clone();
        inner.bind(PIPED, Binding::Tabular(t));
        let mut call_args = vec![Expr::Ident(PIPED.to_owned(), name.span)];
        call_args.extend(args.iter().cloned());
        self.call_tabular(&def, &call_args, name.span, &mut inner)
    }
}
