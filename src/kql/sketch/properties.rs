//! Property tests of the sketches against the docs' error bounds: t-digest percentiles within 1 %
//! of rank (…/percentiles-aggregation-function, "Estimation error in percentiles") and exact
//! below the distinct-value limit; HLL counts exact up to the documented sizes and within the
//! documented σ above them (…/dcount-aggregation-function, "Estimation accuracy").

use super::hll::{Accuracy, Hll};
use super::tdigest::{EXACT_CENTROIDS, TDigest};
use proptest::prelude::*;
use xxhash_rust::xxh64::xxh64;

/// The nearest rank (1-based) of `percent` among `n` values.
fn nearest_rank(percent: f64, n: usize) -> usize {
    if percent <= 0.0 {
        1
    } else {
        ((percent / 100.0 * n as f64 - 1e-9).ceil() as usize).clamp(1, n)
    }
}

/// Data shapes that stress a digest differently: few distinct values, uniform, heavy-tailed,
/// sorted, and clustered.
fn data() -> impl Strategy<Value = Vec<f64>> {
    let small = prop::collection::vec(0u8..20, 1..5_000).prop_map(|v| v.into_iter().map(f64::from).collect());
    let uniform = prop::collection::vec(-1e6f64..1e6, 1..20_000);
    let tailed = prop::collection::vec(0f64..1.0, 1..20_000).prop_map(|v| v.into_iter().map(|x| (1.0 / (1.0 - x)).powi(2)).collect());
    let sorted = (1usize..30_000).prop_map(|n| (0..n).map(|i| i as f64).collect());
    let clustered =
        prop::collection::vec((0u8..4, 0f64..1.0), 1..20_000).prop_map(|v| v.into_iter().map(|(c, x)| f64::from(c) * 1000.0 + x).collect());
    prop_oneof![small, uniform, tailed, sorted, clustered]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The estimate's rank is within 1 % of the nearest rank; exact below the limit.
    #[test]
    fn percentile_rank_error_within_one_percent(values in data(), percent in 0f64..=100.0) {
        let mut d = TDigest::new();
        values.iter().for_each(|v| d.add(*v, 1.0));
        let est = d.percentile(percent).expect("an estimate");
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let rank = nearest_rank(percent, n);
        let below = sorted.partition_point(|v| *v < est);
        let upto = sorted.partition_point(|v| *v <= est);
        let tolerance = 0.01 * n as f64;
        prop_assert!(below as f64 <= rank as f64 - 1.0 + tolerance, "{below} values below {est}, rank {rank} of {n}");
        prop_assert!(upto as f64 >= rank as f64 - tolerance, "{upto} values up to {est}, rank {rank} of {n}");
        let mut distinct = sorted.clone();
        distinct.dedup();
        if distinct.len() <= EXACT_CENTROIDS {
            prop_assert_eq!(est, sorted[rank - 1]);
        }
        prop_assert_eq!(d.percentile(0.0), Some(sorted[0]));
        prop_assert_eq!(d.percentile(100.0), Some(sorted[n - 1]));
    }

    /// Counts are exact up to the level's limit and within 4σ above it (3σ holds for 99.7 % of
    /// estimates, so 4σ keeps a run of cases from failing by chance).
    #[test]
    fn hll_count_within_the_documented_error(level in 0i64..=4, n in 1u64..120_000, salt in any::<u64>()) {
        let accuracy = Accuracy::new(level).expect("a level");
        let mut h = Hll::new(accuracy);
        for i in 0..n {
            h.add(xxh64(&(i ^ salt).to_le_bytes(), 7));
        }
        let got = h.count();
        if n as usize <= accuracy.exact_limit() {
            prop_assert_eq!(got, n);
        } else {
            let err = (got as f64 - n as f64).abs() / n as f64;
            prop_assert!(err <= 4.0 * accuracy.sigma(), "level {level}: {got} for {n}");
        }
    }
}

/// The docs' σ is a standard deviation: over many sets, about 99.7 % of estimates fall within
/// 3σ and about 68 % within 1σ.
#[test]
fn hll_error_distribution_matches_sigma() {
    let accuracy = Accuracy::new(0).expect("level 0");
    let (mut within_one, mut beyond_three) = (0, 0);
    let runs = 200;
    for run in 0..runs {
        let mut h = Hll::new(accuracy);
        let n = 20_000 + run * 37;
        for i in 0..n {
            h.add(xxh64(&(i as u64).to_le_bytes(), run as u64));
        }
        let err = (h.count() as f64 - n as f64).abs() / n as f64;
        within_one += usize::from(err <= accuracy.sigma());
        beyond_three += usize::from(err > 3.0 * accuracy.sigma());
    }
    assert!(beyond_three <= 3, "{beyond_three} of {runs} beyond 3σ");
    assert!((110..=165).contains(&within_one), "{within_one} of {runs} within 1σ");
}
