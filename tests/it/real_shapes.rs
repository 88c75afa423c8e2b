//! Value shapes that real exports of the five tables have and that stock queries filter on. Each test
//! names where the real shape was observed (docs/reference/real-exports.md gives the full citation).

use crate::support::{ACTIVITY, DIAGNOSTICS, Generated, MI_SIGNINS, Record, SP_SIGNINS, generate_bundled, parse_ts, s};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn outputs() -> &'static [Generated] {
    static OUTPUTS: OnceLock<Vec<Generated>> = OnceLock::new();
    OUTPUTS.get_or_init(generate_bundled)
}

fn activity() -> impl Iterator<Item = (&'static Generated, &'static Record)> {
    outputs().iter().flat_map(|g| g.records(ACTIVITY).iter().map(move |r| (g, r)))
}

/// Source: diagnostic-settings exports carry `resultType` `Start`/`Accept`/`Success`/`Failure` (elastic
/// AzureActivity sample); the ASIM AzureActivity parser's status lookup pairs `Start/""`,
/// `Accept/Created`, `Success/OK`; Sentinel queries filter `ActivityStatusValue == "Success"`.
#[test]
fn activity_status_values_are_the_diagnostic_settings_spellings() {
    let mut seen = BTreeSet::new();
    for (g, r) in activity() {
        let status = s(r, "ActivityStatusValue");
        assert!(
            ["Start", "Accept", "Success", "Failure"].contains(&status),
            "{}: {status}",
            g.name()
        );
        seen.insert(status);
        let substatus = s(r, "ActivitySubstatusValue");
        let expected: &[&str] = match status {
            "Start" => &[""],
            "Accept" => &["Created", "Accepted"],
            _ => &["OK", "Created", "NoContent", "BadRequest", "Forbidden", "Conflict", "NotFound"],
        };
        assert!(expected.contains(&substatus), "{}: {status}/{substatus}", g.name());
    }
    assert!(seen.contains("Success") && seen.contains("Start"), "{seen:?}");
}

/// Source: AMD activity-log.md — the deprecated `ActivityStatus`/`ActivitySubstatus` columns "still
/// exist … but will have no data".
#[test]
fn deprecated_activity_status_columns_are_present_but_empty() {
    for (g, r) in activity() {
        for column in ["ActivityStatus", "ActivitySubstatus"] {
            assert_eq!(r.get(column).and_then(|v| v.as_str()), Some(""), "{}: {column}", g.name());
        }
    }
}

/// Source: the AMD activity-log-schema.md sample record (`Properties` keys of an Administrative event);
/// Sentinel and ASIM queries read `Properties_d.resource` and `Properties_d.subscriptionId`.
#[test]
fn activity_properties_carry_the_keys_queries_read_with_values_matching_the_columns() {
    for (g, r) in activity() {
        let p = &r["Properties_d"];
        let text = |key: &str| {
            p[key]
                .as_str()
                .unwrap_or_else(|| panic!("{}: Properties_d.{key} missing in {p}", g.name()))
        };
        assert_eq!(text("resource"), s(r, "Resource"));
        assert!(text("resourceGroup").eq_ignore_ascii_case(s(r, "ResourceGroup")));
        assert_eq!(text("resourceProviderValue"), s(r, "ResourceProviderValue"));
        assert_eq!(text("subscriptionId"), s(r, "SubscriptionId"));
        assert_eq!(text("activityStatusValue"), s(r, "ActivityStatusValue"));
        assert_eq!(text("activitySubstatusValue"), s(r, "ActivitySubstatusValue"));
        assert_eq!(text("eventDataId"), s(r, "EventDataId"));
        assert_eq!(text("operationId"), s(r, "OperationId"));
        assert_eq!(
            parse_ts(text("eventSubmissionTimestamp")),
            parse_ts(s(r, "EventSubmissionTimestamp"))
        );
    }
}

/// Source: real Administrative events' `Authorization.evidence` carry three different ids
/// (roleAssignmentId, roleDefinitionId, principalId), and Log Analytics stores AzureActivity
/// `ResourceId` in lower case (AMD logs-export-logic-app sample).
#[test]
fn activity_role_assignment_and_resource_ids_look_as_stored() {
    for (g, r) in activity() {
        let evidence = &r["Authorization_d"]["evidence"];
        let ids: BTreeSet<&str> = ["roleAssignmentId", "roleDefinitionId", "principalId"]
            .iter()
            .map(|k| evidence[*k].as_str().expect("evidence id"))
            .collect();
        assert_eq!(ids.len(), 3, "{}: {evidence}", g.name());
        let resource_id = s(r, "ResourceId");
        assert_eq!(resource_id, resource_id.to_lowercase(), "{}", g.name());
    }
}

