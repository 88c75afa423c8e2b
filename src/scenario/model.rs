//! The scenario file as written: serde structs mirroring the YAML, with source spans on every value
//! that validation may need to point at. Validation and resolution live in `resolve.rs`.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// A value read from the scenario file, with the line and column it was read at so that errors can
/// point at it.
pub type S<T> = Spanned<T>;

/// A whole scenario file: the YAML document's top-level keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// `name`: names the scenario, in the manifest and as the root of every derived ID's path.
    pub name: S<String>,
    /// `description`: free text for readers; the simulation ignores it. Empty when absent.
    #[serde(default)]
    pub description: String,
    /// `tenant`: the Entra tenant and Log Analytics workspace the logs belong to.
    pub tenant: TenantSpec,
    /// `period`: the simulated time span.
    pub period: PeriodSpec,
    /// `subscriptions`: Azure subscriptions and the resource groups resources are placed in.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// `resources`: the Azure resources workloads and anomalies act on.
    #[serde(default)]
    pub resources: ResourcesSpec,
    /// `identities`: service principals and managed identities, declared one by one.
    #[serde(default)]
    pub identities: Vec<IdentitySpec>,
    /// `populations`: groups of identities made from one template ("N identities like this").
    #[serde(default)]
    pub populations: Vec<PopulationSpec>,
    /// `workloads`: the recurring jobs that make the normal traffic, each run by a named identity.
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
    /// `users`: people actions name, with their display names and addresses (others are made up
    /// from their UPN).
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// `actions`: single operations, at given instants or on a schedule, by a user or an identity.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// `anomalies`: attacks and near-misses injected at given instants, labelled in the manifest.
    #[serde(default)]
    pub anomalies: Vec<AnomalySpec>,
    /// What `verify` must find when rules run over this scenario's data.
    #[serde(default)]
    pub expectations: Vec<ExpectationSpec>,
    /// `background`: the benign activity of the tenant's people, apps and services around the
    /// scenario's own; default `small`, `none` to switch it off.
    pub background: Option<S<BackgroundLevel>>,
}

/// How much benign background activity a tenant has (`background`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display, strum::EnumString, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BackgroundLevel {
    /// None: only the scenario's own workloads, actions and anomalies.
    None,
    /// A small organisation: 40 people, their devices, a few apps and managed identities.
    Small,
    /// 400 people.
    Medium,
    /// 4,000 people.
    Large,
}

/// A scenario-side expectation: unlike a rule's own, it fails when the data lacks the anomaly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationSpec {
    /// The rule's file name without extension, its `name`, or its `id` GUID — published rule
    /// files cannot carry a `tenantless:` block, so their expectations live here.
    pub rule: S<String>,
    /// Behaviours the rule must catch: every non-benign anomaly of each in the data. A behaviour
    /// is a built-in anomaly kind, or a custom anomaly's `label`.
    #[serde(default)]
    pub catches: Vec<S<String>>,
    /// Behaviours the rule is known to miss: it must catch none of their non-benign anomalies.
    #[serde(default)]
    pub misses: Vec<S<String>>,
}

/// The `tenant` section: whom the logs belong to, and the default region.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// Entra tenant id; derived from the seed when absent.
    pub id: Option<S<String>>,
    /// Primary domain, e.g. `contoso.onmicrosoft.com` (must contain a dot); anomaly actors default
    /// to `admin@<domain>`.
    pub domain: S<String>,
    /// Log Analytics workspace id (the `TenantId` column); derived when absent.
    pub workspace_id: Option<S<String>>,
    /// Default Azure region of resources and identities.
    #[serde(default)]
    pub region: Option<S<String>>,
}

/// The `period` section: the simulated time span.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    /// First instant simulated, RFC 3339; at the latest
    /// [`LATEST_START`](super::resolve::LATEST_START).
    pub start: S<String>,
    /// Length of the period, e.g. `1d` or `7d`: longer than zero, at most 366 days.
    pub duration: S<String>,
}

/// One entry of `subscriptions`: an Azure subscription and its resource groups.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// Subscription name, unique in the scenario.
    pub name: S<String>,
    /// Subscription id (GUID); derived from the seed and the name when absent.
    pub id: Option<S<String>>,
    /// Names of its resource groups, unique within the subscription.
    #[serde(default)]
    pub resource_groups: Vec<S<String>>,
}

