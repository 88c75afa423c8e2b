//! `scan [with_match_id = Id] [declare (Col: type [= default], …)] with (step …; …)`
//! (learn.microsoft.com/kusto/query/scan-operator).

use super::Parser;
use crate::kql::ast::{Operator, ScanColumn, ScanOutput, ScanSpec, ScanStep};
use crate::kql::error::KqlError;

impl Parser<'_> {
    /// `scan …` after the operator's name.
    pub(super) fn scan_op(&mut self) -> Result<Operator, KqlError> {
        let match_id = if self.eat_option(&["with_match_id"]) {
            Some(self.name()?)
        } else {
            None
        };
        let mut declare = Vec::new();
        if self.eat_word("declare") {
            self.expect_sym("(")?;
            declare = self.list_until(")", Self::scan_column)?;
            self.expect_sym(")")?;
        }
        self.expect_word("with")?;
        self.expect_sym("(")?;
        let mut steps = Vec::new();
        while !self.at_sym(")") {
            steps.push(self.scan_step()?);
            // The docs end every step with `;`; the last one may go without.
            if !self.eat_sym(";") {
                break;
            }
        }
        if steps.is_empty() {
            return self.error("`step Name: Condition;` (a scan needs at least one step)");
        }
        self.expect_sym(")")?;
        Ok(Operator::Scan(Box::new(ScanSpec { match_id, declare, steps })))
    }

    /// `Name: type [= default]`.
    fn scan_column(&mut self) -> Result<ScanColumn, KqlError> {
        let name = self.name()?;
        self.expect_sym(":")?;
        let ty = self.type_name()?;
        let default = if self.eat_sym("=") { Some(self.expr()?) } else { None };
        Ok(ScanColumn { name, ty, default })
    }

    /// `step Name [output = all|last|none]: Condition [=> Col = Expr, …]`.
    fn scan_step(&mut self) -> Result<ScanStep, KqlError> {
        self.expect_word("step")?;
        let name = self.name()?;
        let output = if self.eat_option(&["output"]) {
            Some(self.keyword::<ScanOutput>()?)
        } else {
            None
        };
        self.expect_sym(":")?;
        let condition = self.expr()?;
        let mut assignments = Vec::new();
        if self.eat_sym("=>") {
            assignments = self.comma_separated(|p| {
                let column = p.name()?;
                p.expect_sym("=")?;
                Ok((column, p.expr()?))
            })?;
        }
        Ok(ScanStep {
            name,
            output,
            condition,
            assignments,
        })
    }
}
