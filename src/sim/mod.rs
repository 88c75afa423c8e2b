//! The simulation: merges every workload's and anomaly's run stream into one time-ordered stream
//! of semantic events. Memory holds one pending run per source, whatever the period or rate.

pub mod actions;
pub mod anomalies;
pub mod calls;
pub mod directory;
pub mod event;
pub mod labels;
pub mod schedule;
pub mod tokens;
pub mod workloads;

use crate::ids::{IdSource, SimRng};
use crate::scenario::Tenant;
use crate::scenario::model::TokenCacheMode;
use chrono::{DateTime, Utc};
pub use event::{Event, EventKind};
pub use labels::LabelSeed;
use schedule::Runs;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tokens::{RunTokens, TokenCache};

/// Where the next run comes from.
enum Source {
    Workload {
        tenant: usize,
        workload: usize,
        /// The run instants and the random stream of the runs (boxed: they are large).
        streams: Box<(Runs, SimRng)>,
        index: u64,
    },
    Anomaly {
        tenant: usize,
        anomaly: usize,
        label: usize,
        fired: bool,
    },
    /// A person's scheduled actions.
    People {
        tenant: usize,
        schedule: usize,
        streams: Box<(Runs, SimRng)>,
        index: u64,
    },
}

/// Which workload or anomaly an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Workload {
        tenant: usize,
        workload: usize,
    },
    /// `label` indexes [`Simulation::labels`].
    Anomaly {
        tenant: usize,
        anomaly: usize,
        label: usize,
    },
    /// A person's scheduled actions (`schedule` indexes the tenant's `schedules`).
    People {
        tenant: usize,
        schedule: usize,
    },
}

impl Origin {
    pub fn label(self) -> Option<usize> {
        match self {
            Origin::Anomaly { label, .. } => Some(label),
            Origin::Workload { .. } | Origin::People { .. } => None,
        }
    }

    /// The tenant it belongs to.
    pub fn tenant(self) -> usize {
        match self {
            Origin::Workload { tenant, .. } | Origin::Anomaly { tenant, .. } | Origin::People { tenant, .. } => tenant,
        }
    }
}

/// Receives events in time order (by run start; a run's own events follow its start).
pub trait EventSink {
    fn event(&mut self, event: &Event<'_>, origin: Origin) -> std::io::Result<()>;
}

pub struct Simulation<'t> {
    tenants: &'t [Tenant],
    ids: IdSource,
    labels: Vec<LabelSeed>,
}

impl<'t> Simulation<'t> {
    pub fn new(tenants: &'t [Tenant], ids: IdSource) -> Self {
        let labels = tenants
            .iter()
            .flat_map(|t| t.anomalies.iter().map(move |a| labels::seed(t, a)))
            .collect();
        Self { tenants, ids, labels }
    }

    pub fn labels(&self) -> &[LabelSeed] {
        &self.labels
    }

    /// The overall simulated period.
    pub fn period(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.tenants.iter().map(|t| t.start).min().unwrap_or_default();
        let end = self.tenants.iter().map(|t| t.end).max().unwrap_or_default();
        (start, end)
    }

    /// Every source of runs: each workload's and person schedule's, then each anomaly.
    fn sources(&self) -> Vec<Source> {
        let mut sources = Vec::new();
        let mut label = 0;
        for (ti, tenant) in self.tenants.iter().enumerate() {
            for (wi, workload) in tenant.workloads.iter().enumerate() {
                let runs = Runs::new(
                    &workload.schedule,
                    tenant.start,
                    tenant.end,
                    self.ids.rng(&workload.path, "schedule"),
                );
                let rng = self.ids.rng(&workload.path, "runs");
                sources.push(Source::Workload {
                    tenant: ti,
                    workload: wi,
                    streams: Box::new((runs, rng)),
                    index: 0,
                });
            }
            for (pi, people) in tenant.schedules.iter().enumerate() {
                let runs = Runs::new(&people.schedule, tenant.start, tenant.end, self.ids.rng(&people.path, "schedule"));
                sources.push(Source::People {
                    tenant: ti,
                    schedule: pi,
                    streams: Box::new((runs, self.ids.rng(&people.path, "runs"))),
                    index: 0,
                });
            }
            for (ai, _) in tenant.anomalies.iter().enumerate() {
                sources.push(Source::Anomaly {
                    tenant: ti,
                    anomaly: ai,
                    label,
                    fired: false,
                });
                label += 1;
            }
        }
        sources
    }

