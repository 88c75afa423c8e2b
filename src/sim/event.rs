//! Semantic events: what happened, independent of how each table records it. One event becomes
//! one record in one table; a workload run emits several events.

use crate::catalog::directory::DirectoryOperation;
use crate::catalog::{FirstPartyApp, Region};
use crate::scenario::tenant::{Credential, Identity, KeyVault, LogicApp, Tenant, User};
use chrono::{DateTime, Utc};
use std::net::Ipv4Addr;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Event<'t> {
    pub time: DateTime<Utc>,
    pub tenant: &'t Tenant,
    pub kind: EventKind<'t>,
}

impl Event<'_> {
    /// Moves the event of a run that started at `run_start` by `delta`, with the instants it refers
    /// to that belong to the run: a token the run obtained moves with it, one cached from an
    /// earlier run (issued before `run_start`) does not.
    pub fn shift(&mut self, delta: chrono::TimeDelta, run_start: DateTime<Utc>) {
        self.time += delta;
        match &mut self.kind {
            EventKind::Arm(a) if a.caller.token().issued_at >= run_start => a.caller.token_mut().shift(delta),
            EventKind::Arm(_) => {}
            EventKind::LogicApp(l) => l.started += delta,
            EventKind::SignIn(_) | EventKind::KeyVault(_) | EventKind::Audit(_) => {}
        }
    }
}

#[derive(Debug, Clone)]
pub enum EventKind<'t> {
    SignIn(SignIn<'t>),
    KeyVault(KeyVaultOp<'t>),
    Arm(ArmActivity<'t>),
    LogicApp(LogicAppEvent<'t>),
    Audit(DirectoryAudit),
}

/// A token request by a managed identity or service principal.
#[derive(Debug, Clone)]
pub struct SignIn<'t> {
    pub identity: &'t Identity,
    pub resource: &'static FirstPartyApp,
    /// The credential presented (service principals only).
    pub credential: Option<&'t Credential>,
    /// Caller address and where it geo-locates; managed identity sign-ins record neither.
    pub origin: Option<(Ipv4Addr, &'static Region)>,
    /// AADSTS code and description when the sign-in failed.
    pub failure: Option<(&'static str, &'static str)>,
    pub id: Uuid,
    pub correlation_id: Uuid,
    /// The issued token's `uti` claim (`UniqueTokenIdentifier`).
    pub token_id: String,
}

/// A Key Vault request recorded as an `AuditEvent`: data-plane calls, the SDK's unauthenticated
/// first call, and management reads through ARM (arm-and-keyvault-operations.md Part 2).
#[derive(Debug, Clone)]
pub struct KeyVaultOp<'t> {
    /// Who called, and so which identity columns the record has.
    pub caller: VaultCaller<'t>,
    /// The vault called.
    pub vault: &'t KeyVault,
    /// `OperationName`: `SecretGet`, `KeyDecrypt`, `Authentication`, `VaultGet`, …
    pub operation: &'static str,
    /// What the request names (`id_s`, `requestUri_s`).
    pub object: VaultObject,
    /// `httpStatusCode_d`: 200, 401, 403, 404, …
    pub status: u16,
    /// `CallerIPAddress`.
    pub caller_ip: Ipv4Addr,
    /// `CorrelationId` (client-supplied).
    pub correlation_id: Uuid,
    /// `DurationMs`.
    pub duration_ms: i64,
    /// A management change's access-policy delta (`addedAccessPolicy_*`, `removedAccessPolicy_*`).
    pub policy_change: Option<AccessPolicyChange>,
}

/// An access policy a vault management change added or removed (arm-and-keyvault-operations.md
/// §2.6: delta columns on `VaultPatch`).
#[derive(Debug, Clone)]
pub struct AccessPolicyChange {
    /// Added (`addedAccessPolicy_*`) or removed (`removedAccessPolicy_*`).
    pub added: bool,
    /// The principal's object id.
    pub object_id: Uuid,
    /// Permissions per object kind: keys, secrets, certificates.
    pub permissions: [Vec<String>; 3],
}

/// Who made a Key Vault request.
#[derive(Debug, Clone, Copy)]
pub enum VaultCaller<'t> {
    /// A workload identity with a data-plane token (short claims: `identity_claim_oid_g`, …).
    Identity(&'t Identity),
    /// An identity's SDK before it holds a token: the challenge request, answered 401, carries no
    /// identity at all.
    Unauthenticated(&'t Identity),
    /// A Microsoft service reading the vault through ARM (long-form claims, management URI).
    Service(&'static crate::catalog::services::MicrosoftApp),
    /// A person managing the vault through ARM with a client app (long-form claims with their
    /// UPN and name).
    Person(&'t crate::scenario::tenant::User, &'static crate::catalog::services::MicrosoftApp),
}

/// The kind of object a Key Vault data-plane request is about (its path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultObjectKind {
    /// `/secrets`.
    Secret,
    /// `/keys`.
    Key,
    /// `/certificates`.
    Certificate,
}

/// What a Key Vault request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultObject {
    /// The vault itself, through ARM (`VaultGet`, `VaultPut`, `VaultPatch`).
    Vault,
    /// A collection (`SecretList`, `KeyList`).
    List(VaultObjectKind),
    /// One object: its name, its current version, and for key operations the action path
    /// (`decrypt`, `sign`, …) posted to it.
    Item {
        /// Secret, key or certificate.
        kind: VaultObjectKind,
        /// Its name.
        name: String,
        /// Its current version (32 hex digits).
        version: String,
        /// The cryptographic action posted to the key version, if any.
        action: Option<&'static str>,
    },
}

/// The status of one ARM operation event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmStatus {
    Start,
    Accept,
    Success,
    Failure,
}

impl ArmStatus {
    /// `ActivityStatusValue` as diagnostic-settings data carries it (`Start`, `Accept`, `Success`,
    /// `Failure`; not the legacy `Started`/`Accepted`/`Succeeded`): real-exports.md §4, the ASIM
    /// AzureActivity parser's status lookup.
    pub fn as_str(self) -> &'static str {
        match self {
            ArmStatus::Start => "Start",
            ArmStatus::Accept => "Accept",
            ArmStatus::Success => "Success",
            ArmStatus::Failure => "Failure",
        }
    }
}

