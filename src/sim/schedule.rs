//! When a workload runs: a lazy, time-ordered stream of run instants per workload, so memory stays
//! flat whatever the period or rate. `estimate` uses the same streams to count runs.

use crate::ids::SimRng;
use crate::scenario::model::DailyProfile;
use crate::scenario::tenant::Schedule;
use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Timelike, Utc, Weekday};
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Relative weight of each UTC hour of the day.
pub fn hourly_weights(profile: DailyProfile) -> [f64; 24] {
    let mut w = [0.0; 24];
    for (hour, slot) in w.iter_mut().enumerate() {
        *slot = match profile {
            DailyProfile::Flat => 1.0,
            DailyProfile::BusinessHours => match hour {
                8..=17 => 10.0,
                6..=7 | 18..=19 => 3.0,
                _ => 1.0,
            },
            DailyProfile::Nightly => f64::from(u8::from((1..=4).contains(&hour))),
        };
    }
    w
}

/// Multiplier of the per-day rate for a given weekday.
pub fn day_factor(profile: DailyProfile, weekday: Weekday) -> f64 {
    match (profile, weekday) {
        (DailyProfile::BusinessHours, Weekday::Sat | Weekday::Sun) => 0.1,
        _ => 1.0,
    }
}

/// Expected runs in the hour starting at `hour_start` for a `per_day` schedule.
pub fn expected_runs_in_hour(runs_per_day: f64, profile: DailyProfile, hour_start: DateTime<Utc>) -> f64 {
    let weights = hourly_weights(profile);
    let total: f64 = weights.iter().sum();
    runs_per_day * day_factor(profile, hour_start.weekday()) * weights[hour_start.hour() as usize] / total
}

/// The run instants of one workload in `[start, end)`, in time order: jitter may move a run past
/// the next one's scheduled instant, so runs wait until no later candidate can come before them
/// (a client's token cache sees its runs in the order they happen).
pub struct Runs {
    state: State,
    jitter: TimeDelta,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rng: SimRng,
    /// Jittered runs not yet returned.
    pending: BinaryHeap<Reverse<DateTime<Utc>>>,
    /// The next scheduled (unjittered) instant, once drawn; `Some(None)` when there is none.
    next_base: Option<Option<DateTime<Utc>>>,
}

enum State {
    Every {
        next: DateTime<Utc>,
        interval: TimeDelta,
    },
    PerDay {
        hour: DateTime<Utc>,
        runs: f64,
        profile: DailyProfile,
        carry: f64,
        pending: VecDeque<DateTime<Utc>>,
    },
    At {
        times: std::vec::IntoIter<DateTime<Utc>>,
    },
}

impl Runs {
    pub fn new(schedule: &Schedule, start: DateTime<Utc>, end: DateTime<Utc>, mut rng: SimRng) -> Self {
        let (state, jitter) = match schedule {
            Schedule::Every { interval, jitter } => {
                // A stable phase inside the first interval keeps a population's members from all
                // firing at the same second.
                let phase_ms = rng.random_range(0..interval.num_milliseconds().max(1));
                (
                    State::Every {
                        next: start + TimeDelta::milliseconds(phase_ms),
                        interval: *interval,
                    },
                    *jitter,
                )
            }
            Schedule::PerDay { runs, profile, jitter, .. } => {
                let hour = start
                    .with_minute(0)
                    .and_then(|t| t.with_second(0))
                    .and_then(|t| t.with_nanosecond(0))
                    .unwrap_or(start);
                (
                    State::PerDay {
                        hour,
                        runs: *runs,
                        profile: *profile,
                        carry: 0.0,
                        pending: VecDeque::new(),
                    },
                    *jitter,
                )
            }
            Schedule::At { times, jitter } => (
                State::At {
                    times: times.clone().into_iter(),
                },
                *jitter,
            ),
        };
        Self {
            state,
            jitter,
            start,
            end,
            rng,
            pending: BinaryHeap::new(),
            next_base: None,
        }
    }

    fn jittered(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        if self.jitter <= TimeDelta::zero() {
            return t;
        }
        t + super::random_delay(&mut self.rng, TimeDelta::zero(), self.jitter)
    }

