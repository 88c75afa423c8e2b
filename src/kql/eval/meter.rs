//! Budget checks inside operator loops: memory, the run's deadline, and per-value size breaches.
//!
//! Memory is estimated, not measured: an operator charges the row structure of every row it
//! builds plus the payload of the values it creates itself ([`budget::fresh_bytes`]); values it
//! copies from its input share their payload and cost only their slot. The total checked is that
//! estimate plus what is already held while the operator runs: its input, the inputs of enclosing
//! operators (a join's right side is evaluated while its left side is held) and tabular `let`s.
//! Like Kusto's per-operator memory limit (learn.microsoft.com/kusto/concepts/query-limits), a
//! query that would go over stops with an error naming the operator, before it allocates.

use std::time::Instant;

use super::super::budget::{self, MAX_VALUE_BYTES};
use super::super::error::{KqlError, Span, locate};
use super::Evaluator;

/// How many units of work pass between deadline checks: `Instant::now()` costs tens of
/// nanoseconds, a few thousand rows cost at least a hundred microseconds.
const CHECK_EVERY: usize = 4096;

/// The budget of one operator while it builds its result.
pub(crate) struct Meter<'m, 'a> {
    ev: &'m Evaluator<'a>,
    /// Bytes held while this operator runs (inputs, enclosing operators, `let`s).
    held: usize,
    /// Estimated bytes of the result built so far.
    bytes: usize,
    ticks: usize,
}

impl<'m, 'a> Meter<'m, 'a> {
    pub fn new(ev: &'m Evaluator<'a>) -> Meter<'m, 'a> {
        Meter {
            ev,
            held: ev.held.get().saturating_add(ev.pinned.get()),
            bytes: 0,
            ticks: 0,
        }
    }

    /// Adds bytes this operator holds but did not build (a join's right side, union inputs).
    pub fn hold(&mut self, bytes: usize) -> Result<(), KqlError> {
        self.held = self.held.saturating_add(bytes);
        self.check_memory()
    }

    /// Counts one unit of work (a row read or written); checks the deadline and value breaches
    /// every [`CHECK_EVERY`] units.
    #[inline]
    pub fn tick(&mut self) -> Result<(), KqlError> {
        self.ticks += 1;
        if self.ticks.is_multiple_of(CHECK_EVERY) {
            self.ev.check_budgets()
        } else {
            Ok(())
        }
    }

    /// Charges `bytes` to the result being built, then ticks.
    #[inline]
    pub fn charge(&mut self, bytes: usize) -> Result<(), KqlError> {
        self.bytes = self.bytes.saturating_add(bytes);
        self.check_memory()?;
        self.tick()
    }

    /// Charges one new row of `width` cells (structure only), then ticks.
    #[inline]
    pub fn row(&mut self, width: usize) -> Result<(), KqlError> {
        self.charge(budget::rows_bytes(1, width))
    }

    fn check_memory(&self) -> Result<(), KqlError> {
        if self.held.saturating_add(self.bytes) > self.ev.max_memory {
            Err(self.ev.memory_error())
        } else {
            Ok(())
        }
    }

    /// Ends the operator: its result's estimated size is what the next operator holds.
    pub fn finish(self) {
        self.ev.last_bytes.set(Some(self.bytes));
    }
}

impl Evaluator<'_> {
    /// The current operator's name and ` (line L, col C)` when its position is known.
    fn where_now(&self) -> (String, String) {
        let (name, span) = self.cur_op.get();
        let at = match span {
            Some(Span { start, .. }) if start < self.src.len() => {
                let (line, col, _) = locate(self.src, start);
                format!(" (line {line}, col {col})")
            }
            _ => String::new(),
        };
        (name.to_string(), at)
    }

    pub(crate) fn memory_error(&self) -> KqlError {
        let (op, at) = self.where_now();
        KqlError::Memory {
            op,
            at,
            limit: self.max_memory,
        }
    }

    /// The deadline and per-value checks, cheap enough to run after every operator and every
    /// few thousand rows.
    pub(crate) fn check_budgets(&self) -> Result<(), KqlError> {
        if let Some((function, bytes)) = budget::take_breach() {
            let (op, at) = self.where_now();
            return Err(KqlError::ValueTooLarge {
                function: function.to_string(),
                bytes,
                limit: MAX_VALUE_BYTES,
                op,
                at,
            });
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            let (op, at) = self.where_now();
            return Err(KqlError::Timeout { op, at });
        }
        Ok(())
    }
}
