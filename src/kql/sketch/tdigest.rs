//! A merging t-digest (Dunning & Ertl, "Computing extremely accurate quantiles using t-digests")
//! for `percentile()`, `percentiles()`, `percentilew()`, `tdigest()` and their relatives
//! (…/percentiles-aggregation-function, "Estimation error in percentiles").
//!
//! Kusto's percentiles are *nearest-rank* percentiles: the P-th percentile is the smallest value
//! such that P percent of the values are less than or equal to it, the 0-th is the minimum. The
//! digest is exact until it holds more than [`EXACT_CENTROIDS`] distinct values: equal values
//! collapse into one weighted centroid without loss, so a column of few distinct values (durations
//! in whole milliseconds, result codes) stays exact at any row count. Past that, neighbouring
//! centroids merge under the k1 scale function with compression [`COMPRESSION`], which keeps the
//! rank error well under the 1 % the docs cap it at (the property tests check it), smallest at
//! both ends; the minimum and maximum stay exact.

/// The compression factor δ: the k1 scale function allows about δ/2 to δ centroids, the largest
/// (at the median) holding π/δ ≈ 0.8 % of the values. A centroid can straddle a gap in the data
/// and interpolate into it, so its size bounds the rank error: 400 keeps that under the docs' 1 %
/// (δ = 100, common elsewhere, misses it on clustered data in the property tests).
pub const COMPRESSION: f64 = 400.0;

/// Distinct values kept exactly before centroids start to merge.
pub const EXACT_CENTROIDS: usize = 1000;

/// Raw values buffered before they are sorted into the centroids.
const BUFFER: usize = 512;

/// One centroid: the mean of the values it stands for and their total weight. `exact` when all
/// those values are equal (so the mean *is* each of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Centroid {
    pub mean: f64,
    pub weight: f64,
    pub exact: bool,
}

/// The digest. Values are `f64`; callers that hold integers (ticks, longs) subtract a base first
/// so that they stay exact (see `sketch::DigestValue`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TDigest {
    centroids: Vec<Centroid>,
    buffer: Vec<Centroid>,
    total: f64,
    min: f64,
    max: f64,
}

/// k1(q) = δ/2π · asin(2q − 1).
fn k1(q: f64) -> f64 {
    COMPRESSION / (2.0 * std::f64::consts::PI) * (2.0 * q - 1.0).clamp(-1.0, 1.0).asin()
}

/// The inverse of [`k1`].
fn k1_inverse(k: f64) -> f64 {
    let angle = (k * 2.0 * std::f64::consts::PI / COMPRESSION).clamp(-std::f64::consts::FRAC_PI_2, std::f64::consts::FRAC_PI_2);
    (angle.sin() + 1.0) / 2.0
}

impl TDigest {
    pub fn new() -> TDigest {
        TDigest::default()
    }

    /// Adds `value` with `weight` (ignored unless positive and finite, as are NaN values).
    pub fn add(&mut self, value: f64, weight: f64) {
        if !(value.is_finite() && weight.is_finite() && weight > 0.0) {
            return;
        }
        if self.total == 0.0 {
            self.min = value;
            self.max = value;
        }
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.total += weight;
        self.buffer.push(Centroid {
            mean: value,
            weight,
            exact: true,
        });
        if self.buffer.len() >= BUFFER {
            self.compress();
        }
    }

