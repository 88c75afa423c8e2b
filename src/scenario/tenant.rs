//! The resolved tenant: every entity validated, cross-referenced by index, with its stable IDs.
//! This is what the simulator and the estimator read; they never see the YAML.

use crate::catalog::{FirstPartyApp, Region};
use crate::scenario::model::{AnomalyKind, CredentialOn, CredentialType, DailyProfile, GraphOperationKind, IdentityKind, TokenCacheMode};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use uuid::Uuid;

/// A resolved scenario: the tenant's entities, its period, the anomalies to inject and what
/// `verify` expects.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The scenario's `name`, trimmed: the root of every entity's derivation path.
    pub scenario: String,
    /// Entra tenant id (`AADTenantId`): as given, or derived from the seed.
    pub tenant_id: Uuid,
    /// Primary domain, e.g. `contoso.onmicrosoft.com`.
    pub domain: String,
    /// Log Analytics workspace id (the `TenantId` column): as given, or derived from the seed.
    pub workspace_id: Uuid,
    /// First instant of the period, truncated to 100-ns ticks.
    pub start: DateTime<Utc>,
    /// End of the period, exclusive: `start` plus the duration.
    pub end: DateTime<Utc>,
    /// Subscriptions in file order; [`ResourceGroup::subscription`] indexes it.
    pub subscriptions: Vec<Subscription>,
    /// Every subscription's resource groups, in file order; [`Placement::resource_group`] indexes
    /// it.
    pub resource_groups: Vec<ResourceGroup>,
    /// Key vaults in file order; workloads and anomalies hold indexes into it.
    pub key_vaults: Vec<KeyVault>,
    /// SQL servers in file order; workloads and anomalies hold indexes into it.
    pub sql_servers: Vec<SqlServer>,
    /// Logic Apps in file order; workloads hold indexes into it.
    pub logic_apps: Vec<LogicApp>,
    /// Virtual machines in file order.
    pub virtual_machines: Vec<VirtualMachine>,
    /// Conditional Access policies in file order; workloads and anomalies hold indexes into it.
    pub ca_policies: Vec<CaPolicy>,
    /// People the scenario names (actors and targets of actions), in the order first named.
    pub users: Vec<User>,
    /// Index into [`Tenant::users`] by lower-cased UPN and guest address: a large background
    /// names thousands of people, each looked up many times while it is built.
    pub user_names: std::collections::HashMap<String, usize>,
    /// Groups actions name, in the order first named.
    pub groups: Vec<Group>,
    /// Applications actions name that are none of the scenario's identities (a vendor's
    /// multi-tenant app, an app registered during the period), in the order first named.
    pub applications: Vec<Application>,
    /// Devices actions name.
    pub devices: Vec<Device>,
    /// Scheduled actions done by people and Microsoft services, whose sign-ins these tables do not
    /// hold (those of identities are workloads).
    pub schedules: Vec<ActorSchedule>,
    /// Declared identities in file order, then each population's members; workloads and anomalies
    /// hold indexes into it.
    pub identities: Vec<Identity>,
    /// The scenario's own workloads, then each population member's.
    pub workloads: Vec<Workload>,
    /// Anomalies in file order (minus those a shortened `--days` period leaves out).
    pub anomalies: Vec<Anomaly>,
    /// Object ids, in this tenant, of the service principals of the first-party apps, in catalog
    /// order (see [`Tenant::first_party_sp_id`]).
    pub first_party_sp_ids: Vec<Uuid>,
    /// The scenario's `expectations`, as written, for `verify`.
    pub expectations: Vec<crate::manifest::Expectation>,
}

/// An Azure subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Name as declared.
    pub name: String,
    /// Subscription id: as given, or derived from the seed and the name.
    pub id: Uuid,
}

/// A resource group.
#[derive(Debug, Clone)]
pub struct ResourceGroup {
    /// Index into [`Tenant::subscriptions`] of the subscription holding it.
    pub subscription: usize,
    /// Name as declared (unique only within its subscription).
    pub name: String,
}

