//! Throughput of the seed's two analytic rules over synthetic sign-ins (default 1,000,000 rows;
//! override with TENANTLESS_BENCH_ROWS). Run with `cargo bench --bench kql_rules`.

#[path = "../tests/kql_support/seed.rs"]
#[allow(dead_code)]
mod seed;

use tenantless::kql::{RunOptions, bench};

fn main() {
    let rows: usize = std::env::var("TENANTLESS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let now = chrono::Utc::now();
    let build = std::time::Instant::now();
    let catalog = bench::synthetic_catalog(rows, now);
    println!("built {rows} sign-in rows in {:.2?}", build.elapsed());
    let options = RunOptions {
        now,
        ..RunOptions::default()
    };
    for (name, query) in [
        ("failed-sign-in rule", seed::RULE_FAILED_SIGNINS),
        ("credential-after-sign-in rule", seed::RULE_CREDENTIAL_AFTER_SIGNIN),
    ] {
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..3 {
            match bench::time_query(query, &catalog, &options) {
                Ok((elapsed, n)) => {
                    best = best.min(elapsed.as_secs_f64());
                    out = n;
                }
                Err(e) => {
                    eprintln!("{name}: {e}");
                    std::process::exit(1);
                }
            }
        }
        println!(
            "{name:32} {rows} rows in {best:.3} s = {:>12.0} rows/s ({out} result rows)",
            rows as f64 / best
        );
    }
}