/// One status event of an ARM operation.
#[derive(Debug, Clone)]
pub struct ArmActivity<'t> {
    /// Who called, with the token they presented.
    pub caller: ArmCaller<'t>,
    /// The operation.
    pub operation: crate::catalog::arm::ArmOp<'t>,
    /// The resource operated on.
    pub resource: ArmTarget,
    /// This event's status.
    pub status: ArmStatus,
    /// `ActivitySubstatusValue`: the HTTP status text (`Created`, `Accepted`, `OK`), empty on `Start`.
    pub substatus: &'static str,
    /// `CallerIpAddress`.
    pub caller_ip: Ipv4Addr,
    /// Shared by the operation's events and the operations it triggers.
    pub correlation_id: Uuid,
    /// Shared by the operation's events.
    pub operation_id: Uuid,
    /// This event's own id.
    pub event_data_id: Uuid,
    /// `Properties_d.requestbody` (start events), `responseBody` (accept and end events) or
    /// `statusMessage` (failures), when the operation has one.
    pub body: ArmBody,
    /// The Azure role whose assignment allowed the call (`Authorization_d.evidence`).
    pub role: &'static crate::catalog::roles::AzureRole,
}

/// Who made an ARM call: a workload identity or a user, with the token presented.
#[derive(Debug, Clone)]
pub enum ArmCaller<'t> {
    /// A service principal or managed identity (`Caller` is its object id).
    Identity {
        /// The identity.
        identity: &'t Identity,
        /// Its token, from a sign-in in the tables (or, for a replayed token, from none).
        token: super::tokens::Token,
    },
    /// A person (`Caller` is the UPN), through a client application.
    User {
        /// The user.
        user: &'t User,
        /// Their token (their sign-ins are in `SigninLogs`, which tenantless does not write).
        token: super::tokens::Token,
        /// The client they called with (portal, CLI, PowerShell).
        client: &'static crate::catalog::services::MicrosoftApp,
    },
}

