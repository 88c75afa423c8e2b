//! The scenario file as written: serde structs mirroring the YAML, with source spans on every value
//! that validation may need to point at. Validation and resolution live in `resolve.rs`.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: S<String>,
    #[serde(default)]
    pub description: String,
    pub tenant: TenantSpec,
    pub period: PeriodSpec,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    #[serde(default)]
    pub resources: ResourcesSpec,
    #[serde(default)]
    pub identities: Vec<IdentitySpec>,
    #[serde(default)]
    pub populations: Vec<PopulationSpec>,
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
    #[serde(default)]
    pub anomalies: Vec<AnomalySpec>,
    /// What `verify` must find when rules run over this scenario's data.
    #[serde(default)]
    pub expectations: Vec<ExpectationSpec>,
}

/// A scenario-side expectation: unlike a rule's own, it fails when the data lacks the anomaly.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectationSpec {
    /// The rule's file name without extension, or its `name`.
    pub rule: String,
    #[serde(default)]
    pub catches: Vec<AnomalyKind>,
    #[serde(default)]
    pub misses: Vec<AnomalyKind>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// Entra tenant id; derived from the seed when absent.
    pub id: Option<S<String>>,
    pub domain: S<String>,
    /// Log Analytics workspace id (the `TenantId` column); derived when absent.
    pub workspace_id: Option<S<String>>,
    /// Default Azure region of resources and identities.
    #[serde(default)]
    pub region: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    pub start: S<String>,
    pub duration: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    pub name: S<String>,
    pub id: Option<S<String>>,
    #[serde(default)]
    pub resource_groups: Vec<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSpec {
    #[serde(default)]
    pub key_vaults: Vec<KeyVaultSpec>,
    #[serde(default)]
    pub sql_servers: Vec<SqlServerSpec>,
    #[serde(default)]
    pub logic_apps: Vec<LogicAppSpec>,
    #[serde(default)]
    pub virtual_machines: Vec<VirtualMachineSpec>,
    #[serde(default)]
    pub conditional_access_policies: Vec<CaPolicySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyVaultSpec {
    pub name: S<String>,
    pub resource_group: S<String>,
    pub location: Option<S<String>>,
    #[serde(default)]
    pub private_endpoint: bool,
    #[serde(default)]
    pub secrets: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlServerSpec {
    pub name: S<String>,
    pub resource_group: S<String>,
    pub location: Option<S<String>>,
    #[serde(default)]
    pub databases: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicAppSpec {
    pub name: S<String>,
    pub resource_group: S<String>,
    pub location: Option<S<String>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub trigger: Option<S<String>>,
    #[serde(default)]
    pub actions: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualMachineSpec {
    pub name: S<String>,
    pub resource_group: S<String>,
    pub location: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaPolicySpec {
    pub name: S<String>,
    pub id: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IdentityKind {
    SystemAssignedMi,
    UserAssignedMi,
    ServicePrincipal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// Display name (`ServicePrincipalName`). In a population template, `{n}` or `{n:03}` is the
    /// member's 1-based index.
    pub name: S<String>,
    pub kind: S<IdentityKind>,
    /// System-assigned MIs: the resource (virtual machine or logic app) they belong to.
    pub attached_to: Option<S<String>>,
    /// User-assigned MIs: the resource group they live in.
    pub resource_group: Option<S<String>>,
    /// Region the identity calls from (egress IP and location of SP sign-ins).
    pub region: Option<S<String>>,
    #[serde(default)]
    pub credentials: Vec<CredentialSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialType {
    ClientSecret,
    Certificate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    #[serde(rename = "type")]
    pub kind: S<CredentialType>,
    pub name: Option<S<String>>,
    pub key_id: Option<S<String>>,
    pub thumbprint: Option<S<String>>,
    /// Defaults to one year before the simulated period.
    pub start: Option<S<String>>,
    /// Defaults to one year after `start`.
    pub expiry: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    pub name: S<String>,
    pub count: S<i64>,
    pub identity: IdentitySpec,
    /// Workloads every member runs; they must not name an `identity`.
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WorkloadKind {
    KeyvaultSecretRead,
    ArmDeployment,
    LogicAppRun,
    GraphOperation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GraphOperationKind {
    DeleteConditionalAccessPolicy,
    UpdateConditionalAccessPolicy,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: Option<S<String>>,
    pub identity: Option<S<String>>,
    pub kind: S<WorkloadKind>,
    pub schedule: ScheduleSpec,
    /// keyvault_secret_read: the vault and the secrets read (one per run, in turn).
    pub vault: Option<S<String>>,
    pub secrets: Option<Vec<S<String>>>,
    /// arm_deployment: `server/database` deployed by the pipeline.
    pub sql_database: Option<S<String>>,
    /// arm_deployment: sign-ins per pipeline run (only one is followed by activity). Default 4.
    pub signins_per_run: Option<S<i64>>,
    /// logic_app_run: the Logic App whose connection uses the identity.
    pub logic_app: Option<S<String>>,
    /// graph_operation: what is done, and to which Conditional Access policy.
    pub operation: Option<S<GraphOperationKind>>,
    pub policy: Option<S<String>>,
    /// Name of the identity's credential used; defaults to the first one valid at run time.
    pub credential: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DailyProfile {
    /// Same rate at every hour, every day.
    Flat,
    /// Weekdays 08:00–18:00 UTC carry most runs; weekends a tenth of a weekday.
    BusinessHours,
    /// Batch window 01:00–05:00 UTC, every day.
    Nightly,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Run every interval, e.g. `15m`, `4h`.
    pub every: Option<S<String>>,
    /// Run this many times per (week)day, spread by `profile`.
    pub per_day: Option<S<f64>>,
    pub profile: Option<S<DailyProfile>>,
    /// Run at these instants (RFC 3339).
    pub at: Option<Vec<S<String>>>,
    /// Random delay added to each run, up to this duration.
    pub jitter: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalySpec {
    pub kind: S<AnomalyKind>,
    pub identity: S<String>,
    pub at: S<String>,
    /// `true` for the near-miss variant: looks similar, must not count as the anomaly.
    #[serde(default)]
    pub benign: bool,
    /// failed_signins: AADSTS reason (`wrong_secret`, `expired_secret`, … or the code).
    pub reason: Option<S<String>>,
    pub count: Option<S<i64>>,
    pub ip: Option<S<String>>,
    /// failed_signins: the resource the failing app asked a token for (first-party key). Default `arm`.
    pub resource: Option<S<String>>,
    /// credential_added_to_active_sp: who added it, and what.
    pub actor: Option<S<String>>,
    pub credential_type: Option<S<CredentialType>>,
    /// rename_then_credential: the service principal's new display name.
    pub new_name: Option<S<String>>,
    /// keyvault_mass_read, signin_from_unusual_ip (managed identities), new_resource_access: the vault.
    pub vault: Option<S<String>>,
    /// ca_policy_deleted_by_app: the Conditional Access policy deleted.
    pub policy: Option<S<String>>,
    /// activity_without_signin: `server/database` written.
    pub sql_database: Option<S<String>>,
}

/// What an injected anomaly simulates. Each kind has a near-miss (`benign: true`) reading documented
/// in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, strum::Display, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AnomalyKind {
    FailedSignins,
    CredentialAddedToActiveSp,
    RenameThenCredential,
    SigninFromUnusualIp,
    NewResourceAccess,
    CaPolicyDeletedByApp,
    KeyvaultMassRead,
    SigninWithoutActivity,
    ActivityWithoutSignin,
}

impl AnomalyKind {
    /// The optional fields this kind takes besides `kind`, `identity`, `at` and `benign`: declared
    /// once, for the resolver, its errors and the scenario reference's table (tested against it).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            AnomalyKind::FailedSignins => &["reason", "count", "ip", "resource"],
            AnomalyKind::CredentialAddedToActiveSp => &["actor", "ip", "credential_type"],
            AnomalyKind::RenameThenCredential => &["new_name", "actor", "ip", "credential_type"],
            AnomalyKind::SigninFromUnusualIp => &["ip", "resource", "vault"],
            AnomalyKind::NewResourceAccess => &["resource", "vault"],
            AnomalyKind::CaPolicyDeletedByApp => &["policy"],
            AnomalyKind::KeyvaultMassRead => &["vault", "count"],
            AnomalyKind::SigninWithoutActivity => &["count", "resource"],
            AnomalyKind::ActivityWithoutSignin => &["sql_database", "ip"],
        }
    }
}

impl WorkloadKind {
    /// The fields this kind takes besides `name`, `identity`, `kind`, `schedule` and `credential`:
    /// declared once, for the resolver, its errors and the scenario reference's table.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::KeyvaultSecretRead => &["vault", "secrets"],
            WorkloadKind::ArmDeployment => &["sql_database", "signins_per_run"],
            WorkloadKind::LogicAppRun => &["logic_app"],
            WorkloadKind::GraphOperation => &["operation", "policy"],
        }
    }
}