/// Placement shared by every Azure resource.
#[derive(Debug, Clone)]
pub struct Placement {
    /// Index into [`Tenant::resource_groups`].
    pub resource_group: usize,
    /// The resource's `location`, or the tenant's default region.
    pub region: &'static Region,
}

/// A Key Vault.
#[derive(Debug, Clone)]
pub struct KeyVault {
    /// Name as declared.
    pub name: String,
    /// Where it lives.
    pub placement: Placement,
    /// Whether callers reach it through a private endpoint (their private address in
    /// `CallerIPAddress`).
    pub private_endpoint: bool,
    /// Secret names declared on the vault.
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
    /// The resource group's name, upper case (`ResourceGroup`).
    pub resource_group_upper: String,
    /// The resource's name, upper case (`Resource`).
    pub name_upper: String,
    /// The subscription's id, lower case (`SubscriptionId`).
    pub subscription_id: String,
    /// `https://<name>.vault.azure.net` style host part, lower case.
    pub host: String,
}

/// An Azure SQL server.
#[derive(Debug, Clone)]
pub struct SqlServer {
    /// Name as declared.
    pub name: String,
    /// Where it lives.
    pub placement: Placement,
    /// Database names.
    pub databases: Vec<String>,
}

/// A Logic App workflow.
#[derive(Debug, Clone)]
pub struct LogicApp {
    /// Name as declared.
    pub name: String,
    /// Where it lives.
    pub placement: Placement,
    /// Resource tags, written as `tags_<key>_s` columns.
    pub tags: BTreeMap<String, String>,
    /// Trigger name; `Recurrence` unless the scenario names one.
    pub trigger: String,
    /// Action names each run executes, in order.
    pub actions: Vec<String>,
    /// `resource_workflowId_g`: 32 hex digits.
    pub workflow_id: String,
}

/// A virtual machine.
#[derive(Debug, Clone)]
pub struct VirtualMachine {
    /// Name as declared.
    pub name: String,
    /// Where it lives.
    pub placement: Placement,
    /// Private address in 10.0.0.0/10, derived from the seed; its system-assigned MI calls from it
    /// too.
    pub private_ip: Ipv4Addr,
    /// Public address in its region's Azure ranges, derived from the seed; its system-assigned MI's
    /// egress address.
    pub public_ip: Ipv4Addr,
}

/// A Conditional Access policy.
#[derive(Debug, Clone)]
pub struct CaPolicy {
    /// Display name.
    pub name: String,
    /// Policy id: as given, or derived from the seed and the name.
    pub id: Uuid,
}

/// A service principal or managed identity, declared or a population member.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Display name (`ServicePrincipalName`); a member's is its population's template, expanded.
    pub name: String,
    /// Stable derivation path, e.g. `seed/identity/vm-app-01` or `t/population/apps/3`.
    pub path: String,
    /// Service principal, or system- or user-assigned managed identity.
    pub kind: IdentityKind,
    /// `AppId`: the application (client) id.
    pub app_id: Uuid,
    /// `ServicePrincipalId`: the service principal's object id.
    pub sp_object_id: Uuid,
    /// Object id of the app registration (service principals only; AuditLogs target it).
    pub application_object_id: Uuid,
    /// Client secrets and certificates (service principals only).
    pub credentials: Vec<Credential>,
    /// `ManagedServiceIdentity.associatedResourceId` for managed identities.
    pub msi_resource_id: Option<String>,
    /// Region it calls from: its `region`, the tenant's default, or for a system-assigned MI, its
    /// resource's.
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

/// A person in the directory: an administrator, an employee, a guest.
#[derive(Debug, Clone)]
pub struct User {
    /// `userPrincipalName`.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Object id: derived from the seed and the UPN.
    pub object_id: Uuid,
    /// The public address they usually work from.
    pub ip: Ipv4Addr,
    /// A guest's own address (`invitedUserEmailAddress`); their `upn` is then the tenant's
    /// `<email with @ as _>#EXT#@<tenant domain>`.
    pub mail: Option<String>,
}

