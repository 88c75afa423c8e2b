//! The analytic estimate: runs per day from each schedule's rate, times the rows and billed bytes of
//! one run measured by rendering a few sample runs with the simulator's own code. Cost does not grow
//! with the number of records described: per workload it is one pass over the hours of the horizon,
//! and sample runs are shared by workloads of the same shape (e.g. the members of a population).

use super::volume::Volume;
use crate::ids::IdSource;
use crate::scenario::Tenant;
use crate::scenario::model::{DailyProfile, TokenCacheMode};
use crate::scenario::tenant::{ActorSchedule, Schedule, Workload, WorkloadAction};
use crate::sim::event::VaultCaller;
use crate::sim::schedule::expected_runs_in_hour;
use crate::sim::tokens::RunTokens;
use crate::sim::{Event, EventKind, workloads};
use crate::tables::{self, Category, DiagnosticsModes, RecordWriter};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use std::collections::HashMap;

/// A schedule's run profile, and what each run writes later: delay, category, rows and bytes (a
/// share of a row each, averaged over the samples).
type PeopleProfile = (RunProfile, Vec<(TimeDelta, Category, f64, f64)>);

/// Rows and bytes of one run.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RunProfile {
    /// Rows and bytes per category of what the run writes whatever tokens its client holds.
    pub base: [(f64, f64); 6],
    /// Per resource the run asks a token for (in [`workloads::token_resources`] order): rows and bytes
    /// per category of what obtaining a new token writes (its sign-in) when the client holds no
    /// usable token for it.
    pub acquisitions: [[(f64, f64); 6]; 2],
    /// Per resource: what starting an SDK session writes (Key Vault's unauthenticated challenge).
    pub sessions: [[(f64, f64); 6]; 2],
}

/// How many times, per resource slot, the runs of a day obtained a token and started a session.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TokenEvents {
    /// New tokens (successful sign-ins).
    pub tokens: [f64; 2],
    /// New SDK sessions.
    pub sessions: [f64; 2],
}

impl TokenEvents {
    /// `n` of each: a client that starts afresh on every run.
    pub fn every_run(n: f64) -> Self {
        Self {
            tokens: [n; 2],
            sessions: [n; 2],
        }
    }
}

impl RunProfile {
    /// Whether any part of a run writes records of `category`.
    fn writes(&self, category: Category) -> bool {
        let parts = std::iter::once(&self.base).chain(&self.acquisitions).chain(&self.sessions);
        parts.into_iter().any(|cells| cells[category.index()].0 > 0.0)
    }

    /// Adds `runs` runs that wrote their base records, and their new tokens and sessions.
    pub fn add_to(&self, volume: &mut Volume, day: usize, runs: f64, events: TokenEvents, identity: usize, workload: usize) {
        let parts = std::iter::once((&self.base, runs))
            .chain(self.acquisitions.iter().zip(events.tokens))
            .chain(self.sessions.iter().zip(events.sessions));
        for (cells, count) in parts {
            if count <= 0.0 {
                continue;
            }
            for category in Category::ALL {
                let (rows, bytes) = cells[category.index()];
                if rows > 0.0 {
                    volume.add(day, category, count * rows, count * bytes, identity, Some(workload));
                }
            }
        }
    }
}

/// What makes two workloads' runs render to records of the same sizes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    tenant: usize,
    action: (u8, usize, usize),
    identity_kind: u8,
    name_len: usize,
    msi_len: usize,
    credential: Option<(bool, bool)>,
    /// The SDK the identity calls with: its name and library differ in length between clients.
    client: &'static str,
    fails: bool,
}

fn shape(tenant_index: usize, tenant: &Tenant, workload: &Workload, fails: bool) -> Shape {
    let identity = &tenant.identities[workload.identity];
    let action = match &workload.action {
        WorkloadAction::KeyVaultSecretRead { vault, secrets, .. } => (0, *vault, secrets.iter().map(String::len).sum()),
        WorkloadAction::ArmDeployment {
            sql_server,
            database,
            signins_per_run,
        } => (1, *sql_server, database.len() * 1000 + *signins_per_run as usize),
        WorkloadAction::LogicAppRun { logic_app } => (2, *logic_app, 0),
        WorkloadAction::GraphOperation { policy, operation } => (3, *policy, *operation as usize),
        WorkloadAction::Actions(_) => (4, workload.declaration, 0),
    };
    Shape {
        tenant: tenant_index,
        action,
        identity_kind: identity.kind as u8,
        name_len: identity.name.len(),
        msi_len: identity.msi_resource_id.as_ref().map_or(0, String::len),
        credential: identity
            .credentials
            .first()
            .map(|c| (c.thumbprint.is_some(), workload.credential.is_some())),
        client: tables::keyvault_client(identity).keyvault_client_info,
        fails,
    }
}

