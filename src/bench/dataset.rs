//! The query benchmark's data set: a day of service-principal sign-ins at a chosen volume, with the
//! failures and credential changes the seed's rules look for.

use super::error::BenchError;
use crate::generate::{DEFAULT_SEED, GenerateOptions, generate};
use std::path::{Path, PathBuf};

/// Runs a day per app: every 10 minutes, each run signing in afresh (`token_cache: per_run`, a
/// scheduled job), since token caching would leave one sign-in an hour.
const RUNS_PER_DAY: u64 = 24 * 6;
/// Credential changes injected on active apps: rows for the credential rule's join to find.
const CREDENTIAL_CHANGES: u64 = 10;

/// A generated data set.
#[derive(Debug, Clone)]
pub struct DataSet {
    /// The folder `generate` wrote.
    pub dir: PathBuf,
    /// Its `AADServicePrincipalSignInLogs` rows, from manifest.json.
    pub signins: u64,
    /// Records in all tables.
    pub records: u64,
    /// The period's end: the `now` that `tenantless query` gives `ago()` on this folder.
    pub end: chrono::DateTime<chrono::Utc>,
}

/// The scenario for about `signins` sign-ins: a tenth of the apps hold a secret that expires at noon,
/// so they fail every run of the afternoon (`7000222`), which is what the failed-sign-in rule
/// summarizes; one app mistypes its secret 20 times; ten get a new credential while active.
pub fn scenario(signins: u64) -> String {
    let (healthy, stale) = populations(signins);
    let mut text = format!(
        r#"name: bench-signins
tenant: {{ domain: bench.onmicrosoft.com }}
period: {{ start: 2026-11-23T00:00:00Z, duration: 1d }}
subscriptions: [{{ name: s, resource_groups: [rg] }}]
resources:
  key_vaults: [{{ name: kv-bench, resource_group: rg, secrets: [a] }}]
populations:
  - name: apps
    count: {healthy}
    identity: {{ name: "app-{{n:06}}", kind: service_principal, credentials: [{{ type: client_secret }}] }}
    workloads:
      - {{ kind: keyvault_secret_read, vault: kv-bench, token_cache: per_run, schedule: {{ every: 10m }} }}
  - name: stale
    count: {stale}
    identity: {{ name: "stale-{{n:06}}", kind: service_principal, credentials: [{{ type: client_secret, expiry: 2026-11-23T12:00:00Z }}] }}
    workloads:
      - {{ kind: keyvault_secret_read, vault: kv-bench, token_cache: per_run, schedule: {{ every: 10m }} }}
anomalies:
  - {{ kind: failed_signins, identity: app-000001, at: 2026-11-23T20:00:00Z, reason: wrong_secret, count: 20 }}
"#
    );
    for i in 1..=CREDENTIAL_CHANGES {
        text.push_str(&format!(
            "  - {{ kind: credential_added_to_active_sp, identity: app-{i:06}, at: 2026-11-23T{:02}:30:00Z }}\n",
            12 + i
        ));
    }
    text
}

/// Apps with a lasting secret and apps whose secret expires at noon, for about `signins` sign-ins:
/// enough apps for the injected anomalies, a tenth of them stale.
fn populations(signins: u64) -> (u64, u64) {
    let apps = signins.div_ceil(RUNS_PER_DAY).max(CREDENTIAL_CHANGES + 1);
    let stale = (apps / 10).max(1);
    (apps - stale, stale)
}

/// Generates the data set for about `signins` sign-ins into `scratch/signins-N`.
pub fn generate_signins(signins: u64, scratch: &Path) -> Result<DataSet, BenchError> {
    let what = format!("generating the {signins}-sign-in data set");
    std::fs::create_dir_all(scratch).map_err(|e| BenchError::io(scratch, e))?;
    let file = scratch.join(format!("signins-{signins}.yaml"));
    std::fs::write(&file, scenario(signins)).map_err(|e| BenchError::io(&file, e))?;
    let dir = scratch.join(format!("signins-{signins}"));
    generate_into(file, dir, None, what)
}

/// Generates `scenario` (for `days`, or its own period) into `dir`.
pub fn generate_into(scenario: PathBuf, dir: PathBuf, days: Option<u32>, what: String) -> Result<DataSet, BenchError> {
    let options = GenerateOptions {
        scenarios: vec![scenario],
        seed: DEFAULT_SEED,
        out: dir.clone(),
        end: None,
        days,
        force: true,
        background: None,
    };
    let manifest = generate(&options, |_| {}).map_err(|e| BenchError::step(what.clone(), e))?;
    let rows = |table: &str| manifest.tables.get(table).map_or(0, |t| t.records);
    let (_, end) = manifest
        .time_range
        .bounds()
        .ok_or_else(|| BenchError::step(what, "the manifest's time range does not parse"))?;
    Ok(DataSet {
        end,
        signins: rows("AADServicePrincipalSignInLogs"),
        records: manifest.tables.values().map(|t| t.records).sum(),
        dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_loads_and_scales_with_the_sign_ins_asked_for() {
        for signins in [1_000, 1_000_000, 2_000_000] {
            let text = scenario(signins);
            let (healthy, stale) = populations(signins);
            let expected = (healthy + stale) * RUNS_PER_DAY;
            assert!(
                expected >= signins && expected < signins + RUNS_PER_DAY * 12,
                "{signins}: {expected}"
            );
            assert!(
                text.contains(&format!("count: {healthy}\n")) && text.contains(&format!("count: {stale}\n")),
                "{text}"
            );
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("s.yaml");
            std::fs::write(&file, &text).unwrap();
            crate::scenario::load(&file, crate::ids::IdSource::new(DEFAULT_SEED)).unwrap_or_else(|e| panic!("{signins}: {e}"));
        }
    }

    #[test]
    fn a_small_data_set_has_the_sign_ins_failures_and_credential_changes() {
        let dir = tempfile::tempdir().unwrap();
        let set = generate_signins(2_000, dir.path()).unwrap();
        // 14 apps × 144 runs, the 20 mistyped secrets, and the background's few.
        assert!((2_016..2_400).contains(&set.signins), "{}", set.signins);
        let audit = std::fs::read_to_string(set.dir.join("AuditLogs.jsonl")).unwrap();
        let changes = audit.lines().filter(|l| l.contains("Certificates and secrets management")).count();
        assert!(changes >= CREDENTIAL_CHANGES as usize, "{changes} credential changes");
        let signins = std::fs::read_to_string(set.dir.join("AADServicePrincipalSignInLogs.jsonl")).unwrap();
        assert!(
            signins.contains(r#""ResultType":"7000222""#),
            "the stale apps' secrets expire at noon"
        );
    }
}