/// A directory group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Display name.
    pub name: String,
    /// Object id: derived from the seed and the name.
    pub object_id: Uuid,
}

/// An application registration and its service principal in this tenant, which is not one of the
/// scenario's identities.
#[derive(Debug, Clone)]
pub struct Application {
    /// Display name.
    pub name: String,
    /// Application (client) id.
    pub app_id: Uuid,
    /// The service principal's object id.
    pub sp_object_id: Uuid,
    /// The application object's id.
    pub application_object_id: Uuid,
}

/// A registered or joined device.
#[derive(Debug, Clone)]
pub struct Device {
    /// Display name.
    pub name: String,
    /// Directory object id.
    pub object_id: Uuid,
    /// Device id (`TargetId.DeviceId`).
    pub device_id: Uuid,
}

/// Who does an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A person: index into [`Tenant::users`].
    User(usize),
    /// A workload identity: index into [`Tenant::identities`].
    Identity(usize),
    /// A Microsoft service acting on its own (Azure Resource Graph, PIM, Intune).
    Service(&'static crate::catalog::services::MicrosoftApp),
}

/// A directory object an action names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// Index into [`Tenant::users`].
    User(usize),
    /// A service principal or managed identity: index into [`Tenant::identities`].
    Identity(usize),
    /// Index into [`Tenant::applications`].
    Application(usize),
    /// Index into [`Tenant::groups`].
    Group(usize),
    /// Index into [`Tenant::devices`].
    Device(usize),
}

/// An ARM resource an action names: its id in ARM's casing, name, group and subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmResourceRef {
    /// ARM id.
    pub id: String,
    /// Its name (last segment).
    pub name: String,
    /// Its resource group; empty at subscription scope.
    pub resource_group: String,
    /// Its subscription's id.
    pub subscription: Uuid,
    /// Its region.
    pub region: &'static Region,
}

/// One operation done by someone, resolved: who, what, on what, and how it went.
#[derive(Debug, Clone)]
pub struct Action {
    /// The operation.
    pub kind: crate::scenario::vocabulary::ActionKind,
    /// Who does it.
    pub actor: Actor,
    /// The actor's address; `None`: their usual one.
    pub ip: Option<Ipv4Addr>,
    /// Whether it fails (`result: failure`); a sign-in's failure is in [`ActionParams::failure`].
    pub fails: bool,
    /// How long after its anomaly's instant it happens.
    pub after: TimeDelta,
    /// The operation's parameters.
    pub params: ActionParams,
}

/// An action's parameters, resolved against the tenant and the catalogues; each operation reads
/// the ones its fields name.
#[derive(Debug, Clone, Default)]
pub struct ActionParams {
    /// `target`.
    pub target: Option<Entity>,
    /// `member`.
    pub member: Option<Entity>,
    /// `group`.
    pub group: Option<usize>,
    /// `role`, as a directory role.
    pub directory_role: Option<&'static crate::catalog::roles::DirectoryRole>,
    /// `role`, as an Azure role.
    pub azure_role: Option<&'static crate::catalog::roles::AzureRole>,
    /// `app_role`.
    pub app_role: Option<&'static crate::catalog::roles::AppRole>,
    /// `resource`, as an API (grants, sign-ins).
    pub api: Option<&'static FirstPartyApp>,
    /// `resource`, as an ARM resource.
    pub arm_resource: Option<ArmResourceRef>,
    /// `scope`, as an ARM scope id.
    pub arm_scope: Option<String>,
    /// `policy`: index into [`Tenant::ca_policies`].
    pub policy: Option<usize>,
    /// `vault`: index into [`Tenant::key_vaults`].
    pub vault: Option<usize>,
    /// `duration`.
    pub duration: Option<TimeDelta>,
    /// `count`.
    pub count: u32,
    /// `status`.
    pub status: Option<u16>,
    /// sign_in: the AADSTS code and description when `result` names a failure.
    pub failure: Option<(&'static str, &'static str)>,
    /// `credential_type`.
    pub credential_type: Option<CredentialType>,
    /// `token`: how an identity gets the token the call presents.
    pub token: TokenUse,
    /// `client`: the app a person calls ARM or Graph with (default the portal).
    pub client: Option<&'static crate::catalog::services::MicrosoftApp>,
    /// sign_in: the longest gap between sign-ins (`spacing`; default 90 s).
    pub spacing: Option<TimeDelta>,
    /// deployment_write: the SQL database the template deploys (`sql_database`): index into
    /// [`Tenant::sql_servers`] and the database's name.
    pub sql_database: Option<(usize, String)>,
    /// The application's display name at the time, after a rename earlier in the same anomaly.
    pub display_name: Option<String>,
    /// The text fields given, by name (`scopes`, `new_name`, `issuer`, `vm_size`, …).
    pub text: BTreeMap<&'static str, String>,
}