    /// The next scheduled instant before jitter, in schedule order; `None` past the period.
    fn base(&mut self) -> Option<DateTime<Utc>> {
        let t = match &mut self.state {
            State::Every { next, interval } => {
                let base = *next;
                *next = base + *interval;
                base
            }
            State::At { times } => times.next()?,
            State::PerDay {
                hour,
                runs,
                profile,
                carry,
                pending,
            } => loop {
                if let Some(t) = pending.pop_front() {
                    break t;
                }
                if *hour >= self.end {
                    return None;
                }
                // A day at a time: its run count is floor(cumulative expected runs) at the day's
                // end, the fraction carrying over (so `estimate` counts without sampling), and the
                // runs fall at hours drawn by the profile's weights. Placing them by the carry
                // instead would put a once-a-day run at the same late hour every day.
                let day_end = (*hour + TimeDelta::days(1))
                    .duration_trunc(TimeDelta::days(1))
                    .unwrap_or(*hour + TimeDelta::days(1));
                let mut weights: Vec<(DateTime<Utc>, f64)> = Vec::with_capacity(24);
                let mut expected = *carry;
                while *hour < day_end && *hour < self.end {
                    let w = expected_runs_in_hour(*runs, *profile, *hour);
                    weights.push((*hour, w));
                    expected += w;
                    *hour += TimeDelta::hours(1);
                }
                // The epsilon keeps float drift in the accumulated fractions from dropping a whole run.
                let count = (expected + 1e-9).floor();
                *carry = expected - count;
                let total: f64 = weights.iter().map(|(_, w)| w).sum();
                let mut day: Vec<DateTime<Utc>> = (0..count as u64)
                    .filter_map(|_| {
                        let mut pick = self.rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
                        let (hour_start, _) = weights
                            .iter()
                            .find(|(_, w)| {
                                pick -= w;
                                pick < 0.0
                            })
                            .or(weights.last())?;
                        Some(*hour_start + super::random_delay(&mut self.rng, TimeDelta::zero(), TimeDelta::hours(1)))
                    })
                    .collect();
                day.sort_unstable();
                pending.extend(day);
            },
        };
        (t < self.end).then_some(t)
    }
}

impl Iterator for Runs {
    type Item = DateTime<Utc>;

    fn next(&mut self) -> Option<DateTime<Utc>> {
        // Without jitter the scheduled instants are already in order.
        if self.jitter <= TimeDelta::zero() {
            loop {
                let t = self.base()?;
                if t >= self.start && t < self.end {
                    return Some(t);
                }
            }
        }
        loop {
            let next_base = match self.next_base {
                Some(b) => b,
                None => {
                    let b = self.base();
                    self.next_base = Some(b);
                    b
                }
            };
            // Jitter only delays: no run still to be drawn can come before its scheduled instant.
            let earliest = self.pending.peek().map(|Reverse(t)| *t);
            match (earliest, next_base) {
                (Some(t), Some(b)) if t <= b => return self.pending.pop().map(|Reverse(t)| t),
                (Some(_), None) => return self.pending.pop().map(|Reverse(t)| t),
                (_, Some(b)) => {
                    self.next_base = None;
                    let t = self.jittered(b);
                    if t >= self.start && t < self.end {
                        self.pending.push(Reverse(t));
                    }
                }
                (None, None) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IdSource;
    use chrono::TimeZone;

    fn day() -> (DateTime<Utc>, DateTime<Utc>) {
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(); // a Monday
        (start, start + TimeDelta::days(1))
    }

    #[test]
    fn every_runs_at_fixed_interval_within_period() {
        let (start, end) = day();
        let schedule = Schedule::Every {
            interval: TimeDelta::hours(4),
            jitter: TimeDelta::zero(),
        };
        let runs: Vec<_> = Runs::new(&schedule, start, end, IdSource::new(1).rng("w", "runs")).collect();
        assert_eq!(runs.len(), 6);
        assert!(runs.windows(2).all(|w| w[1] - w[0] == TimeDelta::hours(4)));
        assert!(runs.iter().all(|t| *t >= start && *t < end));
    }

    #[test]
    fn per_day_counts_follow_the_profile_and_weekends() {
        let (start, _) = day();
        let week_end = start + TimeDelta::days(7);
        let schedule = Schedule::PerDay {
            runs: 100.0,
            profile: DailyProfile::BusinessHours,
            jitter: TimeDelta::zero(),
            range: None,
        };
        let runs: Vec<_> = Runs::new(&schedule, start, week_end, IdSource::new(1).rng("w", "runs")).collect();
        // 5 weekdays × 100 + 2 weekend days × 10, up to the carried fraction.
        assert!((519..=520).contains(&runs.len()), "{}", runs.len());
        let in_office = runs.iter().filter(|t| (8..18).contains(&t.hour())).count();
        assert!(in_office > runs.len() / 2);
        assert!(runs.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn jittered_runs_come_in_time_order() {
        let (start, end) = day();
        let schedule = Schedule::PerDay {
            runs: 200.0,
            profile: DailyProfile::Flat,
            jitter: TimeDelta::minutes(30),
            range: None,
        };
        let runs: Vec<_> = Runs::new(&schedule, start, end, IdSource::new(3).rng("w", "runs")).collect();
        assert!(runs.len() > 190, "{}", runs.len());
        assert!(runs.windows(2).all(|w| w[0] <= w[1]), "runs out of order");
    }

    #[test]
    fn at_times_outside_the_period_are_skipped_and_jitter_is_bounded() {
        let (start, end) = day();
        let inside = start + TimeDelta::hours(10);
        let schedule = Schedule::At {
            times: vec![start - TimeDelta::hours(1), inside],
            jitter: TimeDelta::minutes(5),
        };
        let runs: Vec<_> = Runs::new(&schedule, start, end, IdSource::new(1).rng("w", "runs")).collect();
        assert_eq!(runs.len(), 1);
        assert!(runs[0] >= inside && runs[0] < inside + TimeDelta::minutes(5));
    }
}
