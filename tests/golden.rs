//! Golden snapshot: the SHA-256 of each of the six files `scenarios/seed.yaml` generates with the
//! default seed, so that any change to the output shows up. When a change is intended, regenerate
//! the snapshot with `UPDATE_GOLDEN=1 cargo test --test golden` and commit `tests/golden/seed.sha256`.

mod common;

use common::{FILES, TempDir, crate_dir, generate_bin, sha256_hex};
use std::path::Path;

const GOLDEN: &str = "tests/golden/seed.sha256";

/// `sha256sum` format: `<hex>  <file>` per line.
fn render(hashes: &[(String, &str)]) -> String {
    hashes.iter().map(|(h, f)| format!("{h}  {f}\n")).collect()
}

#[test]
fn seed_output_matches_the_golden_hashes() {
    let tmp = TempDir::new("golden");
    let out = tmp.join("out");
    // A relative scenario path (run from the crate root), so manifest.json does not depend on where
    // the repository is checked out.
    generate_bin(Path::new("scenarios/seed.yaml"), &out, &[]);
    let hashes: Vec<(String, &str)> = FILES
        .iter()
        .map(|f| (sha256_hex(&std::fs::read(out.join(f)).expect("read output file")), *f))
        .collect();
    let actual = render(&hashes);
    let golden_path = crate_dir().join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden_path.parent().expect("parent")).expect("create tests/golden");
        std::fs::write(&golden_path, &actual).expect("write golden file");
        eprintln!("updated {GOLDEN}");
        return;
    }
    let expected = std::fs::read_to_string(&golden_path).unwrap_or_default();
    if expected != actual {
        let changed: Vec<&str> = hashes
            .iter()
            .filter(|(h, f)| !expected.lines().any(|l| l == format!("{h}  {f}")))
            .map(|(_, f)| *f)
            .collect();
        panic!(
            "the output of scenarios/seed.yaml changed: {changed:?} differ from {GOLDEN}.\n\
             If the change is intended, run `UPDATE_GOLDEN=1 cargo test --test golden` and commit {GOLDEN}.\n\
             expected:\n{expected}\nactual:\n{actual}"
        );
    }
}
