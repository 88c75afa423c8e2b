//! `generate --shape diagnostic-settings`: the records as Azure Monitor diagnostic settings
//! deliver them to a storage account or an Event Hub, for testing SIEM ingestion pipelines.
//!
//! Each Log Analytics record `tables` renders is converted into its diagnostic-settings form: the
//! resource-log envelope (`time`, `resourceId`, `operationName`, `category`, …) with the
//! table-specific fields in `properties`, cased as real exports case them (azure-logs.md §3). One
//! module per table family does the mapping ([`signin`], [`audit`], [`activity`], [`keyvault`],
//! [`workflow`]), on the rendering threads ([`convert_line`]); [`stream`] takes each table's
//! converted NDJSON as the pipeline writes it and hands each record to its category's
//! [`storage`] blobs or [`eventhub`] messages.

pub mod activity;
pub mod audit;
pub mod eventhub;
mod fields;
pub mod keyvault;
pub mod signin;
pub mod storage;
pub mod stream;
pub mod workflow;

use crate::tables::{Category, Table};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::PathBuf;

pub use fields::Columns;

/// What each record looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// The Log Analytics tables, one `<Table>.jsonl` each.
    #[default]
    LogAnalytics,
    /// The resource-log records a diagnostic setting sends to a storage account or an Event Hub.
    DiagnosticSettings,
}

/// Where a diagnostic setting sends the records, which decides how they are packaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// A storage account: one container per category, one append blob per resource and hour
    /// holding one JSON record per line.
    #[default]
    Storage,
    /// An Event Hubs namespace: one hub per category, messages of `{"records":[…]}`.
    EventHub,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Shape::LogAnalytics => "log-analytics",
            Shape::DiagnosticSettings => "diagnostic-settings",
        })
    }
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Delivery::Storage => "storage",
            Delivery::EventHub => "event-hub",
        })
    }
}

/// The largest Event Hub message body by default: 1 MiB, the Standard tier's largest event
/// (Event Hubs quotas; the Basic tier's is 256 KB, hence `--max-message-bytes`).
pub const EVENT_HUB_MESSAGE_BYTES: usize = 1024 * 1024;

/// How a diagnostic-settings run packages its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packaging {
    /// Storage blobs or Event Hub messages.
    pub delivery: Delivery,
    /// The largest Event Hub message body, bytes (unused for storage).
    pub message_bytes: usize,
    /// How each written file is compressed.
    pub compression: crate::compress::Compression,
}

/// What one category's container or hub received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Records.
    pub records: u64,
    /// Bytes written, after compression.
    pub bytes: u64,
    /// Blobs (storage) or messages (Event Hub).
    pub pieces: u64,
}

/// Why a record could not be converted or written in the diagnostic-settings shape.
#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    /// A record lacks a column its mapping needs, or holds it in another type: a tenantless bug.
    #[error("a {table} record's `{column}` {problem}; this is a tenantless bug, please report it")]
    Column {
        /// The Log Analytics table.
        table: &'static str,
        /// The column.
        column: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A record is not a JSON object (a tenantless bug).
    #[error("a {table} record is not a JSON object ({reason}); this is a tenantless bug, please report it")]
    NotJson {
        /// The Log Analytics table.
        table: &'static str,
        /// serde_json's message.
        reason: String,
    },
    /// One record alone is larger than an Event Hub message may be.
    #[error(
        "a {category} record takes {bytes} bytes as an Event Hub message, above --max-message-bytes {limit}; raise it (the Standard tier takes 1 MiB) rather than lose the record"
    )]
    RecordTooLarge {
        /// The record's category.
        category: &'static str,
        /// Its message's size.
        bytes: usize,
        /// The bound.
        limit: usize,
    },
    /// A blob path would leave the output directory (a resource named `..`).
    #[error("the blob path {0} has an empty, `.` or `..` segment; rename the resource in the scenario")]
    UnsafePath(String),
    /// Writing a blob or message file failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl ShapeError {
    /// Carries the error through the pipeline's `io::Error`s, to be taken back by [`ShapeError::recover`].
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }

    /// The shape error an `io::Error` carries, if it carries one.
    pub fn recover(error: std::io::Error) -> Result<ShapeError, std::io::Error> {
        if !error.get_ref().is_some_and(|e| e.is::<ShapeError>()) {
            return Err(error);
        }
        match error.into_inner() {
            Some(inner) => inner.downcast::<ShapeError>().map(|e| *e).map_err(std::io::Error::other),
            None => Err(std::io::Error::other("an error lost its cause")),
        }
    }
}