    /// Adds every centroid of `other` (`tdigest_merge`).
    pub fn merge(&mut self, other: &TDigest) {
        if other.total == 0.0 {
            return;
        }
        if self.total == 0.0 {
            self.min = other.min;
            self.max = other.max;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.total += other.total;
        self.buffer.extend(other.centroids.iter().chain(&other.buffer).copied());
        if self.buffer.len() >= BUFFER {
            self.compress();
        }
    }

    /// Rebuilds a digest from its centroids (as `tdigest()` prints them).
    pub fn from_centroids(centroids: impl IntoIterator<Item = Centroid>) -> TDigest {
        let mut d = TDigest::new();
        for c in centroids {
            if c.mean.is_finite() && c.weight.is_finite() && c.weight > 0.0 {
                let single = TDigest {
                    centroids: vec![c],
                    buffer: Vec::new(),
                    total: c.weight,
                    min: c.mean,
                    max: c.mean,
                };
                d.merge(&single);
            }
        }
        d.compress();
        d
    }

    /// Total weight (the row count, unweighted).
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Number of centroids and buffered values (for the memory budget).
    pub fn entries(&self) -> usize {
        self.centroids.len() + self.buffer.len()
    }

    /// The centroids in ascending order of mean (after folding the buffer in).
    pub fn centroids(&mut self) -> &[Centroid] {
        self.compress();
        &self.centroids
    }

    /// Sorts the buffer into the centroids: equal values collapse without loss; past
    /// [`EXACT_CENTROIDS`] neighbours merge as far as k1 allows.
    pub fn compress(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let mut all = std::mem::take(&mut self.centroids);
        all.append(&mut self.buffer);
        all.sort_by(|a, b| a.mean.total_cmp(&b.mean));
        let mut collapsed: Vec<Centroid> = Vec::with_capacity(all.len());
        for c in all {
            match collapsed.last_mut() {
                Some(last) if last.exact && c.exact && last.mean == c.mean => last.weight += c.weight,
                _ => collapsed.push(c),
            }
        }
        self.centroids = if collapsed.len() > EXACT_CENTROIDS {
            merge_pass(&collapsed, self.total)
        } else {
            collapsed
        };
    }

    /// The nearest-rank `percent`-th percentile (0 → the minimum, 100 → the maximum); `None` when
    /// empty. Within a centroid of one value that value is returned; elsewhere the estimate
    /// interpolates between centroid centres (see [`TDigest::anchors`]).
    pub fn percentile(&mut self, percent: f64) -> Option<f64> {
        self.compress();
        if self.total == 0.0 || !percent.is_finite() {
            return None;
        }
        let rank = if percent <= 0.0 {
            1.0
        } else {
            (percent / 100.0 * self.total - 1e-9).ceil().clamp(1.0, self.total)
        };
        // The ends are exact (a merged centroid can hold the maximum and sort before a later one).
        if rank <= 1.0 {
            return Some(self.min);
        }
        if rank >= self.total {
            return Some(self.max);
        }
        let target = rank - 0.5;
        let anchors = self.anchors();
        let j = anchors.partition_point(|a| a.position <= target);
        let (from, to) = (anchors[j.saturating_sub(1)], anchors[j.min(anchors.len() - 1)]);
        if from.position == target || to.position <= from.position {
            return Some(from.value);
        }
        if from.exact && to.exact {
            // Between two centroids of one value each: the nearest rank is the next one's.
            return Some(to.value);
        }
        let share = (target - from.position) / (to.position - from.position);
        Some((from.value + (to.value - from.value) * share).clamp(self.min, self.max))
    }

    /// The estimated number of values less than or equal to `value` (`rank_tdigest`), read off
    /// the same piecewise-linear curve as [`TDigest::percentile`].
    pub fn rank(&mut self, value: f64) -> f64 {
        self.compress();
        if self.total == 0.0 || value < self.min {
            return 0.0;
        }
        if value >= self.max {
            return self.total;
        }
        let anchors = self.anchors();
        let j = anchors.partition_point(|a| a.value <= value);
        let from = anchors[j.saturating_sub(1)];
        let Some(to) = anchors.get(j) else {
            return self.total;
        };
        if from.exact && to.exact || to.value <= from.value {
            return from.position + 0.5;
        }
        let share = (value - from.value) / (to.value - from.value);
        from.position + (to.position - from.position) * share + 0.5
    }

    /// The curve from rank position (rank − ½) to value: the minimum at ½, the maximum at
    /// total − ½, each centroid of one value flat over its ranks, each merged centroid at its
    /// centre.
    fn anchors(&self) -> Vec<Anchor> {
        let mut out = Vec::with_capacity(self.centroids.len() * 2 + 2);
        out.push(Anchor {
            position: 0.5,
            value: self.min,
            exact: false,
        });
        let mut below = 0.0;
        for c in &self.centroids {
            if c.exact {
                out.push(Anchor {
                    position: below + 0.5,
                    value: c.mean,
                    exact: true,
                });
                if c.weight > 1.0 {
                    out.push(Anchor {
                        position: below + c.weight - 0.5,
                        value: c.mean,
                        exact: true,
                    });
                }
            } else {
                out.push(Anchor {
                    position: below + c.weight / 2.0,
                    value: c.mean,
                    exact: false,
                });
            }
            below += c.weight;
        }
        out.push(Anchor {
            position: self.total - 0.5,
            value: self.max,
            exact: false,
        });
        out
    }
}

/// A point of the rank-to-value curve; `exact` when it belongs to a centroid of one value.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    position: f64,
    value: f64,
    exact: bool,
}

