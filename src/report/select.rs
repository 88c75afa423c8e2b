//! Which records the page embeds in full. A large tenant has hundreds of thousands of records and
//! the page must stay small and responsive, so it holds a budget of them: every labelled anomaly's
//! records with the records they correlate with first, then stories (a record and its correlated
//! records) taken in turn from the actors with the most varied activity, so that each lane shows
//! its kinds of activity rather than a thousand lanes one sign-in each.

use super::scan::Scan;
use std::collections::{BTreeSet, HashMap};

/// Actors whose stories fill the rest of the budget, besides the anomalies'.
pub const LANE_LIMIT: usize = 150;

/// How much the page may embed.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Records, besides every labelled anomaly's.
    pub records: usize,
    /// Bytes of record text, besides the labelled anomalies' records.
    pub bytes: u64,
}

/// Records of one story the page embeds at most: a token used for an hour of ARM calls would
/// otherwise take the whole budget.
pub const STORY_CAP: usize = 60;

/// Disjoint sets over record indexes.
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// Stories: records that share a token, a correlation id or a run, each in time order; stories in
/// order of their first record's index.
pub fn stories(scan: &Scan) -> Vec<Vec<u32>> {
    let mut sets = UnionFind((0..scan.seen.len() as u32).collect());
    let mut first_with: HashMap<u64, u32> = HashMap::new();
    for (i, seen) in scan.seen.iter().enumerate() {
        for &link in seen.links.iter().filter(|&&l| l != 0) {
            match first_with.get(&link) {
                Some(&first) => sets.union(first, i as u32),
                None => {
                    first_with.insert(link, i as u32);
                }
            }
        }
    }
    let mut by_root: HashMap<u32, usize> = HashMap::new();
    let mut out: Vec<Vec<u32>> = Vec::new();
    for i in 0..scan.seen.len() as u32 {
        let root = sets.find(i);
        let slot = *by_root.entry(root).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[slot].push(i);
    }
    for story in &mut out {
        story.sort_by_key(|&i| (scan.seen[i as usize].time_ms, i));
    }
    out
}

/// The records to embed, within `budget` (labelled ones always, however many), ascending.
pub fn select(scan: &Scan, budget: Budget) -> Vec<u32> {
    let all_bytes: u64 = scan.seen.iter().map(|s| s.bytes as u64).sum();
    if scan.seen.len() <= budget.records && all_bytes <= budget.bytes {
        return (0..scan.seen.len() as u32).collect();
    }
    let stories = stories(scan);
    let mut story_of = vec![0usize; scan.seen.len()];
    for (s, story) in stories.iter().enumerate() {
        for &r in story {
            story_of[r as usize] = s;
        }
    }
    let mut chosen = Chosen {
        records: BTreeSet::new(),
        bytes: 0,
        budget,
    };
    // The anomalies' own records, whatever the budget, then their stories.
    for &(r, _) in &scan.labelled {
        chosen.records.insert(r);
    }
    let labelled_stories: BTreeSet<usize> = scan.labelled.iter().map(|&(r, _)| story_of[r as usize]).collect();
    for &s in &labelled_stories {
        chosen.take(scan, &stories[s]);
    }
    // Then one story per actor in turn, the anomalies' actors and the most varied first, each
    // actor's stories spread over the period (every k-th) so that a lane shows its whole day.
    let queues = actor_queues(scan, &stories, &labelled_stories);
    let mut round = 0;
    while !chosen.full() && queues.iter().any(|q| round < q.len()) {
        for queue in &queues {
            if let Some(&s) = queue.get(round) {
                chosen.take(scan, &stories[s]);
            }
            if chosen.full() {
                break;
            }
        }
        round += 1;
    }
    chosen.records.into_iter().collect()
}

/// Per actor (at most [`LANE_LIMIT`] besides the anomalies'), its stories in spread order; the
/// anomalies' actors first, then those seen in the most tables, then the busiest.
fn actor_queues(scan: &Scan, stories: &[Vec<u32>], labelled_stories: &BTreeSet<usize>) -> Vec<Vec<usize>> {
    let anomalous: BTreeSet<u32> = scan.labelled.iter().map(|&(r, _)| scan.seen[r as usize].actor).collect();
    let mut per_actor: HashMap<u32, Vec<usize>> = HashMap::new();
    for (s, story) in stories.iter().enumerate() {
        if !labelled_stories.contains(&s) {
            per_actor.entry(scan.seen[story[0] as usize].actor).or_default().push(s);
        }
    }
    let mut actors: Vec<(u32, Vec<usize>)> = per_actor.into_iter().collect();
    let tables_of = |a: u32| {
        scan.actors
            .get(a as usize)
            .map_or(0, |x| x.records.iter().filter(|&&n| n > 0).count())
    };
    actors.sort_by_key(|(a, stories)| {
        (
            !anomalous.contains(a),
            std::cmp::Reverse(tables_of(*a)),
            std::cmp::Reverse(stories.len()),
            *a,
        )
    });
    actors.truncate(anomalous.len() + LANE_LIMIT);
    actors.into_iter().map(|(_, s)| spread(s)).collect()
}

