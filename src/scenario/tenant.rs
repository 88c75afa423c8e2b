//! The resolved tenant: every entity validated, cross-referenced by index, with its stable IDs.
//! This is what the simulator and the estimator read; they never see the YAML.

use crate::catalog::{FirstPartyApp, Region};
use crate::scenario::model::{AnomalyKind, CredentialType, DailyProfile, GraphOperationKind, IdentityKind};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Tenant {
    pub scenario: String,
    pub tenant_id: Uuid,
    pub domain: String,
    pub workspace_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub subscriptions: Vec<Subscription>,
    pub resource_groups: Vec<ResourceGroup>,
    pub key_vaults: Vec<KeyVault>,
    pub sql_servers: Vec<SqlServer>,
    pub logic_apps: Vec<LogicApp>,
    pub virtual_machines: Vec<VirtualMachine>,
    pub ca_policies: Vec<CaPolicy>,
    pub identities: Vec<Identity>,
    pub workloads: Vec<Workload>,
    pub anomalies: Vec<Anomaly>,
    /// Object ids, in this tenant, of the service principals of [`crate::catalog::FIRST_PARTY_APPS`].
    pub first_party_sp_ids: Vec<Uuid>,
    pub expectations: Vec<crate::scenario::model::ExpectationSpec>,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub name: String,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct ResourceGroup {
    pub subscription: usize,
    pub name: String,
}

/// Placement shared by every Azure resource.
#[derive(Debug, Clone)]
pub struct Placement {
    pub resource_group: usize,
    pub region: &'static Region,
}

#[derive(Debug, Clone)]
pub struct KeyVault {
    pub name: String,
    pub placement: Placement,
    pub private_endpoint: bool,
    pub secrets: Vec<String>,
    /// What every `AuditEvent` of the vault repeats, formatted once.
    pub log_names: ResourceLogNames,
}

/// A secret's current version id, as `id_s` shows it: stable per (seed, scenario, vault, secret).
pub fn secret_version(ids: &crate::ids::IdSource, scenario: &str, vault: &str, secret: &str) -> String {
    ids.hex_id(&format!("{scenario}/{vault}/{secret}"), 32)
}

/// The identifiers a resource's log records repeat, in the casings resource logs use: computed at
/// resolution so that rendering a record formats none of them.
#[derive(Debug, Clone)]
pub struct ResourceLogNames {
    /// Upper case, as resource logs write `ResourceId` (azure-logs.md §2.6).
    pub resource_id: String,
    /// Lower case: the canonical `_ResourceId`.
    pub resource_id_lower: String,
    pub resource_group_upper: String,
    pub name_upper: String,
    pub subscription_id: String,
    /// `https://<name>.vault.azure.net` style host part, lower case.
    pub host: String,
}

#[derive(Debug, Clone)]
pub struct SqlServer {
    pub name: String,
    pub placement: Placement,
    pub databases: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct LogicApp {
    pub name: String,
    pub placement: Placement,
    pub tags: BTreeMap<String, String>,
    pub trigger: String,
    pub actions: Vec<String>,
    /// `resource_workflowId_g`: 32 hex digits.
    pub workflow_id: String,
}

#[derive(Debug, Clone)]
pub struct VirtualMachine {
    pub name: String,
    pub placement: Placement,
    pub private_ip: Ipv4Addr,
    pub public_ip: Ipv4Addr,
}

#[derive(Debug, Clone)]
pub struct CaPolicy {
    pub name: String,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    /// Stable derivation path, e.g. `seed/identity/vm-app-01` or `t/population/apps/3`.
    pub path: String,
    pub kind: IdentityKind,
    /// `AppId`: the application (client) id.
    pub app_id: Uuid,
    /// `ServicePrincipalId`: the service principal's object id.
    pub sp_object_id: Uuid,
    /// Object id of the app registration (service principals only; AuditLogs target it).
    pub application_object_id: Uuid,
    pub credentials: Vec<Credential>,
    /// `ManagedServiceIdentity.associatedResourceId` for managed identities.
    pub msi_resource_id: Option<String>,
    pub region: &'static Region,
    /// Stable egress address when calling from Azure (SPs of pipelines and apps, VMs).
    pub egress_ip: Ipv4Addr,
    /// Private address of the compute the identity runs on (for private-endpoint calls).
    pub private_ip: Ipv4Addr,
    /// How many identities this one stands for: 1, except in the analytic estimate of a scenario
    /// too large to resolve member by member (see [`crate::scenario::resolve::Members`]), where a
    /// population member stands for all the members whose names are as long as its own.
    pub weight: u64,
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub kind: CredentialType,
    pub name: String,
    pub key_id: Uuid,
    pub thumbprint: Option<String>,
    pub start: DateTime<Utc>,
    pub expiry: DateTime<Utc>,
}

impl Credential {
    pub fn valid_at(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.expiry
    }
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub path: String,
    pub identity: usize,
    pub action: WorkloadAction,
    pub schedule: Schedule,
    /// Index into the identity's credentials; `None` = first valid at run time.
    pub credential: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum WorkloadAction {
    KeyVaultSecretRead {
        vault: usize,
        secrets: Vec<String>,
        /// The version of each secret (same order), derived once rather than per read.
        versions: Vec<String>,
    },
    ArmDeployment {
        sql_server: usize,
        database: String,
        signins_per_run: u32,
    },
    LogicAppRun {
        logic_app: usize,
    },
    GraphOperation {
        operation: GraphOperationKind,
        policy: usize,
    },
}

impl WorkloadAction {
    /// The scenario kind this action was declared as.
    pub fn kind(&self) -> crate::scenario::model::WorkloadKind {
        use crate::scenario::model::WorkloadKind;
        match self {
            Self::KeyVaultSecretRead { .. } => WorkloadKind::KeyvaultSecretRead,
            Self::ArmDeployment { .. } => WorkloadKind::ArmDeployment,
            Self::LogicAppRun { .. } => WorkloadKind::LogicAppRun,
            Self::GraphOperation { .. } => WorkloadKind::GraphOperation,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Schedule {
    Every {
        interval: TimeDelta,
        jitter: TimeDelta,
    },
    PerDay {
        runs: f64,
        profile: DailyProfile,
        jitter: TimeDelta,
    },
    At {
        times: Vec<DateTime<Utc>>,
        jitter: TimeDelta,
    },
}

#[derive(Debug, Clone)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub identity: usize,
    pub at: DateTime<Utc>,
    pub benign: bool,
    pub detail: AnomalyDetail,
}

#[derive(Debug, Clone)]
pub enum AnomalyDetail {
    FailedSignins {
        code: &'static str,
        description: &'static str,
        count: u32,
        ip: Ipv4Addr,
        resource: &'static FirstPartyApp,
    },
    CredentialAdded {
        actor_upn: String,
        actor_ip: Ipv4Addr,
        credential_type: CredentialType,
    },
    /// A user renames the application, then (unless it is the benign rename alone) adds a credential.
    RenameThenCredential {
        actor_upn: String,
        actor_ip: Ipv4Addr,
        new_name: String,
        credential_type: CredentialType,
        add_credential: bool,
    },
    /// A successful sign-in (service principal) or a Key Vault call with a replayed token (managed
    /// identity, whose sign-ins carry no address) from `ip`.
    UnusualIp {
        ip: Ipv4Addr,
        resource: &'static FirstPartyApp,
        vault: Option<usize>,
    },
    /// A sign-in to a resource the identity does not normally use, then activity there.
    NewResourceAccess {
        resource: &'static FirstPartyApp,
        vault: Option<usize>,
    },
    /// An app deletes a Conditional Access policy through Microsoft Graph.
    CaPolicyDeleted { policy: usize },
    /// A listing of the vault and `count` secret reads within seconds.
    KeyVaultMassRead { vault: usize, count: u32 },
    /// `count` successful sign-ins with nothing done with the tokens.
    SigninWithoutActivity { count: u32, resource: &'static FirstPartyApp },
    /// A deployment written by the service principal with no sign-in of its own before it.
    ActivityWithoutSignin { sql_server: usize, database: String, ip: Ipv4Addr },
}

impl Anomaly {
    /// Other names the identity appears under in this anomaly's records.
    pub fn aliases(&self) -> Vec<String> {
        match &self.detail {
            AnomalyDetail::RenameThenCredential { new_name, .. } => vec![new_name.clone()],
            _ => Vec::new(),
        }
    }

    /// Addresses the anomaly's records come from.
    pub fn ips(&self) -> Vec<String> {
        match &self.detail {
            AnomalyDetail::FailedSignins { ip, .. }
            | AnomalyDetail::UnusualIp { ip, .. }
            | AnomalyDetail::ActivityWithoutSignin { ip, .. } => vec![ip.to_string()],
            AnomalyDetail::CredentialAdded { actor_ip, .. } | AnomalyDetail::RenameThenCredential { actor_ip, .. } => {
                vec![actor_ip.to_string()]
            }
            _ => Vec::new(),
        }
    }
}

impl Tenant {
    /// The identifiers the logs of the resource `provider_type/name` at `placement` repeat.
    pub fn log_names(&self, placement: &Placement, provider_type: &str, name: &str) -> ResourceLogNames {
        let arm_id = self.arm_id(placement, provider_type, name);
        ResourceLogNames {
            resource_id: arm_id.to_uppercase(),
            resource_id_lower: arm_id.to_lowercase(),
            resource_group_upper: self.resource_group_name(placement).to_uppercase(),
            name_upper: name.to_uppercase(),
            subscription_id: self.subscription_of(placement).id.to_string(),
            host: name.to_lowercase(),
        }
    }

    /// `ResourceServicePrincipalId`: the first-party app's service principal in this tenant.
    pub fn first_party_sp_id(&self, app: &FirstPartyApp) -> Uuid {
        crate::catalog::FIRST_PARTY_APPS
            .iter()
            .position(|a| a.key == app.key)
            .and_then(|i| self.first_party_sp_ids.get(i).copied())
            .unwrap_or_default()
    }

    pub fn subscription_of(&self, p: &Placement) -> &Subscription {
        &self.subscriptions[self.resource_groups[p.resource_group].subscription]
    }

    /// ARM resource id in the casing ARM uses (`/subscriptions/<id>/resourceGroups/<rg>/providers/...`).
    pub fn arm_id(&self, p: &Placement, provider_type: &str, name: &str) -> String {
        let rg = &self.resource_groups[p.resource_group];
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
            self.subscriptions[rg.subscription].id, rg.name, provider_type, name
        )
    }

    pub fn resource_group_name(&self, p: &Placement) -> &str {
        &self.resource_groups[p.resource_group].name
    }
}
