//! Performing actions: one real operation by a person or an identity, as the records every table
//! involved writes. An identity first obtains a token for the resource (from its cache, or a
//! sign-in); a person's sign-ins are in `SigninLogs`, which tenantless does not write, so their
//! calls present a token of their own with no sign-in here.

mod arm;
mod directory;
mod keyvault;
mod signin;

use super::calls::{Caller, ms, pick_credential, relocate, token_id};
use super::event::Event;
use super::tokens::{RunTokens, Token};
use crate::catalog::FirstPartyApp;
use crate::ids::{IdSource, SimRng};
use crate::scenario::tenant::{Action, Actor, Identity, Tenant, TokenUse, User};
use crate::scenario::vocabulary::ActionKind;
use chrono::{DateTime, TimeDelta, Utc};
use std::net::Ipv4Addr;

/// Performs `actions` in order, each `after` its offset from `at`.
#[allow(clippy::too_many_arguments)]
pub fn perform_all<'t>(
    ids: &IdSource,
    tenant: &'t Tenant,
    actions: &'t [Action],
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    for action in actions {
        let ctx = Ctx { ids, tenant, action };
        perform(&ctx, at + action.after, tokens, rng, out);
    }
}

/// What performing one action needs.
pub(crate) struct Ctx<'a, 't> {
    pub ids: &'a IdSource,
    pub tenant: &'t Tenant,
    pub action: &'t Action,
}

/// Who performs an action, as calls see them.
pub(crate) enum Doer<'t> {
    /// A person, calling from `ip` with `client` (the portal unless the action says).
    User {
        user: &'t User,
        ip: Ipv4Addr,
        client: &'static crate::catalog::services::MicrosoftApp,
    },
    /// A workload identity presenting its credential, calling from `ip`, with a token got as
    /// `token` says.
    Identity {
        caller: Caller<'t>,
        ip: Ipv4Addr,
        external: bool,
        token: TokenUse,
    },
    /// A Microsoft service, from Microsoft's network.
    Service {
        app: &'static crate::catalog::services::MicrosoftApp,
        ip: Ipv4Addr,
    },
}

impl<'t> Ctx<'_, 't> {
    fn doer(&self, at: DateTime<Utc>) -> Doer<'t> {
        match self.action.actor {
            Actor::User(u) => {
                let user = &self.tenant.users[u];
                Doer::User {
                    user,
                    ip: self.action.ip.unwrap_or(user.ip),
                    client: arm::user_client(&self.action.params),
                }
            }
            Actor::Service(app) => Doer::Service {
                app,
                ip: self.action.ip.unwrap_or_else(|| {
                    let region = &crate::catalog::REGIONS[0];
                    self.ids.public_ip(app.key, "service", region.prefixes)
                }),
            },
            Actor::Identity(i) => {
                let identity = &self.tenant.identities[i];
                let (credential, failure) = pick_credential(identity, None, at);
                Doer::Identity {
                    caller: Caller {
                        tenant: self.tenant,
                        identity,
                        credential,
                        failure,
                    },
                    ip: self.action.ip.unwrap_or(identity.egress_ip),
                    external: self.action.ip.is_some(),
                    token: self.action.params.token,
                }
            }
        }
    }
}

impl<'t> Doer<'t> {
    /// The address the call comes from.
    pub fn ip(&self) -> Ipv4Addr {
        match self {
            Doer::User { ip, .. } | Doer::Identity { ip, .. } | Doer::Service { ip, .. } => *ip,
        }
    }

    /// The identity, when a workload identity acts.
    pub fn identity(&self) -> Option<&'t Identity> {
        match self {
            Doer::Identity { caller, .. } => Some(caller.identity),
            Doer::User { .. } | Doer::Service { .. } => None,
        }
    }

    /// The token the doer presents to `resource` at `at`: an identity's cached one or a new
    /// sign-in's (pushed to `out`; `None` when it failed); a person's, obtained outside these
    /// tables some minutes before.
    pub fn token(
        &self,
        resource: &'static FirstPartyApp,
        at: DateTime<Utc>,
        tokens: &mut RunTokens<'_>,
        rng: &mut SimRng,
        out: &mut Vec<Event<'t>>,
    ) -> Option<Token> {
        let obtained_elsewhere = |rng: &mut SimRng| {
            let issued = at - ms(rng, 60_000, 50 * 60_000);
            Some(Token {
                issued_at: issued,
                expires_at: issued + TimeDelta::minutes(75),
                token_id: token_id(rng).into(),
                certificate: false,
            })
        };
        match self {
            Doer::User { .. } | Doer::Service { .. } => obtained_elsewhere(rng),
            // Issued to the identity some minutes before, by a sign-in these tables do not hold.
            Doer::Identity {
                token: TokenUse::Stolen,
                caller,
                ..
            } => {
                let issued = at - ms(rng, 60_000, 50 * 60_000);
                Some(Token::issued(caller.identity.kind, issued, token_id(rng), false))
            }
            Doer::Identity {
                caller,
                ip,
                external,
                token,
            } => {
                let before = out.len();
                let token = match token {
                    TokenUse::Fresh => caller.new_token(resource, *ip, at, tokens, rng, out),
                    _ => caller.token(resource, *ip, at, tokens, rng, out),
                };
                if *external {
                    for event in &mut out[before..] {
                        relocate(event, *ip);
                    }
                }
                token
            }
        }
    }
}

/// Performs one action at `at`.
fn perform<'t>(ctx: &Ctx<'_, 't>, at: DateTime<Utc>, tokens: &mut RunTokens<'_>, rng: &mut SimRng, out: &mut Vec<Event<'t>>) {
    let doer = ctx.doer(at);
    match ctx.action.kind {
        ActionKind::Directory(d) => directory::perform(ctx, d, &doer, at, tokens, rng, out),
        ActionKind::Arm(op) => arm::perform(ctx, op.op(), &doer, at, tokens, rng, out),
        ActionKind::GenericArm => {
            let name = ctx.action.params.text_or("operation", "Microsoft.Resources/tags/write");
            arm::perform(ctx, crate::catalog::arm::ArmOp::named(name), &doer, at, tokens, rng, out);
        }
        ActionKind::CloudShell => arm::cloud_shell(ctx, &doer, at, tokens, rng, out),
        ActionKind::KeyVault => keyvault::perform(ctx, &doer, at, tokens, rng, out),
        ActionKind::SignIn => signin::perform(ctx, &doer, at, tokens, rng, out),
        ActionKind::ApiCall => {
            let api = ctx.action.params.api.unwrap_or(crate::catalog::arm());
            doer.token(api, at, tokens, rng, out);
        }
    }
}
