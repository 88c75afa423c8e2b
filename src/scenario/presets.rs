//! The built-in anomaly kinds as presets: each is a list of actions of the vocabulary, so one
//! executor writes every anomaly's records. The kinds keep their fields and defaults (resolved
//! into [`AnomalyDetail`]); this module says what each does in actions.

use super::actions::user;
use super::resolve::Ctx;
use super::tenant::*;
use super::vocabulary::{ActionKind, DirectoryAction};
use crate::catalog::{self, FirstPartyApp, roles};
use crate::scenario::model::{CredentialOn, CredentialType, IdentityKind};
use crate::sim::calls::ms;
use chrono::TimeDelta;
use std::net::Ipv4Addr;

/// What the anomaly of `detail` by the identity `identity` does, in order; `path` roots its
/// random choices.
pub(super) fn actions(ctx: &Ctx, detail: &AnomalyDetail, identity: usize, benign: bool, path: &str, tenant: &mut Tenant) -> Vec<Action> {
    let me = Actor::Identity(identity);
    let mut rng = ctx.ids.rng(path, "preset");
    match detail {
        AnomalyDetail::FailedSignins {
            code,
            description,
            count,
            ip,
            resource,
        } => {
            let mut params = sign_ins(*count, resource);
            params.failure = Some((code, description));
            vec![from(ActionKind::SignIn, me, Some(*ip), params)]
        }
        AnomalyDetail::CredentialAdded {
            actor_upn,
            actor_ip,
            credential_type,
            on,
        } => {
            let actor = Actor::User(user(ctx, actor_upn, tenant));
            vec![credential(actor, *actor_ip, identity, *credential_type, *on)]
        }
        AnomalyDetail::RenameThenCredential {
            actor_upn,
            actor_ip,
            new_name,
            credential_type,
            on,
            add_credential,
        } => {
            let actor = Actor::User(user(ctx, actor_upn, tenant));
            let mut rename = on_app(DirectoryAction::UpdateApplication, actor, identity);
            rename.ip = Some(*actor_ip);
            rename.params.text.insert("new_name", new_name.clone());
            let mut out = vec![rename];
            if *add_credential {
                let mut added = credential(actor, *actor_ip, identity, *credential_type, *on);
                added.after = ms(&mut rng, 120_000, 900_000);
                out.push(added);
            }
            out
        }
        AnomalyDetail::UnusualIp { ip, resource, vault } => match (tenant.identities[identity].kind, vault) {
            (IdentityKind::ServicePrincipal, _) => vec![from(ActionKind::SignIn, me, Some(*ip), sign_ins(1, resource))],
            // A managed identity's sign-ins carry no address: its token, replayed from `ip`,
            // shows only where it is used.
            (_, Some(vault)) => {
                let mut read = secret_get(*vault, first_secret(tenant, *vault), me);
                read.ip = Some(*ip);
                read.params.token = TokenUse::Stolen;
                vec![read]
            }
            (_, None) => Vec::new(),
        },
        AnomalyDetail::NewResourceAccess { resource, vault } => match (resource.key, vault) {
            ("key_vault", Some(vault)) => vec![secret_get(*vault, first_secret(tenant, *vault), me)],
            ("graph", _) => {
                let mut grant = on_app(DirectoryAction::AddAppRoleAssignment, me, identity);
                grant.params.app_role = roles::app_role_of("graph", "RoleManagement.ReadWrite.Directory");
                grant.params.api = Some(resource);
                vec![grant]
            }
            _ => vec![api_call(me, resource)],
        },
        AnomalyDetail::CaPolicyDeleted { policy } => {
            let mut delete = from(
                ActionKind::Directory(DirectoryAction::DeleteConditionalAccessPolicy),
                me,
                None,
                base(),
            );
            delete.params.policy = Some(*policy);
            vec![delete]
        }
        AnomalyDetail::KeyVaultMassRead { vault, count } => mass_read(tenant, identity, *vault, *count, &mut rng),
        AnomalyDetail::SigninWithoutActivity { count, resource } => {
            let mut params = sign_ins(*count, resource);
            params.spacing = Some(TimeDelta::minutes(10));
            vec![from(ActionKind::SignIn, me, None, params)]
        }
        AnomalyDetail::ActivityWithoutSignin { sql_server, database, ip } => {
            let mut deploy = from(arm("deployment_write"), me, Some(*ip), base());
            deploy.params.sql_database = Some((*sql_server, database.clone()));
            if !benign {
                // A token taken elsewhere: no sign-in in these tables issued it.
                deploy.params.token = TokenUse::Stolen;
                return vec![deploy];
            }
            // The near-miss: a real sign-in 50 minutes before, whose token is still valid.
            let mut sign_in = from(ActionKind::SignIn, me, Some(*ip), sign_ins(1, catalog::arm()));
            sign_in.after = -TimeDelta::minutes(50);
            vec![sign_in, deploy]
        }
        // Custom anomalies are their actions already.
        AnomalyDetail::Custom { .. } => Vec::new(),
    }
}

