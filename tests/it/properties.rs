//! Property tests: random valid scenarios (service principals, managed identities, populations,
//! workloads of all four kinds on `every` / `per_day` / `at` schedules with jitter, periods of 1 h
//! to 3 d, credentials that may expire mid-period, anomalies) run through the library's
//! `generate`; every cross-table reference must resolve as in the join map, every resource
//! operation must follow a successful sign-in of its identity to the right resource within the
//! hour, and every record must lie inside the simulated period.

use crate::support::{Generated, TABLES, TempDir, generate_lib, join, s, summarize, time_of};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::fmt::Write;

#[derive(Debug, Clone)]
enum Schedule {
    Every { minutes: u32, jitter_s: Option<u32> },
    PerDay { runs: f64, profile: usize, jitter_s: Option<u32> },
    At { times: Vec<AtTime>, jitter_s: Option<u32> },
}

/// An `at` instant: a fraction of the period, or a few seconds before its end (where a run's later
/// records could spill over).
#[derive(Debug, Clone, Copy)]
enum AtTime {
    Fraction(f64),
    BeforeEnd(u32),
}

#[derive(Debug, Clone)]
struct Workload {
    kind: usize,
    identity: usize,
    schedule: Schedule,
    variant: usize,
}

#[derive(Debug, Clone)]
struct Population {
    count: u32,
    service_principals: bool,
    workload_kind: usize,
    schedule: Schedule,
}

#[derive(Debug, Clone)]
struct Anomaly {
    failed: bool,
    identity: usize,
    fraction: f64,
    count: u32,
}

#[derive(Debug, Clone)]
struct Spec {
    region: usize,
    start_day: u32,
    start_hour: u32,
    minutes: i64,
    private_endpoint: bool,
    /// Per service principal: certificate?, and when its credential expires (fraction of the period; > 1 = after it).
    sps: Vec<(bool, f64)>,
    /// Per managed identity: system-assigned (on its own VM)?
    mis: Vec<bool>,
    populations: Vec<Population>,
    workloads: Vec<Workload>,
    anomalies: Vec<Anomaly>,
}

const REGIONS: [&str; 5] = ["westeurope", "northeurope", "germanywestcentral", "eastus", "westus2"];
const PROFILES: [&str; 3] = ["flat", "business_hours", "nightly"];

fn jitter() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), (1u32..=1_200).prop_map(Some)]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    prop_oneof![
        (prop::sample::select(vec![10u32, 15, 30, 60, 120, 240, 720]), jitter())
            .prop_map(|(minutes, jitter_s)| Schedule::Every { minutes, jitter_s }),
        (0.5f64..48.0, 0..PROFILES.len(), jitter()).prop_map(|(runs, profile, jitter_s)| Schedule::PerDay { runs, profile, jitter_s }),
        (
            prop::collection::vec(
                prop_oneof![(0.0f64..0.999).prop_map(AtTime::Fraction), (1u32..=20).prop_map(AtTime::BeforeEnd)],
                1..=3
            ),
            jitter()
        )
            .prop_map(|(times, jitter_s)| Schedule::At { times, jitter_s }),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0..REGIONS.len(), 0u32..330, 0u32..24, 60i64..=4_320, any::<bool>()),
        prop::collection::vec((any::<bool>(), prop_oneof![3 => Just(9.0f64), 1 => 0.05f64..1.0]), 1..=3),
        prop::collection::vec(any::<bool>(), 0..=2),
        prop::collection::vec(
            (1u32..=3, any::<bool>(), 0usize..4, schedule()).prop_map(|(count, service_principals, workload_kind, schedule)| Population {
                count,
                service_principals,
                workload_kind,
                schedule,
            }),
            0..=2,
        ),
        prop::collection::vec(
            (0usize..4, 0usize..16, schedule(), 0usize..4).prop_map(|(kind, identity, schedule, variant)| Workload {
                kind,
                identity,
                schedule,
                variant,
            }),
            1..=6,
        ),
        prop::collection::vec(
            (any::<bool>(), 0usize..16, 0.0f64..0.99, 1u32..=3).prop_map(|(failed, identity, fraction, count)| Anomaly {
                failed,
                identity,
                fraction,
                count,
            }),
            0..=2,
        ),
    )
        .prop_map(
            |((region, start_day, start_hour, minutes, private_endpoint), sps, mis, populations, workloads, anomalies)| Spec {
                region,
                start_day,
                start_hour,
                minutes,
                private_endpoint,
                sps,
                mis,
                populations,
                workloads,
                anomalies,
            },
        )
}