/// Source: the AMD activity-log sample's claims — Entra back-dates `iat`/`nbf` by five minutes and a
/// one-hour token has `exp − iat` = 3,900 s; `aio` is a long opaque value.
#[test]
fn activity_claims_are_back_dated_from_the_sign_in_that_issued_the_token() {
    for g in outputs() {
        let signed_in: BTreeMap<&str, i64> = g
            .records(SP_SIGNINS)
            .iter()
            .map(|r| {
                (
                    s(r, "UniqueTokenIdentifier"),
                    parse_ts(s(r, "TimeGenerated")).expect("time").timestamp(),
                )
            })
            .collect();
        for r in g.records(ACTIVITY) {
            let claims = &r["Claims_d"];
            let number = |k: &str| claims[k].as_str().and_then(|v| v.parse::<i64>().ok()).expect("numeric claim");
            // An app's token lives an hour, a managed identity's a day (the platform's cache), a
            // person's 60–90 minutes; each back-dated five minutes.
            let lifetime = number("exp") - number("iat") - 300;
            let caller = s(r, "Caller");
            let expected: &[i64] = if caller.contains('@') {
                &[3_600, 5_400]
            } else if claims["appidacr"] == "2" && lifetime > 3_600 {
                &[86_400, 86_400]
            } else {
                &[3_600, 3_600]
            };
            assert!(
                (expected[0]..=expected[1]).contains(&lifetime),
                "{}: {lifetime} s for {caller}: {claims}",
                g.name()
            );
            assert_eq!(number("nbf"), number("iat"));
            assert!(
                claims["aio"].as_str().is_some_and(|a| a.len() >= 50),
                "{}: aio {}",
                g.name(),
                claims["aio"]
            );
            if let Some(at) = claims["uti"].as_str().and_then(|uti| signed_in.get(uti)) {
                assert_eq!(number("iat"), at - 300, "{}: iat is the sign-in time less five minutes", g.name());
            }
        }
    }
}

fn workflow_records() -> impl Iterator<Item = (&'static Generated, &'static Record)> {
    outputs().iter().flat_map(|g| {
        g.records(DIAGNOSTICS)
            .iter()
            .filter(|r| s(r, "Category") == "WorkflowRuntime")
            .map(move |r| (g, r))
    })
}

/// Source: Logic Apps `WorkflowRuntime` records in the loki and AMD export samples: `Level`
/// `Information`, one `actionTrackingId` per action, a `clientTrackingId` that is not the run id, and
/// no `originRunId` unless the run was resubmitted.
#[test]
fn workflow_runtime_records_look_like_the_export_samples() {
    let mut actions_of_run: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    let mut checked = 0;
    for (g, r) in workflow_records() {
        checked += 1;
        assert_eq!(s(r, "Level"), "Information", "{}", g.name());
        assert_ne!(s(r, "correlation_clientTrackingId_s"), s(r, "resource_runId_s"), "{}", g.name());
        assert!(
            r.get("resource_originRunId_s").is_none(),
            "{}: originRunId on a run never resubmitted",
            g.name()
        );
        if let Some(tracking) = r["correlation_actionTrackingId_g"].as_str() {
            actions_of_run
                .entry(s(r, "resource_runId_s"))
                .or_default()
                .entry(s(r, "resource_actionName_s"))
                .or_default()
                .insert(tracking);
        }
    }
    assert!(checked > 0, "the bundled scenarios run Logic Apps");
    for (run, actions) in actions_of_run {
        assert!(
            actions.values().all(|ids| ids.len() == 1),
            "run {run}: an action has several tracking ids"
        );
        let distinct: BTreeSet<&&str> = actions.values().flatten().collect();
        assert_eq!(distinct.len(), actions.len(), "run {run}: actions share a tracking id");
    }
}

fn sign_ins() -> impl Iterator<Item = (&'static Generated, &'static Record)> {
    outputs().iter().flat_map(|g| {
        [MI_SIGNINS, SP_SIGNINS]
            .into_iter()
            .flat_map(move |t| g.records(t).iter().map(move |r| (g, r)))
    })
}

