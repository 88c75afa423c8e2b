//! `AADManagedIdentitySignInLogs` and `AADServicePrincipalSignInLogs`: one renderer, since the two
//! tables share all but a few columns (azure-logs.md §1.1–1.2, shapes §2.1–2.3).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::catalog::outside::OUTSIDE_LOCATIONS;
use crate::catalog::{MICROSOFT_SERVICES_TENANT, REGIONS, Region};
use crate::scenario::model::{CredentialType, IdentityKind};
use crate::sim::Event;
use crate::sim::event::SignIn;
use std::sync::OnceLock;

/// Entra's outbound Azure addresses belong to Microsoft's AS 8075.
const MICROSOFT_ASN: &str = "8075";

/// Coordinates as real records print them: stored as 32-bit floats, printed as 64-bit, so `17.385`
/// reads `17.385000228881836` (real-exports.md §1).
fn float32_noise(degrees: f64) -> f64 {
    f64::from(degrees as f32)
}

/// `LocationDetails` of a region: a JSON *string* column (azure-logs.md §2.3), built once per region.
fn location_details(region: &'static Region) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        REGIONS
            .iter()
            .chain(OUTSIDE_LOCATIONS)
            .map(|r| {
                format!(
                    r#"{{"city":"{}","state":"{}","countryOrRegion":"{}","geoCoordinates":{{"latitude":{},"longitude":{}}}}}"#,
                    r.city,
                    r.state,
                    r.country,
                    float32_noise(r.latitude),
                    float32_noise(r.longitude)
                )
            })
            .collect()
    });
    let index = REGIONS
        .iter()
        .chain(OUTSIDE_LOCATIONS)
        .position(|r| std::ptr::eq(r, region) || r.name == region.name)
        .unwrap_or(0);
    &texts[index]
}

/// Writes the sign-in record, in `AADManagedIdentitySignInLogs` or `AADServicePrincipalSignInLogs`
/// by the identity's kind; keyed by `Id`.
pub fn render(event: &Event<'_>, s: &SignIn<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let managed = s.identity.kind != IdentityKind::ServicePrincipal;
    let table = if managed {
        Table::AADManagedIdentitySignInLogs
    } else {
        Table::AADServicePrincipalSignInLogs
    };
    let id = s.id.to_string();
    // Columns in the order Log Analytics exports them: alphabetical after the standard ones.
    w.datetime("TimeGenerated", event.time);
    standard_columns(event, table, "Azure AD", w);
    app_columns(event, s, managed, w);
    request_columns(event, s, managed, &id, w);
    origin_columns(s, w);
    w.string("Level", "4");
    if managed {
        managed_identity_column(s, w);
    } else {
        autonomous_system_column(s, w);
    }
    resource_and_result_columns(event, s, w);
    credential_and_trailing_columns(s, managed, w);
    (
        table,
        RecordKey {
            table,
            column: "Id",
            value: id,
        },
    )
}

/// `AADTenantId` … `Category`.
fn app_columns(event: &Event<'_>, s: &SignIn<'_>, managed: bool, w: &mut RecordWriter) {
    let tenant = event.tenant;
    w.string_fmt("AADTenantId", format_args!("{}", tenant.tenant_id));
    w.string("Agent", "");
    w.string_fmt("AppId", format_args!("{}", s.identity.app_id));
    // Managed identities are owned by Microsoft's services tenant; app registrations by the tenant.
    if managed {
        w.string("AppOwnerTenantId", MICROSOFT_SERVICES_TENANT);
    } else {
        w.string_fmt("AppOwnerTenantId", format_args!("{}", tenant.tenant_id));
    }
    w.string("AuthenticationContextClassReferences", "[]");
    if managed {
        w.string("AuthenticationProcessingDetails", "[]");
    } else {
        // The library of the client that asked, by resource and identity (real-exports.md §1).
        let client = super::sign_in_client(s.identity, s.resource);
        w.static_string("AuthenticationProcessingDetails", client.sign_in_details);
    }
    let category = if managed {
        "ManagedIdentitySignInLogs"
    } else {
        "ServicePrincipalSignInLogs"
    };
    w.string("Category", category);
}

/// `ClientCredentialType` … `Identity`.
fn request_columns(event: &Event<'_>, s: &SignIn<'_>, managed: bool, id: &str, w: &mut RecordWriter) {
    let credential_type = match (managed, s.credential.map(|c| c.kind)) {
        (true, _) => "managedIdentity",
        (false, Some(CredentialType::Certificate)) => "clientAssertion",
        (false, Some(CredentialType::ClientSecret)) => "clientSecret",
        (false, None) => "none",
    };
    w.string("ClientCredentialType", credential_type);
    w.string("ConditionalAccessAudiences", "[]");
    w.string("ConditionalAccessPolicies", "[]");
    w.string("ConditionalAccessStatus", "notApplied");
    w.string_fmt("CorrelationId", format_args!("{}", s.correlation_id));
    w.datetime("CreatedDateTime", event.time);
    w.long("DurationMs", 0);
    w.string("FederatedCredentialId", "");
    w.string("Id", id);
    w.string("Identity", &s.identity.name);
}

