//! "Did you mean" suggestions, shared by scenario errors and KQL errors.

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Longest name, in characters, for which a suggestion is searched: identifiers are far shorter,
/// and the edit distance costs the product of both lengths (a 1.5 MB name would take minutes).
const MAX_SUGGEST_CHARS: usize = 256;

/// The candidate closest to `name`, compared case-insensitively, if it is reasonably close (at most
/// half the longer name's length, and never less than 2 edits — but always fewer than the longer
/// length: replacing every character of `XX` to reach `BR` is no suggestion). Names longer than
/// `MAX_SUGGEST_CHARS` (256 characters) get no suggestion.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name_chars = name.chars().count();
    if name_chars > MAX_SUGGEST_CHARS {
        return None;
    }
    let name = name.to_lowercase();
    // Edits allowed before a candidate is too far to suggest.
    let threshold = |c: &str| {
        let longer = c.len().max(name.len());
        (longer / 2).max(2).min(longer.saturating_sub(1))
    };
    candidates
        .into_iter()
        // The distance is at least the difference in length: a candidate whose length alone puts it
        // past the threshold is skipped without the quadratic computation.
        .filter(|c| c.chars().count().abs_diff(name_chars) <= threshold(c))
        .map(|c| (edit_distance(&name, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= threshold(c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The hint for `name`, which matches none of `candidates`: "did you mean" the closest, or
/// `otherwise` when none is close.
/// A name that begins exactly one candidate (`Global Admin` for `Global Administrator`) is taken
/// for an abbreviation of it before edit distances are compared.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, otherwise: impl FnOnce() -> String) -> String {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let lower = name.trim().to_lowercase();
    let abbreviated: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| lower.len() >= 3 && c.to_lowercase().starts_with(&lower))
        .collect();
    let suggestion = match abbreviated.as_slice() {
        [only] => Some(*only),
        _ => closest(name, candidates),
    };
    match suggestion {
        Some(c) => format!("did you mean `{c}`?"),
        None => otherwise(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("ResultTyp", ["ResultType", "Result"]), Some("ResultType"));
        assert_eq!(closest("kv-prod", ["kv-prd", "sql"]), Some("kv-prd"));
        assert_eq!(closest("resulttype", ["ResultType"]), Some("ResultType"));
        assert_eq!(closest("zzzzzz", ["kv-prd", "sql"]), None);
        // Two-letter codes: one edit is a suggestion, replacing both is not.
        assert_eq!(closest("RO", ["RU", "BR"]), Some("RU"));
        assert_eq!(closest("XX", ["RU", "BR"]), None);
    }

    #[test]
    fn an_abbreviation_of_one_candidate_is_suggested_first() {
        let roles = ["Global Administrator", "Global Reader", "Groups Administrator"];
        assert_eq!(
            did_you_mean("Global Admin", roles, String::new),
            "did you mean `Global Administrator`?"
        );
        // Two candidates start with it: edit distances decide, and both are too far.
        assert_eq!(did_you_mean("Global", roles, || "none".to_owned()), "none");
        assert_eq!(did_you_mean("zzzz", roles, || "none".to_owned()), "none");
    }

    #[test]
    fn long_names_are_answered_at_once_without_a_suggestion() {
        // A 1.5 MB name against 1.5 MB candidates would cost 2.25e12 steps if compared.
        let long = "x".repeat(1_500_000);
        let near = format!("{long}y");
        let started = std::time::Instant::now();
        assert_eq!(closest(&long, [near.as_str(), "sql"]), None);
        assert_eq!(closest("sql", [near.as_str(), "sq"]), Some("sq"));
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        // Just under the cap a suggestion is still made.
        let at_cap = "a".repeat(MAX_SUGGEST_CHARS);
        let candidate = format!("{}b", &at_cap[1..]);
        assert_eq!(closest(&at_cap, [candidate.as_str()]), Some(candidate.as_str()));
    }
}
