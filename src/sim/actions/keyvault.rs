//! Key Vault actions: one data-plane or management request by an identity, with the result asked
//! for. A client without a Key Vault token starts a session as the SDK does: the unauthenticated
//! challenge (401), then its sign-in.

use super::{Ctx, Doer};
use crate::catalog;
use crate::ids::{SimRng, random_guid};
use crate::scenario::tenant::secret_version;
use crate::sim::calls::{challenge, ms, vault_caller_ip};
use crate::sim::event::{Event, EventKind, KeyVaultOp, VaultCaller, VaultObject, VaultObjectKind};
use crate::sim::tokens::RunTokens;
use chrono::{DateTime, Utc};
use rand::RngExt;

/// The path a key operation posts to its key version.
fn key_action(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "KeyDecrypt" => "decrypt",
        "KeyEncrypt" => "encrypt",
        "KeySign" => "sign",
        "KeyVerify" => "verify",
        "KeyWrap" => "wrapkey",
        "KeyUnwrap" => "unwrapkey",
        _ => return None,
    })
}

/// What a Key Vault operation names: the vault (management operations), a collection (listings),
/// or one object (named `object`, default the vault's first secret).
fn object_of(ctx: &Ctx<'_, '_>, operation: &str, vault: &crate::scenario::tenant::KeyVault) -> VaultObject {
    let kind = if operation.starts_with("Key") {
        VaultObjectKind::Key
    } else if operation.starts_with("Certificate") {
        VaultObjectKind::Certificate
    } else if operation.starts_with("Secret") {
        VaultObjectKind::Secret
    } else {
        return VaultObject::Vault;
    };
    if operation.ends_with("List") {
        return VaultObject::List(kind);
    }
    let default = vault.secrets.first().map_or("secret", String::as_str);
    let name = ctx.action.params.text_or("object", default);
    VaultObject::Item {
        kind,
        name: name.to_owned(),
        version: secret_version(ctx.ids, &ctx.tenant.scenario, &vault.name, name),
        action: key_action(operation),
    }
}

/// One Key Vault request of the action's operation, answered with its `status` (default 200).
pub(super) fn perform<'t>(
    ctx: &Ctx<'_, 't>,
    doer: &Doer<'t>,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let params = &ctx.action.params;
    let Some(v) = params.vault else { return };
    let vault = &ctx.tenant.key_vaults[v];
    let operation = catalog::keyvault::operation(params.text_or("operation", "SecretGet")).unwrap_or("SecretGet");
    if let Doer::Service { app, ip } = doer {
        // A Microsoft service reads the vault through ARM: no data-plane session, no sign-in here.
        out.push(request(
            ctx,
            VaultCaller::Service(app),
            vault,
            (operation, VaultObject::Vault),
            *ip,
            at,
            rng,
        ));
        return;
    }
    let Some(identity) = doer.identity() else { return };
    let object = object_of(ctx, operation, vault);
    let ip = if ctx.action.ip.is_some() {
        doer.ip()
    } else {
        vault_caller_ip(vault, identity)
    };
    let kv_app = catalog::first_party("key_vault").expect("catalog has Key Vault");
    let mut now = at;
    let replayed = ctx.action.params.token == crate::scenario::tenant::TokenUse::Stolen;
    if !replayed && tokens.starts_session(kv_app, now) {
        tokens.start_session(kv_app, now);
        out.push(challenge(ctx.tenant, identity, vault, object.clone(), ip, now, rng));
        now += ms(rng, 20, 200);
    }
    if doer.token(kv_app, now, tokens, rng, out).is_none() {
        return;
    }
    now += ms(rng, 150, 2_500);
    out.push(request(
        ctx,
        VaultCaller::Identity(identity),
        vault,
        (operation, object),
        ip,
        now,
        rng,
    ));
}

/// The vault's record of a person's access-policy change through ARM: `VaultPatch` on the vault,
/// with the policy delta.
pub(super) fn vault_patch<'t>(
    ctx: &Ctx<'_, 't>,
    user: &'t crate::scenario::tenant::User,
    client: &'static crate::catalog::services::MicrosoftApp,
    vault: usize,
    change: crate::sim::event::AccessPolicyChange,
    at: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    let vault = &ctx.tenant.key_vaults[vault];
    let mut event = request(
        ctx,
        VaultCaller::Person(user, client),
        vault,
        ("VaultPatch", VaultObject::Vault),
        user.ip,
        at,
        rng,
    );
    if let EventKind::KeyVault(op) = &mut event.kind {
        op.policy_change = Some(change);
    }
    event
}

/// The request's record, answered with the action's `status` (default 200).
fn request<'t>(
    ctx: &Ctx<'_, 't>,
    caller: VaultCaller<'t>,
    vault: &'t crate::scenario::tenant::KeyVault,
    (operation, object): (&'static str, VaultObject),
    caller_ip: std::net::Ipv4Addr,
    time: DateTime<Utc>,
    rng: &mut SimRng,
) -> Event<'t> {
    Event {
        time,
        tenant: ctx.tenant,
        kind: EventKind::KeyVault(KeyVaultOp {
            policy_change: None,
            caller,
            vault,
            operation,
            object,
            status: ctx.action.params.status.unwrap_or(200),
            caller_ip,
            correlation_id: random_guid(rng),
            duration_ms: rng.random_range(5..90),
        }),
    }
}
