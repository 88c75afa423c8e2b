//! Evaluates `externaldata`: resolves each URI to a local file and reads it as the declared columns.

use std::sync::Arc;

use super::super::ast::Expr;
use super::super::budget;
use super::super::error::{KqlError, Span};
use super::super::external::{self, ExternalFormat};
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value};
use super::{Env, Evaluator};

impl Evaluator<'_> {
    pub(super) fn external_data(
        &self,
        columns: &[(String, KqlType)],
        uris: &[Expr],
        properties: &[(String, Expr)],
        span: Span,
        env: &Env,
    ) -> Result<Arc<Table>, KqlError> {
        let property = |name: &str| -> Result<Option<Value>, KqlError> {
            match properties.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                Some((_, e)) => Ok(Some(self.compile(e, &[], env)?.eval(&[]))),
                None => Ok(None),
            }
        };
        let format_name = property("format")?.map_or_else(|| "csv".to_owned(), |v| v.to_kql_string().to_string());
        let format = ExternalFormat::from_name(&format_name).ok_or_else(|| {
            self.err(
                span,
                format!(
                    "externaldata: format `{format_name}` is not one tenantless reads; use one of: {}",
                    ExternalFormat::NAMES.join(", ")
                ),
            )
        })?;
        let skip_first = matches!(property("ignoreFirstRecord")?, Some(Value::Bool(true)));
        let mut rows = Vec::new();
        for uri in uris {
            let text = self.compile(uri, &[], env)?.eval(&[]).to_kql_string();
            let path = self.external.resolve(&text).map_err(|e| self.err(uri.span(), e))?;
            let read = external::read(&path, format, columns, skip_first).map_err(|e| self.err(uri.span(), e))?;
            self.check_limit(rows.len().saturating_add(read.len()), "`externaldata`")?;
            rows.extend(read);
        }
        self.last_bytes.set(Some(budget::rows_bytes(rows.len(), columns.len())));
        let columns = columns.iter().map(|(n, t)| Column::new(n.clone(), *t)).collect();
        Ok(Arc::new(Table { columns, rows }))
    }
}