/// Source: AzureAD/MSIdentityTools `ConvertFrom-MsIdUniqueTokenIdentifier` — the `[guid]` of the
/// base64url-decoded `UniqueTokenIdentifier` is the request id, which the sign-in logs record as `Id`;
/// ESTS request ids end in a zero byte (`…-273849e60100`, elastic MI and SP samples).
#[test]
fn unique_token_identifier_is_the_sign_in_id_in_base64url() {
    use base64::Engine;
    for (g, r) in sign_ins() {
        let id = uuid::Uuid::parse_str(s(r, "Id")).expect("sign-in Id is a GUID");
        let uti = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s(r, "UniqueTokenIdentifier"))
            .expect("uti is unpadded base64url");
        let bytes: [u8; 16] = uti.try_into().expect("16 bytes");
        assert_eq!(uuid::Uuid::from_bytes_le(bytes), id, "{}", g.name());
        assert_eq!(id.as_bytes()[15], 0, "{}: {id}", g.name());
    }
}

/// Source: AADSTS texts as Entra returns them (real-exports.md §1): 7000222 and 7000215 quote the app
/// id, 7000222 carries the aka.ms links; elastic's 7000222 sample has no credential key id, and a
/// wrong secret matches no key.
#[test]
fn failed_secret_sign_ins_quote_the_app_and_name_no_key() {
    let mut checked = 0;
    for (g, r) in sign_ins() {
        let code = s(r, "ResultType");
        if !["7000222", "7000215"].contains(&code) {
            continue;
        }
        checked += 1;
        let description = s(r, "ResultDescription");
        assert!(
            description.contains(&format!("app '{}'", s(r, "AppId"))),
            "{}: {description}",
            g.name()
        );
        if code == "7000222" {
            assert!(
                description.contains("https://aka.ms/NewClientSecret"),
                "{}: {description}",
                g.name()
            );
        }
        assert_eq!(
            s(r, "ServicePrincipalCredentialKeyId"),
            "",
            "{}: a failed secret names no key",
            g.name()
        );
    }
    assert!(checked > 0, "the bundled scenarios inject failed secret sign-ins");
}

