//! Semantic events: what happened, independent of how each table records it. One event becomes
//! one record in one table; a workload run emits several events.

use crate::catalog::{FirstPartyApp, Region};
use crate::scenario::model::GraphOperationKind;
use crate::scenario::tenant::{CaPolicy, Credential, Identity, KeyVault, LogicApp, SqlServer, Tenant};
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
    Audit(DirectoryAudit<'t>),
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

/// An Entra ID directory audit record.
#[derive(Debug, Clone)]
pub struct DirectoryAudit<'t> {
    pub target: &'t Identity,
    pub action: AuditAction<'t>,
    pub correlation_id: Uuid,
    pub id_suffix: String,
}

#[derive(Debug, Clone)]
pub enum AuditAction<'t> {
    /// An app changes a Conditional Access policy through Microsoft Graph (the target is the app).
    ConditionalAccess {
        operation: GraphOperationKind,
        policy: &'t CaPolicy,
    },
    /// A user adds a credential to an application registration (the target's app).
    CredentialAdded {
        actor_upn: String,
        actor_id: Uuid,
        actor_ip: Ipv4Addr,
        key_id: Uuid,
        certificate: bool,
        existing: Vec<(Uuid, bool)>,
        /// The application's display name at that time (after a rename, the new one).
        display_name: String,
    },
    /// A user renames the application (and so its service principal).
    Renamed {
        actor_upn: String,
        actor_id: Uuid,
        actor_ip: Ipv4Addr,
        old_name: String,
        new_name: String,
    },
    /// The app grants an app role to its own service principal through Microsoft Graph.
    AppRoleAssigned,
}