/// Accumulates the analytic estimate of every workload and anomaly into `volume`.
pub struct Analytic<'a> {
    ids: IdSource,
    tenants: &'a [Tenant],
    cache: HashMap<Shape, RunProfile>,
    /// Profiles of people's and services' schedules, by tenant, family and the names' length.
    people_cache: HashMap<(usize, usize, usize), PeopleProfile>,
    writer: RecordWriter,
    day_runs: Vec<[f64; 2]>,
    /// The tables sample records are rendered into: the volume's (set by [`Analytic::run`]).
    modes: DiagnosticsModes,
    /// Run instants replayed so far for clients that keep their tokens (see [`super::cached`]).
    pub(super) replayed: f64,
    /// Their replays, kept for another run of the same tenants in other modes.
    pub(super) replays: super::cached::Replays,
}

impl<'a> Analytic<'a> {
    /// An estimate of `tenants`, sampling records with the IDs `ids` derives.
    pub fn new(ids: IdSource, tenants: &'a [Tenant]) -> Self {
        Self {
            ids,
            tenants,
            cache: HashMap::new(),
            people_cache: HashMap::new(),
            writer: RecordWriter::new(),
            day_runs: Vec::new(),
            modes: DiagnosticsModes::default(),
            replayed: 0.0,
            replays: super::cached::Replays::new(),
        }
    }

    /// Adds every tenant's workloads and anomalies to `volume`, day 0 starting at `start`.
    pub fn run(&mut self, volume: &mut Volume, start: DateTime<Utc>) {
        self.switch_modes(volume.modes);
        let mut identity_offset = 0;
        let mut workload_offset = 0;
        for (ti, tenant) in self.tenants.iter().enumerate() {
            let grid = HourGrid::new(tenant, start, volume.days());
            let offsets = (identity_offset, workload_offset);
            super::cached::estimate(self, ti, (start, &grid), offsets, volume);
            for (wi, workload) in tenant.workloads.iter().enumerate() {
                if workload.token_cache == TokenCacheMode::Shared {
                    continue;
                }
                self.workload(
                    ti,
                    &grid,
                    workload,
                    volume,
                    identity_offset + workload.identity,
                    workload_offset + wi,
                );
            }
            let people_runs: Vec<_> = tenant.schedules.iter().map(|people| people_runs(tenant, &grid, people)).collect();
            self.sample_families(ti, &people_runs);
            for (people, runs) in tenant.schedules.iter().zip(people_runs) {
                self.people(ti, &grid, people, runs, volume);
            }
            for (ai, anomaly) in tenant.anomalies.iter().enumerate() {
                // One-off events: render them exactly, from the same random stream as the simulation.
                let mut events = Vec::new();
                let mut rng = self.ids.rng(&format!("{}/anomaly/{ai}", tenant.scenario), "events");
                if anomaly.at < tenant.start || anomaly.at >= tenant.end {
                    continue;
                }
                crate::sim::anomalies::anomaly(&self.ids, tenant, anomaly, &mut rng, &mut events);
                for event in &events {
                    let bytes = tables::render(event, self.modes, &mut self.writer).billed_size as f64;
                    volume.add(
                        day_of(start, event.time, volume.days()),
                        Category::of(event),
                        1.0,
                        bytes,
                        anomaly.identity.map_or(usize::MAX, |i| identity_offset + i),
                        None,
                    );
                }
            }
            identity_offset += tenant.identities.len();
            workload_offset += tenant.workloads.len();
        }
    }