/// The records chosen so far and what they cost.
struct Chosen {
    records: BTreeSet<u32>,
    bytes: u64,
    budget: Budget,
}

impl Chosen {
    fn full(&self) -> bool {
        self.records.len() >= self.budget.records || self.bytes >= self.budget.bytes
    }

    /// Up to [`STORY_CAP`] records of `story`, while the budget lasts.
    fn take(&mut self, scan: &Scan, story: &[u32]) {
        for &r in story.iter().take(STORY_CAP) {
            if self.full() {
                return;
            }
            if self.records.insert(r) {
                self.bytes += scan.seen[r as usize].bytes as u64;
            }
        }
    }
}

/// The items reordered so that any prefix is spread evenly over the whole list: the middle
/// first, then the quarters, and so on (a bit-reversal order of the indexes).
fn spread(items: Vec<usize>) -> Vec<usize> {
    let n = items.len();
    if n <= 2 {
        return items;
    }
    let bits = usize::BITS - (n - 1).leading_zeros();
    let mut order: Vec<usize> = (0..(1usize << bits))
        .map(|i| i.reverse_bits() >> (usize::BITS - bits))
        .filter(|&i| i < n)
        .collect();
    order.dedup();
    order.into_iter().map(|i| items[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::scan::Seen;

    fn seen(actor: u32, time_ms: i64, links: [u64; 3]) -> Seen {
        Seen {
            table: 0,
            line: 1,
            time_ms,
            actor,
            links,
            bytes: 100,
        }
    }

    #[test]
    fn records_sharing_any_key_form_one_story() {
        let scan = Scan {
            seen: vec![
                seen(0, 3, [1, 0, 0]),
                seen(0, 1, [2, 0, 0]),
                seen(0, 2, [1, 2, 0]),
                seen(1, 0, [9, 0, 0]),
            ],
            ..Scan::default()
        };
        assert_eq!(stories(&scan), vec![vec![1, 2, 0], vec![3]]);
    }

    #[test]
    fn labelled_records_are_kept_beyond_the_budget_and_every_actor_gets_a_turn() {
        let mut records: Vec<Seen> = (0..100).map(|i| seen(0, i, [i as u64 + 10, 0, 0])).collect();
        records.push(seen(1, 5, [500, 0, 0]));
        records.push(seen(2, 6, [501, 0, 0]));
        let scan = Scan {
            seen: records,
            labelled: vec![(3, 0), (4, 0), (5, 1)],
            ..Scan::default()
        };
        let records = |records| Budget { records, bytes: u64::MAX };
        assert_eq!(select(&scan, records(2)), vec![3, 4, 5]);
        let chosen = select(&scan, records(6));
        assert_eq!(chosen.len(), 6);
        assert!([3, 4, 5].iter().all(|r| chosen.contains(r)));
        assert!(chosen.contains(&100) && chosen.contains(&101), "each actor's story: {chosen:?}");
    }

    #[test]
    fn the_byte_budget_bounds_what_is_embedded_besides_the_anomalies() {
        let records: Vec<Seen> = (0..100).map(|i| seen(i % 7, i as i64, [i as u64 + 10, 0, 0])).collect();
        let scan = Scan {
            seen: records,
            labelled: vec![(50, 0)],
            ..Scan::default()
        };
        let chosen = select(
            &scan,
            Budget {
                records: 1000,
                bytes: 1000,
            },
        );
        assert_eq!(chosen.len(), 11, "the labelled record, then 1000 bytes of others: {chosen:?}");
        assert!(chosen.contains(&50));
    }

    #[test]
    fn a_spread_prefix_covers_the_whole_list() {
        let order = spread((0..8).collect());
        assert_eq!(order, vec![0, 4, 2, 6, 1, 5, 3, 7]);
        let order = spread((0..5).collect());
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
    }
}
