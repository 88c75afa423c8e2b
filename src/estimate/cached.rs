//! The analytic estimate of workloads whose clients keep their tokens between runs
//! (`token_cache: shared`, and every managed identity): how many runs sign in depends on when the
//! previous token was obtained, so the runs' instants are replayed through the token rules of
//! [`crate::sim::tokens`] — without rendering a record — and each run's records are priced with
//! the sample profiles of [`super::analytic`].
//!
//! Identities whose shared workloads behave alike — the same kind, schedules, token resources and
//! credential validity over the horizon (a population's members, or background identities made
//! from the same template) — form a group: at most [`SAMPLED_MEMBERS`] of them are replayed, and
//! every member is credited with their average. Cost therefore grows with the runs of the sampled
//! members, not with the tenant's size. A group's replay does not depend on the tables records land
//! in, so the diagnostics-mode comparison reuses it ([`Replays`]).

use super::analytic::{Analytic, HourGrid, TokenEvents, day_of, runs_per_step};
use super::volume::Volume;
use crate::ids::IdSource;
use crate::scenario::Tenant;
use crate::scenario::model::{IdentityKind, TokenCacheMode};
use crate::scenario::tenant::{Schedule, Workload};
use crate::sim::schedule::Runs;
use crate::sim::tokens::{self, Token};
use crate::sim::workloads;
use chrono::{DateTime, TimeDelta, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Identities replayed per group of alike identities: members differ only in their schedules'
/// random phase and jitter, so the average of this many is within a fraction of a percent of the
/// group's (tenant-large's pools against `--exact`, README "Estimate"). As many as a population
/// has stand-ins per name length.
pub const SAMPLED_MEMBERS: usize = crate::scenario::resolve::STAND_INS as usize;
/// Run instants replayed in one estimate at most (about a tenth of a second of work); groups past
/// it are estimated densely.
const REPLAY_BUDGET: f64 = 4_000_000.0;
/// An identity with more runs than this over the horizon (one every 13 seconds for 30 days) uses
/// its tokens in almost every minute it is active: its sign-ins are counted as renewals at each
/// token's expiry, without replaying its runs.
const DENSE_RUNS: f64 = 200_000.0;

/// What the runs of one workload did on one day, per unit of identity weight.
#[derive(Debug, Clone, Copy, Default)]
struct DayCounts {
    /// Runs that went through (with cached tokens or new ones).
    ok: f64,
    /// Runs whose sign-in failed (an expired credential and no token left).
    failed: f64,
    /// New tokens and SDK sessions per token resource slot.
    events: TokenEvents,
}

/// The replays of every group already replayed, by tenant and the group's first identity.
pub(super) type Replays = std::collections::HashMap<(usize, usize), Vec<Slot>>;

/// One workload slot of a group: its runs per day, and an instant of each outcome to sample.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    days: Vec<DayCounts>,
    first_ok: Option<DateTime<Utc>>,
    first_failed: Option<DateTime<Utc>>,
}

/// Adds the volume of tenant `ti`'s shared-token workloads, whose horizon starts at `start` and has
/// the hours of `grid`; `offsets` place its identities and workloads among every tenant's. Groups
/// are replayed on every core (each replay is independent and deterministic), then credited in
/// order.
pub(super) fn estimate(
    analytic: &mut Analytic<'_>,
    ti: usize,
    (start, grid): (DateTime<Utc>, &HourGrid),
    offsets: (usize, usize),
    volume: &mut Volume,
) {
    let tenant = &analytic.tenants()[ti];
    let groups = alike_groups(tenant);
    let plans: Vec<Plan<'_>> = groups.iter().map(|members| plan(analytic, ti, tenant, members, grid)).collect();
    let (ids, days) = (analytic.ids(), volume.days());
    let workers = crate::parallel::cores();
    let found = crate::parallel::map(&plans, workers, |plan| outcomes(ids, tenant, plan, (start, grid), days));
    for (members, found) in groups.iter().zip(found) {
        let key = (ti, members[0].0);
        let Some(slots) = found.or_else(|| analytic.replays.remove(&key)) else {
            continue;
        };
        credit_group(analytic, ti, members, &slots, offsets, volume);
        analytic.replays.insert(key, slots);
    }
}