    /// Measures later sample records in the tables of `modes`. Cached profiles hold bytes in their
    /// modes' tables: those with records of a category whose table changes are dropped, the others
    /// (and the replays, which hold no bytes) stay.
    fn switch_modes(&mut self, modes: DiagnosticsModes) {
        let changed: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| self.modes.table(*c) != modes.table(*c))
            .collect();
        if changed.is_empty() {
            return;
        }
        self.cache.retain(|_, profile| !changed.iter().any(|c| profile.writes(*c)));
        self.people_cache
            .retain(|_, (profile, later)| !changed.iter().any(|c| profile.writes(*c) || later.iter().any(|l| l.1 == *c)));
        self.modes = modes;
    }

    fn workload(&mut self, ti: usize, grid: &HourGrid, workload: &Workload, volume: &mut Volume, identity: usize, flat_workload: usize) {
        let tenant = &self.tenants[ti];
        let days = volume.days();
        self.day_runs.clear();
        self.day_runs.resize(days, [0.0; 2]);
        // Credential validity only changes at credential start/expiry instants; when none falls
        // inside the horizon, every run is in the same state and whole days can be summed at once.
        let in_horizon = |t: &DateTime<Utc>| (tenant.start..tenant.end).contains(t);
        let changes = tenant.identities[workload.identity]
            .credentials
            .iter()
            .any(|c| in_horizon(&c.start) || in_horizon(&c.expiry));
        let mut sample_at: [Option<DateTime<Utc>>; 2] = [None; 2];
        let mut add = |day_runs: &mut Vec<[f64; 2]>, day: usize, t: DateTime<Utc>, runs: f64| {
            if runs <= 0.0 {
                return;
            }
            let state = usize::from(crate::sim::calls::credential_fails(tenant, workload, t));
            day_runs[day.min(days - 1)][state] += runs;
            sample_at[state].get_or_insert(t);
        };
        match &workload.schedule {
            Schedule::At { times, .. } => {
                for t in times.iter().filter(|t| in_horizon(t)) {
                    add(&mut self.day_runs, day_of(grid.start, *t, days), *t, 1.0);
                }
            }
            schedule => {
                let steps = if changes { &grid.hours } else { &grid.days };
                for (step, runs) in runs_per_step(schedule, steps) {
                    add(&mut self.day_runs, step.day, step.mid, runs);
                }
            }
        }
        // A population member standing for others runs for them all (their schedules are the same).
        let weight = tenant.identities[workload.identity].weight as f64;
        for (state, sample) in sample_at.into_iter().enumerate() {
            let Some(t) = sample else { continue };
            let profile = self.profile(ti, workload, t, state == 1);
            for day in 0..days {
                let runs = self.day_runs[day][state] * weight;
                // A client that starts afresh signs in for every resource on every run.
                profile.add_to(volume, day, runs, TokenEvents::every_run(runs), identity, flat_workload);
            }
        }
    }

    /// Samples, on every core, each family of tenant `ti`'s people's schedules not sampled yet, at
    /// its first schedule's first run; `runs` are each schedule's.
    fn sample_families(&mut self, ti: usize, runs: &[Vec<(DateTime<Utc>, f64)>]) {
        let tenant = &self.tenants[ti];
        let mut seen = std::collections::HashSet::new();
        let wanted: Vec<(FamilyKey, &ActorSchedule, DateTime<Utc>)> = tenant
            .schedules
            .iter()
            .zip(runs)
            .filter_map(|(people, runs)| {
                let &(first, _) = runs.first()?;
                let key = family_key(ti, tenant, people);
                (!self.people_cache.contains_key(&key) && seen.insert(key)).then_some((key, people, first))
            })
            .collect();
        let (ids, modes) = (self.ids, self.modes);
        let workers = crate::parallel::cores();
        let sampled = crate::parallel::map(&wanted, workers, |(_, people, first)| {
            sample_people(ids, modes, tenant, people, *first)
        });
        for ((key, ..), profile) in wanted.iter().zip(sampled) {
            self.people_cache.insert(*key, profile);
        }
    }

    /// Adds a person's scheduled actions, its `runs`, each priced by its family's sample runs
    /// (people's records are not attributed to identities).
    fn people(&mut self, ti: usize, grid: &HourGrid, people: &ActorSchedule, runs: Vec<(DateTime<Utc>, f64)>, volume: &mut Volume) {
        let tenant = &self.tenants[ti];
        let days = volume.days();
        let Some(profile) = self.people_cache.get(&family_key(ti, tenant, people)) else {
            return;
        };
        let (profile, later) = profile;
        for (t, n) in runs {
            let day = day_of(grid.start, t, days);
            profile.add_to(volume, day, n, TokenEvents::default(), usize::MAX, usize::MAX);
            // What a run writes hours later (an activation's expiry) is in the data only while the
            // period lasts.
            for (offset, category, rows, bytes) in later.iter().filter(|(offset, ..)| t + *offset < tenant.end) {
                volume.add(
                    day_of(grid.start, t + *offset, days),
                    *category,
                    n * rows,
                    n * bytes,
                    usize::MAX,
                    None,
                );
            }
        }
    }

    /// Rows and bytes of one run, averaged over two sample runs, cached by shape. The sample runs
    /// hold no token, so every sign-in the run may need is written and measured.
    pub(super) fn profile(&mut self, ti: usize, workload: &Workload, t: DateTime<Utc>, fails: bool) -> RunProfile {
        let tenant = &self.tenants[ti];
        let key = shape(ti, tenant, workload, fails);
        if let Some(p) = self.cache.get(&key) {
            return *p;
        }
        const SAMPLES: u64 = 2;
        let share = 1.0 / SAMPLES as f64;
        let resources = workloads::token_resources(&workload.action, tenant.identities[workload.identity].kind);
        let (spread, per_action) = spread_actions(workload);
        let workload = spread.as_ref().unwrap_or(workload);
        let mut profile = RunProfile::default();
        let mut rng = self.ids.rng(&workload.path, "estimate-sample");
        let mut events = Vec::new();
        for index in 0..SAMPLES {
            events.clear();
            let mut tokens = RunTokens::fresh();
            workloads::run(&self.ids, tenant, workload, index, t, &mut tokens, &mut rng, &mut events);
            for event in &events {
                let bytes = tables::render(event, self.modes, &mut self.writer).billed_size as f64;
                let (cells, share) = match token_acquisition(event, &tokens, resources) {
                    Some(Acquired::Token(slot)) => (&mut profile.acquisitions[slot], share),
                    Some(Acquired::Session(slot)) => (&mut profile.sessions[slot], share),
                    None => (&mut profile.base, share * per_action),
                };
                let cell = &mut cells[Category::of(event).index()];
                cell.0 += share;
                cell.1 += bytes * share;
            }
        }
        self.cache.insert(key, profile);
        profile
    }

    /// The tenants estimated.
    pub(super) fn tenants(&self) -> &'a [Tenant] {
        self.tenants
    }

    /// The source of the sample runs' IDs and random streams.
    pub(super) fn ids(&self) -> IdSource {
        self.ids
    }
}

