//! Actions of the vocabulary write the records real logs have, consistent with the tenant: a
//! person's access-policy change is also the vault's `VaultPatch`, an elevation of access is
//! also the directory's record, an invited guest is named by the `#EXT#` UPN everywhere, a stolen
//! token matches no sign-in, a rename is followed by later actions of the same anomaly, and a
//! custom anomaly's ground truth names its behaviour, technique and entities.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const SCENARIO: &str = "\
name: actions
tenant: { domain: contoso.onmicrosoft.com }
period: { start: 2026-11-25T00:00:00Z, duration: 1d }
background: none
subscriptions: [{ name: prod, resource_groups: [rg-apps] }]
resources:
  key_vaults: [{ name: kv-pay, resource_group: rg-apps, secrets: [db] }]
identities:
  - { name: sp-etl, kind: service_principal, credentials: [{ type: client_secret }] }
users:
  - { upn: eve@contoso.onmicrosoft.com, name: Eve Adams, ip: 203.0.113.7 }
actions:
  - { at: 2026-11-25T10:00:00Z, by: eve@contoso.onmicrosoft.com, do: keyvault_access_policy_write, resource: kv-pay, member: sp-etl, permissions: \"get,list,delete\" }
  - { at: 2026-11-25T10:08:00Z, by: eve@contoso.onmicrosoft.com, do: keyvault_access_policy_write, resource: kv-pay/remove, member: sp-etl, client: azure_cli }
  - { at: 2026-11-25T11:00:00Z, by: eve@contoso.onmicrosoft.com, do: elevate_access }
  - { at: 2026-11-25T12:00:00Z, by: eve@contoso.onmicrosoft.com, do: invite_external_user, target: mal@partner.example }
  - { at: 2026-11-25T12:06:00Z, by: mal@partner.example, do: redeem_external_user_invite }
  - { at: 2026-11-25T12:20:00Z, by: eve@contoso.onmicrosoft.com, do: add_member_to_role, member: mal@partner.example, role: Global Administrator }
  - { at: 2026-11-25T13:00:00Z, by: eve@contoso.onmicrosoft.com, do: pim_assign_eligible, member: mal@partner.example, role: Security Administrator }
  - { at: 2026-11-25T14:00:00Z, by: sp-etl, do: vm_start, resource: vm-01, token: stolen, ip: 45.134.26.8 }
  - { at: 2026-11-25T14:30:00Z, by: sp-etl, do: sign_in, result: wrong_secret, count: 2, country: RU }
  - { at: 2026-11-25T15:00:00Z, by: eve@contoso.onmicrosoft.com, do: subscription_move, partner_tenant: 9f0e8d7c-6b5a-4938-8271-605f4e3d2c1b }
anomalies:
  - kind: custom
    label: app-takeover
    technique: T1098.001
    at: 2026-11-25T16:00:00Z
    actions:
      - { by: eve@contoso.onmicrosoft.com, do: update_application, target: sp-etl, new_name: sp-etl-legacy }
      - { after: 5m, by: eve@contoso.onmicrosoft.com, do: add_application_credential, target: sp-etl }
";

fn output() -> &'static Generated {
    static OUTPUT: OnceLock<Generated> = OnceLock::new();
    OUTPUT.get_or_init(|| {
        let dir = TempDir::new("actions");
        dir.write("actions.yaml", SCENARIO);
        generate_and_load(&dir.join("actions.yaml"), &[])
    })
}

fn s<'r>(r: &'r Record, column: &str) -> &'r str {
    r.get(column).and_then(Value::as_str).unwrap_or_default()
}

fn audit(operation: &str) -> Vec<&'static Record> {
    output()
        .records(AUDIT)
        .iter()
        .filter(|r| s(r, "OperationName") == operation)
        .collect()
}