/// How an identity gets the token a call presents (`token`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, strum::Display, strum::EnumString, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum TokenUse {
    /// Its client's cached token, signing in only when it holds none that is usable.
    #[default]
    Cached,
    /// A sign-in now, whatever the cache holds (a new process).
    Fresh,
    /// A token obtained elsewhere and replayed: no sign-in (or Key Vault challenge) in these
    /// tables precedes the call.
    Stolen,
}

impl ActionParams {
    /// A text field, or `default` when it was not given.
    pub fn text_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.text.get(name).map_or(default, String::as_str)
    }
}

/// Actions done by a person or a Microsoft service on a schedule.
#[derive(Debug, Clone)]
pub struct ActorSchedule {
    /// Stable derivation path of its runs' random choices.
    pub path: String,
    /// Schedules of one family (a background stream's members) write records alike, so the
    /// estimate prices them from the same sample runs.
    pub family: usize,
    /// When it runs.
    pub schedule: Schedule,
    /// What each run does, in order; with `rotate`, one of them per run, in turn.
    pub actions: Vec<Action>,
    /// Each run does the next action in turn rather than all of them (a background stream over
    /// many targets).
    pub rotate: bool,
}

impl ActorSchedule {
    /// The actions run `index` does.
    pub fn run(&self, index: u64) -> &[Action] {
        if self.rotate && !self.actions.is_empty() {
            let i = (index % self.actions.len() as u64) as usize;
            &self.actions[i..=i]
        } else {
            &self.actions
        }
    }
}

/// A service principal's client secret or certificate.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Client secret or certificate.
    pub kind: CredentialType,
    /// Name workloads refer to it by.
    pub name: String,
    /// Key id: as given, or derived from the seed.
    pub key_id: Uuid,
    /// Certificates: SHA-1 thumbprint, 40 upper-case hex digits; `None` for a client secret.
    pub thumbprint: Option<String>,
    /// Start of validity.
    pub start: DateTime<Utc>,
    /// End of validity, exclusive: sign-ins from then on fail.
    pub expiry: DateTime<Utc>,
}

impl Credential {
    /// Whether the credential can sign in at `t` (`start` inclusive, `expiry` exclusive).
    pub fn valid_at(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.expiry
    }
}

/// A recurring job of one identity: what each run does and when.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Name as given, or `<identity>-<kind>-<index>`.
    pub name: String,
    /// Stable derivation path, from which its run times and the runs' random choices are drawn.
    pub path: String,
    /// Index into [`Tenant::identities`] of the identity running it.
    pub identity: usize,
    /// What each run does.
    pub action: WorkloadAction,
    /// When it runs.
    pub schedule: Schedule,
    /// Index into the identity's credentials; `None` = first valid at run time.
    pub credential: Option<usize>,
    /// Whether its client keeps tokens between runs (always `shared` for managed identities).
    pub token_cache: TokenCacheMode,
    /// Which declaration it comes from: the index of its entry among the scenario's workloads, then
    /// each population's. A population's members share it, and so the same schedule and behaviour.
    pub declaration: usize,
}