/// Actions a sample run performs at most. A workload acting on hundreds of resources (a nightly
/// job stopping every VM) writes alike records for each of them, so its sample runs act on an even
/// spread of them, and what they write beyond their tokens counts for the actions left out.
const SAMPLED_ACTIONS: usize = 16;

/// The workload with an even spread of [`SAMPLED_ACTIONS`] of its actions, and how many actions
/// each sampled one stands for; `None` and 1 when it has no more.
fn spread_actions(workload: &Workload) -> (Option<Workload>, f64) {
    let WorkloadAction::Actions(actions) = &workload.action else {
        return (None, 1.0);
    };
    if actions.len() <= SAMPLED_ACTIONS {
        return (None, 1.0);
    }
    let spread = (0..SAMPLED_ACTIONS)
        .map(|i| actions[i * actions.len() / SAMPLED_ACTIONS].clone())
        .collect();
    let sampled = Workload {
        action: WorkloadAction::Actions(spread),
        ..workload.clone()
    };
    (Some(sampled), actions.len() as f64 / SAMPLED_ACTIONS as f64)
}

/// What the profile of a people's schedule is cached by: schedules of one family differ only in
/// the names they carry.
type FamilyKey = (usize, usize, usize);

fn family_key(ti: usize, tenant: &Tenant, people: &ActorSchedule) -> FamilyKey {
    (ti, people.family, names_length(tenant, &people.actions))
}