/// Source: the Key Vault logging reference and the published hunting query
/// `AzureKeyVaultAccessManipulation` (docs/reference/arm-and-keyvault-operations.md §2.6): an
/// access-policy change is a `VaultPatch` with the delta columns, by the person's long claims.
#[test]
fn an_access_policy_change_is_the_vaults_vault_patch_with_the_delta() {
    let patches: Vec<&Record> = output()
        .records(DIAGNOSTICS)
        .iter()
        .filter(|r| s(r, "OperationName") == "VaultPatch")
        .collect();
    assert_eq!(patches.len(), 2);
    let sp = output().sp_id_of("sp-etl");
    let (added, removed) = (patches[0], patches[1]);
    assert_eq!(s(added, "addedAccessPolicy_ObjectId_g"), sp);
    assert_eq!(s(added, "addedAccessPolicy_Permissions_secrets_s"), r#"["get","list","delete"]"#);
    assert!(!added.contains_key("removedAccessPolicy_ObjectId_g"));
    assert_eq!(s(removed, "removedAccessPolicy_ObjectId_g"), sp);
    for p in &patches {
        assert_eq!(
            s(p, "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s"),
            "eve@contoso.onmicrosoft.com"
        );
        assert_eq!(s(p, "CallerIPAddress"), "203.0.113.7");
    }
    // The client shows in both tables: the portal first, then the Azure CLI.
    assert!(s(added, "clientInfo_s").starts_with("Mozilla/5.0"));
    assert!(s(removed, "clientInfo_s").starts_with("AZURECLI/"));
    let writes: Vec<&Record> = output()
        .records(ACTIVITY)
        .iter()
        .filter(|r| s(r, "OperationNameValue") == "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE")
        .collect();
    let appids: BTreeSet<&str> = writes.iter().filter_map(|r| r["Claims_d"]["appid"].as_str()).collect();
    assert_eq!(
        appids,
        BTreeSet::from(["c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"])
    );
    assert!(
        writes
            .iter()
            .any(|r| s(r, "ResourceId").to_lowercase().ends_with("/accesspolicies/remove"))
    );
}

/// Source: Microsoft's "Elevate access" docs and SENT `AzureRBAC.yaml`: the ARM action at the root
/// and the directory's record in category `AzureRBACRoleManagementElevateAccess`.
#[test]
fn an_elevation_of_access_is_tenant_wide_and_in_the_directory_too() {
    let arm: Vec<&Record> = output()
        .records(ACTIVITY)
        .iter()
        .filter(|r| s(r, "OperationNameValue") == "MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION")
        .collect();
    assert!(!arm.is_empty());
    assert!(
        arm.iter()
            .all(|r| s(r, "ResourceId").eq_ignore_ascii_case("/providers/Microsoft.Authorization")),
        "{:?}",
        arm[0]["ResourceId"]
    );
    let records = audit("User has elevated their access to User Access Administrator for their Azure Resources");
    assert_eq!(records.len(), 1);
    assert_eq!(s(records[0], "Category"), "AzureRBACRoleManagementElevateAccess");
    assert_eq!(
        records[0]["InitiatedBy"]["user"]["userPrincipalName"],
        "eve@contoso.onmicrosoft.com"
    );
}

/// Source: azure-logs.md §2.3: `Location` and `LocationDetails` are the address's geolocation, so
/// a sign-in placed in a country comes from an address there, with that country's city.
#[test]
fn a_sign_in_from_a_country_comes_from_an_address_there() {
    let abroad: Vec<&Record> = output()
        .records(SP_SIGNINS)
        .iter()
        .filter(|r| s(r, "ResultType") == "7000215")
        .collect();
    assert_eq!(abroad.len(), 2);
    for r in &abroad {
        assert_eq!(s(r, "Location"), "RU");
        let details: Value = serde_json::from_str(s(r, "LocationDetails")).expect("LocationDetails is JSON text");
        assert_eq!(details["city"], "Moscow");
        let ip: std::net::Ipv4Addr = s(r, "IPAddress").parse().expect("an IPv4 address");
        // The catalogue's Russian address space (src/catalog/outside.rs).
        assert!(matches!(ip.octets(), [95, 165, ..] | [178, 176, ..]), "{ip}");
        assert_ne!(s(r, "AutonomousSystemNumber"), "8075", "not Microsoft's network");
    }
}

/// Source: the published subscription-migration rule (arm-and-keyvault-operations.md §1.7): the
/// move is `Security`, on the subscription itself, and its message names both tenants.
#[test]
fn a_subscription_move_is_a_security_event_naming_both_tenants() {
    let events: Vec<&Record> = output()
        .records(ACTIVITY)
        .iter()
        .filter(|r| s(r, "OperationNameValue") == "MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION")
        .collect();
    assert_eq!(events.len(), 2, "Start and Success");
    assert!(events.iter().all(|r| s(r, "CategoryValue") == "Security"));
    let subscription = s(events[0], "SubscriptionId");
    assert!(
        s(events[0], "ResourceId").eq_ignore_ascii_case(&format!("/subscriptions/{subscription}")),
        "{}",
        s(events[0], "ResourceId")
    );
    let success = events.iter().find(|r| s(r, "ActivityStatusValue") == "Success").expect("a success");
    let message = success["Properties_d"]["message"].as_str().unwrap_or_default().to_owned();
    // The caller's directory, as its token's claims name it (`TenantId` is the workspace's).
    let tenant = success["Claims_d"]["http://schemas.microsoft.com/identity/claims/tenantid"]
        .as_str()
        .expect("the tenant claim");
    assert!(
        message.ends_with(&format!(
            "moved from tenant {tenant} to tenant 9f0e8d7c-6b5a-4938-8271-605f4e3d2c1b"
        )),
        "{message}"
    );
}

/// Source: audit-operations.md §2.6 (STR sample): a guest's UPN is `<email with @ as _>#EXT#@<tenant>`
/// in every record once invited; the redemption spells out UPN and email, and is by the guest.
#[test]
fn an_invited_guest_is_named_by_the_ext_upn_everywhere() {
    let ext = "mal_partner.example#EXT#@contoso.onmicrosoft.com";
    let invite = audit("Invite external user");
    assert_eq!(invite[0]["TargetResources"][0]["userPrincipalName"], ext);
    let redeem = audit("Redeem external user invite");
    let shown = redeem[0]["TargetResources"][0]["displayName"].as_str().unwrap_or_default();
    assert!(
        shown.starts_with(&format!("UPN: {ext}, Email: mal@partner.example, InvitationId: ")),
        "{shown}"
    );
    assert_eq!(redeem[0]["InitiatedBy"]["user"]["userPrincipalName"], "mal@partner.example");
    let role = audit("Add member to role");
    assert_eq!(role[0]["TargetResources"][0]["userPrincipalName"], ext);
}

/// Source: the AADOperationTypes published rules filter PIM records on (SENT
/// `AccountAddedtoPrivilegedPIMGroup`, `UserAssignedNewPrivilegedRole`) and PIM's own Core
/// Directory write of an eligibility.
#[test]
fn an_eligible_assignment_carries_the_pim_operation_types() {
    let requested = audit("Add eligible member to role in PIM requested (permanent)");
    assert_eq!(s(requested[0], "AADOperationType"), "CreateRequestPermanentEligibleRole");
    let written = audit("Add eligible member to role");
    assert_eq!(written.len(), 1);
    assert_eq!(s(written[0], "AADOperationType"), "AssignEligibleRole");
    assert_eq!(s(written[0], "LoggedByService"), "Core Directory");
    assert_eq!(written[0]["InitiatedBy"]["app"]["displayName"], "MS-PIM");
}

#[test]
fn a_stolen_token_matches_no_sign_in() {
    let issued: BTreeSet<&str> = output().signins().map(|(_, r)| s(r, "UniqueTokenIdentifier")).collect();
    let starts: Vec<&Record> = output()
        .records(ACTIVITY)
        .iter()
        .filter(|r| s(r, "OperationNameValue") == "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION")
        .collect();
    assert!(!starts.is_empty());
    for r in starts {
        let uti = r["Claims_d"]["uti"].as_str().unwrap_or_default();
        assert!(
            !uti.is_empty() && !issued.contains(uti),
            "the token {uti} was issued by a sign-in in the data"
        );
        assert_eq!(s(r, "CallerIpAddress"), "45.134.26.8");
    }
    // Only the sign-in action's failed attempts are in the table: no success issued a token.
    assert!(
        output().records(SP_SIGNINS).iter().all(|r| s(r, "ResultType") != "0"),
        "nothing in the scenario signs in successfully"
    );
}

#[test]
fn later_actions_of_an_anomaly_name_a_renamed_app_by_its_new_name() {
    let credential = audit("Update application – Certificates and secrets management ");
    assert_eq!(credential.len(), 1);
    assert_eq!(credential[0]["TargetResources"][0]["displayName"], "sp-etl-legacy");
}

#[test]
fn a_custom_anomalys_ground_truth_names_its_behaviour_technique_and_entities() {
    let labels = output().manifest["anomalies"].as_array().expect("anomalies");
    assert_eq!(labels.len(), 1);
    let label = &labels[0];
    assert_eq!(label["kind"], "custom");
    assert_eq!(label["label"], "app-takeover");
    assert_eq!(label["technique"], "T1098.001");
    let kinds: BTreeSet<&str> = label["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains("user") && kinds.contains("service_principal"), "{kinds:?}");
    // Both records are labelled, and nothing else is.
    let ids: BTreeSet<&str> = label["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["value"].as_str())
        .collect();
    let anomaly_records: BTreeSet<&str> = ["Update application", "Update application – Certificates and secrets management "]
        .iter()
        .flat_map(|op| audit(op))
        .map(|r| s(r, "Id"))
        .collect();
    assert_eq!(ids, anomaly_records);
}