/// The `resources` section: the tenant's Azure resources by type; every list defaults to empty.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSpec {
    /// `key_vaults`: vaults read by `keyvault_secret_read` workloads and Key Vault anomalies.
    #[serde(default)]
    pub key_vaults: Vec<KeyVaultSpec>,
    /// `sql_servers`: servers whose databases `arm_deployment` workloads deploy to.
    #[serde(default)]
    pub sql_servers: Vec<SqlServerSpec>,
    /// `logic_apps`: workflows run by `logic_app_run` workloads; one may hold a system-assigned MI.
    #[serde(default)]
    pub logic_apps: Vec<LogicAppSpec>,
    /// `virtual_machines`: machines system-assigned managed identities are attached to.
    #[serde(default)]
    pub virtual_machines: Vec<VirtualMachineSpec>,
    /// `conditional_access_policies`: policies that `graph_operation` workloads and
    /// `ca_policy_deleted_by_app` anomalies change.
    #[serde(default)]
    pub conditional_access_policies: Vec<CaPolicySpec>,
}

/// A Key Vault (`Microsoft.KeyVault/vaults`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyVaultSpec {
    /// Vault name, unique among the scenario's vaults.
    pub name: S<String>,
    /// Resource group holding it: `<group>`, or `<subscription>/<group>` when several
    /// subscriptions have one by that name.
    pub resource_group: S<String>,
    /// Region (`location`); the tenant's `region` when absent.
    pub location: Option<S<String>>,
    /// Whether callers reach it through a private endpoint, so that `CallerIPAddress` shows their
    /// private address. Default `false`.
    #[serde(default)]
    pub private_endpoint: bool,
    /// Secret names; a `keyvault_secret_read` workload that lists no `secrets` reads these.
    #[serde(default)]
    pub secrets: Vec<S<String>>,
}

/// An Azure SQL server (`Microsoft.Sql/servers`) and its databases.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlServerSpec {
    /// Server name, unique among the scenario's SQL servers.
    pub name: S<String>,
    /// Resource group holding it: `<group>`, or `<subscription>/<group>` when several
    /// subscriptions have one by that name.
    pub resource_group: S<String>,
    /// Region (`location`); the tenant's `region` when absent.
    pub location: Option<S<String>>,
    /// Database names, unique on the server; workloads and anomalies name them `server/database`.
    #[serde(default)]
    pub databases: Vec<S<String>>,
}

/// A Logic App workflow (`Microsoft.Logic/workflows`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogicAppSpec {
    /// Workflow name, unique among the scenario's Logic Apps.
    pub name: S<String>,
    /// Resource group holding it: `<group>`, or `<subscription>/<group>` when several
    /// subscriptions have one by that name.
    pub resource_group: S<String>,
    /// Region (`location`); the tenant's `region` when absent.
    pub location: Option<S<String>>,
    /// Resource tags, written as `tags_<key>_s` columns of its runtime records.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Trigger name in its runtime records; default `Recurrence`.
    pub trigger: Option<S<String>>,
    /// Action names each run executes, in order; default `Run_query_and_list_results` then
    /// `Send_event`.
    #[serde(default)]
    pub actions: Vec<S<String>>,
}

/// A virtual machine (`Microsoft.Compute/virtualMachines`); its addresses are derived from the
/// seed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualMachineSpec {
    /// Machine name, unique among the scenario's virtual machines.
    pub name: S<String>,
    /// Resource group holding it: `<group>`, or `<subscription>/<group>` when several
    /// subscriptions have one by that name.
    pub resource_group: S<String>,
    /// Region (`location`); the tenant's `region` when absent.
    pub location: Option<S<String>>,
}

/// A Conditional Access policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaPolicySpec {
    /// Display name, unique among the policies; workloads and anomalies refer to the policy by it.
    pub name: S<String>,
    /// Policy id (GUID); derived from the seed and the name when absent.
    pub id: Option<S<String>>,
}

/// What an identity is (`kind`): decides which fields it takes and how it signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IdentityKind {
    /// A managed identity tied to one resource (`attached_to`), whose region and addresses it
    /// takes.
    SystemAssignedMi,
    /// A standalone managed identity (`Microsoft.ManagedIdentity/userAssignedIdentities`) in
    /// `resource_group`.
    UserAssignedMi,
    /// An application's service principal, signing in with its `credentials` (the only kind with
    /// any).
    ServicePrincipal,
}