/// A people's schedule's runs at the instants (or hours) they happen.
fn people_runs(tenant: &Tenant, grid: &HourGrid, people: &ActorSchedule) -> Vec<(DateTime<Utc>, f64)> {
    match &people.schedule {
        Schedule::At { times, .. } => times
            .iter()
            .filter(|t| (tenant.start..tenant.end).contains(*t))
            .map(|t| (*t, 1.0))
            .collect(),
        schedule => runs_per_step(schedule, &grid.hours)
            .filter(|(_, n)| *n > 0.0)
            .map(|(step, n)| (step.mid, n))
            .collect(),
    }
}

/// Rows and bytes of a schedule's runs, from sample runs at `t`: what a run writes within minutes,
/// and what it writes later, with its delay.
fn sample_people(ids: IdSource, modes: DiagnosticsModes, tenant: &Tenant, people: &ActorSchedule, t: DateTime<Utc>) -> PeopleProfile {
    /// Records this long after a run's start are its later part.
    const LATER: TimeDelta = TimeDelta::minutes(10);
    let mut profile = RunProfile::default();
    let mut later = Vec::new();
    let mut rng = ids.rng(&people.path, "estimate-sample");
    let mut events = Vec::new();
    let mut writer = RecordWriter::new();
    // A rotating stream's runs differ by target: sample several of them.
    let samples = if people.rotate { people.actions.len().clamp(1, 8) } else { 4 };
    let share = 1.0 / samples as f64;
    for index in 0..samples {
        events.clear();
        let actions = people.run(index as u64);
        crate::sim::actions::perform_all(&ids, tenant, actions, t, &mut RunTokens::fresh(), &mut rng, &mut events);
        for event in &events {
            let bytes = tables::render(event, modes, &mut writer).billed_size as f64;
            let category = Category::of(event);
            if event.time - t > LATER {
                later.push((event.time - t, category, share, bytes * share));
                continue;
            }
            let cell = &mut profile.base[category.index()];
            cell.0 += share;
            cell.1 += bytes * share;
        }
    }
    (profile, later)
}

/// The total length of the names actions carry (their actors' and targets'): what makes the
/// records of alike schedules differ in size.
fn names_length(tenant: &Tenant, actions: &[crate::scenario::tenant::Action]) -> usize {
    use crate::scenario::tenant::{Actor, Entity};
    let entity = |e: Entity| match e {
        Entity::User(u) => tenant.users[u].upn.len() + tenant.users[u].display_name.len(),
        Entity::Identity(i) => tenant.identities[i].name.len(),
        Entity::Application(a) => tenant.applications[a].name.len(),
        Entity::Group(g) => tenant.groups[g].name.len(),
        Entity::Device(d) => tenant.devices[d].name.len(),
    };
    actions
        .iter()
        .map(|a| {
            let actor = match a.actor {
                Actor::User(u) => entity(Entity::User(u)),
                Actor::Identity(i) => entity(Entity::Identity(i)),
                Actor::Service(s) => s.name.len(),
            };
            actor + [a.params.target, a.params.member].into_iter().flatten().map(entity).sum::<usize>()
        })
        .sum()
}

/// A record a client holding a token would not have written, by resource slot.
enum Acquired {
    /// A sign-in whose token the run kept for later calls.
    Token(usize),
    /// The Key Vault SDK's challenge that starts a session.
    Session(usize),
}

fn token_acquisition(event: &Event<'_>, tokens: &RunTokens<'_>, resources: &[&str]) -> Option<Acquired> {
    let slot = |resource: &str| resources.iter().position(|r| *r == resource);
    match &event.kind {
        EventKind::SignIn(s) => {
            tokens
                .obtained()
                .find(|(key, token)| *key == s.resource.key && *token.token_id == *s.token_id)?;
            slot(s.resource.key).map(Acquired::Token)
        }
        EventKind::KeyVault(op) if matches!(op.caller, VaultCaller::Unauthenticated(_)) => slot("key_vault").map(Acquired::Session),
        _ => None,
    }
}

