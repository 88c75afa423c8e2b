# Recipes for those who have `just`; every one is a plain cargo command.

# Generate the bundled default scenario into output/ and print a summary.
run:
    cargo run --release

# The test suite (what CI runs, besides fmt and clippy).
test:
    cargo test

# Everything CI checks.
ci:
    bash .ci/run

# Generate a scenario: just generate scenarios/tenant-small.yaml
generate *ARGS:
    cargo run --release -- generate {{ARGS}}

fmt:
    cargo fmt --all

lint:
    cargo clippy --all-targets -- -D warnings
