//! What one workload run or injected anomaly does, as a sequence of semantic events.

use super::directory::{self, NewCredential, PolicyChange};
use super::event::*;
use super::tokens::{RunTokens, Token};
use crate::catalog::{self, FirstPartyApp};
use crate::ids::{IdSource, SimRng, base64url, random_guid};
use crate::scenario::model::{CredentialOn, CredentialType, GraphOperationKind, IdentityKind, TokenCacheMode};
use crate::scenario::tenant::*;
use chrono::{DateTime, TimeDelta, Utc};
use rand::{Rng, RngExt};
use std::net::Ipv4Addr;

/// The user agent of Microsoft Graph PowerShell, which automation calls Graph with.
const GRAPH_POWERSHELL_AGENT: &str = "Microsoft.Graph.PowerShell/2.25.0";

/// A delay between `lo` and `hi` milliseconds, to the 100-ns tick.
fn ms(rng: &mut SimRng, lo: i64, hi: i64) -> TimeDelta {
    super::random_delay(rng, TimeDelta::milliseconds(lo), TimeDelta::milliseconds(hi))
}

fn token_id(rng: &mut impl Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    base64url(&bytes)
}

/// A sign-in `Id`: Entra's (ESTS) request id, a GUID whose last byte is zero in real records
/// (`…-273849e60100`, `…-b26124ab9000`: real-exports.md §1–2).
fn ests_request_id(rng: &mut SimRng) -> uuid::Uuid {
    let mut bytes = *random_guid(rng).as_bytes();
    bytes[15] = 0;
    uuid::Uuid::from_bytes(bytes)
}

/// `UniqueTokenIdentifier` (the token's `uti` claim): the base64url encoding, without padding, of the
/// request id's bytes in .NET's GUID byte order (MSIdentityTools ConvertFrom-MsIdUniqueTokenIdentifier:
/// `[guid]` of the decoded uti is the request id).
fn unique_token_identifier(request_id: uuid::Uuid) -> String {
    base64url(&request_id.to_bytes_le())
}

/// The credential a service principal presents at `t`: the pinned one or the first valid one.
/// Returns the failure to record when that credential is not valid at `t`.
fn pick_credential(
    identity: &Identity,
    pinned: Option<usize>,
    t: DateTime<Utc>,
) -> (Option<&Credential>, Option<(&'static str, &'static str)>) {
    if identity.kind != IdentityKind::ServicePrincipal {
        return (None, None);
    }
    let credential = match pinned {
        Some(i) => identity.credentials.get(i),
        None => identity
            .credentials
            .iter()
            .find(|c| c.valid_at(t))
            .or_else(|| identity.credentials.iter().max_by_key(|c| c.expiry)),
    };
    let failure = credential.filter(|c| !c.valid_at(t)).map(|c| {
        let key = match c.kind {
            CredentialType::ClientSecret => "expired_secret",
            CredentialType::Certificate => "expired_certificate",
        };
        let f = catalog::signin_failure(key).expect("catalog has the expiry failures");
        (f.code, f.description)
    });
    (credential, failure)
}

/// Whether `workload`'s identity signs in with a credential that is not valid at `t` (the run then
/// fails and produces no activity).
pub fn credential_fails(tenant: &Tenant, workload: &Workload, t: DateTime<Utc>) -> bool {
    pick_credential(&tenant.identities[workload.identity], workload.credential, t)
        .1
        .is_some()
}

/// Builds a sign-in event; `origin` is ignored for managed identities, whose sign-ins carry no IP.
#[allow(clippy::too_many_arguments)]
fn sign_in<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    resource: &'static FirstPartyApp,
    credential: Option<&'t Credential>,
    failure: Option<(&'static str, &'static str)>,
    ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    let origin = match identity.kind {
        IdentityKind::ServicePrincipal => Some((ip, identity.region)),
        _ => None,
    };
    let id = ests_request_id(rng);
    Event {
        time,
        tenant,
        kind: EventKind::SignIn(SignIn {
            identity,
            resource,
            credential,
            origin,
            failure,
            id,
            correlation_id: random_guid(rng),
            token_id: unique_token_identifier(id),
        }),
    }
}