    /// Runs `source` once at `t` into `events`: where they come from, and the tokens a workload's
    /// run obtained (to be stored once the run is placed in time).
    fn run_source<'c>(
        &self,
        source: &mut Source,
        t: DateTime<Utc>,
        cache: &'c TokenCache,
        events: &mut Vec<Event<'t>>,
    ) -> (Origin, Option<RunTokens<'c>>) {
        match source {
            Source::Workload {
                tenant: ti,
                workload: wi,
                streams,
                index,
            } => {
                let tenant = &self.tenants[*ti];
                let workload = &tenant.workloads[*wi];
                let shared = (workload.token_cache == TokenCacheMode::Shared).then_some(cache);
                let mut tokens = RunTokens::new(*ti, workload.identity, shared);
                workloads::run(&self.ids, tenant, workload, *index, t, &mut tokens, &mut streams.1, events);
                *index += 1;
                let origin = Origin::Workload {
                    tenant: *ti,
                    workload: *wi,
                };
                (origin, Some(tokens))
            }
            Source::People {
                tenant: ti,
                schedule,
                streams,
                index,
            } => {
                let tenant = &self.tenants[*ti];
                let actions = tenant.schedules[*schedule].run(*index);
                *index += 1;
                actions::perform_all(&self.ids, tenant, actions, t, &mut RunTokens::fresh(), &mut streams.1, events);
                let origin = Origin::People {
                    tenant: *ti,
                    schedule: *schedule,
                };
                (origin, None)
            }
            Source::Anomaly {
                tenant: ti,
                anomaly,
                label,
                ..
            } => {
                let tenant = &self.tenants[*ti];
                let mut rng = self.ids.rng(&format!("{}/anomaly/{anomaly}", tenant.scenario), "events");
                anomalies::anomaly(&self.ids, tenant, &tenant.anomalies[*anomaly], &mut rng, events);
                let origin = Origin::Anomaly {
                    tenant: *ti,
                    anomaly: *anomaly,
                    label: *label,
                };
                (origin, None)
            }
        }
    }

    /// Runs the simulation, feeding every event to `sink`; `progress` sees each run's start time.
    pub fn run(&self, sink: &mut impl EventSink, progress: impl FnMut(DateTime<Utc>)) -> std::io::Result<()> {
        self.run_with(
            |events, origin| {
                for event in events.iter() {
                    sink.event(event, origin)?;
                }
                Ok(())
            },
            progress,
        )
    }

    /// Runs the simulation, handing each run's events, in order, to `each`, which may take them
    /// out of the vector (so that `generate` can move them to rendering threads without a clone).
    pub fn run_with(
        &self,
        mut each: impl FnMut(&mut Vec<Event<'t>>, Origin) -> std::io::Result<()>,
        mut progress: impl FnMut(DateTime<Utc>),
    ) -> std::io::Result<()> {
        let mut sources = self.sources();
        let mut heap = BinaryHeap::new();
        for (si, source) in sources.iter_mut().enumerate() {
            if let Some(t) = next_time(self.tenants, source) {
                heap.push(Reverse((t, si)));
            }
        }
        let mut events = Vec::new();
        let mut cache = TokenCache::new();
        while let Some(Reverse((t, si))) = heap.pop() {
            progress(t);
            events.clear();
            let (origin, obtained) = self.run_source(&mut sources[si], t, &cache, &mut events);
            let tenant = &self.tenants[origin.tenant()];
            let delta = keep_inside(&mut events, tenant.start, tenant.end);
            if let Some(tokens) = obtained {
                let finished = tokens.finish(delta);
                cache.store(finished);
            }
            each(&mut events, origin)?;
            if let Some(next) = next_time(self.tenants, &mut sources[si]) {
                heap.push(Reverse((next, si)));
            }
        }
        Ok(())
    }
}

/// A run that starts near the end of the period would log its last records after it; such a run
/// is moved earlier as a whole, so that every record lies inside the period and the run keeps its
/// internal timing (a token's sign-in before its use). It is never moved before the sign-in of a
/// token it reuses from an earlier run: what still falls after the end then is left out, as an
/// export window cuts a run. Returns how far it moved.
fn keep_inside(events: &mut Vec<Event<'_>>, start: DateTime<Utc>, end: DateTime<Utc>) -> chrono::TimeDelta {
    let Some(last) = events.iter().map(|e| e.time).max() else {
        return chrono::TimeDelta::zero();
    };
    if last < end {
        return chrono::TimeDelta::zero();
    }
    let first = events.iter().map(|e| e.time).min().unwrap_or(last);
    // A run with records far apart (an activation and its expiry hours later) is not moved: what
    // falls after the end is left out.
    if last - first > chrono::TimeDelta::minutes(10) {
        events.retain(|e| e.time < end);
        return chrono::TimeDelta::zero();
    }
    // One millisecond before the end; never before the period's start, nor before a reused token.
    let reused = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Arm(a) if a.caller.token().issued_at < first => Some(a.caller.token().issued_at - e.time),
            _ => None,
        })
        .max();
    let earliest = reused.map_or(start - first, |d| d.max(start - first));
    let delta = (end - chrono::TimeDelta::milliseconds(1) - last).max(earliest);
    for event in events.iter_mut() {
        event.shift(delta, first);
    }
    events.retain(|e| e.time < end);
    delta
}

fn next_time(tenants: &[Tenant], source: &mut Source) -> Option<DateTime<Utc>> {
    match source {
        Source::Workload { streams, .. } | Source::People { streams, .. } => streams.0.next(),
        Source::Anomaly { fired: true, .. } => None,
        Source::Anomaly {
            tenant, anomaly, fired, ..
        } => {
            *fired = true;
            Some(tenants[*tenant].anomalies[*anomaly].at)
        }
    }
}

/// A random delay of a whole number of 100-ns ticks in `[lo, hi)`: Log Analytics records time to the
/// tick (`2025-01-07T20:00:00.0483028Z`, real-exports.md §7), so delays drawn in milliseconds would
/// leave every timestamp ending in `0000`.
pub(crate) fn random_delay(rng: &mut crate::ids::SimRng, lo: chrono::TimeDelta, hi: chrono::TimeDelta) -> chrono::TimeDelta {
    use rand::RngExt;
    const TICK_NS: i64 = 100;
    let (lo, hi) = (tick_count(lo), tick_count(hi));
    if hi <= lo {
        return chrono::TimeDelta::nanoseconds(lo * TICK_NS);
    }
    chrono::TimeDelta::nanoseconds(rng.random_range(lo..hi) * TICK_NS)
}

fn tick_count(d: chrono::TimeDelta) -> i64 {
    d.num_microseconds().map_or(i64::MAX / 100, |us| us.saturating_mul(10))
}