/// One entry of `identities`, or a population's member template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// Display name (`ServicePrincipalName`). In a population template, `{n}` or `{n:03}` is the
    /// member's 1-based index.
    pub name: S<String>,
    /// Managed identity (system- or user-assigned) or service principal.
    pub kind: S<IdentityKind>,
    /// System-assigned MIs: the resource (virtual machine or logic app) they belong to.
    pub attached_to: Option<S<String>>,
    /// User-assigned MIs: the resource group they live in.
    pub resource_group: Option<S<String>>,
    /// Region the identity calls from (egress IP and location of SP sign-ins).
    pub region: Option<S<String>>,
    /// Client secrets and certificates: service principals only, which need one to run a workload.
    #[serde(default)]
    pub credentials: Vec<CredentialSpec>,
}

/// The type of a service principal's credential (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialType {
    /// A client secret (password credential).
    ClientSecret,
    /// A certificate (key credential), known by its thumbprint.
    Certificate,
}

/// Where a credential is added (`credential_on`): the application registration — what the portal's
/// "Certificates & secrets" blade does — or the service principal object itself, which an attacker
/// holding `Application.ReadWrite.All` can do and managed identity certificate rotation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialOn {
    /// `Update application – Certificates and secrets management `.
    Application,
    /// `Add service principal credentials`, then `Update service principal`.
    ServicePrincipal,
}

/// One of a service principal's `credentials`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    /// `type`: client secret or certificate.
    #[serde(rename = "type")]
    pub kind: S<CredentialType>,
    /// Name a workload's `credential` refers to; default `client secret` or `certificate`.
    pub name: Option<S<String>>,
    /// Key id (GUID); derived from the seed when absent.
    pub key_id: Option<S<String>>,
    /// Certificates only: SHA-1 thumbprint, 40 hex digits; derived from the seed when absent.
    pub thumbprint: Option<S<String>>,
    /// Defaults to 180 days before the period's start.
    pub start: Option<S<String>>,
    /// Defaults to one year after `start`.
    pub expiry: Option<S<String>>,
}

/// One entry of `populations`: `count` identities made from one template, running the same
/// workloads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// Population name, unique in the scenario; part of every member's derivation path.
    pub name: S<String>,
    /// Number of members, 1 to [`MAX_POPULATION`](super::resolve::MAX_POPULATION).
    pub count: S<i64>,
    /// Template of every member; its `name` must hold `{n}` or `{n:03}`.
    pub identity: IdentitySpec,
    /// Workloads every member runs; they must not name an `identity`.
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
}

/// What a workload does on each run (`kind`); [`WorkloadKind::fields`] lists the fields each takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WorkloadKind {
    /// Signs in and reads a Key Vault secret (`SecretGet`).
    KeyvaultSecretRead,
    /// A pipeline's sign-ins to ARM, one of them followed by a deployment to a SQL database.
    ArmDeployment,
    /// A Logic App run, with the identity's sign-in to the Log Analytics API during its first
    /// action.
    LogicAppRun,
    /// Signs in to Microsoft Graph and changes a Conditional Access policy.
    GraphOperation,
    /// Scheduled actions (a top-level `actions:` entry with a `schedule`); not a `kind:` of
    /// `workloads`.
    #[serde(skip)]
    Actions,
}

/// What a `graph_operation` workload does to its policy (`operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum GraphOperationKind {
    /// Deletes it (AuditLogs `Delete conditional access policy`).
    DeleteConditionalAccessPolicy,
    /// Updates it (AuditLogs `Update conditional access policy`).
    UpdateConditionalAccessPolicy,
}

/// One entry of `workloads`, or of a population's: a recurring job run by one identity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Unique name; default `<identity>-<kind>-<index>`.
    pub name: Option<S<String>>,
    /// Name of the identity running it: required, except in a population, where it must be absent.
    pub identity: Option<S<String>>,
    /// What each run does; decides which of the fields below it takes.
    pub kind: S<WorkloadKind>,
    /// When it runs.
    pub schedule: ScheduleSpec,
    /// keyvault_secret_read: the vault and the secrets read (one per run, in turn).
    pub vault: Option<S<String>>,
    /// keyvault_secret_read: default the vault's own `secrets`.
    pub secrets: Option<Vec<S<String>>>,
    /// arm_deployment: `server/database` deployed by the pipeline.
    pub sql_database: Option<S<String>>,
    /// arm_deployment: sign-ins per pipeline run (only one is followed by activity). Default 4.
    pub signins_per_run: Option<S<i64>>,
    /// logic_app_run: the Logic App whose connection uses the identity.
    pub logic_app: Option<S<String>>,
    /// graph_operation: what is done, and to which Conditional Access policy.
    pub operation: Option<S<GraphOperationKind>>,
    /// graph_operation: the policy's display name.
    pub policy: Option<S<String>>,
    /// Name of the identity's credential used; defaults to the first one valid at run time.
    pub credential: Option<S<String>>,
    /// Whether the client keeps its tokens between runs; default [`WorkloadKind::default_token_cache`].
    pub token_cache: Option<S<TokenCacheMode>>,
}

