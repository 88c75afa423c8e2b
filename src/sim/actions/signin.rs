//! Sign-in actions: `count` sign-ins of a workload identity to a resource, with the result asked
//! for, from its address (or the action's, geo-located where it points; or one in `country`), up
//! to `spacing` (default 90 seconds) apart. A successful one's token serves the run's later calls.

use super::{Ctx, Doer};
use crate::catalog;
use crate::ids::SimRng;
use crate::scenario::model::CredentialType;
use crate::sim::calls::{ms, relocate, relocate_to, sign_in, token_of};
use crate::sim::event::Event;
use crate::sim::tokens::RunTokens;
use chrono::{DateTime, TimeDelta, Utc};

/// The default longest gap between an action's sign-ins: a script retrying.
const DEFAULT_SPACING: TimeDelta = TimeDelta::seconds(90);

pub(super) fn perform<'t>(
    ctx: &Ctx<'_, 't>,
    doer: &Doer<'t>,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let Doer::Identity { caller, ip, external, .. } = doer else {
        return;
    };
    let params = &ctx.action.params;
    let identity = caller.identity;
    let resource = params.api.unwrap_or(catalog::arm());
    let wanted = params.text.get("credential").map(String::as_str);
    let credential = identity
        .credentials
        .iter()
        .find(|c| match wanted {
            Some("secret") => c.kind == CredentialType::ClientSecret,
            Some("certificate") => c.kind == CredentialType::Certificate,
            Some(name) => c.name == name,
            None => c.valid_at(at),
        })
        .or(caller.credential);
    let failure = params.failure.or(caller.failure);
    // Gaps between a eighteenth of the spacing and all of it (5 to 90 seconds by default).
    let longest = params.spacing.unwrap_or(DEFAULT_SPACING).num_milliseconds().max(18);
    // `country`: the action's address placed there, or one made up in that country's space.
    let abroad = params
        .text
        .get("country")
        .and_then(|c| catalog::outside::outside_location(c))
        .map(|place| {
            let address = if *external {
                *ip
            } else {
                ctx.ids
                    .public_ip(&format!("{}/{}", identity.name, place.country), "abroad", place.prefixes)
            };
            (address, place)
        });
    let mut now = at;
    for _ in 0..params.count {
        let from = abroad.map_or(*ip, |(address, _)| address);
        let mut event = sign_in(ctx.tenant, identity, resource, credential, failure, from, now, rng);
        match abroad {
            Some((address, place)) => relocate_to(&mut event, address, place),
            None if *external => relocate(&mut event, *ip),
            None => {}
        }
        if let Some(token) = token_of(&event).filter(|_| failure.is_none()) {
            tokens.keep(resource, token);
        }
        out.push(event);
        now += ms(rng, longest / 18, longest);
    }
}