/// Who acts in a run: the identity, in its tenant, with the credential it presents and the
/// failure that credential causes (if any).
struct Caller<'t> {
    tenant: &'t Tenant,
    identity: &'t Identity,
    credential: Option<&'t Credential>,
    failure: Option<(&'static str, &'static str)>,
}

impl<'t> Caller<'t> {
    fn sign_in(&self, resource: &'static FirstPartyApp, ip: Ipv4Addr, time: DateTime<Utc>, rng: &mut SimRng) -> Event<'t> {
        sign_in(self.tenant, self.identity, resource, self.credential, self.failure, ip, time, rng)
    }

    /// The token for `resource` at `now`: the one the client holds, or else a new sign-in's, whose
    /// record is pushed to `out`. `None` when that sign-in failed (no token is issued).
    #[allow(clippy::too_many_arguments)]
    fn token(
        &self,
        resource: &'static FirstPartyApp,
        ip: Ipv4Addr,
        now: DateTime<Utc>,
        tokens: &mut RunTokens<'_>,
        rng: &mut SimRng,
        out: &mut Vec<Event<'t>>,
    ) -> Option<Token> {
        if let Some(token) = tokens.usable(resource, now) {
            return Some(token.clone());
        }
        let event = self.sign_in(resource, ip, now, rng);
        let token = token_of(&event).filter(|_| self.failure.is_none());
        out.push(event);
        if let Some(token) = &token {
            tokens.keep(resource, token.clone());
        }
        token
    }
}

/// Emits the events of one run of `workload` starting at `t`; `tokens` holds the tokens its client
/// already has, and receives those the run obtains.
#[allow(clippy::too_many_arguments)]
pub fn run<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    workload: &'t Workload,
    run_index: u64,
    t: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let identity = &tenant.identities[workload.identity];
    let (credential, failure) = pick_credential(identity, workload.credential, t);
    let caller = Caller {
        tenant,
        identity,
        credential,
        failure,
    };
    match &workload.action {
        WorkloadAction::KeyVaultSecretRead { vault, secrets, versions } => {
            let which = (run_index % secrets.len() as u64) as usize;
            let vault = &tenant.key_vaults[*vault];
            let secret = (secrets[which].as_str(), versions[which].as_str());
            keyvault_read_run(&caller, vault, secret, t, tokens, rng, out);
        }
        WorkloadAction::ArmDeployment {
            sql_server,
            database,
            signins_per_run,
        } => {
            let server = &tenant.sql_servers[*sql_server];
            match workload.token_cache {
                TokenCacheMode::PerRun => deployment_run(&caller, server, database, *signins_per_run, t, rng, out),
                TokenCacheMode::Shared => agent_deployment_run(&caller, server, database, t, tokens, rng, out),
            }
        }
        WorkloadAction::LogicAppRun { logic_app } => {
            logic_app_run(ids, &caller, &tenant.logic_apps[*logic_app], t, tokens, rng, out);
        }
        WorkloadAction::GraphOperation { operation, policy } => {
            graph_operation_run(&caller, *operation, &tenant.ca_policies[*policy], t, tokens, rng, out);
        }
    }
}

/// The first-party resources a run of `action` by an identity of `kind` asks tokens for, in order.
pub fn token_resources(action: &WorkloadAction, kind: IdentityKind) -> &'static [&'static str] {
    match (action, kind) {
        (WorkloadAction::KeyVaultSecretRead { .. }, IdentityKind::ServicePrincipal) => &["key_vault"],
        (WorkloadAction::KeyVaultSecretRead { .. }, _) => &["arm", "key_vault"],
        (WorkloadAction::ArmDeployment { .. }, _) => &["arm"],
        (WorkloadAction::LogicAppRun { .. }, _) => &["log_analytics"],
        (WorkloadAction::GraphOperation { .. }, _) => &["graph"],
    }
}

/// `Connect-AzAccount -Identity` first requests an ARM token (seed: two MI sign-ins); service
/// principals go straight to the resource. Returns when the next step may start.
fn managed_identity_arm_token<'t>(
    caller: &Caller<'t>,
    now: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) -> DateTime<Utc> {
    let identity = caller.identity;
    if identity.kind == IdentityKind::ServicePrincipal {
        return now;
    }
    let signed_in = out.len();
    caller.token(catalog::arm(), identity.egress_ip, now, tokens, rng, out);
    if out.len() == signed_in {
        return now;
    }
    now + ms(rng, 800, 3_000)
}

