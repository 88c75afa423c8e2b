//! `render` (…/render-operator): in Kusto it only attaches visualization properties to the
//! result for the client to draw; the rows pass through unchanged. Here the properties are
//! checked (the columns they name must exist) and otherwise dropped.

use std::sync::Arc;

use super::super::ast::{RenderSpec, RenderValue};
use super::super::error::KqlError;
use super::super::table::Table;
use super::Evaluator;

impl Evaluator<'_> {
    pub(super) fn render(&self, t: Arc<Table>, spec: &RenderSpec) -> Result<Arc<Table>, KqlError> {
        for (_, value) in &spec.properties {
            if let RenderValue::Columns(names) = value {
                for n in names {
                    if t.column_index(&n.text).is_none() {
                        return Err(self.missing_column(&n.text, &t.columns, n.span));
                    }
                }
            }
        }
        Ok(t)
    }
}
