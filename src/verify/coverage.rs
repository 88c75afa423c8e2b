//! What a `verify` run says about the labelled behaviours as a whole: which rules fired on a
//! positive, which on a near-miss, and which behaviours no rule caught — the figures a fixture
//! library is measured by.

use super::{RuleResult, RuleStatus};
use crate::manifest::Manifest;
use serde::Serialize;
use std::collections::BTreeMap;

/// One behaviour of the data and the rules that fired on it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct BehaviourCoverage {
    /// The behaviour: a custom anomaly's `label` or a built-in kind.
    pub behaviour: String,
    /// Its non-benign anomalies in the data.
    pub positives: usize,
    /// Its benign near-misses in the data.
    pub near_misses: usize,
    /// Rules that caught at least one of its positives.
    pub caught_by: Vec<String>,
    /// Rules that fired on at least one of its near-misses.
    pub near_miss_fired_by: Vec<String>,
}

/// The coverage of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Coverage {
    /// Rules that ran on their schedule (correlations and rules that did not run are left out).
    pub rules_run: usize,
    /// Of those, rules that caught at least one positive.
    pub rules_firing_on_positives: usize,
    /// Of those, rules that fired on at least one near-miss.
    pub rules_firing_on_near_misses: usize,
    /// Rules that caught a positive and fired on no near-miss.
    pub rules_catching_and_quiet: usize,
    /// Every behaviour of the data, by name.
    pub behaviours: Vec<BehaviourCoverage>,
    /// Behaviours with positives that no rule caught.
    pub uncaught: Vec<String>,
}

/// The coverage of `results` over the labels of `manifest`.
pub fn of(results: &[RuleResult], manifest: &Manifest) -> Coverage {
    let labels = &manifest.anomalies;
    let mut behaviours: BTreeMap<String, BehaviourCoverage> = BTreeMap::new();
    for label in labels {
        let entry = behaviours.entry(label.behaviour()).or_insert_with(|| BehaviourCoverage {
            behaviour: label.behaviour(),
            ..BehaviourCoverage::default()
        });
        if label.benign {
            entry.near_misses += 1;
        } else {
            entry.positives += 1;
        }
    }
    let mut coverage = Coverage::default();
    for result in results {
        let RuleStatus::Ran { caught, .. } = &result.status else { continue };
        coverage.rules_run += 1;
        let (mut positive, mut near_miss) = (false, false);
        for label in caught.iter().map(|i| &labels[*i]) {
            let entry = behaviours.get_mut(&label.behaviour()).expect("every label's behaviour is listed");
            let list = if label.benign {
                near_miss = true;
                &mut entry.near_miss_fired_by
            } else {
                positive = true;
                &mut entry.caught_by
            };
            if !list.contains(&result.name) {
                list.push(result.name.clone());
            }
        }
        coverage.rules_firing_on_positives += usize::from(positive);
        coverage.rules_firing_on_near_misses += usize::from(near_miss);
        coverage.rules_catching_and_quiet += usize::from(positive && !near_miss);
    }
    coverage.uncaught = behaviours
        .values()
        .filter(|b| b.positives > 0 && b.caught_by.is_empty())
        .map(|b| b.behaviour.clone())
        .collect();
    coverage.behaviours = behaviours.into_values().collect();
    coverage
}
