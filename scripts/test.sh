#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit tests and the
# end-to-end tests (real directory and adapter in-process, a fresh SQLite
# database per test). Needs only a Rust toolchain; protoc ships in a crate.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --all-targets 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole run: cargo ends on its last (often empty)
# test binary, which says nothing about the suite.
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
exit "$status"