/// The `category` field of a category's records (the Activity log's Administrative events say
/// `Administrative`: AMD activity-log-schema.md "Schema from storage account and event hubs" and
/// the Splunk CIM sample of a 2020 export).
pub fn category_field(category: Category) -> &'static str {
    match category {
        Category::ManagedIdentitySignInLogs => "ManagedIdentitySignInLogs",
        Category::ServicePrincipalSignInLogs => "ServicePrincipalSignInLogs",
        Category::AuditLogs => "AuditLogs",
        Category::KeyVaultAuditEvent => "AuditEvent",
        Category::LogicAppsWorkflowRuntime => "WorkflowRuntime",
        Category::ActivityLog => "Administrative",
    }
}

/// The storage container, and the Event Hub, a diagnostic setting without a hub name creates for
/// the category: `insights-logs-<category in lower case>`, and `insights-activity-logs` for the
/// Activity log (AMD resource-logs.md, activity-log.md).
pub fn destination(category: Category) -> &'static str {
    match category {
        Category::ManagedIdentitySignInLogs => "insights-logs-managedidentitysigninlogs",
        Category::ServicePrincipalSignInLogs => "insights-logs-serviceprincipalsigninlogs",
        Category::AuditLogs => "insights-logs-auditlogs",
        Category::KeyVaultAuditEvent => "insights-logs-auditevent",
        Category::LogicAppsWorkflowRuntime => "insights-logs-workflowruntime",
        Category::ActivityLog => "insights-activity-logs",
    }
}

/// The categories a table's records come from.
pub fn categories_of(table: Table) -> Vec<Category> {
    Category::ALL.into_iter().filter(|c| c.table() == table).collect()
}

/// Where a ground-truth key (`column` of `table`) is in the diagnostic-settings shape: the
/// record's category and the field's dotted path. `None` for a column no label uses.
pub fn key_field(table: Table, column: &str) -> Option<(Category, &'static str)> {
    Some(match (table, column) {
        (Table::AADManagedIdentitySignInLogs, "Id") => (Category::ManagedIdentitySignInLogs, "properties.id"),
        (Table::AADServicePrincipalSignInLogs, "Id") => (Category::ServicePrincipalSignInLogs, "properties.id"),
        (Table::AuditLogs, "Id") => (Category::AuditLogs, "properties.id"),
        (Table::AzureActivity, "CorrelationId") => (Category::ActivityLog, "correlationId"),
        (Table::AzureDiagnostics, "CorrelationId") => (Category::KeyVaultAuditEvent, "correlationId"),
        (Table::AzureDiagnostics, "resource_runId_s") => (Category::LogicAppsWorkflowRuntime, "properties.resource.runId"),
        _ => return None,
    })
}

/// A record in the diagnostic-settings shape, and its category.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaped {
    /// The category it is logged under.
    pub category: Category,
    /// The record, fields in the order real exports write them.
    pub record: Map<String, Value>,
}

/// Converts one Log Analytics record of `table` into its diagnostic-settings form.
pub fn convert(table: Table, record: &Map<String, Value>) -> Result<Shaped, ShapeError> {
    convert_columns(&Columns::new(table, record))
}

/// Converts one Log Analytics record (its JSON text) and appends its diagnostic-settings form's
/// JSON text to `out`.
pub fn convert_line(table: Table, line: &[u8], out: &mut Vec<u8>) -> Result<(), ShapeError> {
    let not_json = |e: serde_json::Error| ShapeError::NotJson {
        table: table.name(),
        reason: e.to_string(),
    };
    let record: Map<String, Value> = serde_json::from_slice(line).map_err(not_json)?;
    let shaped = convert(table, &record)?;
    serde_json::to_writer(out, &shaped.record).map_err(not_json)
}

