//! The exact count: run the simulation and render every record without writing it.

use super::analytic::day_of;
use super::volume::Volume;
use crate::ids::IdSource;
use crate::scenario::Tenant;
use crate::sim::{Event, EventSink, Origin, Simulation};
use crate::tables::{self, Category, RecordWriter};
use chrono::{DateTime, Utc};

struct Counter<'v> {
    volume: &'v mut Volume,
    writer: RecordWriter,
    start: DateTime<Utc>,
    identity_offsets: Vec<usize>,
    workload_offsets: Vec<usize>,
    tenants: &'v [Tenant],
}

impl EventSink for Counter<'_> {
    fn event(&mut self, event: &Event<'_>, origin: Origin) -> std::io::Result<()> {
        let bytes = tables::render(event, self.volume.modes, &mut self.writer).billed_size as f64;
        let (identity, workload) = match origin {
            Origin::Workload { tenant, workload } => (
                self.identity_offsets[tenant] + self.tenants[tenant].workloads[workload].identity,
                Some(self.workload_offsets[tenant] + workload),
            ),
            // People are not identities: their activity counts in the totals only.
            Origin::People { .. } => (usize::MAX, None),
            Origin::Anomaly { tenant, anomaly, .. } => (
                self.tenants[tenant].anomalies[anomaly]
                    .identity
                    .map_or(usize::MAX, |i| self.identity_offsets[tenant] + i),
                None,
            ),
        };
        let days = self.volume.days();
        self.volume.add(
            day_of(self.start, event.time, days),
            Category::of(event),
            1.0,
            bytes,
            identity,
            workload,
        );
        Ok(())
    }
}

/// Counts every record of `tenants` into `volume`, telling `progress` the fraction of the horizon
/// (from `start` to the last tenant's end) simulated so far.
pub fn count(
    ids: IdSource,
    tenants: &[Tenant],
    volume: &mut Volume,
    start: DateTime<Utc>,
    mut progress: impl FnMut(f64),
) -> std::io::Result<()> {
    let offsets = |len: fn(&Tenant) -> usize| {
        tenants
            .iter()
            .scan(0, |acc, t| Some(std::mem::replace(acc, *acc + len(t))))
            .collect::<Vec<_>>()
    };
    let mut counter = Counter {
        volume,
        writer: RecordWriter::new(),
        start,
        identity_offsets: offsets(|t| t.identities.len()),
        workload_offsets: offsets(|t| t.workloads.len()),
        tenants,
    };
    let end = tenants.iter().map(|t| t.end).max().unwrap_or(start);
    let span = (end - start).num_milliseconds().max(1) as f64;
    // Runs come in time order; the fraction is kept from falling back all the same.
    let mut done = 0.0_f64;
    let result = Simulation::new(tenants, ids).run(&mut counter, |t| {
        let fraction = ((t - start).num_milliseconds() as f64 / span).clamp(0.0, 1.0);
        if fraction > done {
            done = fraction;
            progress(fraction);
        }
    });
    if result.is_ok() && done < 1.0 {
        progress(1.0);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::volume::Volume;

    #[test]
    fn progress_rises_from_zero_to_one() {
        let ids = IdSource::new(1);
        let source = include_str!("../../scenarios/tenant-small.yaml");
        let tenant = crate::scenario::parse(std::path::Path::new("tenant-small.yaml"), source, ids).expect("valid scenario");
        let start = tenant.start;
        let days = ((tenant.end - tenant.start).num_hours() as f64 / 24.0).ceil() as usize;
        let tenants = [tenant];
        let mut volume = Volume::new(days, Vec::new(), Vec::new());
        let mut seen = Vec::new();
        count(ids, &tenants, &mut volume, start, |f| seen.push(f)).expect("count");
        assert!(seen.len() > 10, "only {} progress reports", seen.len());
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "not increasing: {seen:?}");
        assert!(seen[0] >= 0.0 && seen[0] < 0.5, "{seen:?}");
        assert_eq!(seen.last(), Some(&1.0));
        assert!(volume.total().rows > 0.0);
    }
}