/// The address a vault sees: a private endpoint makes it the caller's private address (seed, MI
/// scenario), otherwise the egress address.
fn vault_caller_ip(vault: &KeyVault, identity: &Identity) -> Ipv4Addr {
    if vault.private_endpoint {
        identity.private_ip
    } else {
        identity.egress_ip
    }
}

/// `secret` is the secret's name and current version.
fn keyvault_read_run<'t>(
    caller: &Caller<'t>,
    vault: &'t KeyVault,
    (secret, version): (&str, &str),
    t: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let identity = caller.identity;
    let mut now = managed_identity_arm_token(caller, t, tokens, rng, out);
    let kv_app = catalog::first_party("key_vault").expect("catalog has Key Vault");
    if caller.token(kv_app, identity.egress_ip, now, tokens, rng, out).is_none() {
        return;
    }
    now += ms(rng, 150, 2_500);
    let ip = vault_caller_ip(vault, identity);
    out.push(keyvault_call(
        caller.tenant,
        identity,
        vault,
        "SecretGet",
        secret,
        version.to_owned(),
        ip,
        now,
        rng,
    ));
}

fn deployment_run<'t>(
    caller: &Caller<'t>,
    server: &'t SqlServer,
    database: &str,
    signins_per_run: u32,
    t: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    // A hosted pipeline agent: one datacenter address per run, in the identity's region.
    let agent_ip = crate::ids::ip_in(rng, caller.identity.region.prefixes);
    let active = rng.random_range(0..signins_per_run);
    let mut now = t;
    let mut active_signin = None;
    for i in 0..signins_per_run {
        let event = caller.sign_in(catalog::arm(), agent_ip, now, rng);
        if i == active {
            active_signin = token_of(&event);
        }
        out.push(event);
        now += ms(rng, 2_000, 40_000);
    }
    let (Some(token), None) = (active_signin, caller.failure) else {
        return;
    };
    let start = token.issued_at + ms(rng, 1_000, 8_000);
    deployment(caller.tenant, caller.identity, server, database, token, agent_ip, start, rng, out);
}

/// A deployment from a self-hosted agent that stays logged in (`token_cache: shared`): one sign-in
/// from the agent's stable address, and only when its token has expired.
fn agent_deployment_run<'t>(
    caller: &Caller<'t>,
    server: &'t SqlServer,
    database: &str,
    t: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let ip = caller.identity.egress_ip;
    let Some(token) = caller.token(catalog::arm(), ip, t, tokens, rng, out) else {
        return;
    };
    let start = t + ms(rng, 1_000, 8_000);
    deployment(caller.tenant, caller.identity, server, database, token, ip, start, rng, out);
}

fn logic_app_run<'t>(
    ids: &IdSource,
    caller: &Caller<'t>,
    la: &'t LogicApp,
    t: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let tenant = caller.tenant;
    // Logic Apps run ids are 20-digit numbers that count down over time.
    let run_id = format!(
        "08584{:015}",
        999_999_999_999_999i64 - t.timestamp_millis().rem_euclid(1_000_000_000_000_000)
    );
    let tracking_id = random_guid(rng);
    let workflow = |step, completed, started, time| Event {
        time,
        tenant,
        kind: EventKind::LogicApp(LogicAppEvent {
            logic_app: la,
            step,
            completed,
            run_id: run_id.clone(),
            started,
            tracking_id,
        }),
    };
    out.push(workflow(WorkflowStep::Run, false, t, t));
    out.push(workflow(WorkflowStep::Trigger, false, t, t));
    let mut now = t + ms(rng, 20, 400);
    out.push(workflow(WorkflowStep::Trigger, true, t, now));
    let la_api = catalog::first_party("log_analytics").expect("catalog has Log Analytics");
    let connector_ip = ids.public_ip(
        &format!("{}/{}", tenant.scenario, la.name),
        "connector",
        la.placement.region.prefixes,
    );
    for index in 0..la.actions.len() {
        let action_start = now + ms(rng, 10, 300);
        out.push(workflow(WorkflowStep::Action(index), false, action_start, action_start));
        now = action_start + ms(rng, 100, 800);
        if index == 0 {
            // The API connection authenticates as the service principal for the first action,
            // unless it holds a token; a failed sign-in ends the run there.
            let signed_in = out.len();
            if caller.token(la_api, connector_ip, now, tokens, rng, out).is_none() {
                return;
            }
            if out.len() > signed_in {
                now += ms(rng, 300, 3_000);
            }
        }
        out.push(workflow(WorkflowStep::Action(index), true, action_start, now));
    }
    now += ms(rng, 10, 200);
    out.push(workflow(WorkflowStep::Run, true, t, now));
}