/// How a group's outcomes are found.
enum Plan<'m> {
    /// Replayed already (for the other diagnostics mode).
    Known,
    /// Replayed on these members, a sample of the group while the replay budget lasts.
    Replay(&'m [Member]),
    /// Counted densely for the group's first member.
    Dense(&'m Member),
}

/// Decides how a group's outcomes are found, spending the replay budget in group order (so the
/// choice does not depend on the threads).
fn plan<'m>(analytic: &mut Analytic<'_>, ti: usize, tenant: &Tenant, members: &'m [Member], grid: &HourGrid) -> Plan<'m> {
    if analytic.replays.contains_key(&(ti, members[0].0)) {
        return Plan::Known;
    }
    let member_runs: f64 = members[0].1.iter().map(|w| expected_runs(&tenant.workloads[*w], grid)).sum();
    let fit = (REPLAY_BUDGET - analytic.replayed).max(0.0) / member_runs.max(1.0);
    if member_runs <= DENSE_RUNS && fit >= 1.0 {
        let sampled = (fit as usize).clamp(1, SAMPLED_MEMBERS).min(members.len());
        analytic.replayed += sampled as f64 * member_runs;
        Plan::Replay(&members[..sampled])
    } else {
        Plan::Dense(&members[0])
    }
}

/// The outcomes of a group's workload slots as `plan` says; `None` when they are known.
fn outcomes(ids: IdSource, tenant: &Tenant, plan: &Plan<'_>, (start, grid): (DateTime<Utc>, &HourGrid), days: usize) -> Option<Vec<Slot>> {
    match plan {
        Plan::Known => None,
        Plan::Replay(members) => Some(replay_group(ids, tenant, members, start, days)),
        Plan::Dense((identity, workloads)) => {
            let workloads: Vec<&Workload> = workloads.iter().map(|w| &tenant.workloads[*w]).collect();
            Some(renew_densely(tenant, &workloads, tenant.identities[*identity].kind, grid, days))
        }
    }
}

/// Expected runs of `workload` over the horizon.
fn expected_runs(workload: &Workload, grid: &HourGrid) -> f64 {
    match &workload.schedule {
        Schedule::At { times, .. } => times.len() as f64,
        schedule => runs_per_step(schedule, &grid.hours).map(|(_, runs)| runs).sum(),
    }
}

/// An identity and the indexes of its shared-token workloads.
type Member = (usize, Vec<usize>);

/// What decides how a shared-token workload's runs meet its client's cache: the schedule, the
/// resources it asks tokens for, and when the identity's credentials can sign in (clipped to the
/// horizon, so credentials valid throughout compare equal).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Behaviour {
    /// `Every`: interval and jitter in ms; `PerDay`: the rate's bits, profile and jitter; `At`: the
    /// instants.
    schedule: (u8, i64, i64, u64, Vec<i64>),
    resources: &'static [&'static str],
    pinned: Option<usize>,
    validity: Vec<(i64, i64)>,
}

fn behaviour(tenant: &Tenant, workload: &Workload) -> Behaviour {
    let ms = |d: TimeDelta| d.num_milliseconds();
    let schedule = match &workload.schedule {
        Schedule::Every { interval, jitter } => (0, ms(*interval), ms(*jitter), 0, Vec::new()),
        Schedule::PerDay { runs, profile, jitter, .. } => (1, *profile as i64, ms(*jitter), runs.to_bits(), Vec::new()),
        Schedule::At { times, jitter } => (2, 0, ms(*jitter), 0, times.iter().map(|t| t.timestamp_millis()).collect()),
    };
    let identity = &tenant.identities[workload.identity];
    let clip = |t: DateTime<Utc>| t.clamp(tenant.start, tenant.end).timestamp_millis();
    Behaviour {
        schedule,
        resources: workloads::token_resources(&workload.action, identity.kind),
        pinned: workload.credential,
        validity: identity.credentials.iter().map(|c| (clip(c.start), clip(c.expiry))).collect(),
    }
}

/// Every identity with shared-token workloads, with those workloads, grouped by their behaviour
/// (so a population's members form one group, in identity order).
fn alike_groups(tenant: &Tenant) -> Vec<Vec<Member>> {
    let mut by_identity: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (wi, workload) in tenant.workloads.iter().enumerate() {
        if workload.token_cache == TokenCacheMode::Shared {
            by_identity.entry(workload.identity).or_default().push(wi);
        }
    }
    let mut groups: BTreeMap<(u8, Vec<Behaviour>), Vec<Member>> = BTreeMap::new();
    for (identity, workloads) in by_identity {
        let signature = workloads.iter().map(|w| behaviour(tenant, &tenant.workloads[*w])).collect();
        let kind = tenant.identities[identity].kind as u8;
        groups.entry((kind, signature)).or_default().push((identity, workloads));
    }
    groups.into_values().collect()
}

/// One outcome slot per workload of a group's identities.
fn empty_slots(count: usize, days: usize) -> Vec<Slot> {
    vec![
        Slot {
            days: vec![DayCounts::default(); days],
            first_ok: None,
            first_failed: None,
        };
        count
    ]
}

