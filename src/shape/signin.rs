//! `ServicePrincipalSignInLogs` and `ManagedIdentitySignInLogs` as Entra ID exports them
//! (azure-logs.md §2.1–2.2: ELASTIC's service-principal and managed-identity samples).

use super::ShapeError;
use super::fields::{Columns, Kind, copy};
use serde_json::{Map, Value, json};

/// The columns that move into `properties`, under the names Entra's export gives them. The
/// renamed ones: `ResourceIdentity` is `resourceId`, `LocationDetails` is `location` and
/// `ConditionalAccessPolicies` is `appliedConditionalAccessPolicies` (§2.1 "Log Analytics mapping").
const PROPERTIES: &[(&str, &str, Kind)] = &[
    ("Id", "id", Kind::Copy),
    ("CreatedDateTime", "createdDateTime", Kind::Time),
    ("AppId", "appId", Kind::Copy),
    ("AppOwnerTenantId", "appOwnerTenantId", Kind::Copy),
    ("IPAddress", "ipAddress", Kind::Copy),
    ("LocationDetails", "location", Kind::Json),
    ("CorrelationId", "correlationId", Kind::Copy),
    ("ConditionalAccessStatus", "conditionalAccessStatus", Kind::Copy),
    ("ConditionalAccessPolicies", "appliedConditionalAccessPolicies", Kind::Json),
    ("ConditionalAccessAudiences", "conditionalAccessAudiences", Kind::Json),
    (
        "AuthenticationContextClassReferences",
        "authenticationContextClassReferences",
        Kind::Json,
    ),
    ("ClientCredentialType", "clientCredentialType", Kind::Copy),
    ("FederatedCredentialId", "federatedCredentialId", Kind::Copy),
    ("ManagedServiceIdentity", "managedServiceIdentity", Kind::Json),
    ("AutonomousSystemNumber", "autonomousSystemNumber", Kind::Copy),
    ("NetworkLocationDetails", "networkLocationDetails", Kind::Json),
    ("ResourceDisplayName", "resourceDisplayName", Kind::Copy),
    ("ResourceIdentity", "resourceId", Kind::Copy),
    ("ResourceOwnerTenantId", "resourceOwnerTenantId", Kind::Copy),
    ("ResourceServicePrincipalId", "resourceServicePrincipalId", Kind::Copy),
    ("ServicePrincipalCredentialKeyId", "servicePrincipalCredentialKeyId", Kind::Copy),
    (
        "ServicePrincipalCredentialThumbprint",
        "servicePrincipalCredentialThumbprint",
        Kind::Copy,
    ),
    ("ServicePrincipalId", "servicePrincipalId", Kind::Copy),
    ("ServicePrincipalName", "servicePrincipalName", Kind::Copy),
    ("SessionId", "sessionId", Kind::Copy),
    ("SourceAppClientId", "sourceAppClientId", Kind::Copy),
    ("UniqueTokenIdentifier", "uniqueTokenIdentifier", Kind::Copy),
    ("UserAgent", "userAgent", Kind::Copy),
];

/// Columns only Log Analytics has besides its standard ones (`shape::is_log_analytics_only`; its
/// `TenantId` is the workspace): `Agent` and `ResourceGroup`, empty in every sign-in.
pub const LOG_ANALYTICS_ONLY: &[&str] = &["Agent", "ResourceGroup"];

/// The export form of a sign-in record.
pub fn convert(c: &Columns<'_>) -> Result<Map<String, Value>, ShapeError> {
    let tenant = c.text("AADTenantId")?;
    let mut r = Map::new();
    r.insert("time".into(), c.value("TimeGenerated")?);
    r.insert("resourceId".into(), json!(format!("/tenants/{tenant}/providers/Microsoft.aadiam")));
    r.insert("operationName".into(), c.value("OperationName")?);
    r.insert("operationVersion".into(), c.value("OperationVersion")?);
    r.insert("category".into(), c.value("Category")?);
    r.insert("tenantId".into(), json!(tenant));
    r.insert("resultType".into(), c.value("ResultType")?);
    r.insert("resultSignature".into(), c.value("ResultSignature")?);
    let description = c.non_empty("ResultDescription");
    if let Some(description) = description {
        r.insert("resultDescription".into(), json!(description));
    }
    r.insert("durationMs".into(), c.value("DurationMs")?);
    // Managed identity sign-ins have no `callerIpAddress` and no `location` (§2.2).
    if let Some(ip) = c.non_empty("IPAddress") {
        r.insert("callerIpAddress".into(), json!(ip));
    }
    r.insert("correlationId".into(), c.value("CorrelationId")?);
    r.insert("identity".into(), c.value("Identity")?);
    // `Level` with a capital L and a number: ELASTIC's samples (§2.1).
    r.insert("Level".into(), c.number("Level")?);
    if let Some(location) = c.non_empty("Location") {
        r.insert("location".into(), json!(location));
    }
    let mut properties = Map::new();
    copy(c, PROPERTIES, &mut properties)?;
    let mut status = Map::new();
    status.insert("errorCode".into(), c.number("ResultType")?);
    if let Some(description) = description {
        status.insert("failureReason".into(), json!(description));
    }
    properties.insert("status".into(), Value::Object(status));
    // The managed-identity export carries no `authenticationProcessingDetails` (§2.2).
    if let Some(details) = c
        .json("AuthenticationProcessingDetails")?
        .filter(|d| d.as_array().is_none_or(|a| !a.is_empty()))
    {
        properties.insert("authenticationProcessingDetails".into(), details);
    }
    r.insert("properties".into(), Value::Object(properties));
    Ok(r)
}
