//! Semantic events: what happened, independent of how each table records it. One event becomes
//! one record in one table; a workload run emits several events.

use crate::catalog::directory::DirectoryOperation;
use crate::catalog::{FirstPartyApp, Region};
use crate::scenario::tenant::{Credential, Identity, KeyVault, LogicApp, SqlServer, Tenant};
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
            EventKind::Arm(a) if a.token.issued_at >= run_start => a.token.shift(delta),
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

/// A Key Vault data-plane call recorded as an `AuditEvent`.
#[derive(Debug, Clone)]
pub struct KeyVaultOp<'t> {
    pub identity: &'t Identity,
    pub vault: &'t KeyVault,
    pub operation: &'static str,
    pub secret: String,
    pub secret_version: String,
    pub caller_ip: Ipv4Addr,
    pub correlation_id: Uuid,
    pub duration_ms: i64,
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
    pub identity: &'t Identity,
    pub sql_server: &'t SqlServer,
    pub operation: &'static str,
    pub display_name: &'static str,
    pub resource_id: String,
    pub resource_name: String,
    pub status: ArmStatus,
    /// `ActivitySubstatusValue`: the HTTP status text (`Created`, `Accepted`, `OK`), empty on `Start`.
    pub substatus: &'static str,
    pub caller_ip: Ipv4Addr,
    pub correlation_id: Uuid,
    pub operation_id: Uuid,
    pub event_data_id: Uuid,
    /// The token the call was made with.
    pub token: super::tokens::Token,
    pub http_method: &'static str,
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