/// What a workload's runs do, their targets resolved to indexes into the [`Tenant`].
#[derive(Debug, Clone)]
pub enum WorkloadAction {
    /// Reads one Key Vault secret per run, the secrets in turn.
    KeyVaultSecretRead {
        /// Index into [`Tenant::key_vaults`].
        vault: usize,
        /// Secret names read: the workload's, or else the vault's.
        secrets: Vec<String>,
        /// The version of each secret (same order), derived once rather than per read.
        versions: Vec<String>,
    },
    /// Sign-ins to ARM, one of them followed by a deployment to a SQL database.
    ArmDeployment {
        /// Index into [`Tenant::sql_servers`].
        sql_server: usize,
        /// Database name on that server.
        database: String,
        /// Sign-ins per run (default 4).
        signins_per_run: u32,
    },
    /// A run of a Logic App whose connection uses the identity.
    LogicAppRun {
        /// Index into [`Tenant::logic_apps`].
        logic_app: usize,
    },
    /// A change to a Conditional Access policy through Microsoft Graph.
    GraphOperation {
        /// Delete or update.
        operation: GraphOperationKind,
        /// Index into [`Tenant::ca_policies`].
        policy: usize,
    },
    /// Scheduled actions by the identity, in order.
    Actions(Vec<Action>),
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
            Self::Actions(_) => WorkloadKind::Actions,
        }
    }
}

/// When a workload runs: one of three forms, as the YAML `schedule` allows.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every `interval`, with a stable per-workload phase so that population members do not fire
    /// together.
    Every {
        /// Time between runs, at least 1 s.
        interval: TimeDelta,
        /// Largest random delay added to each run; zero for none.
        jitter: TimeDelta,
    },
    /// `runs` per day, spread over the hours by `profile`.
    PerDay {
        /// Runs per day (per weekday for `business_hours`), 0 to 86,400, fractions allowed.
        runs: f64,
        /// How the runs spread over the hours and days.
        profile: DailyProfile,
        /// Largest random delay added to each run; zero for none.
        jitter: TimeDelta,
        /// The `low..high` range the scenario gave, when it gave one: `runs` is its midpoint (what
        /// `generate` simulates), and the estimate reports the ends too.
        range: Option<(f64, f64)>,
    },
    /// At fixed instants.
    At {
        /// The instants, sorted, each inside the period.
        times: Vec<DateTime<Utc>>,
        /// Largest random delay added to each run; zero for none.
        jitter: TimeDelta,
    },
}

/// An injected attack or near-miss, its kind-specific details resolved.
#[derive(Debug, Clone)]
pub struct Anomaly {
    /// What it simulates.
    pub kind: AnomalyKind,
    /// Index into [`Tenant::identities`] of the identity it concerns; a custom anomaly's first
    /// identity actor, if any.
    pub identity: Option<usize>,
    /// When it happens, inside the period.
    pub at: DateTime<Utc>,
    /// Whether it is the near-miss reading, which must not count as the anomaly.
    pub benign: bool,
    /// The kind's fields, with defaults applied and references resolved.
    pub detail: AnomalyDetail,
    /// What it does, in order: a custom anomaly's actions, or a built-in kind's preset.
    pub actions: Vec<Action>,
}

impl Anomaly {
    /// The behaviour it stands for, as expectations name it: a custom anomaly's `label`, or the
    /// built-in kind.
    pub fn behaviour(&self) -> String {
        match &self.detail {
            AnomalyDetail::Custom { label, .. } => label.clone(),
            _ => self.kind.to_string(),
        }
    }
}

