//! `AZKVAuditLogs`: Key Vault `AuditEvent` records in resource-specific mode. The same values as
//! the AzureDiagnostics record ([`super::keyvault::VaultRecord`]) in the table's own columns, in
//! the order of `schemas/AZKVAuditLogs.json` (T-KV), mapped as docs/reference/resource-specific.md
//! §1.3 says. The table has no `Category`, `Resource*` or `SubscriptionId` envelope (§1.2).

use super::keyvault::{Claim, VaultRecord};
use super::{RecordKey, RecordWriter, Table};
use crate::sim::Event;
use crate::sim::event::KeyVaultOp;
use serde_json::{Map, Value};

/// The columns an AZKVAuditLogs record may carry, in the order they are written (the schema's),
/// besides `_IsBillable`/`_BilledSize`. The other documented columns (vault, key, certificate
/// properties, network fields) describe facts tenantless does not simulate and stay absent.
pub const COLUMNS: &[&str] = &[
    "CallerIpAddress",
    "ClientInfo",
    "CorrelationId",
    "DurationMs",
    "HttpStatusCode",
    "Id",
    "Identity",
    "IsAccessPolicyMatch",
    "OperationName",
    "OperationVersion",
    "RequestUri",
    "_ResourceId",
    "ResultDescription",
    "ResultSignature",
    "ResultType",
    "SourceSystem",
    "_SubscriptionId",
    "TenantId",
    "TimeGenerated",
    "Tlsversion",
    "Type",
];

/// Writes the `AZKVAuditLogs` record for one Key Vault request; keyed by `CorrelationId`, as its
/// AzureDiagnostics twin is.
pub fn render(event: &Event<'_>, op: &KeyVaultOp<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let names = &op.vault.log_names;
    let record = VaultRecord::of(event, op);
    // `CallerIpAddress` with a lower-case `p`, unlike AzureDiagnostics' `CallerIPAddress` (§1.6.3).
    w.string_fmt("CallerIpAddress", format_args!("{}", op.caller_ip));
    w.static_string("ClientInfo", record.client_info);
    w.string("CorrelationId", &record.correlation_id);
    // int in this table, long in AzureDiagnostics (T-KV).
    w.long("DurationMs", op.duration_ms);
    // int here, `httpStatusCode_d` real in AzureDiagnostics (T-KV; ASIM-KV's `toint`).
    w.long("HttpStatusCode", i64::from(op.status));
    if let Some(id) = &record.id {
        w.string("Id", id);
    }
    w.dynamic("Identity", &identity(&record));
    if let Some(matched) = record.access_policy_match {
        w.boolean("IsAccessPolicyMatch", matched);
    }
    w.string("OperationName", op.operation);
    w.string("OperationVersion", record.api_version);
    w.string("RequestUri", &record.request_uri);
    // Lower case as in AzureDiagnostics rows; the case in this table is not observed (§1.4).
    w.string_unbilled("_ResourceId", &names.resource_id_lower);
    w.string("ResultDescription", &record.description);
    w.string("ResultSignature", record.signature);
    w.string("ResultType", "Success");
    w.string("SourceSystem", "Azure");
    w.string_unbilled("_SubscriptionId", &names.subscription_id);
    w.string_fmt("TenantId", format_args!("{}", event.tenant.workspace_id));
    w.datetime("TimeGenerated", event.time);
    // Spelled `Tlsversion` (T-KV); the value is assumed to be AzureDiagnostics' (§1.4).
    w.string("Tlsversion", "TLS1_2");
    w.string_unbilled("Type", Table::AZKVAuditLogs.name());
    (
        Table::AZKVAuditLogs,
        RecordKey {
            table: Table::AZKVAuditLogs,
            column: "CorrelationId",
            value: record.correlation_id,
        },
    )
}

/// `Identity`: `{"claim":{…}}` keyed by the raw claim names (KV-LOG sample, ASIM-KV's
/// `todynamic(Identity).claim`); `{}` for the unauthenticated challenge, which carries no token
/// (arm-and-keyvault-operations §2.5, obs).
fn identity(record: &VaultRecord) -> Value {
    if record.claims.is_empty() {
        return Value::Object(Map::new());
    }
    let claims: Map<String, Value> = record
        .claims
        .iter()
        .map(|(claim, value)| {
            // AzureDiagnostics flattens the perimeter list into a string (`"[]"`); the token holds a list.
            let value = match claim {
                Claim::NetworkPerimeter => serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone())),
                _ => Value::String(value.clone()),
            };
            (claim.raw().to_owned(), value)
        })
        .collect();
    let mut identity = Map::new();
    identity.insert("claim".to_owned(), Value::Object(claims));
    Value::Object(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_documented_and_in_the_schemas_order() {
        let schema: Vec<String> = crate::kql::table::documented_columns("AZKVAuditLogs")
            .expect("schemas/AZKVAuditLogs.json is registered")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let positions: Vec<usize> = COLUMNS
            .iter()
            .map(|c| {
                schema
                    .iter()
                    .position(|s| s == c)
                    .unwrap_or_else(|| panic!("{c} is not documented"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }
}
