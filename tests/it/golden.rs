//! Golden output: the six files `scenarios/seed.yaml` generates with the default seed are committed
//! under `tests/golden/seed/`, so that any change to the output shows up in review as a diff of
//! records. When a change is intended, regenerate them with `UPDATE_GOLDEN=1 cargo test golden` and
//! commit the files.

use crate::support::{FILES, TempDir, crate_dir, generate_bin};
use std::path::Path;

const GOLDEN_DIR: &str = "tests/golden/seed";

/// The first line where `expected` and `actual` differ, as a short report.
fn first_difference(file: &str, expected: &str, actual: &str) -> Option<String> {
    let (mut e, mut a) = (expected.lines(), actual.lines());
    for number in 1.. {
        match (e.next(), a.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => {
                return Some(format!(
                    "{file}:{number}:\n  expected: {}\n  actual:   {}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                ));
            }
        }
    }
    None
}

#[test]
fn seed_output_matches_the_committed_golden_files() {
    let tmp = TempDir::new("golden");
    let out = tmp.join("out");
    // A relative scenario path (run from the crate root), so manifest.json does not depend on where
    // the repository is checked out.
    // Without the background, so that the golden files stay the seed's own records, small enough to
    // review (the background is checked everywhere else).
    generate_bin(Path::new("scenarios/seed.yaml"), &out, &["--background", "none"]);
    let golden = crate_dir().join(GOLDEN_DIR);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut differences = Vec::new();
    for file in FILES {
        let actual = std::fs::read_to_string(out.join(file)).expect("read output file");
        if update {
            std::fs::create_dir_all(&golden).expect("create the golden directory");
            std::fs::write(golden.join(file), &actual).expect("write golden file");
            continue;
        }
        let expected = std::fs::read_to_string(golden.join(file)).unwrap_or_default();
        differences.extend(first_difference(file, &expected, &actual));
    }
    assert!(
        differences.is_empty(),
        "the output of scenarios/seed.yaml changed:\n{}\n\
         If the change is intended, run `UPDATE_GOLDEN=1 cargo test golden` and commit {GOLDEN_DIR}/.",
        differences.join("\n")
    );
}

#[test]
fn a_changed_record_is_reported_at_its_line() {
    let report = first_difference("T.jsonl", "a\nb\nc\n", "a\nB\nc\n").expect("a difference");
    assert_eq!(report, "T.jsonl:2:\n  expected: b\n  actual:   B");
    assert_eq!(first_difference("T.jsonl", "a\n", "a\n"), None);
    assert!(first_difference("T.jsonl", "a\n", "a\nb\n").is_some_and(|r| r.contains("<end of file>")));
}