/// Whether a workload's client keeps its tokens from one run to the next (`token_cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TokenCacheMode {
    /// Every run is a new process (a pipeline job, a scheduled script): it signs in afresh.
    PerRun,
    /// One long-lived process (an app, a Logic Apps connection) reuses its token for its lifetime.
    /// Managed identities always share: the platform caches their tokens.
    Shared,
}

/// How a `per_day` schedule spreads its runs over the hours (`profile`).
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

/// A `per_day` rate: a number, or a `low..high` range written as text.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Rate {
    /// One rate.
    Exact(f64),
    /// `low..high`, parsed when the schedule is resolved.
    Range(String),
}

/// A workload's `schedule`: exactly one of `every`, `per_day` or `at`, and an optional `jitter`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Run every interval, e.g. `15m`, `4h`.
    pub every: Option<S<String>>,
    /// Run this many times per (week)day, spread by `profile`: a number, or a range `low..high`
    /// when the rate is not known exactly (`generate` runs the midpoint, `estimate` reports both ends).
    pub per_day: Option<S<Rate>>,
    /// per_day only: how the runs spread over the day; default `flat`.
    pub profile: Option<S<DailyProfile>>,
    /// Run at these instants (RFC 3339).
    pub at: Option<Vec<S<String>>>,
    /// Random delay added to each run, up to this duration.
    pub jitter: Option<S<String>>,
}

/// One entry of `users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// `userPrincipalName`, e.g. `eve@contoso.onmicrosoft.com`.
    pub upn: S<String>,
    /// Display name; made up from the seed when absent.
    pub name: Option<S<String>>,
    /// The public address they work from (IPv4); derived when absent.
    pub ip: Option<S<String>>,
}

