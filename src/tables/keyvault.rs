//! What a Key Vault `AuditEvent` record says, whichever table it lands in: `AzureDiagnostics`
//! flattens it into suffixed columns ([`super::diagnostics`]), `AZKVAuditLogs` keeps typed columns
//! and one dynamic `Identity` ([`super::azkv`]). Both renderers write from these values, so the two
//! modes cannot drift apart (docs/reference/resource-specific.md §1.3).

use crate::scenario::model::IdentityKind;
use crate::sim::Event;
use crate::sim::event::{KeyVaultOp, VaultCaller, VaultObject, VaultObjectKind};

/// The management API version ARM-originated vault reads call with.
const VAULT_MANAGEMENT_API_VERSION: &str = "2023-07-01";

/// A token claim Key Vault logs: `identity.claim.<raw>` in the resource log, the flattened
/// `identity_claim_…` column in AzureDiagnostics, `Identity.claim["<raw>"]` in AZKVAuditLogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// `appid`.
    AppId,
    /// `oid` (data-plane tokens).
    Oid,
    /// `appidacr`.
    AppIdAcr,
    /// `idtyp`.
    IdTyp,
    /// `xms_az_nwperimid`, the network-perimeter claim.
    NetworkPerimeter,
    /// `xms_mirid`, a managed identity's ARM id.
    MiResourceId,
    /// The long object-id claim of ARM-originated requests.
    ObjectIdentifier,
    /// The long UPN claim.
    Upn,
    /// The long name claim.
    Name,
}

impl Claim {
    /// The claim's name in the token (and in `Identity.claim`).
    pub fn raw(self) -> &'static str {
        match self {
            Claim::AppId => "appid",
            Claim::Oid => "oid",
            Claim::AppIdAcr => "appidacr",
            Claim::IdTyp => "idtyp",
            Claim::NetworkPerimeter => "xms_az_nwperimid",
            Claim::MiResourceId => "xms_mirid",
            Claim::ObjectIdentifier => "http://schemas.microsoft.com/identity/claims/objectidentifier",
            Claim::Upn => "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
            Claim::Name => "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        }
    }

    /// Its flattened AzureDiagnostics column.
    pub fn column(self) -> &'static str {
        match self {
            Claim::AppId => "identity_claim_appid_g",
            Claim::Oid => "identity_claim_oid_g",
            Claim::AppIdAcr => "identity_claim_appidacr_s",
            Claim::IdTyp => "identity_claim_idtyp_s",
            Claim::NetworkPerimeter => "identity_claim_xms_az_nwperimid_s",
            Claim::MiResourceId => "identity_claim_xms_mirid_s",
            Claim::ObjectIdentifier => "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
            Claim::Upn => "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
            Claim::Name => "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s",
        }
    }
}

/// The values of one Key Vault request's record, in neither table's spelling.
pub struct VaultRecord {
    /// `CorrelationId`, the record's ground-truth key in both tables.
    pub correlation_id: String,
    /// `OperationVersion`: the REST API version the client called.
    pub api_version: &'static str,
    /// `ResultSignature`.
    pub signature: &'static str,
    /// `ResultDescription`.
    pub description: String,
    /// The object's id with its version (`id_s` / `Id`); none for a list or the SDK's challenge.
    pub id: Option<String>,
    /// The URI the client called (`requestUri_s` / `RequestUri`).
    pub request_uri: String,
    /// The user agent (`clientInfo_s` / `ClientInfo`).
    pub client_info: &'static str,
    /// Whether an access policy matched; none for the unauthenticated challenge.
    pub access_policy_match: Option<bool>,
    /// The caller's claims, in the order the AzureDiagnostics columns are written.
    pub claims: Vec<(Claim, String)>,
}

impl VaultRecord {
    /// The values of `op`'s record.
    pub fn of(event: &Event<'_>, op: &KeyVaultOp<'_>) -> VaultRecord {
        let client = match op.caller {
            VaultCaller::Identity(i) | VaultCaller::Unauthenticated(i) => Some(super::keyvault_client(i)),
            VaultCaller::Service(_) | VaultCaller::Person(..) => None,
        };
        let api_version = client.map_or(VAULT_MANAGEMENT_API_VERSION, |c| c.keyvault_api_version);
        let (id, request_uri) = request(event, op, api_version);
        let (access_policy_match, claims) = identity(op);
        VaultRecord {
            correlation_id: op.correlation_id.to_string(),
            api_version,
            signature: signature(op.status),
            description: result_description(event, op),
            id,
            request_uri,
            client_info: client.map_or_else(|| service_agent(op), |c| c.keyvault_client_info),
            access_policy_match,
            claims,
        }
    }
}

/// `ResultSignature`: the HTTP reason phrase, with spaces (arm-and-keyvault-operations.md §2.4).
fn signature(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        _ => "OK",
    }
}