/// The outcomes of an identity whose runs are so dense that it calls in every minute it is active:
/// its runs are counted per hour, as for a client without a cache, and each token is renewed as soon
/// as it expires while the identity is active (or at the next hour it is).
fn renew_densely(tenant: &Tenant, workloads: &[&Workload], kind: IdentityKind, grid: &HourGrid, days: usize) -> Vec<Slot> {
    let mut slots = empty_slots(workloads.len(), days);
    let usable = tokens::usable_for(kind);
    let mut usable_until: Vec<(&'static str, DateTime<Utc>)> = Vec::new();
    let per_slot: Vec<Vec<f64>> = workloads
        .iter()
        .map(|w| match &w.schedule {
            Schedule::At { .. } => vec![0.0; grid.hours.len()],
            schedule => runs_per_step(schedule, &grid.hours).map(|(_, runs)| runs).collect(),
        })
        .collect();
    for (h, hour) in grid.hours.iter().enumerate() {
        let half = TimeDelta::milliseconds(hour.overlap_ms as i64 / 2);
        let (from, to) = (hour.mid - half, hour.mid + half);
        for (slot, workload) in workloads.iter().enumerate() {
            let runs = per_slot[slot][h];
            if runs <= 0.0 {
                continue;
            }
            let record = &mut slots[slot];
            let day = &mut record.days[hour.day.min(days - 1)];
            if crate::sim::calls::credential_fails(tenant, workload, hour.mid) {
                day.failed += runs;
                record.first_failed.get_or_insert(hour.mid);
                continue;
            }
            day.ok += runs;
            record.first_ok.get_or_insert(hour.mid);
            for (i, resource) in workloads::token_resources(&workload.action, kind).iter().enumerate() {
                let until = match usable_until.iter_mut().find(|(key, _)| key == resource) {
                    Some((_, until)) => until,
                    None => {
                        usable_until.push((resource, from - usable));
                        &mut usable_until.last_mut().expect("just pushed").1
                    }
                };
                while *until < to {
                    *until = (*until).max(from) + usable;
                    day.events.tokens[i] += 1.0;
                }
                // A dense client's sessions last a day each: about one a day.
                day.events.sessions[i] = 1.0;
            }
        }
    }
    slots
}

/// Replays the members of a group, and returns per workload slot their daily outcomes per unit of
/// weight.
fn replay_group(ids: IdSource, tenant: &Tenant, members: &[Member], start: DateTime<Utc>, days: usize) -> Vec<Slot> {
    let mut slots = empty_slots(members.first().map_or(0, |(_, w)| w.len()), days);
    let sampled_weight: f64 = members.iter().map(|(i, _)| tenant.identities[*i].weight as f64).sum();
    for (identity, workloads) in members {
        let weight = tenant.identities[*identity].weight as f64 / sampled_weight.max(1.0);
        let workloads: Vec<&Workload> = workloads.iter().map(|w| &tenant.workloads[*w]).collect();
        replay_identity(ids, tenant, &workloads, (start, days), weight, &mut slots);
    }
    slots
}

/// Replays one identity's shared-token workloads in time order through its token cache, adding
/// `weight` per run to the slot counts.
fn replay_identity(
    ids: IdSource,
    tenant: &Tenant,
    workloads: &[&Workload],
    (start, days): (DateTime<Utc>, usize),
    weight: f64,
    slots: &mut [Slot],
) {
    let mut streams: Vec<Runs> = workloads
        .iter()
        .map(|w| Runs::new(&w.schedule, tenant.start, tenant.end, ids.rng(&w.path, "schedule")))
        .collect();
    let mut heap: BinaryHeap<Reverse<(DateTime<Utc>, usize)>> = streams
        .iter_mut()
        .enumerate()
        .filter_map(|(slot, runs)| runs.next().map(|t| Reverse((t, slot))))
        .collect();
    let Some(kind) = workloads.first().map(|w| tenant.identities[w.identity].kind) else {
        return;
    };
    let mut held: Vec<(&'static str, Token)> = Vec::new();
    let mut sessions: Vec<(&'static str, DateTime<Utc>)> = Vec::new();
    while let Some(Reverse((t, slot))) = heap.pop() {
        let workload = workloads[slot];
        let fails = crate::sim::calls::credential_fails(tenant, workload, t);
        let mut events = TokenEvents::default();
        let mut failed = false;
        for (i, resource) in workloads::token_resources(&workload.action, kind).iter().enumerate() {
            let usable = held.iter().any(|(key, token)| key == resource && token.usable_at(t));
            if usable {
                continue;
            }
            // The same session rule as the simulation's (`RunTokens::starts_session`).
            let session = sessions.iter().find(|(key, _)| key == resource).map(|(_, s)| *s);
            if session.is_none_or(|s| t - s >= tokens::SESSION_LIFETIME) {
                events.sessions[i] = weight;
                sessions.retain(|(key, _)| key != resource);
                sessions.push((resource, t));
            }
            if fails {
                failed = true;
                break;
            }
            events.tokens[i] = weight;
            held.retain(|(key, _)| key != resource);
            held.push((resource, Token::issued(kind, t, String::new(), false)));
        }
        let record = &mut slots[slot];
        let day = &mut record.days[day_of(start, t, days)];
        for (total, n) in day.events.sessions.iter_mut().zip(events.sessions) {
            *total += n;
        }
        if failed {
            day.failed += weight;
            record.first_failed.get_or_insert(t);
        } else {
            day.ok += weight;
            for (total, n) in day.events.tokens.iter_mut().zip(events.tokens) {
                *total += n;
            }
            record.first_ok.get_or_insert(t);
        }
        if let Some(next) = streams[slot].next() {
            heap.push(Reverse((next, slot)));
        }
    }
}

/// Credits every member of a group with the group's average outcomes, priced by sample profiles.
fn credit_group(
    analytic: &mut Analytic<'_>,
    ti: usize,
    members: &[Member],
    slots: &[Slot],
    (identity_offset, workload_offset): (usize, usize),
    volume: &mut Volume,
) {
    let tenants = analytic.tenants();
    let tenant = &tenants[ti];
    for (identity, workloads) in members {
        let weight = tenant.identities[*identity].weight as f64;
        for (slot, wi) in slots.iter().zip(workloads) {
            let workload = &tenant.workloads[*wi];
            let ok = slot.first_ok.map(|t| analytic.profile(ti, workload, t, false));
            let failed = slot.first_failed.map(|t| analytic.profile(ti, workload, t, true));
            for (day, counts) in slot.days.iter().enumerate() {
                let (who, what) = (identity_offset + identity, workload_offset + wi);
                let scaled = TokenEvents {
                    tokens: counts.events.tokens.map(|n| n * weight),
                    sessions: counts.events.sessions.map(|n| n * weight),
                };
                if let Some(profile) = &ok {
                    profile.add_to(volume, day, counts.ok * weight, scaled, who, what);
                }
                if let Some(profile) = &failed {
                    // A failed run's sign-in is in its profile's base; its sessions are counted.
                    let runs = counts.failed * weight;
                    let sessions = TokenEvents {
                        tokens: [0.0; 2],
                        sessions: if ok.is_some() { [0.0; 2] } else { scaled.sessions },
                    };
                    profile.add_to(volume, day, runs, sessions, who, what);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(name: &str, start: &str, expiry: &str) -> String {
        format!(
            "  - {{ name: {name}, kind: service_principal, credentials: [{{ type: client_secret, start: {start}, expiry: {expiry} }}] }}\n"
        )
    }

    fn read(name: &str, per_day: u32) -> String {
        format!(
            "  - {{ name: {name}-read, identity: {name}, kind: keyvault_secret_read, vault: kv, schedule: {{ per_day: {per_day} }} }}\n"
        )
    }

    /// Identities from different declarations group when their runs meet the cache alike, and
    /// stay apart when the schedule or the credentials' validity within the horizon differs.
    #[test]
    fn identities_group_by_behaviour_not_by_declaration() {
        let source = [
            "name: groups\ntenant: { domain: groups.onmicrosoft.com }\nperiod: { start: 2026-11-01T00:00:00Z, duration: 1d }\n",
            "background: none\nsubscriptions: [{ name: prod, resource_groups: [rg] }]\n",
            "resources: { key_vaults: [{ name: kv, resource_group: rg, secrets: [s] }] }\nidentities:\n",
            // Valid throughout, from different dates: alike.
            &identity("sp-a", "2026-01-01T00:00:00Z", "2027-12-01T00:00:00Z"),
            &identity("sp-b", "2026-02-01T00:00:00Z", "2028-01-01T00:00:00Z"),
            // Expires within the horizon.
            &identity("sp-c", "2026-01-01T00:00:00Z", "2026-11-01T12:00:00Z"),
            // Runs twice as often.
            &identity("sp-d", "2026-01-01T00:00:00Z", "2027-12-01T00:00:00Z"),
            "workloads:\n",
            &read("sp-a", 12),
            &read("sp-b", 12),
            &read("sp-c", 12),
            &read("sp-d", 24),
        ]
        .concat();
        let tenant = crate::scenario::parse(std::path::Path::new("groups.yaml"), &source, IdSource::new(1)).expect("valid scenario");
        let index = |name: &str| tenant.identities.iter().position(|i| i.name == name).expect("identity");
        let mut groups: Vec<Vec<usize>> = alike_groups(&tenant)
            .into_iter()
            .map(|members| members.into_iter().map(|(identity, _)| identity).collect())
            .collect();
        groups.sort();
        let mut expected = vec![vec![index("sp-a"), index("sp-b")], vec![index("sp-c")], vec![index("sp-d")]];
        expected.sort();
        assert_eq!(groups, expected);
    }
}
