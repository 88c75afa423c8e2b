//! Volume accumulated per day and category, and per identity: what both the analytic estimate and
//! the exact count produce, so that they can be compared and reported alike.

use crate::tables::{Category, DiagnosticsModes, Table};
use serde::Serialize;

/// Rows and billed bytes (fractional in the analytic estimate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Cell {
    /// Records.
    pub rows: f64,
    /// Billed bytes (the records' `_BilledSize`), not bytes on disk.
    pub bytes: f64,
}

impl Cell {
    /// Adds `rows` and `bytes` to this cell.
    pub fn add(&mut self, rows: f64, bytes: f64) {
        self.rows += rows;
        self.bytes += bytes;
    }

    /// The sum of two cells.
    pub fn plus(self, other: Cell) -> Cell {
        Cell {
            rows: self.rows + other.rows,
            bytes: self.bytes + other.bytes,
        }
    }
}

/// Who produced a share of the volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contributor {
    /// Name of the scenario that declares it.
    pub scenario: String,
    /// The identity's or workload's name; one standing for several (`count` > 1) is named after a
    /// representative member.
    pub name: String,
    /// The identity kind (`service_principal`, `system_assigned_mi`, …), or for a workload its
    /// workload kind (`keyvault_secret_read`, …).
    pub kind: String,
    /// How many identities (or workloads) alike this one stands for; `total` is theirs together.
    pub count: u64,
    /// The scenario entry that defined it, as reports group by: `population business-apps`,
    /// `background service apps`, or its own name for an identity declared alone.
    pub group: String,
    /// Rows and billed bytes over the whole horizon.
    pub total: Cell,
    /// Rows in the two sign-in categories.
    pub signin_rows: f64,
    /// Billed bytes in tables Log Analytics charges for (all but AzureActivity).
    pub billable_bytes: f64,
}

/// Rows and billed bytes over the horizon: per day and category, and per contributor.
#[derive(Debug, Clone)]
pub struct Volume {
    /// `daily[day][category]`.
    pub daily: Vec<[Cell; 6]>,
    /// Per identity, every tenant's identities in scenario order.
    pub identities: Vec<Contributor>,
    /// Per workload, every tenant's workloads in scenario order.
    pub workloads: Vec<Contributor>,
    /// The tables the categories' records land in, and whose columns their bytes are measured in.
    pub modes: DiagnosticsModes,
}

impl Volume {
    /// An empty volume of `days` days for these identities and workloads.
    pub fn new(days: usize, identities: Vec<Contributor>, workloads: Vec<Contributor>) -> Self {
        Self {
            daily: vec![[Cell::default(); 6]; days],
            identities,
            workloads,
            modes: DiagnosticsModes::default(),
        }
    }

    /// Adds `rows`/`bytes` of `category` on `day`, attributed to an identity and maybe a workload.
    pub fn add(&mut self, day: usize, category: Category, rows: f64, bytes: f64, identity: usize, workload: Option<usize>) {
        let Some(cells) = self.daily.get_mut(day) else { return };
        cells[category.index()].add(rows, bytes);
        let signin = matches!(category, Category::ManagedIdentitySignInLogs | Category::ServicePrincipalSignInLogs);
        let billable = self.modes.table(category).billable();
        for who in [self.identities.get_mut(identity), workload.and_then(|w| self.workloads.get_mut(w))]
            .into_iter()
            .flatten()
        {
            who.total.add(rows, bytes);
            if signin {
                who.signin_rows += rows;
            }
            if billable {
                who.billable_bytes += bytes;
            }
        }
    }

    /// Days in the horizon.
    pub fn days(&self) -> usize {
        self.daily.len()
    }

    /// A category's rows and billed bytes over all days.
    pub fn category_total(&self, category: Category) -> Cell {
        self.daily.iter().fold(Cell::default(), |acc, day| acc.plus(day[category.index()]))
    }

    /// A table's rows and billed bytes over all days and its categories.
    pub fn table_total(&self, table: Table) -> Cell {
        Category::ALL
            .iter()
            .filter(|c| self.modes.table(**c) == table)
            .fold(Cell::default(), |acc, c| acc.plus(self.category_total(*c)))
    }

    /// Rows and billed bytes of every category over all days.
    pub fn total(&self) -> Cell {
        Category::ALL
            .iter()
            .fold(Cell::default(), |acc, c| acc.plus(self.category_total(*c)))
    }
}