impl ArmCaller<'_> {
    /// The token presented.
    pub fn token(&self) -> &super::tokens::Token {
        match self {
            ArmCaller::Identity { token, .. } | ArmCaller::User { token, .. } => token,
        }
    }

    fn token_mut(&mut self) -> &mut super::tokens::Token {
        match self {
            ArmCaller::Identity { token, .. } | ArmCaller::User { token, .. } => token,
        }
    }
}

/// The resource an ARM operation acts on, as its records name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmTarget {
    /// ARM id in ARM's casing (`/subscriptions/…/resourceGroups/…/providers/…`).
    pub id: String,
    /// `Resource`: its name.
    pub name: String,
    /// Its resource group's name; empty at subscription scope.
    pub resource_group: String,
    /// Its subscription.
    pub subscription: Uuid,
}

/// The payload an ARM event carries in `Properties_d`.
#[derive(Debug, Clone, PartialEq)]
pub enum ArmBody {
    /// None.
    None,
    /// `requestbody` (a JSON text, as ARM logs it).
    Request(serde_json::Value),
    /// `responseBody`.
    Response(serde_json::Value),
    /// `statusMessage` of a failure (`{"error": {"code", "message"}}`).
    Failure(serde_json::Value),
    /// `message` in place of the operation's name: the text a few operations log on success
    /// (a subscription's move names both tenants).
    Message(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowStep {
    Run,
    Trigger,
    Action(usize),
}

/// A Logic Apps `WorkflowRuntime` event.
#[derive(Debug, Clone)]
pub struct LogicAppEvent<'t> {
    pub logic_app: &'t LogicApp,
    pub step: WorkflowStep,
    pub completed: bool,
    pub run_id: String,
    pub started: DateTime<Utc>,
    pub tracking_id: Uuid,
}

/// An Entra ID directory change, as its `AuditLogs` record describes it: the operation's envelope,
/// who initiated it, and the objects it changed with their properties' old and new values.
#[derive(Debug, Clone)]
pub struct DirectoryAudit {
    /// The operation (name, category, service, type, `Id` prefix).
    pub operation: &'static DirectoryOperation,
    /// Who did it.
    pub initiator: Initiator,
    /// What it changed, in the order the record lists them.
    pub targets: Vec<AuditTarget>,
    /// `AdditionalDetails` key/value pairs.
    pub additional: Vec<(&'static str, String)>,
    /// `Result`: `success` or `failure`.
    pub success: bool,
    /// `ResultReason` (mirrored in `ResultDescription`): empty for most changes; the reason of a
    /// failure, the method of an Authentication Methods record, a PIM request's justification.
    pub reason: String,
    /// Shared by the records of one change.
    pub correlation_id: Uuid,
    /// The `_<5 alphanumerics>_<number>` tail of the record's `Id`.
    pub id_suffix: String,
}

/// `InitiatedBy`: a user (interactive, or a service acting for one) or an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    /// A user; directory audits mostly leave `displayName` null and may leave the address out.
    User {
        /// The user's object id.
        id: Uuid,
        /// `userPrincipalName`.
        upn: Option<String>,
        /// `displayName`: null for admins, a service's name when it acts for the user.
        display_name: Option<String>,
        /// `ipAddress`.
        ip: Option<Ipv4Addr>,
    },
    /// An application's service principal.
    App {
        /// `displayName`.
        display_name: String,
        /// `appId` (null on many real records: audit-operations.md §1.3).
        app_id: Option<Uuid>,
        /// `servicePrincipalId`.
        sp_id: Option<Uuid>,
    },
}

/// One entry of `TargetResources`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditTarget {
    /// `id` (a domain target has none).
    pub id: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `type`: `User`, `ServicePrincipal`, `Application`, `Group`, `Role`, `Policy`, `Device`, …
    pub kind: Option<&'static str>,
    /// `userPrincipalName`, on user targets.
    pub upn: Option<String>,
    /// `groupType`, on group targets.
    pub group_type: Option<&'static str>,
    /// `modifiedProperties`.
    pub modified: Vec<Modified>,
}

/// A `modifiedProperties` entry: old and new values as the JSON texts records carry, or null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modified {
    /// `displayName`.
    pub name: std::borrow::Cow<'static, str>,
    /// `oldValue`.
    pub old: Option<String>,
    /// `newValue`.
    pub new: Option<String>,
}