fn service_agent(op: &KeyVaultOp<'_>) -> &'static str {
    match op.caller {
        VaultCaller::Service(app) | VaultCaller::Person(_, app) => app.user_agent,
        _ => "",
    }
}

/// `ResultDescription`: empty on success; Key Vault's texts for a denial and a missing object.
fn result_description(event: &Event<'_>, op: &KeyVaultOp<'_>) -> String {
    let (VaultCaller::Identity(identity), 403 | 404) = (op.caller, op.status) else {
        return String::new();
    };
    let vault = &op.vault.name;
    let (kind, name, permission) = match &op.object {
        VaultObject::Item { kind, name, .. } => (*kind, name.as_str(), op.operation.trim_start_matches(object_word(*kind))),
        VaultObject::List(kind) => (*kind, "", "list"),
        VaultObject::Vault => (VaultObjectKind::Secret, "", "get"),
    };
    let noun = object_word(kind).to_ascii_lowercase();
    if op.status == 404 {
        return format!(
            "A {noun} with (name/id) {name} was not found in this key vault. If you recently deleted this {noun} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        );
    }
    format!(
        "The user, group or application 'appid={};oid={};numgroups=0;iss=https://sts.windows.net/{}/' does not have {noun}s {} permission on key vault '{vault};location={}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
        identity.app_id,
        identity.sp_object_id,
        event.tenant.tenant_id,
        permission.to_ascii_lowercase(),
        op.vault.placement.region.name
    )
}

/// The operation-name prefix of an object kind (`Secret`, `Key`, `Certificate`).
fn object_word(kind: VaultObjectKind) -> &'static str {
    match kind {
        VaultObjectKind::Secret => "Secret",
        VaultObjectKind::Key => "Key",
        VaultObjectKind::Certificate => "Certificate",
    }
}

/// The path segment of an object kind.
fn object_path(kind: VaultObjectKind) -> &'static str {
    match kind {
        VaultObjectKind::Secret => "secrets",
        VaultObjectKind::Key => "keys",
        VaultObjectKind::Certificate => "certificates",
    }
}

/// The object's id with its version, and the URI the client called (a secret read asks for the
/// latest version, `…/secrets/<name>/`; a key operation posts to the version; an ARM read calls
/// the management endpoint). The SDK's 401 challenge names no object.
fn request(event: &Event<'_>, op: &KeyVaultOp<'_>, api_version: &str) -> (Option<String>, String) {
    let host = &op.vault.log_names.host;
    let authenticated = !matches!(op.caller, VaultCaller::Unauthenticated(_));
    match &op.object {
        VaultObject::Vault => {
            let arm_id = event
                .tenant
                .arm_id(&op.vault.placement, "Microsoft.KeyVault/vaults", &op.vault.name);
            (
                authenticated.then(|| format!("https://{host}.vault.azure.net/")),
                format!("https://management.azure.com{arm_id}?api-version={api_version}&MaskCMKEnabledProperties=true"),
            )
        }
        VaultObject::List(kind) => (
            None,
            format!("https://{host}.vault.azure.net/{}?api-version={api_version}", object_path(*kind)),
        ),
        VaultObject::Item {
            kind,
            name,
            version,
            action,
        } => {
            let path = object_path(*kind);
            let id = authenticated.then(|| format!("https://{host}.vault.azure.net/{path}/{name}/{version}"));
            let uri = match action {
                Some(action) => format!("https://{host}.vault.azure.net/{path}/{name}/{version}/{action}?api-version={api_version}"),
                None => format!("https://{host}.vault.azure.net/{path}/{name}/?api-version={api_version}"),
            };
            (id, uri)
        }
    }
}

/// Whether an access policy matched, and the caller's claims. Data-plane tokens carry short claims
/// (`oid`, `appidacr`, `idtyp`, the network-perimeter claim, and for a managed identity
/// `xms_mirid`, its ARM id: Google SecOps 2025 row, 2022 export); ARM-originated reads carry the
/// long URI claims; the SDK's challenge request carries none, and no access-policy decision.
fn identity(op: &KeyVaultOp<'_>) -> (Option<bool>, Vec<(Claim, String)>) {
    match op.caller {
        VaultCaller::Identity(identity) => {
            let certificate = identity.credentials.iter().any(|c| c.thumbprint.is_some());
            let managed = identity.kind != IdentityKind::ServicePrincipal;
            let mut claims = vec![
                (Claim::AppId, identity.app_id.to_string()),
                (Claim::Oid, identity.sp_object_id.to_string()),
                (Claim::AppIdAcr, if certificate || managed { "2" } else { "1" }.to_owned()),
                (Claim::IdTyp, "app".to_owned()),
                (Claim::NetworkPerimeter, "[]".to_owned()),
            ];
            if let Some(arm_id) = &identity.msi_resource_id {
                claims.push((Claim::MiResourceId, arm_id.clone()));
            }
            (Some(op.status != 403), claims)
        }
        VaultCaller::Service(app) => (
            Some(true),
            vec![
                (Claim::AppId, app.app_id.to_owned()),
                (Claim::ObjectIdentifier, app.app_id.to_owned()),
            ],
        ),
        VaultCaller::Person(user, client) => (
            Some(true),
            vec![
                (Claim::AppId, client.app_id.to_owned()),
                (Claim::ObjectIdentifier, user.object_id.to_string()),
                (Claim::Upn, user.upn.clone()),
                (Claim::Name, user.upn.clone()),
            ],
        ),
        VaultCaller::Unauthenticated(_) => (None, Vec::new()),
    }
}
