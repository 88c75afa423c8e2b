//! What one built-in anomaly does, as a sequence of semantic events.

use super::calls::*;
use super::directory::{self, PolicyChange};
use super::directory::{AppView, NewCredential};
use super::event::*;
use super::tokens::{RunTokens, Token};
use super::workloads::deployment;
use crate::catalog::{self, FirstPartyApp};
use crate::ids::{IdSource, SimRng, random_guid};
use crate::scenario::model::{CredentialOn, CredentialType, IdentityKind};
use crate::scenario::tenant::*;
use chrono::{DateTime, TimeDelta, Utc};
use std::net::Ipv4Addr;

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
    let changes = directory::credential_added(&AppView::of_identity(identity), on, &new);
    push_audits(tenant, &portal_user(ids, tenant, actor), changes, at, rng, out);
}

/// Emits the events of one injected anomaly.
pub fn anomaly<'t>(ids: &IdSource, tenant: &'t Tenant, anomaly: &'t Anomaly, rng: &mut SimRng, out: &mut Vec<Event<'t>>) {
    if let AnomalyDetail::Custom { actions, .. } = &anomaly.detail {
        super::actions::perform_all(ids, tenant, actions, anomaly.at, &mut RunTokens::fresh(), rng, out);
        return;
    }
    let Some(identity) = anomaly.identity.map(|i| &tenant.identities[i]) else {
        return;
    };
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
        // Performed above.
        AnomalyDetail::Custom { .. } => {}
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
    let changes = directory::application_renamed(&AppView::of_identity(identity), &identity.name, new_name, portal_agent());
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
        out.push(secret_get(tenant, identity, vault, (&secret, &version), ip, now, rng));
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
            out.push(secret_get(tenant, identity, vault, (&secret, &version), ip, now, rng));
        }
        ("graph", _) => {
            let role = catalog::roles::app_role_of("graph", "RoleManagement.ReadWrite.Directory").expect("catalog has the role");
            let resource = (tenant.first_party_sp_id(resource), resource.display_name, resource.app_id);
            let changes = directory::app_role_assigned(resource, &AppView::of_identity(identity), role, now, GRAPH_POWERSHELL_AGENT);
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
    let ip = vault_caller_ip(vault, identity);
    out.push(challenge(
        tenant,
        identity,
        vault,
        VaultObject::List(VaultObjectKind::Secret),
        ip,
        now,
        rng,
    ));
    now += ms(rng, 20, 200);
    out.push(good_sign_in(tenant, identity, kv_app, identity.egress_ip, now, rng));
    now += ms(rng, 200, 1_500);
    let listing = (VaultObject::List(VaultObjectKind::Secret), 200);
    out.push(vault_request(
        tenant,
        VaultCaller::Identity(identity),
        vault,
        "SecretList",
        listing,
        ip,
        now,
        rng,
    ));
    for k in 0..count as usize {
        now += ms(rng, 150, 1_500);
        let secret = vault.secrets.get(k).cloned().unwrap_or_else(|| format!("secret-{:03}", k + 1));
        let version = secret_version(ids, &tenant.scenario, &vault.name, &secret);
        out.push(secret_get(tenant, identity, vault, (&secret, &version), ip, now, rng));
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