fn graph_operation_run<'t>(
    caller: &Caller<'t>,
    operation: GraphOperationKind,
    policy: &'t CaPolicy,
    t: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let graph = catalog::first_party("graph").expect("catalog has Graph");
    if caller.token(graph, caller.identity.egress_ip, t, tokens, rng, out).is_none() {
        return;
    }
    let change = match operation {
        GraphOperationKind::DeleteConditionalAccessPolicy => PolicyChange::Delete,
        GraphOperationKind::UpdateConditionalAccessPolicy => PolicyChange::ReportOnly,
    };
    let at = t + ms(rng, 300, 2_500);
    let changes = directory::conditional_access_changed(caller.tenant, policy, change, at);
    push_audits(caller.tenant, &directory::app_initiator(caller.identity), changes, at, rng, out);
}

const DEPLOYMENT_WRITE: &str = "Microsoft.Resources/deployments/write";
const DATABASE_WRITE: &str = "Microsoft.Sql/servers/databases/write";

/// One status event of a pipeline's SQL deployment, and the typical delay to the next one.
#[derive(Clone, Copy)]
struct ArmStep {
    database: bool,
    status: ArmStatus,
    substatus: &'static str,
    gap_ms: i64,
}

/// The deployment wraps the database write; each operation goes Start → Accept → Success,
/// all under one `CorrelationId` (AMD activity-log-schema.md).
const ARM_DEPLOYMENT_STEPS: [ArmStep; 6] = [
    ArmStep {
        database: false,
        status: ArmStatus::Start,
        substatus: "",
        gap_ms: 400,
    },
    ArmStep {
        database: false,
        status: ArmStatus::Accept,
        substatus: "Created",
        gap_ms: 2_000,
    },
    ArmStep {
        database: true,
        status: ArmStatus::Start,
        substatus: "",
        gap_ms: 1_500,
    },
    ArmStep {
        database: true,
        status: ArmStatus::Accept,
        substatus: "Accepted",
        gap_ms: 30_000,
    },
    ArmStep {
        database: true,
        status: ArmStatus::Success,
        substatus: "OK",
        gap_ms: 3_000,
    },
    ArmStep {
        database: false,
        status: ArmStatus::Success,
        substatus: "OK",
        gap_ms: 0,
    },
];

/// One Key Vault data-plane call; an empty `secret` is a listing of the vault's secrets.
#[allow(clippy::too_many_arguments)]
fn keyvault_call<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    vault: &'t KeyVault,
    operation: &'static str,
    secret: &str,
    secret_version: String,
    caller_ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    Event {
        time,
        tenant,
        kind: EventKind::KeyVault(KeyVaultOp {
            identity,
            vault,
            operation,
            secret: secret.to_owned(),
            secret_version,
            caller_ip,
            correlation_id: random_guid(rng),
            duration_ms: rng.random_range(5..60),
        }),
    }
}

