//! Key Vault `AuditEvent` records as a diagnostic setting exports them (azure-logs.md §3.4: the
//! sample of azure-security-docs key-vault/general/logging.md). AzureDiagnostics flattens nested
//! fields into `<path joined by _>_<type suffix>` columns; this undoes it for the fields Key Vault
//! writes, by name, since `_` also occurs inside the names.

use super::ShapeError;
use super::fields::{Columns, Kind, copy};
use serde_json::{Map, Value, json};

/// The caller's token claims: `identity.claim.<name>` in the export.
const CLAIMS: &[(&str, &str, Kind)] = &[
    ("identity_claim_appid_g", "appid", Kind::Copy),
    ("identity_claim_oid_g", "oid", Kind::Copy),
    ("identity_claim_appidacr_s", "appidacr", Kind::Copy),
    ("identity_claim_idtyp_s", "idtyp", Kind::Copy),
    ("identity_claim_xms_az_nwperimid_s", "xms_az_nwperimid", Kind::Json),
    ("identity_claim_xms_mirid_s", "xms_mirid", Kind::Copy),
    (
        "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        Kind::Copy,
    ),
    (
        "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
        Kind::Copy,
    ),
    (
        "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        Kind::Copy,
    ),
];

/// The request's fields: `properties.<name>`.
const PROPERTIES: &[(&str, &str, Kind)] = &[
    ("id_s", "id", Kind::Copy),
    ("clientInfo_s", "clientInfo", Kind::Copy),
    ("requestUri_s", "requestUri", Kind::Copy),
    ("isAccessPolicyMatch_b", "isAccessPolicyMatch", Kind::Copy),
    ("tlsVersion_s", "tlsVersion", Kind::Copy),
];

/// Columns only Log Analytics has besides its standard ones and those it derives from
/// `resourceId` (`shape::is_log_analytics_only`): none.
pub const LOG_ANALYTICS_ONLY: &[&str] = &[];

/// `addedAccessPolicy` / `removedAccessPolicy` of a `VaultPatch`: `{ObjectId, TenantId,
/// Permissions: {keys, secrets, certificates}}`, the permission lists parsed from their JSON text.
fn access_policy(c: &Columns<'_>, prefix: &str) -> Result<Option<Value>, ShapeError> {
    let Some(object_id) = c.get(&format!("{prefix}_ObjectId_g")).cloned() else {
        return Ok(None);
    };
    let mut policy = Map::new();
    policy.insert("ObjectId".into(), object_id);
    if let Some(tenant) = c.get(&format!("{prefix}_TenantId_g")) {
        policy.insert("TenantId".into(), tenant.clone());
    }
    let mut permissions = Map::new();
    for kind in ["keys", "secrets", "certificates"] {
        if let Some(list) = c.json(&format!("{prefix}_Permissions_{kind}_s"))? {
            permissions.insert(kind.into(), list);
        }
    }
    policy.insert("Permissions".into(), Value::Object(permissions));
    Ok(Some(Value::Object(policy)))
}

/// The export form of a Key Vault request.
pub fn convert(c: &Columns<'_>) -> Result<Map<String, Value>, ShapeError> {
    let mut r = Map::new();
    r.insert("time".into(), c.value("TimeGenerated")?);
    r.insert("resourceId".into(), c.value("ResourceId")?);
    r.insert("operationName".into(), c.value("OperationName")?);
    r.insert("operationVersion".into(), c.value("OperationVersion")?);
    r.insert("category".into(), c.value("Category")?);
    r.insert("resultType".into(), c.value("ResultType")?);
    r.insert("resultSignature".into(), c.value("ResultSignature")?);
    r.insert("resultDescription".into(), c.value("ResultDescription")?);
    // A string in the documented sample (`"durationMs":"78"`).
    r.insert("durationMs".into(), json!(c.value("DurationMs")?.to_string()));
    r.insert("callerIpAddress".into(), c.value("CallerIPAddress")?);
    r.insert("correlationId".into(), c.value("CorrelationId")?);
    let mut claim = Map::new();
    copy(c, CLAIMS, &mut claim)?;
    // The SDK's unauthenticated challenge carries no token, hence no identity.
    if !claim.is_empty() {
        r.insert("identity".into(), json!({ "claim": claim }));
    }
    let mut properties = Map::new();
    copy(c, PROPERTIES, &mut properties)?;
    let status = c.value("httpStatusCode_d")?;
    // Log Analytics types it `real` (`_d`); the export writes the status as a whole number.
    let status = status.as_f64().map_or(status, |s| json!(s as i64));
    properties.insert("httpStatusCode".into(), status);
    for prefix in ["addedAccessPolicy", "removedAccessPolicy"] {
        if let Some(policy) = access_policy(c, prefix)? {
            properties.insert(prefix.into(), policy);
        }
    }
    r.insert("properties".into(), Value::Object(properties));
    Ok(r)
}
