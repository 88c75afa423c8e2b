//! The Log Analytics tables: one renderer per table turns a semantic event into a record with
//! the table's exact columns and value shapes. Five by default; `AZKVAuditLogs` too when Key Vault
//! is in resource-specific mode ([`modes`]).

pub mod activity;
pub mod audit;
pub mod azkv;
pub mod diagnostics;
pub mod keyvault;
pub mod modes;
pub mod record;
pub mod signin;

use crate::sim::{Event, EventKind};
pub use modes::{DiagnosticsMode, DiagnosticsModes};
pub use record::RecordWriter;
use serde::Serialize;

/// A table tenantless writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Table {
    /// Sign-ins by managed identities (Entra ID category `ManagedIdentitySignInLogs`).
    AADManagedIdentitySignInLogs,
    /// Sign-ins by service principals with their own credentials (`ServicePrincipalSignInLogs`).
    AADServicePrincipalSignInLogs,
    /// Resource logs in the shared legacy table: Key Vault `AuditEvent` and Logic Apps `WorkflowRuntime`.
    AzureDiagnostics,
    /// The subscription's Activity log: ARM control-plane operations.
    AzureActivity,
    /// Entra ID directory audit records.
    AuditLogs,
    /// Key Vault `AuditEvent` in resource-specific mode (docs/reference/resource-specific.md §1).
    AZKVAuditLogs,
}

impl Table {
    /// How many tables there are, for per-table arrays.
    pub const COUNT: usize = 6;

    /// Every table, in declaration order (the order [`Table::index`] counts in). A run writes
    /// those its [`DiagnosticsModes`] land categories in ([`DiagnosticsModes::tables`]).
    pub const ALL: [Table; Table::COUNT] = [
        Table::AADManagedIdentitySignInLogs,
        Table::AADServicePrincipalSignInLogs,
        Table::AzureDiagnostics,
        Table::AzureActivity,
        Table::AuditLogs,
        Table::AZKVAuditLogs,
    ];

    /// The table's name as Log Analytics and KQL queries spell it (also its `Type` column).
    pub fn name(self) -> &'static str {
        match self {
            Table::AADManagedIdentitySignInLogs => "AADManagedIdentitySignInLogs",
            Table::AADServicePrincipalSignInLogs => "AADServicePrincipalSignInLogs",
            Table::AzureDiagnostics => "AzureDiagnostics",
            Table::AzureActivity => "AzureActivity",
            Table::AuditLogs => "AuditLogs",
            Table::AZKVAuditLogs => "AZKVAuditLogs",
        }
    }

    /// The table's position in [`Table::ALL`], for per-table arrays.
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
    /// Every category, in declaration order (the order [`Category::index`] counts in).
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

    /// The table the category's records land in by default (diagnostic settings in Azure mode;
    /// see [`DiagnosticsModes::table`] for the others).
    pub fn table(self) -> Table {
        match self {
            Category::ManagedIdentitySignInLogs => Table::AADManagedIdentitySignInLogs,
            Category::ServicePrincipalSignInLogs => Table::AADServicePrincipalSignInLogs,
            Category::AuditLogs => Table::AuditLogs,
            Category::KeyVaultAuditEvent | Category::LogicAppsWorkflowRuntime => Table::AzureDiagnostics,
            Category::ActivityLog => Table::AzureActivity,
        }
    }

    /// The category's position in [`Category::ALL`], for per-category arrays.
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
    /// The table the record is in.
    pub table: Table,
    /// The column that identifies it there (`Id`, `CorrelationId` or `resource_runId_s`).
    pub column: &'static str,
    /// That column's value in the record.
    pub value: String,
}

/// A rendered record: its table, JSON text (in the writer), billed size and key.
pub struct Rendered<'w> {
    /// The table the record belongs to.
    pub table: Table,
    /// The record as one JSON object, borrowed from the writer until it starts the next record.
    pub json: &'w str,
    /// `_BilledSize`: the bytes Log Analytics bills for the record (see [`record`]).
    pub billed_size: u64,
    /// What ground-truth labels identify the record by.
    pub key: RecordKey,
}

/// Renders `event` into `writer` as a record of the table that logs it in `modes`.
pub fn render<'w>(event: &Event<'_>, modes: DiagnosticsModes, writer: &'w mut RecordWriter) -> Rendered<'w> {
    writer.start();
    let (table, key) = match &event.kind {
        EventKind::SignIn(s) => signin::render(event, s, writer),
        EventKind::KeyVault(op) => match modes.keyvault {
            DiagnosticsMode::Azure => diagnostics::render_keyvault(event, op, writer),
            DiagnosticsMode::ResourceSpecific => azkv::render(event, op, writer),
        },
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
/// The Key Vault client `identity` reads secrets with (see [`crate::catalog::keyvault_client`]).
pub(crate) fn keyvault_client(identity: &crate::scenario::tenant::Identity) -> &'static crate::catalog::Client {
    use crate::scenario::model::IdentityKind;
    crate::catalog::keyvault_client(
        identity.kind == IdentityKind::SystemAssignedMi,
        identity.kind == IdentityKind::UserAssignedMi,
        identity.sp_object_id.as_bytes(),
    )
}

/// The client a service principal's token request for `resource` comes from: the Azure CLI of a
/// pipeline for ARM, a Logic Apps connection for the Log Analytics API, the identity's own SDK for
/// Key Vault, and the .NET SDK (as Microsoft Graph PowerShell uses) otherwise.
pub(crate) fn sign_in_client(
    identity: &crate::scenario::tenant::Identity,
    resource: &crate::catalog::FirstPartyApp,
) -> &'static crate::catalog::Client {
    match resource.key {
        "arm" => &crate::catalog::AZURE_CLI,
        "log_analytics" => &crate::catalog::LOGIC_APPS_CONNECTOR,
        "key_vault" => keyvault_client(identity),
        _ => &crate::catalog::KEYVAULT_CLIENTS[1],
    }
}

/// Common columns every table carries. `TenantId` is the Log Analytics workspace id.
fn standard_columns(event: &Event<'_>, table: Table, source_system: &str, w: &mut RecordWriter) {
    w.string_fmt("TenantId", format_args!("{}", event.tenant.workspace_id));
    w.string("SourceSystem", source_system);
    w.string_unbilled("Type", table.name());
}