/// The six AzureActivity records of a pipeline's SQL database deployment, starting at `start`.
#[allow(clippy::too_many_arguments)]
fn deployment<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    server: &'t SqlServer,
    database: &str,
    token: Token,
    caller_ip: Ipv4Addr,
    start: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let name = format!("{}-{}", database, start.format("%Y%m%d%H%M%S"));
    let deploy_id = tenant.arm_id(&server.placement, "Microsoft.Resources/deployments", &name);
    let db_id = tenant.arm_id(
        &server.placement,
        "Microsoft.Sql/servers",
        &format!("{}/databases/{}", server.name, database),
    );
    let correlation_id = random_guid(rng);
    let (deploy_op, db_op) = (random_guid(rng), random_guid(rng));
    let mut when = start;
    for step in &ARM_DEPLOYMENT_STEPS {
        let (operation, display_name, resource_id, resource_name, operation_id) = if step.database {
            (DATABASE_WRITE, "Create/Update Database", db_id.as_str(), database, db_op)
        } else {
            (DEPLOYMENT_WRITE, "Create Deployment", deploy_id.as_str(), name.as_str(), deploy_op)
        };
        out.push(Event {
            time: when,
            tenant,
            kind: EventKind::Arm(ArmActivity {
                identity,
                sql_server: server,
                operation,
                display_name,
                resource_id: resource_id.to_owned(),
                resource_name: resource_name.to_owned(),
                status: step.status,
                substatus: step.substatus,
                caller_ip,
                correlation_id,
                operation_id,
                event_data_id: random_guid(rng),
                token: token.clone(),
                http_method: "PUT",
            }),
        });
        when += ms(rng, step.gap_ms / 2, step.gap_ms.max(2) + step.gap_ms / 2 + 1);
    }
}

/// Pushes the records of one directory change from `at` on, a few milliseconds apart, as one
/// change's records are logged.
fn push_audits<'t>(
    tenant: &'t Tenant,
    initiator: &Initiator,
    changes: Vec<directory::Change>,
    at: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let mut time = at;
    for record in directory::records(initiator, changes, true, rng) {
        out.push(Event {
            time,
            tenant,
            kind: EventKind::Audit(record),
        });
        time += ms(rng, 5, 400);
    }
}

/// A user acting in the portal: the initiator block of `actor` (UPN and address).
fn portal_user(ids: &IdSource, tenant: &Tenant, (upn, ip): (&str, Ipv4Addr)) -> Initiator {
    let id = ids.guid(&format!("{}/{}", tenant.scenario, upn), "user");
    directory::user_initiator(id, upn, Some(ip))
}

/// The portal's user agent, for changes users make there.
fn portal_agent() -> &'static str {
    catalog::services::client_app("portal").map_or("", |c| c.user_agent)
}

/// A user adds a credential to the identity's application (or service principal).
#[allow(clippy::too_many_arguments)]
fn credential_added<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    identity: &Identity,
    actor: (&str, Ipv4Addr),
    (certificate, on): (bool, CredentialOn),
    display_name: &str,
    at: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let new = NewCredential {
        key_id: random_guid(rng),
        certificate,
        display_name,
        user_agent: portal_agent(),
    };
    let changes = directory::credential_added(identity, on, &new);
    push_audits(tenant, &portal_user(ids, tenant, actor), changes, at, rng, out);
}

/// A sign-in that succeeds with the identity's first credential valid at `time`.
fn good_sign_in<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    resource: &'static FirstPartyApp,
    ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    let credential = identity
        .credentials
        .iter()
        .find(|c| c.valid_at(time))
        .or(identity.credentials.first());
    sign_in(tenant, identity, resource, credential, None, ip, time, rng)
}

/// The token a sign-in event issued, as the activity that uses it refers to it.
fn token_of(event: &Event<'_>) -> Option<Token> {
    match &event.kind {
        EventKind::SignIn(s) => Some(Token::issued(
            s.identity.kind,
            event.time,
            s.token_id.clone(),
            s.credential.is_some_and(|c| c.kind == CredentialType::Certificate),
        )),
        _ => None,
    }
}