/// The fields of an anomaly that depend on its kind.
#[derive(Debug, Clone)]
pub enum AnomalyDetail {
    /// `count` failed sign-ins from `ip` to `resource`.
    FailedSignins {
        /// AADSTS error code, e.g. `7000215`.
        code: &'static str,
        /// The error's text, as sign-in logs give it.
        description: &'static str,
        /// Number of failed sign-ins (default 5).
        count: u32,
        /// Address they come from.
        ip: Ipv4Addr,
        /// Resource the app asked a token for (default ARM).
        resource: &'static FirstPartyApp,
    },
    /// A user adds a credential to the service principal's application.
    CredentialAdded {
        /// UPN of the user (default `admin@<domain>`).
        actor_upn: String,
        /// The user's address (`InitiatedBy.user.ipAddress`).
        actor_ip: Ipv4Addr,
        /// Type of the credential added.
        credential_type: CredentialType,
        /// The application or its service principal.
        on: CredentialOn,
    },
    /// A user renames the application, then (unless it is the benign rename alone) adds a credential.
    RenameThenCredential {
        /// UPN of the user (default `admin@<domain>`).
        actor_upn: String,
        /// The user's address (`InitiatedBy.user.ipAddress`).
        actor_ip: Ipv4Addr,
        /// Display name after the rename (default `<name>-legacy`).
        new_name: String,
        /// Type of the credential added.
        credential_type: CredentialType,
        /// The application or its service principal.
        on: CredentialOn,
        /// Whether a credential follows the rename: `false` in the benign reading (the rename
        /// alone).
        add_credential: bool,
    },
    /// A successful sign-in (service principal) or a Key Vault call with a replayed token (managed
    /// identity, whose sign-ins carry no address) from `ip`.
    UnusualIp {
        /// The unusual address.
        ip: Ipv4Addr,
        /// Resource the service principal signs in to (default ARM); unused for a managed identity.
        resource: &'static FirstPartyApp,
        /// Managed identities: index into [`Tenant::key_vaults`] of the vault read with the
        /// replayed token (always set for them; unused for a service principal).
        vault: Option<usize>,
    },
    /// A sign-in to a resource the identity does not normally use, then activity there.
    NewResourceAccess {
        /// The resource newly accessed (default Microsoft Graph).
        resource: &'static FirstPartyApp,
        /// Index into [`Tenant::key_vaults`] of the vault acted on; always set when `resource` is
        /// Key Vault.
        vault: Option<usize>,
    },
    /// An app deletes a Conditional Access policy through Microsoft Graph.
    CaPolicyDeleted {
        /// Index into [`Tenant::ca_policies`].
        policy: usize,
    },
    /// A listing of the vault and `count` secret reads within seconds.
    KeyVaultMassRead {
        /// Index into [`Tenant::key_vaults`].
        vault: usize,
        /// Number of secret reads (default 25).
        count: u32,
    },
    /// `count` successful sign-ins with nothing done with the tokens.
    SigninWithoutActivity {
        /// Number of sign-ins (default 3).
        count: u32,
        /// Resource signed in to (default ARM).
        resource: &'static FirstPartyApp,
    },
    /// Any behaviour, as a list of actions.
    Custom {
        /// The behaviour's name (`label`).
        label: String,
        /// Its ATT&CK technique, if given.
        technique: Option<String>,
    },
    /// A deployment written by the service principal with no sign-in of its own before it.
    ActivityWithoutSignin {
        /// Index into [`Tenant::sql_servers`].
        sql_server: usize,
        /// Database name on that server.
        database: String,
        /// Address the deployment comes from.
        ip: Ipv4Addr,
    },
}

impl Anomaly {
    /// Other names the identity appears under in this anomaly's records.
    pub fn aliases(&self) -> Vec<String> {
        match &self.detail {
            AnomalyDetail::RenameThenCredential { new_name, .. } => vec![new_name.clone()],
            _ => Vec::new(),
        }
    }

    /// The user who acts in a built-in anomaly (the credential anomalies' `actor`).
    pub fn actor_upn(&self) -> Option<&str> {
        match &self.detail {
            AnomalyDetail::CredentialAdded { actor_upn, .. } | AnomalyDetail::RenameThenCredential { actor_upn, .. } => Some(actor_upn),
            _ => None,
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

    /// The subscription holding the resource group of `p`.
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

    /// Name of the resource group of `p`.
    pub fn resource_group_name(&self, p: &Placement) -> &str {
        &self.resource_groups[p.resource_group].name
    }
}