/// One action: an operation done by a user or an identity, once (`at`), on a `schedule`, or — in a
/// custom anomaly — `after` the anomaly's instant. [`crate::scenario::vocabulary::ActionKind::fields`]
/// lists the fields each operation takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// When it happens, RFC 3339 (top-level actions; exclusive with `schedule`).
    pub at: Option<S<String>>,
    /// When it recurs (top-level actions).
    pub schedule: Option<ScheduleSpec>,
    /// In a custom anomaly: how long after the anomaly's `at` (default 0s).
    pub after: Option<S<String>>,
    /// Who does it: a user's UPN (has an `@`) or an identity's name.
    pub by: S<String>,
    /// The operation, e.g. `add_app_role_assignment`, `vm_write`, `keyvault`, `sign_in`.
    #[serde(rename = "do")]
    pub action: S<String>,
    /// The actor's address (IPv4); default theirs.
    pub ip: Option<S<String>>,
    /// `success` (default) or `failure`; for `sign_in`, an AADSTS reason or code.
    pub result: Option<S<String>>,
    /// sign_in: how many (default 1).
    pub count: Option<S<i64>>,
    /// The object acted on: an application, user, group or device, by name or UPN.
    pub target: Option<S<String>>,
    /// The principal added or granted: a user's UPN or an identity's, app's or group's name.
    pub member: Option<S<String>>,
    /// A directory role or an Azure role, by name or id.
    pub role: Option<S<String>>,
    /// A group, by display name.
    pub group: Option<S<String>>,
    /// An application permission, e.g. `RoleManagement.ReadWrite.Directory`.
    pub app_role: Option<S<String>>,
    /// The API (`graph`, `exchange`, …) a grant or sign-in is for; for ARM actions, the resource
    /// as `type/name` (`storageAccounts/stdata`) or a full ARM id.
    pub resource: Option<S<String>>,
    /// Delegated scopes, space separated.
    pub scopes: Option<S<String>>,
    /// `admin` or `user` consent.
    pub consent: Option<S<String>>,
    /// A credential's type.
    pub credential_type: Option<S<CredentialType>>,
    /// update_application: the new display name.
    pub new_name: Option<S<String>>,
    /// update_application: the reply (redirect) URL added.
    pub reply_url: Option<S<String>>,
    /// A federated credential's or federation's issuer URL.
    pub issuer: Option<S<String>>,
    /// A federated credential's subject.
    pub subject: Option<S<String>>,
    /// PIM: how long the assignment or activation lasts, e.g. `8h`.
    pub duration: Option<S<String>>,
    /// PIM: the justification given.
    pub justification: Option<S<String>>,
    /// Security info: `temporary_access_pass`, `fido2`, `authenticator`, `phone`.
    pub method: Option<S<String>>,
    /// Cross-tenant access: the partner's tenant id.
    pub partner_tenant: Option<S<String>>,
    /// A domain name.
    pub domain: Option<S<String>>,
    /// A Conditional Access policy, by display name.
    pub policy: Option<S<String>>,
    /// What a policy update changes.
    pub change: Option<S<String>>,
    /// `inbound` or `outbound` (cross-tenant), `Inbound`/`Outbound` (network rules).
    pub direction: Option<S<String>>,
    /// `allowed`/`blocked` (cross-tenant), `Allow`/`Deny` (network rules).
    pub access: Option<S<String>>,
    /// A device's operating system.
    pub os: Option<S<String>>,
    /// ARM: the resource group (`group` or `subscription/group`).
    pub resource_group: Option<S<String>>,
    /// ARM: the scope of a role assignment (`subscription`, `resource_group`, or an ARM id).
    pub scope: Option<S<String>>,
    /// vm_write: the size, e.g. `Standard_ND96asr_v4`.
    pub vm_size: Option<S<String>>,
    /// vm_extension_write: the publisher, e.g. `Microsoft.Compute`.
    pub publisher: Option<S<String>>,
    /// vm_extension_write: the type, e.g. `CustomScriptExtension`.
    pub extension_type: Option<S<String>>,
    /// vm_extension_write, vm_run_command: the command run.
    pub command: Option<S<String>>,
    /// nsg_rule_write: the destination port range.
    pub port: Option<S<String>>,
    /// nsg_rule_write: the source address prefix (`*`, `Internet`, a CIDR).
    pub source: Option<S<String>>,
    /// Permissions granted (Key Vault access policies, custom roles), comma separated.
    pub permissions: Option<S<String>>,
    /// keyvault: the operation (`SecretGet`, `KeyDecrypt`, …); arm: the ARM operation name.
    pub operation: Option<S<String>>,
    /// keyvault: the vault.
    pub vault: Option<S<String>>,
    /// keyvault: the secret, key or certificate named.
    pub object: Option<S<String>>,
    /// keyvault: the HTTP status answered (default 200).
    pub status: Option<S<i64>>,
    /// How an identity gets the token the call presents: `cached` (default), `fresh` or `stolen`.
    pub token: Option<S<String>>,
    /// The client app a person uses: `portal` (default), `azure_cli`, `azure_powershell`,
    /// `graph_powershell`, `graph_explorer`.
    pub client: Option<S<String>>,
    /// vm_extension_write: the files the extension downloads, comma separated.
    pub file_uris: Option<S<String>>,
    /// cloud_shell: `new` (first use: its storage account is created) or `existing`.
    pub storage: Option<S<String>>,
    /// sign_in: the longest gap between sign-ins, e.g. `10m` (default 90s).
    pub spacing: Option<S<String>>,
    /// deployment_write: the SQL database (`server/database`) the template deploys.
    pub sql_database: Option<S<String>>,
    /// sign_in: `secret` or `certificate`, or a credential's name.
    pub credential: Option<S<String>>,
    /// sign_in: the country the address geo-locates to, when it is outside Azure.
    pub country: Option<S<String>>,
}