/// Source: real `LocationDetails` coordinates are 32-bit floats printed as 64-bit
/// (`17.385000228881836`, elastic SP sample).
#[test]
fn location_coordinates_carry_float32_noise() {
    let mut noisy = 0;
    for (g, r) in sign_ins() {
        // Read the digits as written: serde_json's default float parsing is not exact.
        let details = s(r, "LocationDetails");
        for axis in ["latitude", "longitude"] {
            let pattern = regex::Regex::new(&format!(r#""{axis}":(-?[0-9.]+)"#)).expect("a valid pattern");
            let text = &pattern.captures(details).expect("a coordinate")[1];
            let value: f64 = text.parse().expect("a number");
            assert_eq!(f64::from(value as f32), value, "{}: {axis} {text} is not a float32", g.name());
            noisy += usize::from(text.len() > 10);
        }
    }
    assert!(noisy > 0, "some coordinates print with float32 noise");
}

/// Source: real records carry 100-ns precision (`2025-01-07T20:00:00.0483028Z`, real-exports.md §7);
/// milliseconds padded with `0000` are a tell-tale of generated data.
#[test]
fn timestamps_carry_100_ns_precision() {
    for g in outputs() {
        let times: Vec<&str> = crate::support::TABLES
            .iter()
            .flat_map(|t| g.records(t).iter().map(|r| s(r, "TimeGenerated")))
            .collect();
        let padded = times.iter().filter(|t| t.ends_with("0000Z")).count();
        // A run starts exactly when its schedule says (`at:` instants, `every:` without jitter), so
        // its first record may fall on a whole second; the records that follow are offset to the tick.
        assert!(
            padded * 2 < times.len(),
            "{}: {padded} of {} timestamps end in 0000",
            g.name(),
            times.len()
        );
    }
}

/// Source: real Key Vault records name the calling SDK (`azsdk-net-Security.KeyVault.Secrets/4.3.0
/// (.NET 6.0.35; …)`, `python/… azure-keyvault/7.0 …`) and call its API version (7.0, 7.3, 7.4), and
/// sign-ins name the client's library (real-exports.md §1, §5): clients differ between identities
/// and stay the same for one identity.
#[test]
fn each_identity_calls_with_one_client_and_clients_differ() {
    let mut clients = BTreeSet::new();
    for g in outputs() {
        let mut by_caller: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
        for r in g.records(DIAGNOSTICS).iter().filter(|r| s(r, "Category") == "AuditEvent") {
            let version = s(r, "OperationVersion");
            if !r.contains_key("identity_claim_appid_g") {
                // The SDK's challenge names no caller (its client is checked with its session).
                continue;
            }
            assert!(
                s(r, "requestUri_s").contains(&format!("api-version={version}")),
                "{}: {r:?}",
                g.name()
            );
            by_caller
                .entry(s(r, "identity_claim_appid_g"))
                .or_default()
                .insert((s(r, "clientInfo_s"), version));
            clients.insert(s(r, "clientInfo_s"));
        }
        for (caller, seen) in by_caller {
            assert_eq!(seen.len(), 1, "{}: {caller} calls with {seen:?}", g.name());
        }
        let mut details: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
        for r in g.records(SP_SIGNINS) {
            let detail = s(r, "AuthenticationProcessingDetails");
            details
                .entry((s(r, "AppId"), s(r, "ResourceDisplayName")))
                .or_default()
                .insert(detail);
            if s(r, "ResourceDisplayName") == "Windows Azure Service Management API" {
                assert!(detail.contains("MSAL.Python"), "{}: a pipeline's Azure CLI: {detail}", g.name());
            }
        }
        assert!(details.values().all(|d| d.len() == 1), "{}: {details:?}", g.name());
    }
    assert!(
        clients.len() >= 2,
        "the bundled tenants use more than one Key Vault client: {clients:?}"
    );
}

/// Source: AuditLogs exports (real-exports.md §3) — `Identity` is the initiator's display name, an
/// app's or empty for a user (whose `displayName` directory audits leave null), never the UPN; the
/// `Id`'s middle segment mixes letters and digits (`Directory_<correlation>_6X649_<n>`).
#[test]
fn audit_identity_is_the_initiators_display_name_and_ids_mix_letters_and_digits() {
    let mut digit_segments = 0;
    for g in outputs() {
        for r in g.records(crate::support::AUDIT) {
            let initiated = &r["InitiatedBy"];
            // An app's name, or a user's display name — null for people, a service's name when a
            // service acts in a user's name (`Azure AD PIM`, `Azure ESTS Service`).
            let expected = initiated["app"]["displayName"]
                .as_str()
                .or(initiated["user"]["displayName"].as_str())
                .unwrap_or_default();
            assert_eq!(s(r, "Identity"), expected, "{}: {initiated}", g.name());
            assert!(!s(r, "Identity").contains('@'), "{}: a UPN in Identity", g.name());
            let middle = s(r, "Id").rsplit('_').nth(1).expect("an Id with segments");
            assert_eq!(middle.len(), 5, "{}: {}", g.name(), s(r, "Id"));
            assert!(
                middle.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{}",
                s(r, "Id")
            );
            digit_segments += usize::from(middle.chars().any(|c| c.is_ascii_digit()));
        }
    }
    assert!(digit_segments > 0, "some Id segments carry digits");
}

fn audit_records() -> impl Iterator<Item = (&'static Generated, &'static Record)> {
    outputs()
        .iter()
        .flat_map(|g| g.records(crate::support::AUDIT).iter().map(move |r| (g, r)))
}

/// Source: OTRF Security-Datasets GoldenSAMLADFSMailAccess AADAuditEvents (a Log Analytics export):
/// both rows name the operation `Update application – Certificates and secrets management ` — en
/// dash and trailing space — although Microsoft's reference table prints neither.
#[test]
fn the_credential_operation_keeps_the_en_dash_and_the_trailing_space() {
    let names: BTreeSet<&str> = audit_records()
        .map(|(_, r)| s(r, "OperationName"))
        .filter(|n| n.contains("Certificates and secrets"))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Update application \u{2013} Certificates and secrets management "])
    );
}

/// Source: SEKOIA-IO intake-formats azure-ad `app_role_001/002` (Event Hub records, 2025–26) and a
/// Graph read (audit-operations.md §2.1): the *resource* service principal is the first target and
/// carries the role and the assignee; Sentinel's AdminPromoAfterRoleMgmtAppPermissionGrant reads
/// `ServicePrincipal.ObjectID` there.
#[test]
fn an_app_role_assignment_targets_the_resource_first_with_the_role_and_the_assignee() {
    let mut seen = 0;
    for (g, r) in audit_records().filter(|(_, r)| s(r, "OperationName") == "Add app role assignment to service principal") {
        seen += 1;
        let targets = r["TargetResources"].as_array().expect("targets");
        assert_eq!(targets[0]["displayName"], "Microsoft Graph", "{}", g.name());
        assert_eq!(targets[0]["type"], "ServicePrincipal");
        let props: BTreeMap<&str, &str> = targets[0]["modifiedProperties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["displayName"].as_str().unwrap(), p["newValue"].as_str().unwrap_or_default()))
            .collect();
        for key in [
            "AppRole.Id",
            "AppRole.Value",
            "AppRole.DisplayName",
            "ServicePrincipal.ObjectID",
            "ServicePrincipal.DisplayName",
            "ServicePrincipal.AppId",
            "ServicePrincipal.Name",
            "TargetId.ServicePrincipalNames",
        ] {
            assert!(props.contains_key(key), "{}: no {key} in {props:?}", g.name());
        }
        assert_eq!(props["AppRole.Value"], "\"RoleManagement.ReadWrite.Directory\"");
        // The assignee is second, displayed by its app id, and is the one the properties name.
        let assignee = &targets[1];
        assert_eq!(
            format!("\"{}\"", assignee["id"].as_str().unwrap()),
            props["ServicePrincipal.ObjectID"]
        );
        assert_eq!(
            format!("\"{}\"", assignee["displayName"].as_str().unwrap()),
            props["ServicePrincipal.AppId"]
        );
    }
    assert!(seen > 0, "no app role assignment in the bundled scenarios");
}

/// Source: PAN `azure_policy_changed.yml` and SEK `update_policy.json` records, and the Entra
/// "troubleshoot policy changes" doc (audit-operations.md §2.7): the Conditional Access record's
/// `ConditionalAccessPolicy` values are the full policy JSON; a Core Directory `Update policy` /
/// `Delete policy` record of the same change precedes it under the same CorrelationId.
#[test]
fn conditional_access_changes_carry_the_full_policy_and_their_core_directory_record() {
    let mut by_correlation: BTreeMap<(String, &str), Vec<&Record>> = BTreeMap::new();
    for (g, r) in audit_records().filter(|(_, r)| s(r, "Category") == "Policy") {
        by_correlation.entry((g.name(), s(r, "CorrelationId"))).or_default().push(r);
    }
    assert!(!by_correlation.is_empty());
    for ((scenario, _), records) in &by_correlation {
        let services: Vec<&str> = records.iter().map(|r| s(r, "LoggedByService")).collect();
        assert_eq!(services, ["Core Directory", "Conditional Access"], "{scenario}");
        let ca = records[1];
        let property = &ca["TargetResources"][0]["modifiedProperties"][0];
        assert_eq!(property["displayName"], "ConditionalAccessPolicy");
        let old: serde_json::Value = serde_json::from_str(property["oldValue"].as_str().expect("old policy")).unwrap();
        for key in [
            "id",
            "displayName",
            "createdDateTime",
            "modifiedDateTime",
            "state",
            "conditions",
            "grantControls",
            "sessionControls",
        ] {
            assert!(old.get(key).is_some(), "{scenario}: the old policy lacks {key}");
        }
        assert!(old["conditions"]["users"]["includeUsers"].is_array());
        assert_eq!(old["grantControls"]["builtInControls"][0], "mfa");
        match s(ca, "OperationName") {
            "Delete conditional access policy" => assert!(property["newValue"].is_null()),
            _ => {
                let new: serde_json::Value = serde_json::from_str(property["newValue"].as_str().unwrap()).unwrap();
                assert_ne!(new["state"], old["state"], "{scenario}: an update changes the state");
            }
        }
    }
}

/// Source: elastic's Event Hub AuditLogs sample (an MSI certificate rotation, audit-operations.md
/// §2.1, §3): a credential added to the service principal object is logged as `Add service principal
/// credentials`, then `Update service principal`, under one CorrelationId, both targeting the SP.
#[test]
fn a_credential_added_to_the_service_principal_logs_the_sp_operations() {
    let tmp = crate::support::TempDir::new("sp-credential");
    let scenario = std::fs::read_to_string(crate::support::seed_scenario()).unwrap().replace(
        "    ip: 203.0.113.66\n",
        "    ip: 203.0.113.66\n    credential_on: service_principal\n",
    );
    assert!(scenario.contains("credential_on"));
    tmp.write("seed.yaml", &scenario);
    let g = crate::support::generate_and_load(&tmp.join("seed.yaml"), &["--background", "none"]);
    let records: Vec<&Record> = g
        .records(crate::support::AUDIT)
        .iter()
        .filter(|r| s(r, "Category") == "ApplicationManagement")
        .collect();
    let names: Vec<&str> = records.iter().map(|r| s(r, "OperationName")).collect();
    assert_eq!(names, ["Add service principal credentials", "Update service principal"]);
    assert_eq!(s(records[0], "CorrelationId"), s(records[1], "CorrelationId"));
    let sp_id = g.sp_id_of("sp-devops-sql-deployment");
    for r in &records {
        assert_eq!(r["TargetResources"][0]["type"], "ServicePrincipal");
        assert_eq!(r["TargetResources"][0]["id"].as_str(), Some(sp_id.as_str()));
    }
    let keys = records[0]["TargetResources"][0]["modifiedProperties"][0]["newValue"]
        .as_str()
        .unwrap();
    assert!(keys.contains("KeyType=Password"), "{keys}");
}

fn vault_records() -> impl Iterator<Item = (&'static Generated, &'static Record)> {
    outputs()
        .iter()
        .flat_map(|g| g.records(DIAGNOSTICS).iter().map(move |r| (g, r)))
        .filter(|(_, r)| s(r, "Category") == "AuditEvent")
}

/// Source: a 2025 Log Analytics row (Google SecOps Key Vault page) and a 2022 export (`"claim":
/// {"oid": …}`): data-plane calls name the caller in `identity_claim_oid_g` with `appidacr`, `idtyp`
/// and the network-perimeter claim; managed identities add `xms_mirid`, their ARM id; app tokens have
/// no upn claim, so no upn column (arm-and-keyvault-operations.md §2.5).
#[test]
fn key_vault_data_plane_records_carry_the_short_claims() {
    let mut managed = 0;
    for (g, r) in vault_records().filter(|(_, r)| r.contains_key("identity_claim_oid_g")) {
        for column in [
            "identity_claim_appid_g",
            "identity_claim_appidacr_s",
            "identity_claim_idtyp_s",
            "tlsVersion_s",
        ] {
            assert!(r.contains_key(column), "{}: {column} missing", g.name());
        }
        assert_eq!(s(r, "identity_claim_idtyp_s"), "app");
        assert_eq!(s(r, "identity_claim_xms_az_nwperimid_s"), "[]");
        assert!(["1", "2"].contains(&s(r, "identity_claim_appidacr_s")));
        assert!(!r.keys().any(|k| k.contains("upn")), "{}: an app token has no upn claim", g.name());
        assert!(!r.contains_key("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"));
        if let Some(mirid) = r.get("identity_claim_xms_mirid_s").and_then(|v| v.as_str()) {
            managed += 1;
            assert!(mirid.starts_with("/subscriptions/"), "{mirid}");
            assert_eq!(s(r, "identity_claim_appidacr_s"), "2");
        }
    }
    assert!(managed > 0, "managed identities read secrets in the bundled scenarios");
}

/// Source: the Google SecOps raw 401 record and Microsoft's Key Vault authentication docs
/// (arm-and-keyvault-operations.md §2.4): the SDK's first request of a session carries no token;
/// the vault logs `Authentication` with `ResultSignature` `Unauthorized`, status 401, `ResultType`
/// still `Success`, and no identity. A session starts with it, before the sign-in that follows.
#[test]
fn a_key_vault_session_starts_with_the_unauthenticated_challenge() {
    let mut challenges = 0;
    for (g, r) in vault_records().filter(|(_, r)| s(r, "OperationName") == "Authentication") {
        challenges += 1;
        assert_eq!(s(r, "ResultSignature"), "Unauthorized");
        assert_eq!(s(r, "ResultType"), "Success");
        assert_eq!(r["httpStatusCode_d"], 401.0);
        assert!(!r.keys().any(|k| k.starts_with("identity_claim")), "{}: {r:?}", g.name());
        assert!(!r.contains_key("id_s") && !r.contains_key("isAccessPolicyMatch_b"));
        assert!(s(r, "requestUri_s").contains("?api-version="));
    }
    assert!(challenges > 0, "no challenge records in the bundled scenarios");
}