/// Emits the events of one injected anomaly.
pub fn anomaly<'t>(ids: &IdSource, tenant: &'t Tenant, anomaly: &'t Anomaly, rng: &mut SimRng, out: &mut Vec<Event<'t>>) {
    let identity = &tenant.identities[anomaly.identity];
    let now = anomaly.at;
    match &anomaly.detail {
        AnomalyDetail::FailedSignins {
            code,
            description,
            count,
            ip,
            resource,
        } => {
            let caller = Caller {
                tenant,
                identity,
                credential: identity.credentials.first(),
                failure: Some((code, description)),
            };
            failed_signins(&caller, resource, *count, *ip, now, rng, out);
        }
        AnomalyDetail::CredentialAdded {
            actor_upn,
            actor_ip,
            credential_type,
            on,
        } => {
            let certificate = *credential_type == CredentialType::Certificate;
            let what = (certificate, *on);
            credential_added(ids, tenant, identity, (actor_upn, *actor_ip), what, &identity.name, now, rng, out);
        }
        AnomalyDetail::RenameThenCredential {
            actor_upn,
            actor_ip,
            new_name,
            credential_type,
            on,
            add_credential,
        } => {
            let credential = add_credential.then_some((*credential_type == CredentialType::Certificate, *on));
            rename_then_credential(ids, tenant, identity, (actor_upn, *actor_ip), new_name, credential, now, rng, out);
        }
        AnomalyDetail::UnusualIp { ip, resource, vault } => {
            let vault = vault.map(|v| &tenant.key_vaults[v]);
            unusual_ip(ids, tenant, identity, resource, vault, *ip, now, rng, out);
        }
        AnomalyDetail::NewResourceAccess { resource, vault } => {
            let vault = vault.map(|v| &tenant.key_vaults[v]);
            new_resource_access(ids, tenant, identity, resource, vault, now, rng, out);
        }
        AnomalyDetail::CaPolicyDeleted { policy } => {
            let graph = catalog::first_party("graph").expect("catalog has Graph");
            out.push(good_sign_in(tenant, identity, graph, identity.egress_ip, now, rng));
            let at = now + ms(rng, 300, 2_500);
            let changes = directory::conditional_access_changed(tenant, &tenant.ca_policies[*policy], PolicyChange::Delete, at);
            push_audits(tenant, &directory::app_initiator(identity), changes, at, rng, out);
        }
        AnomalyDetail::KeyVaultMassRead { vault, count } => {
            keyvault_mass_read(ids, tenant, identity, &tenant.key_vaults[*vault], *count, now, rng, out);
        }
        AnomalyDetail::SigninWithoutActivity { count, resource } => {
            let mut now = now;
            for _ in 0..*count {
                out.push(good_sign_in(tenant, identity, resource, identity.egress_ip, now, rng));
                now += ms(rng, 30_000, 600_000);
            }
        }
        AnomalyDetail::ActivityWithoutSignin { sql_server, database, ip } => {
            let server = &tenant.sql_servers[*sql_server];
            activity_without_signin(tenant, identity, server, database, *ip, anomaly.benign, now, rng, out);
        }
    }
}

/// A burst of failed sign-ins from one address, 5 to 90 seconds apart.
fn failed_signins<'t>(
    caller: &Caller<'t>,
    resource: &'static FirstPartyApp,
    count: u32,
    ip: Ipv4Addr,
    mut now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    for _ in 0..count {
        let mut event = caller.sign_in(resource, ip, now, rng);
        relocate(&mut event, ip);
        out.push(event);
        now += ms(rng, 5_000, 90_000);
    }
}

/// A rename by `actor`, then optionally (`Some((certificate, on))`) a credential added under the new name.
#[allow(clippy::too_many_arguments)]
fn rename_then_credential<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    identity: &'t Identity,
    actor: (&str, Ipv4Addr),
    new_name: &str,
    credential: Option<(bool, CredentialOn)>,
    mut now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let changes = directory::application_renamed(identity, &identity.name, new_name, portal_agent());
    push_audits(tenant, &portal_user(ids, tenant, actor), changes, now, rng, out);
    if let Some(what) = credential {
        now += ms(rng, 120_000, 900_000);
        credential_added(ids, tenant, identity, actor, what, new_name, now, rng, out);
    }
}

/// The vault's first secret and its current version, as a one-off read of it names them.
fn first_secret(ids: &IdSource, tenant: &Tenant, vault: &KeyVault) -> (String, String) {
    let secret = vault.secrets.first().map_or("secret", String::as_str);
    (secret.to_owned(), secret_version(ids, &tenant.scenario, &vault.name, secret))
}

/// A service principal signs in from `ip`; a managed identity's token is replayed from `ip`
/// against a vault, where only the resource sees the address.
#[allow(clippy::too_many_arguments)]
fn unusual_ip<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    identity: &'t Identity,
    resource: &'static FirstPartyApp,
    vault: Option<&'t KeyVault>,
    ip: Ipv4Addr,
    now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    if identity.kind == IdentityKind::ServicePrincipal {
        let mut event = good_sign_in(tenant, identity, resource, ip, now, rng);
        relocate(&mut event, ip);
        out.push(event);
    } else if let Some(vault) = vault {
        let (secret, version) = first_secret(ids, tenant, vault);
        out.push(keyvault_call(tenant, identity, vault, "SecretGet", &secret, version, ip, now, rng));
    }
}

