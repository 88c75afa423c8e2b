//! What one workload run does, as a sequence of semantic events.

use super::calls::*;
use super::directory::{self, PolicyChange};
use super::event::*;
use super::tokens::{RunTokens, Token};
use crate::catalog::{self};
use crate::ids::{IdSource, SimRng, random_guid};
use crate::scenario::model::{GraphOperationKind, IdentityKind, TokenCacheMode};
use crate::scenario::tenant::*;
use crate::scenario::vocabulary::ActionKind;
use chrono::{DateTime, Utc};
use rand::RngExt;
use std::net::Ipv4Addr;

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
        WorkloadAction::Actions(actions) => super::actions::perform_all(ids, tenant, actions, t, tokens, rng, out),
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
        (WorkloadAction::Actions(actions), _) => match actions.first().map(|a| a.kind) {
            Some(ActionKind::Directory(_)) => &["graph"],
            Some(ActionKind::Arm(_) | ActionKind::GenericArm | ActionKind::CloudShell) => &["arm"],
            Some(ActionKind::KeyVault) => &["key_vault"],
            Some(ActionKind::ApiCall) => match actions[0].params.api.map(|a| a.key) {
                Some("graph") => &["graph"],
                Some("key_vault") => &["key_vault"],
                Some("storage") => &["storage"],
                Some("log_analytics") => &["log_analytics"],
                _ => &["arm"],
            },
            Some(ActionKind::SignIn) | None => &[],
        },
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
    let ip = vault_caller_ip(vault, identity);
    // A client without a Key Vault token starts a session: the challenge, then the sign-in.
    if tokens.starts_session(kv_app, now) {
        tokens.start_session(kv_app, now);
        out.push(challenge(
            caller.tenant,
            identity,
            vault,
            secret_item(secret, version),
            ip,
            now,
            rng,
        ));
        now += ms(rng, 20, 200);
    }
    if caller.token(kv_app, identity.egress_ip, now, tokens, rng, out).is_none() {
        return;
    }
    now += ms(rng, 150, 2_500);
    out.push(secret_get(caller.tenant, identity, vault, (secret, version), ip, now, rng));
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

/// The six AzureActivity records of a pipeline's SQL database deployment, starting at `start`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn deployment<'t>(
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
    let target = |provider_type: &str, resource: String, name: &str| ArmTarget {
        id: tenant.arm_id(&server.placement, provider_type, &resource),
        name: name.to_owned(),
        resource_group: tenant.resource_group_name(&server.placement).to_owned(),
        subscription: tenant.subscription_of(&server.placement).id,
    };
    let deploy = target("Microsoft.Resources/deployments", name.clone(), &name);
    let db = target("Microsoft.Sql/servers", format!("{}/databases/{}", server.name, database), database);
    let (deploy_op, db_op) = (arm_op("deployment_write").op(), arm_op("sql_database_write").op());
    let correlation_id = random_guid(rng);
    let (deploy_id, db_id) = (random_guid(rng), random_guid(rng));
    let mut when = start;
    for step in &ARM_DEPLOYMENT_STEPS {
        let (operation, resource, operation_id) = if step.database {
            (db_op, &db, db_id)
        } else {
            (deploy_op, &deploy, deploy_id)
        };
        out.push(Event {
            time: when,
            tenant,
            kind: EventKind::Arm(ArmActivity {
                caller: ArmCaller::Identity {
                    identity,
                    token: token.clone(),
                },
                operation,
                resource: resource.clone(),
                status: step.status,
                substatus: step.substatus,
                caller_ip,
                correlation_id,
                operation_id,
                event_data_id: random_guid(rng),
                body: ArmBody::None,
                role: catalog::roles::contributor(),
            }),
        });
        when += ms(rng, step.gap_ms / 2, step.gap_ms.max(2) + step.gap_ms / 2 + 1);
    }
}

/// An ARM operation the catalogue declares.
fn arm_op(key: &str) -> &'static catalog::arm::ArmOperation {
    catalog::arm::arm_operation(key).unwrap_or_else(|| panic!("the ARM catalogue declares `{key}`"))
}