fn base() -> ActionParams {
    ActionParams {
        count: 1,
        ..ActionParams::default()
    }
}

fn from(kind: ActionKind, actor: Actor, ip: Option<Ipv4Addr>, params: ActionParams) -> Action {
    Action {
        kind,
        actor,
        ip,
        fails: false,
        after: TimeDelta::zero(),
        params,
    }
}

fn arm(key: &str) -> ActionKind {
    ActionKind::Arm(catalog::arm::arm_operation(key).unwrap_or_else(|| panic!("the ARM catalogue declares `{key}`")))
}

fn sign_ins(count: u32, resource: &'static FirstPartyApp) -> ActionParams {
    ActionParams {
        count,
        api: Some(resource),
        ..ActionParams::default()
    }
}

fn api_call(actor: Actor, resource: &'static FirstPartyApp) -> Action {
    from(ActionKind::ApiCall, actor, None, sign_ins(1, resource))
}

/// A directory action on the identity's application.
fn on_app(kind: DirectoryAction, actor: Actor, identity: usize) -> Action {
    let mut action = from(ActionKind::Directory(kind), actor, None, base());
    action.params.target = Some(Entity::Identity(identity));
    action
}

/// A user adds a credential to the identity's application or service principal.
fn credential(actor: Actor, ip: Ipv4Addr, identity: usize, credential_type: CredentialType, on: CredentialOn) -> Action {
    let kind = match on {
        CredentialOn::Application => DirectoryAction::AddApplicationCredential,
        CredentialOn::ServicePrincipal => DirectoryAction::AddServicePrincipalCredential,
    };
    let mut action = on_app(kind, actor, identity);
    action.ip = Some(ip);
    action.params.credential_type = Some(credential_type);
    action
}

/// The vault's first secret, as a one-off read of it names it.
fn first_secret(tenant: &Tenant, vault: usize) -> String {
    tenant.key_vaults[vault]
        .secrets
        .first()
        .cloned()
        .unwrap_or_else(|| "secret".to_owned())
}

fn secret_get(vault: usize, secret: String, actor: Actor) -> Action {
    let mut action = from(ActionKind::KeyVault, actor, None, base());
    action.params.vault = Some(vault);
    action.params.text.insert("operation", "SecretGet".to_owned());
    action.params.text.insert("object", secret);
    action
}

/// A listing of the vault, then `count` different secrets read in quick succession; a managed
/// identity first asks for an ARM token, as `Connect-AzAccount -Identity` does.
fn mass_read(tenant: &Tenant, identity: usize, vault: usize, count: u32, rng: &mut crate::ids::SimRng) -> Vec<Action> {
    let me = Actor::Identity(identity);
    let mut out = Vec::with_capacity(count as usize + 2);
    let mut after = TimeDelta::zero();
    if tenant.identities[identity].kind != IdentityKind::ServicePrincipal {
        out.push(api_call(me, catalog::arm()));
        after += ms(rng, 800, 3_000);
    }
    let mut listing = from(ActionKind::KeyVault, me, None, base());
    listing.params.vault = Some(vault);
    listing.params.text.insert("operation", "SecretList".to_owned());
    listing.after = after;
    out.push(listing);
    let secrets = &tenant.key_vaults[vault].secrets;
    for k in 0..count as usize {
        after += ms(rng, 150, 1_500);
        let name = secrets.get(k).cloned().unwrap_or_else(|| format!("secret-{:03}", k + 1));
        let mut read = secret_get(vault, name, me);
        read.after = after;
        out.push(read);
    }
    out
}

/// After a rename earlier in the list, later actions on the same application name it by its new
/// display name, as the directory then does.
pub(super) fn follow_renames(actions: &mut [Action]) {
    let mut renamed: Vec<(Entity, String)> = Vec::new();
    for action in actions.iter_mut() {
        let target = action.params.target;
        if let Some((_, name)) = target.and_then(|t| renamed.iter().rev().find(|(e, _)| *e == t)) {
            action.params.display_name = Some(name.clone());
        }
        if let (ActionKind::Directory(DirectoryAction::UpdateApplication), Some(t), Some(name)) =
            (action.kind, target, action.params.text.get("new_name"))
        {
            renamed.push((t, name.clone()));
        }
    }
}