/// A sign-in to a resource the identity never used, then one use of it.
#[allow(clippy::too_many_arguments)]
fn new_resource_access<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    identity: &'t Identity,
    resource: &'static FirstPartyApp,
    vault: Option<&'t KeyVault>,
    now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    out.push(good_sign_in(tenant, identity, resource, identity.egress_ip, now, rng));
    let now = now + ms(rng, 500, 4_000);
    match (resource.key, vault) {
        ("key_vault", Some(vault)) => {
            let (secret, version) = first_secret(ids, tenant, vault);
            let ip = vault_caller_ip(vault, identity);
            out.push(keyvault_call(tenant, identity, vault, "SecretGet", &secret, version, ip, now, rng));
        }
        ("graph", _) => {
            let role = catalog::roles::app_role_of("graph", "RoleManagement.ReadWrite.Directory").expect("catalog has the role");
            let resource = (tenant.first_party_sp_id(resource), resource.display_name, resource.app_id);
            let changes = directory::app_role_assigned(resource, identity, role, now, GRAPH_POWERSHELL_AGENT);
            push_audits(tenant, &directory::app_initiator(identity), changes, now, rng, out);
        }
        _ => {}
    }
}

/// A listing of the vault, then `count` secret reads in quick succession.
#[allow(clippy::too_many_arguments)]
fn keyvault_mass_read<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    identity: &'t Identity,
    vault: &'t KeyVault,
    count: u32,
    now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let mut now = now;
    if identity.kind != IdentityKind::ServicePrincipal {
        out.push(sign_in(tenant, identity, catalog::arm(), None, None, identity.egress_ip, now, rng));
        now += ms(rng, 800, 3_000);
    }
    let kv_app = catalog::first_party("key_vault").expect("catalog has Key Vault");
    out.push(good_sign_in(tenant, identity, kv_app, identity.egress_ip, now, rng));
    let ip = vault_caller_ip(vault, identity);
    now += ms(rng, 200, 1_500);
    out.push(keyvault_call(
        tenant,
        identity,
        vault,
        "SecretList",
        "",
        String::new(),
        ip,
        now,
        rng,
    ));
    for k in 0..count as usize {
        now += ms(rng, 150, 1_500);
        let secret = vault.secrets.get(k).cloned().unwrap_or_else(|| format!("secret-{:03}", k + 1));
        let version = secret_version(ids, &tenant.scenario, &vault.name, &secret);
        out.push(keyvault_call(tenant, identity, vault, "SecretGet", &secret, version, ip, now, rng));
    }
}

/// A deployment with a token obtained elsewhere (no sign-in in this tenant's logs); the near-miss
/// uses a token from a real sign-in 50 minutes earlier, still valid.
#[allow(clippy::too_many_arguments)]
fn activity_without_signin<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    server: &'t SqlServer,
    database: &str,
    ip: Ipv4Addr,
    benign: bool,
    now: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let issued_at = now - TimeDelta::minutes(if benign { 50 } else { 20 });
    let token = if benign {
        let event = good_sign_in(tenant, identity, catalog::arm(), ip, issued_at, rng);
        let Some(token) = token_of(&event) else { return };
        out.push(event);
        token
    } else {
        Token::issued(identity.kind, issued_at, token_id(rng), false)
    };
    deployment(tenant, identity, server, database, token, ip, now, rng, out);
}

/// Geo-locates a sign-in by its (external) address rather than by the identity's region.
fn relocate(event: &mut Event<'_>, ip: Ipv4Addr) {
    if let EventKind::SignIn(s) = &mut event.kind {
        s.origin = Some((ip, external_region(ip)));
    }
}

/// Where an address geo-locates: its Azure region, or for addresses outside Azure's ranges a
/// stable pick among the known locations.
fn external_region(ip: Ipv4Addr) -> &'static catalog::Region {
    catalog::region_of_ip(ip).unwrap_or_else(|| {
        let o = ip.octets();
        &catalog::REGIONS[(usize::from(o[0]) + usize::from(o[1])) % catalog::REGIONS.len()]
    })
}