/// One merge pass over sorted centroids: each output centroid spans at most one unit of k1.
fn merge_pass(sorted: &[Centroid], total: f64) -> Vec<Centroid> {
    let mut out = Vec::with_capacity((COMPRESSION as usize) * 2);
    let mut cur = sorted[0];
    let mut before = 0.0;
    let mut limit = total * k1_inverse(k1(0.0) + 1.0);
    for &c in &sorted[1..] {
        if before + cur.weight + c.weight <= limit {
            let weight = cur.weight + c.weight;
            cur = Centroid {
                mean: cur.mean + (c.mean - cur.mean) * c.weight / weight,
                weight,
                exact: cur.exact && c.exact && cur.mean == c.mean,
            };
        } else {
            before += cur.weight;
            out.push(cur);
            limit = total * k1_inverse(k1(before / total) + 1.0);
            cur = c;
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(values: &[f64]) -> TDigest {
        let mut d = TDigest::new();
        for v in values {
            d.add(*v, 1.0);
        }
        d
    }

    #[test]
    fn small_inputs_give_exact_nearest_rank_values() {
        let mut d = digest(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(d.percentile(0.0), Some(1.0));
        assert_eq!(d.percentile(50.0), Some(5.0));
        assert_eq!(d.percentile(51.0), Some(6.0));
        assert_eq!(d.percentile(95.0), Some(10.0));
        assert_eq!(d.percentile(100.0), Some(10.0));
        assert_eq!(d.rank(5.0), 5.0);
    }

    // percentilesw docs: latency buckets 10×8, 20×6, 30×3, 40×1 give 20, 20, 40 at 50, 75, 99.9.
    #[test]
    fn weighted_values_count_as_repeated() {
        let mut d = TDigest::new();
        for (v, w) in [(10.0, 8.0), (20.0, 6.0), (30.0, 3.0), (40.0, 1.0)] {
            d.add(v, w);
        }
        assert_eq!(d.percentile(50.0), Some(20.0));
        assert_eq!(d.percentile(75.0), Some(20.0));
        assert_eq!(d.percentile(99.9), Some(40.0));
    }

    #[test]
    fn many_distinct_values_merge_but_keep_the_ends_exact() {
        let values: Vec<f64> = (1..=100_000).map(f64::from).collect();
        let mut d = digest(&values);
        assert!(d.centroids().len() <= EXACT_CENTROIDS);
        assert_eq!(d.percentile(0.0), Some(1.0));
        assert_eq!(d.percentile(100.0), Some(100_000.0));
        let median = d.percentile(50.0).expect("a median");
        assert!((median - 50_000.0).abs() < 1_000.0, "{median}");
        assert!((d.rank(685.0) - 685.0).abs() < 10.0);
    }

    #[test]
    fn few_distinct_values_stay_exact_at_any_count() {
        let mut d = TDigest::new();
        for i in 0..100_000 {
            d.add(f64::from(i % 7), 1.0);
        }
        assert_eq!(d.percentile(50.0), Some(3.0));
        assert_eq!(d.percentile(99.0), Some(6.0));
    }
}
