#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit tests and the
# end-to-end tests (real directory and adapter in-process, a fresh database
# per test) on SQLite, then the end-to-end tests again on PostgreSQL:
# the one HRMS_TEST_POSTGRES_URL names (an administrative URL; each test
# creates and drops its own database), or else a throwaway server started
# by scripts/with-postgres.sh (PostgreSQL's server is installed with apt
# when missing and this runs as root; the pass is skipped with a message
# where it cannot be). Last, the
# browser test of the admin page, in headless Chromium through ChromeDriver
# (Debian's chromium and chromium-driver, installed here when missing and
# apt is usable as root; skipped with a message otherwise). Needs only a
# Rust toolchain otherwise; protoc ships in a crate.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== formatting (cargo fmt --check)"
cargo fmt --all --check
echo "== lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "== unit and end-to-end tests on SQLite"
set +e
cargo test --workspace --all-targets 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  echo "== end-to-end tests on PostgreSQL"
  if [ -n "${HRMS_TEST_POSTGRES_URL:-}" ]; then
    cargo test --workspace --test e2e 2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
  else
    # A fresh machine may lack PostgreSQL's server: install it as root.
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
      && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
        >/dev/null 2>&1 || true
    fi
    # The throwaway server may be restarted, so the restart test (ignored
    # by default) runs too: afterwards and alone, as it takes the database
    # away from anything running beside it.
    scripts/with-postgres.sh bash -c \
      'cargo test --workspace --test e2e && cargo test --workspace --test e2e -- --ignored restart::' \
      2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
    if [ "$status" -eq 3 ]; then
      echo "PostgreSQL is not installed: end-to-end tests on PostgreSQL skipped"
      status=0
    fi
  fi
fi
if [ "$status" -eq 0 ]; then
  echo "== browser test of the admin page"
  if ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
      >/dev/null 2>&1 || true
  fi
  if [ -x "${HRMS_CHROMIUM:-/usr/bin/chromium}" ] && [ -x "${HRMS_CHROMEDRIVER:-/usr/bin/chromedriver}" ]; then
    cargo test --workspace --test e2e -- --ignored browser:: 2>&1 | tee -a "$log"
    status=${PIPESTATUS[0]}
  else
    echo "Chromium or ChromeDriver is not installed: browser test skipped"
  fi
fi
set -e

# One closing line for the whole run: cargo ends on its last (often empty)
# test binary, which says nothing about the suite. "skipped" counts tests
# that never ran in any pass (the restart and browser tests are ignored in
# the general passes and run in passes of their own).
awk '/^test result:/ { passed += $4; failed += $6 }
     /^test .* \.\.\. ignored/ { ignored[$2] = 1 }
     /^test .* \.\.\. (ok|FAILED)$/ { ran[$2] = 1 }
     END { for (name in ignored) if (!(name in ran)) skipped++
           printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