/// `IPAddress`, `Location`, `LocationDetails`.
fn origin_columns(s: &SignIn<'_>, w: &mut RecordWriter) {
    match s.origin {
        Some((ip, region)) => {
            w.string_fmt("IPAddress", format_args!("{ip}"));
            w.string("Location", region.country);
            w.static_string("LocationDetails", location_details(region));
        }
        None => {
            // Managed identity sign-ins carry no address or location (ELASTIC MI sample, §2.2).
            w.string("IPAddress", "");
            w.string("Location", "");
            w.static_string(
                "LocationDetails",
                r#"{"city":"","state":"","countryOrRegion":"","geoCoordinates":{"latitude":0,"longitude":0}}"#,
            );
        }
    }
}

fn managed_identity_column(s: &SignIn<'_>, w: &mut RecordWriter) {
    let msi_type = if s.identity.kind == IdentityKind::SystemAssignedMi {
        "systemAssigned"
    } else {
        "userAssigned"
    };
    w.string_fmt(
        "ManagedServiceIdentity",
        format_args!(
            r#"{{"msiType":"{msi_type}","associatedResourceId":"{}","federatedTokenId":"","federatedTokenIssuer":""}}"#,
            s.identity.msi_resource_id.as_deref().unwrap_or("")
        ),
    );
}

/// Azure's address space is announced by Microsoft's AS 8075; other addresses get a stable
/// non-Microsoft ASN.
fn autonomous_system_column(s: &SignIn<'_>, w: &mut RecordWriter) {
    let asn = match s.origin {
        Some((ip, _)) if crate::catalog::region_of_ip(ip).is_some() => MICROSOFT_ASN,
        Some(_) => "9009",
        None => "",
    };
    w.string("AutonomousSystemNumber", asn);
}

/// `NetworkLocationDetails` … `ResultSignature`.
fn resource_and_result_columns(event: &Event<'_>, s: &SignIn<'_>, w: &mut RecordWriter) {
    w.string("NetworkLocationDetails", "[]");
    w.string("OperationName", "Sign-in activity");
    w.string("OperationVersion", "1.0");
    w.string("ResourceDisplayName", s.resource.display_name);
    w.string("ResourceGroup", "");
    w.string("ResourceIdentity", s.resource.app_id);
    w.string("ResourceOwnerTenantId", MICROSOFT_SERVICES_TENANT);
    w.string_fmt(
        "ResourceServicePrincipalId",
        format_args!("{}", event.tenant.first_party_sp_id(s.resource)),
    );
    match s.failure {
        Some((code, template)) => {
            let identity = s.identity;
            let app_id = identity.app_id.to_string();
            let description = crate::catalog::describe_failure(template, &app_id, &identity.name, &event.tenant.domain);
            w.string("ResultDescription", &description);
            w.string("ResultType", code);
        }
        None => {
            w.string("ResultDescription", "");
            w.string("ResultType", "0");
        }
    }
    w.string("ResultSignature", "None");
}

/// `ServicePrincipalCredentialKeyId` … `UserAgent`.
fn credential_and_trailing_columns(s: &SignIn<'_>, managed: bool, w: &mut RecordWriter) {
    // A secret that failed (wrong or expired) is logged without a key id (real-exports.md §1:
    // elastic's 7000222 sample; a wrong secret matches no key at all).
    let secret_failed = s.failure.is_some() && s.credential.is_some_and(|c| c.kind == CredentialType::ClientSecret);
    match s.credential.filter(|_| !secret_failed) {
        Some(c) => {
            w.string_fmt("ServicePrincipalCredentialKeyId", format_args!("{}", c.key_id));
            w.string("ServicePrincipalCredentialThumbprint", c.thumbprint.as_deref().unwrap_or(""));
        }
        None => {
            w.string("ServicePrincipalCredentialKeyId", "");
            w.string("ServicePrincipalCredentialThumbprint", "");
        }
    }
    w.string_fmt("ServicePrincipalId", format_args!("{}", s.identity.sp_object_id));
    w.string("ServicePrincipalName", &s.identity.name);
    w.string("SessionId", "");
    if managed {
        w.string("SourceAppClientId", "");
    }
    w.string("UniqueTokenIdentifier", &s.token_id);
    w.string("UserAgent", "");
}
