//! How identities and people call: sign-ins and the tokens they issue, the credential a service
//! principal presents, Key Vault requests, and the records of a directory change. Workloads,
//! anomalies and actions build their runs from these.

use super::directory;
use super::event::*;
use super::tokens::{RunTokens, Token};
use crate::catalog::{self, FirstPartyApp};
use crate::ids::{SimRng, base64url, random_guid};
use crate::scenario::model::{CredentialType, IdentityKind};
use crate::scenario::tenant::*;
use chrono::{DateTime, TimeDelta, Utc};
use rand::{Rng, RngExt};
use std::net::Ipv4Addr;

/// The user agent of Microsoft Graph PowerShell, which automation calls Graph with.
pub(crate) const GRAPH_POWERSHELL_AGENT: &str = "Microsoft.Graph.PowerShell/2.25.0";

/// A delay between `lo` and `hi` milliseconds, to the 100-ns tick.
pub(crate) fn ms(rng: &mut SimRng, lo: i64, hi: i64) -> TimeDelta {
    super::random_delay(rng, TimeDelta::milliseconds(lo), TimeDelta::milliseconds(hi))
}

pub(crate) fn token_id(rng: &mut impl Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    base64url(&bytes)
}

/// A sign-in `Id`: Entra's (ESTS) request id, a GUID whose last byte is zero in real records
/// (`…-273849e60100`, `…-b26124ab9000`: real-exports.md §1–2).
pub(crate) fn ests_request_id(rng: &mut SimRng) -> uuid::Uuid {
    let mut bytes = *random_guid(rng).as_bytes();
    bytes[15] = 0;
    uuid::Uuid::from_bytes(bytes)
}

/// `UniqueTokenIdentifier` (the token's `uti` claim): the base64url encoding, without padding, of the
/// request id's bytes in .NET's GUID byte order (MSIdentityTools ConvertFrom-MsIdUniqueTokenIdentifier:
/// `[guid]` of the decoded uti is the request id).
pub(crate) fn unique_token_identifier(request_id: uuid::Uuid) -> String {
    base64url(&request_id.to_bytes_le())
}

/// The credential a service principal presents at `t`: the pinned one or the first valid one.
/// Returns the failure to record when that credential is not valid at `t`.
pub(crate) fn pick_credential(
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
pub(crate) fn sign_in<'t>(
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
pub(crate) struct Caller<'t> {
    pub(crate) tenant: &'t Tenant,
    pub(crate) identity: &'t Identity,
    pub(crate) credential: Option<&'t Credential>,
    pub(crate) failure: Option<(&'static str, &'static str)>,
}

impl<'t> Caller<'t> {
    pub(crate) fn sign_in(&self, resource: &'static FirstPartyApp, ip: Ipv4Addr, time: DateTime<Utc>, rng: &mut SimRng) -> Event<'t> {
        sign_in(self.tenant, self.identity, resource, self.credential, self.failure, ip, time, rng)
    }

    /// The token for `resource` at `now`: the one the client holds, or else a new sign-in's, whose
    /// record is pushed to `out`. `None` when that sign-in failed (no token is issued).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn token(
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
        self.new_token(resource, ip, now, tokens, rng, out)
    }

    /// A sign-in for `resource` whatever the client holds, its token kept for the run's later
    /// calls; `None` when the sign-in failed.
    pub(crate) fn new_token(
        &self,
        resource: &'static FirstPartyApp,
        ip: Ipv4Addr,
        now: DateTime<Utc>,
        tokens: &mut RunTokens<'_>,
        rng: &mut SimRng,
        out: &mut Vec<Event<'t>>,
    ) -> Option<Token> {
        let event = self.sign_in(resource, ip, now, rng);
        let token = token_of(&event).filter(|_| self.failure.is_none());
        out.push(event);
        if let Some(token) = &token {
            tokens.keep(resource, token.clone());
        }
        token
    }
}

