//! The five Log Analytics tables: one renderer per table turns a semantic event into a record with
//! the table's exact columns and value shapes.

pub mod activity;
pub mod audit;
pub mod diagnostics;
pub mod record;
pub mod signin;

use crate::sim::{Event, EventKind};
pub use record::RecordWriter;
use serde::Serialize;

/// A table tenantless writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Table {
    AADManagedIdentitySignInLogs,
    AADServicePrincipalSignInLogs,
    AzureDiagnostics,
    AzureActivity,
    AuditLogs,
}

impl Table {
    pub const ALL: [Table; 5] = [
        Table::AADManagedIdentitySignInLogs,
        Table::AADServicePrincipalSignInLogs,
        Table::AzureDiagnostics,
        Table::AzureActivity,
        Table::AuditLogs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::AADManagedIdentitySignInLogs => "AADManagedIdentitySignInLogs",
            Table::AADServicePrincipalSignInLogs => "AADServicePrincipalSignInLogs",
            Table::AzureDiagnostics => "AzureDiagnostics",
            Table::AzureActivity => "AzureActivity",
            Table::AuditLogs => "AuditLogs",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// AzureActivity is free to ingest (AMD `logs/cost-logs.md`, "Excluded tables").
    pub fn billable(self) -> bool {
        self != Table::AzureActivity
    }
}

/// A diagnostic-settings category: what a platform team switches on, and what it pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Category {
    /// Entra ID `ManagedIdentitySignInLogs` → AADManagedIdentitySignInLogs.
    ManagedIdentitySignInLogs,
    /// Entra ID `ServicePrincipalSignInLogs` → AADServicePrincipalSignInLogs.
    ServicePrincipalSignInLogs,
    /// Entra ID `AuditLogs` → AuditLogs.
    AuditLogs,
    /// Key Vault `AuditEvent` → AzureDiagnostics.
    KeyVaultAuditEvent,
    /// Logic Apps `WorkflowRuntime` → AzureDiagnostics.
    LogicAppsWorkflowRuntime,
    /// The subscription's Activity log (`Administrative`) → AzureActivity.
    ActivityLog,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::ManagedIdentitySignInLogs,
        Category::ServicePrincipalSignInLogs,
        Category::AuditLogs,
        Category::KeyVaultAuditEvent,
        Category::LogicAppsWorkflowRuntime,
        Category::ActivityLog,
    ];

    /// The name as diagnostic settings show it.
    pub fn name(self) -> &'static str {
        match self {
            Category::ManagedIdentitySignInLogs => "ManagedIdentitySignInLogs",
            Category::ServicePrincipalSignInLogs => "ServicePrincipalSignInLogs",
            Category::AuditLogs => "AuditLogs",
            Category::KeyVaultAuditEvent => "KeyVault/AuditEvent",
            Category::LogicAppsWorkflowRuntime => "LogicApps/WorkflowRuntime",
            Category::ActivityLog => "ActivityLog/Administrative",
        }
    }

    pub fn table(self) -> Table {
        match self {
            Category::ManagedIdentitySignInLogs => Table::AADManagedIdentitySignInLogs,
            Category::ServicePrincipalSignInLogs => Table::AADServicePrincipalSignInLogs,
            Category::AuditLogs => Table::AuditLogs,
            Category::KeyVaultAuditEvent | Category::LogicAppsWorkflowRuntime => Table::AzureDiagnostics,
            Category::ActivityLog => Table::AzureActivity,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The category an event is logged under.
    pub fn of(event: &Event<'_>) -> Category {
        match &event.kind {
            EventKind::SignIn(s) if s.identity.kind == crate::scenario::model::IdentityKind::ServicePrincipal => {
                Category::ServicePrincipalSignInLogs
            }
            EventKind::SignIn(_) => Category::ManagedIdentitySignInLogs,
            EventKind::KeyVault(_) => Category::KeyVaultAuditEvent,
            EventKind::LogicApp(_) => Category::LogicAppsWorkflowRuntime,
            EventKind::Arm(_) => Category::ActivityLog,
            EventKind::Audit(_) => Category::AuditLogs,
        }
    }
}

/// The column and value that identify a record in ground-truth labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RecordKey {
    pub table: Table,
    pub column: &'static str,
    pub value: String,
}

/// A rendered record: its table, JSON text (in the writer), billed size and key.
pub struct Rendered<'w> {
    pub table: Table,
    pub json: &'w str,
    pub billed_size: u64,
    pub key: RecordKey,
}

/// Renders `event` into `writer` as a record of the table that logs it.
pub fn render<'w>(event: &Event<'_>, writer: &'w mut RecordWriter) -> Rendered<'w> {
    writer.start();
    let (table, key) = match &event.kind {
        EventKind::SignIn(s) => signin::render(event, s, writer),
        EventKind::KeyVault(op) => diagnostics::render_keyvault(event, op, writer),
        EventKind::LogicApp(run) => diagnostics::render_workflow(event, run, writer),
        EventKind::Arm(activity) => activity::render(event, activity, writer),
        EventKind::Audit(audit) => audit::render(event, audit, writer),
    };
    let (json, billed_size) = writer.finish(table.billable());
    Rendered {
        table,
        json,
        billed_size,
        key,
    }
}

/// Common columns every table carries. `TenantId` is the Log Analytics workspace id.
fn standard_columns(event: &Event<'_>, table: Table, source_system: &str, w: &mut RecordWriter) {
    w.string_fmt("TenantId", format_args!("{}", event.tenant.workspace_id));
    w.string("SourceSystem", source_system);
    w.string_unbilled("Type", table.name());
}