/// The runs an `every` or `per_day` schedule makes in each step (hour or day) of a horizon. A
/// `per_day` schedule runs floor(cumulative expected runs) by each UTC day's end (the fraction
/// carries over) at hours drawn by the profile's weights (see `sim::schedule`): each day's whole
/// runs are counted the same way and spread over its steps by their expected share.
pub(super) fn runs_per_step<'h>(schedule: &Schedule, steps: &'h [Hour]) -> impl Iterator<Item = (&'h Hour, f64)> {
    let expected: Vec<f64> = steps
        .iter()
        .map(|step| match schedule {
            Schedule::Every { interval, .. } => step.overlap_ms / interval.num_milliseconds() as f64,
            Schedule::PerDay { runs, profile, .. } => runs * step.factors[*profile as usize],
            Schedule::At { .. } => 0.0,
        })
        .collect();
    let runs = if matches!(schedule, Schedule::PerDay { .. }) {
        whole_runs_by_day(steps, &expected)
    } else {
        expected
    };
    steps.iter().zip(runs)
}

/// Each UTC day's floor(cumulative expected runs), spread over its steps in proportion to their
/// expected runs.
fn whole_runs_by_day(steps: &[Hour], expected: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; steps.len()];
    let (mut cumulative, mut counted) = (0.0_f64, 0.0_f64);
    let mut first = 0;
    while first < steps.len() {
        let date = steps[first].mid.date_naive();
        let last = (first..steps.len())
            .take_while(|i| steps[*i].mid.date_naive() == date)
            .last()
            .unwrap_or(first);
        let day: f64 = expected[first..=last].iter().sum();
        cumulative += day;
        // The epsilon keeps float drift in the accumulated fractions from dropping a whole run.
        let whole = (cumulative + 1e-9).floor() - counted;
        counted += whole;
        if day > 0.0 {
            for i in first..=last {
                out[i] = whole * expected[i] / day;
            }
        }
        first = last + 1;
    }
    out
}

/// One hour of a tenant's horizon: how much of it lies inside the period, and the expected runs
/// per unit of `per_day` rate under each daily profile.
pub(super) struct Hour {
    /// The middle of the part of the hour inside the period.
    pub mid: DateTime<Utc>,
    /// Its day in the horizon.
    pub day: usize,
    /// Milliseconds of the hour inside the period.
    pub overlap_ms: f64,
    factors: [f64; 3],
}

/// The hours of a horizon and their per-day sums, computed once per tenant so that each workload
/// costs one pass over days (or hours, when its credential changes state).
pub(super) struct HourGrid {
    start: DateTime<Utc>,
    /// Every hour of the horizon, in order.
    pub hours: Vec<Hour>,
    days: Vec<Hour>,
}

impl HourGrid {
    pub(super) fn new(tenant: &Tenant, start: DateTime<Utc>, days: usize) -> Self {
        let profiles = [DailyProfile::Flat, DailyProfile::BusinessHours, DailyProfile::Nightly];
        let mut hours = Vec::new();
        let mut day_sums: Vec<Hour> = Vec::new();
        let mut hour = tenant.start.duration_trunc(TimeDelta::hours(1)).unwrap_or(tenant.start);
        while hour < tenant.end {
            let next = hour + TimeDelta::hours(1);
            let from = hour.max(tenant.start);
            let overlap_ms = (next.min(tenant.end) - from).num_milliseconds() as f64;
            let fraction = overlap_ms / 3_600_000.0;
            let factors = profiles.map(|p| expected_runs_in_hour(1.0, p, hour) * fraction);
            let h = Hour {
                mid: from + TimeDelta::milliseconds(overlap_ms as i64 / 2),
                day: day_of(start, from, days),
                overlap_ms,
                factors,
            };
            if day_sums.len() <= h.day {
                day_sums.resize_with(h.day + 1, || Hour {
                    mid: h.mid,
                    day: h.day,
                    overlap_ms: 0.0,
                    factors: [0.0; 3],
                });
            }
            let sum = &mut day_sums[h.day];
            sum.overlap_ms += overlap_ms;
            for (acc, f) in sum.factors.iter_mut().zip(factors) {
                *acc += f;
            }
            hours.push(h);
            hour = next;
        }
        Self {
            start,
            hours,
            days: day_sums,
        }
    }
}

/// Day index of `t` counted from `start`, clamped into the horizon (a run's last events may spill
/// a few seconds past the end; they still count).
pub fn day_of(start: DateTime<Utc>, t: DateTime<Utc>, days: usize) -> usize {
    let day = (t - start).num_seconds().div_euclid(86_400).max(0) as usize;
    day.min(days.saturating_sub(1))
}