impl Spec {
    fn start(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, self.start_hour, 0, 0)
            .single()
            .expect("valid start")
            + TimeDelta::days(i64::from(self.start_day))
    }

    fn end(&self) -> DateTime<Utc> {
        self.start() + TimeDelta::minutes(self.minutes)
    }

    fn at(&self, fraction: f64) -> String {
        let t = self.start() + TimeDelta::milliseconds((self.minutes as f64 * 60_000.0 * fraction) as i64);
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    fn sp_names(&self) -> Vec<String> {
        (1..=self.sps.len()).map(|i| format!("sp-{i}")).collect()
    }

    /// Named identities: service principals then managed identities.
    fn identity_names(&self) -> Vec<String> {
        let mut names = self.sp_names();
        names.extend((1..=self.mis.len()).map(|i| format!("mi-{i}")));
        names
    }

    fn schedule_yaml(&self, schedule: &Schedule) -> String {
        let jitter = |j: &Option<u32>| j.map_or(String::new(), |s| format!(", jitter: {s}s"));
        match schedule {
            Schedule::Every { minutes, jitter_s } => format!("{{ every: {minutes}m{} }}", jitter(jitter_s)),
            Schedule::PerDay { runs, profile, jitter_s } => {
                format!("{{ per_day: {runs:.3}, profile: {}{} }}", PROFILES[*profile], jitter(jitter_s))
            }
            Schedule::At { times, jitter_s } => {
                let times: Vec<String> = times
                    .iter()
                    .map(|t| match t {
                        AtTime::Fraction(f) => self.at(*f),
                        AtTime::BeforeEnd(secs) => (self.end() - TimeDelta::seconds(i64::from(*secs)))
                            .format("%Y-%m-%dT%H:%M:%SZ")
                            .to_string(),
                    })
                    .collect();
                format!("{{ at: [{}]{} }}", times.join(", "), jitter(jitter_s))
            }
        }
    }

    /// The fields a workload of `kind` needs besides identity and schedule; a managed identity's
    /// tokens are the platform's, so its pipelines take no `signins_per_run`.
    fn workload_fields(kind: usize, variant: usize, managed: bool, indent: &str) -> String {
        match kind {
            0 => format!(
                "{indent}kind: keyvault_secret_read\n{indent}vault: {}\n",
                ["kv-a", "kv-b"][variant % 2]
            ),
            1 if managed => format!("{indent}kind: arm_deployment\n{indent}sql_database: sql-a/db1\n"),
            1 => format!(
                "{indent}kind: arm_deployment\n{indent}sql_database: sql-a/db1\n{indent}signins_per_run: {}\n",
                variant + 1
            ),
            2 => format!("{indent}kind: logic_app_run\n{indent}logic_app: la-a\n"),
            _ => format!(
                "{indent}kind: graph_operation\n{indent}operation: {}\n{indent}policy: \"CA{}: policy\"\n",
                ["delete_conditional_access_policy", "update_conditional_access_policy"][variant % 2],
                variant % 2 + 1
            ),
        }
    }

    fn yaml(&self) -> String {
        let mut y = String::new();
        let start = self.start().format("%Y-%m-%dT%H:%M:%SZ");
        let _ = write!(
            y,
            "name: prop\ntenant:\n  domain: prop.onmicrosoft.com\n  region: {}\nperiod:\n  start: {start}\n  duration: {}m\n",
            REGIONS[self.region], self.minutes
        );
        y.push_str("subscriptions:\n  - name: sub-a\n    resource_groups: [rg-a, rg-b]\n  - name: sub-b\n    resource_groups: [rg-c]\n");
        y.push_str("resources:\n  virtual_machines:\n");
        for i in 1..=self.mis.len().max(1) {
            let _ = writeln!(y, "    - {{ name: vm-{i}, resource_group: rg-a }}");
        }
        let _ = write!(
            y,
            "  key_vaults:\n    - {{ name: kv-a, resource_group: rg-a, private_endpoint: {}, secrets: [s1, s2] }}\n    - {{ name: kv-b, resource_group: sub-b/rg-c, secrets: [s1] }}\n",
            self.private_endpoint
        );
        y.push_str("  sql_servers:\n    - { name: sql-a, resource_group: rg-b, databases: [db1] }\n");
        y.push_str("  logic_apps:\n    - { name: la-a, resource_group: rg-b, tags: { LogicAppsCategory: security } }\n");
        y.push_str("  conditional_access_policies:\n    - name: \"CA1: policy\"\n    - name: \"CA2: policy\"\n");
        y.push_str("identities:\n");
        let period_start = self.start();
        for (i, (certificate, expiry)) in self.sps.iter().enumerate() {
            let kind = if *certificate { "certificate" } else { "client_secret" };
            let credential_start = (period_start - TimeDelta::days(200)).format("%Y-%m-%dT%H:%M:%SZ");
            let _ = write!(
                y,
                "  - name: sp-{}\n    kind: service_principal\n    credentials:\n      - {{ type: {kind}, start: {credential_start}, expiry: {} }}\n",
                i + 1,
                if *expiry > 1.0 {
                    (period_start + TimeDelta::days(400)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
                } else {
                    self.at(*expiry)
                }
            );
        }
        for (i, system) in self.mis.iter().enumerate() {
            if *system {
                let _ = writeln!(
                    y,
                    "  - {{ name: mi-{}, kind: system_assigned_mi, attached_to: vm-{} }}",
                    i + 1,
                    i + 1
                );
            } else {
                let _ = writeln!(y, "  - {{ name: mi-{}, kind: user_assigned_mi, resource_group: rg-a }}", i + 1);
            }
        }
        if !self.populations.is_empty() {
            y.push_str("populations:\n");
            for (p, pop) in self.populations.iter().enumerate() {
                let identity = if pop.service_principals {
                    format!("{{ name: \"pop{p}-{{n:02}}\", kind: service_principal, credentials: [{{ type: client_secret }}] }}")
                } else {
                    format!("{{ name: \"pop{p}-{{n:02}}\", kind: user_assigned_mi, resource_group: rg-a }}")
                };
                let _ = write!(
                    y,
                    "  - name: pop{p}\n    count: {}\n    identity: {identity}\n    workloads:\n      - schedule: {}\n{}",
                    pop.count,
                    self.schedule_yaml(&pop.schedule),
                    Self::workload_fields(pop.workload_kind, p, !pop.service_principals, "        ")
                );
            }
        }
        let names = self.identity_names();
        y.push_str("workloads:\n");
        for w in &self.workloads {
            let identity = &names[w.identity % names.len()];
            let _ = write!(
                y,
                "  - identity: {identity}\n    schedule: {}\n{}",
                self.schedule_yaml(&w.schedule),
                Self::workload_fields(w.kind, w.variant, identity.starts_with("mi-"), "    ")
            );
        }
        if !self.anomalies.is_empty() {
            y.push_str("anomalies:\n");
            let sps = self.sp_names();
            for a in &self.anomalies {
                let identity = &sps[a.identity % sps.len()];
                if a.failed {
                    let _ = writeln!(
                        y,
                        "  - {{ kind: failed_signins, identity: {identity}, at: {}, reason: wrong_secret, count: {}, ip: 185.220.101.9 }}",
                        self.at(a.fraction),
                        a.count
                    );
                } else {
                    let _ = writeln!(
                        y,
                        "  - {{ kind: credential_added_to_active_sp, identity: {identity}, at: {}, ip: 203.0.113.7 }}",
                        self.at(a.fraction)
                    );
                }
            }
        }
        y
    }
}

/// Writes the scenario and runs the library's `generate` on it.
fn generate(spec: &Spec, seed: u64) -> Result<(Generated, String), TestCaseError> {
    let tmp = TempDir::new("prop");
    let path = tmp.join("prop.yaml");
    let yaml = spec.yaml();
    std::fs::write(&path, &yaml).expect("write scenario");
    let generated = generate_lib(&path, seed).map_err(|e| TestCaseError::fail(format!("generate failed: {e}\n{yaml}")))?;
    Ok((generated, yaml))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        max_shrink_iters: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_cross_table_reference_resolves(spec in spec(), seed in any::<u64>()) {
        let (g, yaml) = generate(&spec, seed)?;
        let mut known: BTreeSet<String> = join::scenario_sp_names(&g, seed);
        known.extend(spec.sp_names());
        known.extend(join::signed_in_sp_names(&g));
        let problems = join::check_all(&g, &known, &join::scenario_subscriptions(&g, seed));
        prop_assert!(problems.is_empty(), "{}\n--- scenario ---\n{yaml}", summarize(problems, 10));
    }

    #[test]
    fn every_record_lies_inside_the_period(spec in spec(), seed in any::<u64>()) {
        let (g, yaml) = generate(&spec, seed)?;
        let (start, end) = g.period();
        prop_assert_eq!((start, end), (spec.start(), spec.end()));
        let mut problems = Vec::new();
        for table in TABLES {
            for r in g.records(table) {
                let t = time_of(r);
                if t < start || t > end {
                    problems.push(format!("{table} {}: TimeGenerated {t} outside {start} .. {end}", s(r, "TimeGenerated")));
                }
            }
        }
        prop_assert!(problems.is_empty(), "{}\n--- scenario ---\n{yaml}", summarize(problems, 10));
    }
}

/// The deterministic edge the second property probes at random: a pipeline run in the period's last
/// second. Its sign-ins and the deployment's activity follow the run's start by up to a minute.
#[test]
fn a_run_in_the_last_second_keeps_its_records_inside_the_period() {
    let spec = Spec {
        region: 0,
        start_day: 10,
        start_hour: 0,
        minutes: 60,
        private_endpoint: false,
        sps: vec![(false, 9.0)],
        mis: vec![],
        populations: vec![],
        workloads: vec![Workload {
            kind: 1,
            identity: 0,
            schedule: Schedule::At {
                times: vec![AtTime::BeforeEnd(1)],
                jitter_s: None,
            },
            variant: 3,
        }],
        anomalies: vec![],
    };
    let (g, yaml) = generate(&spec, 1).unwrap_or_else(|e| panic!("{e}"));
    let (_, end) = g.period();
    let late: Vec<String> = TABLES
        .iter()
        .flat_map(|t| g.records(t).iter().map(move |r| (t, r)))
        .filter(|(_, r)| time_of(r) > end)
        .map(|(t, r)| format!("{t} at {}", s(r, "TimeGenerated")))
        .collect();
    assert!(
        !g.records(crate::support::ACTIVITY).is_empty() || !late.is_empty(),
        "the run happened"
    );
    assert!(
        late.is_empty(),
        "records after the period's end {end}:\n{}\n--- scenario ---\n{yaml}",
        late.join("\n")
    );
}