/// One entry of `anomalies`: an attack or its near-miss at one instant, with the kind-specific
/// fields [`AnomalyKind::fields`] lists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalySpec {
    /// What it simulates.
    pub kind: S<AnomalyKind>,
    /// Name of the identity (declared, or a population member) it concerns; `custom` anomalies
    /// name theirs in their actions.
    pub identity: Option<S<String>>,
    /// custom: the behaviour's name, as the ground truth reports it.
    pub label: Option<S<String>>,
    /// custom: the ATT&CK technique, e.g. `T1098.003`.
    pub technique: Option<S<String>>,
    /// custom: what happens, in order.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// When it happens, RFC 3339, inside the period.
    pub at: S<String>,
    /// `true` for the near-miss variant: looks similar, must not count as the anomaly.
    #[serde(default)]
    pub benign: bool,
    /// failed_signins: AADSTS reason (`wrong_secret`, `expired_secret`, … or the code).
    pub reason: Option<S<String>>,
    /// failed_signins, keyvault_mass_read, signin_without_activity: how many failed sign-ins,
    /// secret reads or sign-ins; defaults 5, 25 and 3.
    pub count: Option<S<i64>>,
    /// Where the records come from (IPv4); when absent, derived from the seed, outside Azure's
    /// ranges.
    pub ip: Option<S<String>>,
    /// failed_signins: the resource the failing app asked a token for (first-party key). Default `arm`.
    pub resource: Option<S<String>>,
    /// credential_added_to_active_sp, rename_then_credential: UPN of the user who adds the
    /// credential; default `admin@<domain>`.
    pub actor: Option<S<String>>,
    /// credential_added_to_active_sp, rename_then_credential: the type of credential added; default
    /// `client_secret`.
    pub credential_type: Option<S<CredentialType>>,
    /// credential_added_to_active_sp, rename_then_credential: whether the credential goes on the
    /// application registration (default) or on the service principal object.
    pub credential_on: Option<S<CredentialOn>>,
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
    /// A burst of failed sign-ins with one AADSTS reason.
    FailedSignins,
    /// A user adds a credential to a service principal in use.
    CredentialAddedToActiveSp,
    /// A user renames an application, then adds a credential to it.
    RenameThenCredential,
    /// A successful sign-in (service principal), or a Key Vault read with a replayed token (managed
    /// identity), from an address outside the identity's usual range.
    SigninFromUnusualIp,
    /// A sign-in to a resource the identity does not normally use, then activity there.
    NewResourceAccess,
    /// An app deletes a Conditional Access policy through Microsoft Graph.
    CaPolicyDeletedByApp,
    /// A vault listing, then many secret reads within seconds.
    KeyvaultMassRead,
    /// Successful sign-ins whose tokens are never used.
    SigninWithoutActivity,
    /// A deployment whose token matches no sign-in (a replayed token).
    ActivityWithoutSignin,
    /// Any behaviour, as a list of actions (`label`, `technique`, `actions`).
    Custom,
}

impl AnomalyKind {
    /// The optional fields this kind takes besides `kind`, `identity`, `at` and `benign`: declared
    /// once, for the resolver, its errors and the scenario reference's table (tested against it).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            AnomalyKind::FailedSignins => &["reason", "count", "ip", "resource"],
            AnomalyKind::CredentialAddedToActiveSp => &["actor", "ip", "credential_type", "credential_on"],
            AnomalyKind::RenameThenCredential => &["new_name", "actor", "ip", "credential_type", "credential_on"],
            AnomalyKind::SigninFromUnusualIp => &["ip", "resource", "vault"],
            AnomalyKind::NewResourceAccess => &["resource", "vault"],
            AnomalyKind::CaPolicyDeletedByApp => &["policy"],
            AnomalyKind::KeyvaultMassRead => &["vault", "count"],
            AnomalyKind::SigninWithoutActivity => &["count", "resource"],
            AnomalyKind::ActivityWithoutSignin => &["sql_database", "ip"],
            AnomalyKind::Custom => &["label", "technique", "actions"],
        }
    }
}

impl WorkloadKind {
    /// What a service principal running this kind does by default, as its usual client does: an
    /// app's SDK and a Logic Apps connection keep their tokens; a pipeline job or an automation
    /// script signs in on every run (the seed's pipeline shows four sign-ins for one deployment).
    pub fn default_token_cache(self) -> TokenCacheMode {
        match self {
            WorkloadKind::KeyvaultSecretRead | WorkloadKind::LogicAppRun | WorkloadKind::Actions => TokenCacheMode::Shared,
            WorkloadKind::ArmDeployment | WorkloadKind::GraphOperation => TokenCacheMode::PerRun,
        }
    }

    /// The fields this kind takes besides `name`, `identity`, `kind`, `schedule` and `credential`:
    /// declared once, for the resolver, its errors and the scenario reference's table.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::KeyvaultSecretRead => &["vault", "secrets"],
            WorkloadKind::ArmDeployment => &["sql_database", "signins_per_run"],
            WorkloadKind::LogicAppRun => &["logic_app"],
            WorkloadKind::GraphOperation => &["operation", "policy"],
            WorkloadKind::Actions => &[],
        }
    }
}