/// The address a vault sees: a private endpoint makes it the caller's private address (seed, MI
/// scenario), otherwise the egress address.
pub(crate) fn vault_caller_ip(vault: &KeyVault, identity: &Identity) -> Ipv4Addr {
    if vault.private_endpoint {
        identity.private_ip
    } else {
        identity.egress_ip
    }
}

/// One Key Vault request by `caller` about `object`, answered `status`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn vault_request<'t>(
    tenant: &'t Tenant,
    caller: VaultCaller<'t>,
    vault: &'t KeyVault,
    operation: &'static str,
    (object, status): (VaultObject, u16),
    caller_ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    Event {
        time,
        tenant,
        kind: EventKind::KeyVault(KeyVaultOp {
            policy_change: None,
            caller,
            vault,
            operation,
            object,
            status,
            caller_ip,
            correlation_id: random_guid(rng),
            duration_ms: rng.random_range(5..60),
        }),
    }
}

/// A secret as a read of its latest version names it.
pub(crate) fn secret_item(name: &str, version: &str) -> VaultObject {
    VaultObject::Item {
        kind: VaultObjectKind::Secret,
        name: name.to_owned(),
        version: version.to_owned(),
        action: None,
    }
}

/// A successful secret read by `identity`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn secret_get<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    vault: &'t KeyVault,
    (secret, version): (&str, &str),
    ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    let object = (secret_item(secret, version), 200);
    vault_request(tenant, VaultCaller::Identity(identity), vault, "SecretGet", object, ip, time, rng)
}

/// The Key Vault SDK's first request of a session is sent without a token; the vault answers 401
/// with the authentication challenge and logs it as `Authentication`, with no identity
/// (arm-and-keyvault-operations.md §2.4: Google SecOps sample, Key Vault authentication docs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn challenge<'t>(
    tenant: &'t Tenant,
    identity: &'t Identity,
    vault: &'t KeyVault,
    object: VaultObject,
    ip: Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    let request = (object, 401);
    vault_request(
        tenant,
        VaultCaller::Unauthenticated(identity),
        vault,
        "Authentication",
        request,
        ip,
        time,
        rng,
    )
}

/// Pushes the records of one directory change from `at` on, a few milliseconds apart, as one
/// change's records are logged.
pub(crate) fn push_audits<'t>(
    tenant: &'t Tenant,
    initiator: &Initiator,
    changes: Vec<directory::Change>,
    at: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    push_audits_with(tenant, initiator, changes, true, at, rng, out);
}

/// [`push_audits`], with the change's result.
pub(crate) fn push_audits_with<'t>(
    tenant: &'t Tenant,
    initiator: &Initiator,
    changes: Vec<directory::Change>,
    success: bool,
    at: DateTime<Utc>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let mut time = at;
    for record in directory::records(initiator, changes, success, rng) {
        out.push(Event {
            time,
            tenant,
            kind: EventKind::Audit(record),
        });
        time += ms(rng, 5, 400);
    }
}

/// The token a sign-in event issued, as the activity that uses it refers to it.
pub(crate) fn token_of(event: &Event<'_>) -> Option<Token> {
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

/// Geo-locates a sign-in by its (external) address rather than by the identity's region.
pub(crate) fn relocate(event: &mut Event<'_>, ip: Ipv4Addr) {
    relocate_to(event, ip, external_region(ip));
}

/// Moves a sign-in to `ip`, which geo-locates to `place`.
pub(crate) fn relocate_to(event: &mut Event<'_>, ip: Ipv4Addr, place: &'static catalog::Region) {
    if let EventKind::SignIn(s) = &mut event.kind {
        s.origin = Some((ip, place));
    }
}

/// Where an address geo-locates: its Azure region or known place outside Azure, or for other
/// addresses a stable pick among the Azure locations.
pub(crate) fn external_region(ip: Ipv4Addr) -> &'static catalog::Region {
    catalog::region_of_ip(ip)
        .or_else(|| catalog::outside::outside_location_of_ip(ip))
        .unwrap_or_else(|| {
            let o = ip.octets();
            &catalog::REGIONS[(usize::from(o[0]) + usize::from(o[1])) % catalog::REGIONS.len()]
        })
}