/// [`convert`] of a record's [`Columns`], which then tell which columns the mapping read.
pub fn convert_columns(columns: &Columns<'_>) -> Result<Shaped, ShapeError> {
    let category = match columns.table() {
        Table::AADManagedIdentitySignInLogs => Category::ManagedIdentitySignInLogs,
        Table::AADServicePrincipalSignInLogs => Category::ServicePrincipalSignInLogs,
        Table::AuditLogs => Category::AuditLogs,
        Table::AzureActivity => Category::ActivityLog,
        Table::AzureDiagnostics if columns.text("Category")? == "WorkflowRuntime" => Category::LogicAppsWorkflowRuntime,
        // `generate` writes the shape from AzureDiagnostics records (the shape is the same in both
        // modes); an AZKVAuditLogs record has no mapper and fails on the columns it lacks.
        Table::AzureDiagnostics | Table::AZKVAuditLogs => Category::KeyVaultAuditEvent,
    };
    let record = match category {
        Category::ManagedIdentitySignInLogs | Category::ServicePrincipalSignInLogs => signin::convert(columns)?,
        Category::AuditLogs => audit::convert(columns)?,
        Category::ActivityLog => activity::convert(columns)?,
        Category::KeyVaultAuditEvent => keyvault::convert(columns)?,
        Category::LogicAppsWorkflowRuntime => workflow::convert(columns)?,
    };
    Ok(Shaped { category, record })
}

/// The columns Log Analytics adds to every table's records, none of which a diagnostic setting
/// delivers.
const STANDARD_COLUMNS: &[&str] = &["TimeGenerated", "TenantId", "SourceSystem", "Type", "_IsBillable", "_BilledSize"];

/// The columns Log Analytics derives from an AzureDiagnostics record's `resourceId`.
const RESOURCE_ID_COLUMNS: &[&str] = &[
    "_ResourceId",
    "SubscriptionId",
    "_SubscriptionId",
    "ResourceGroup",
    "ResourceProvider",
    "Resource",
    "ResourceType",
];

/// Whether `column` of a category's Log Analytics records is one its diagnostic-settings records
/// do not carry, because Log Analytics adds or derives it: every other column is mapped.
pub fn is_log_analytics_only(category: Category, column: &str) -> bool {
    let (own, from_resource_id) = match category {
        Category::ManagedIdentitySignInLogs | Category::ServicePrincipalSignInLogs => (signin::LOG_ANALYTICS_ONLY, false),
        Category::AuditLogs => (audit::LOG_ANALYTICS_ONLY, false),
        Category::ActivityLog => (activity::LOG_ANALYTICS_ONLY, false),
        Category::KeyVaultAuditEvent => (keyvault::LOG_ANALYTICS_ONLY, true),
        Category::LogicAppsWorkflowRuntime => (workflow::LOG_ANALYTICS_ONLY, true),
    };
    let derived = from_resource_id && RESOURCE_ID_COLUMNS.contains(&column);
    STANDARD_COLUMNS.contains(&column) || derived || own.contains(&column)
}

/// The value at a dotted `path` (`properties.resource.runId`) of a shaped record.
pub fn field<'r>(record: &'r Map<String, Value>, path: &str) -> Option<&'r Value> {
    let mut parts = path.split('.');
    let mut value = record.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    Some(value)
}

/// Every top-level entry a diagnostic-settings run may write: the containers and hub files of
/// every category, in any compression.
pub fn own_entries() -> (Vec<String>, Vec<String>) {
    let dirs = Category::ALL.iter().map(|c| destination(*c).to_owned()).collect();
    let files = Category::ALL
        .iter()
        .flat_map(|c| crate::compress::Compression::ALL.map(|z| eventhub::file_name(*c, z)))
        .collect();
    (dirs, files)
}
