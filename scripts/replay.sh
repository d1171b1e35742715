#!/usr/bin/env bash
# Acceptance: runs the Entra replay (shared/entra/replay.py) against a freshly
# started `hrms serve` on an empty SQLite database, with a tenant created
# from the replay's tenant.json.
#
#   scripts/replay.sh [ENTRA_DIR]     (default: ../shared/entra)
#
# The database is a fresh SQLite file, or HRMS_REPLAY_DATABASE_URL when set
# (it must name an empty database).
#
# Runs every scenario file and fails on any failing step except the known
# replay defects listed below, each explained where it is listed.
set -euo pipefail
cd "$(dirname "$0")/.."
entra=$(cd "${1:-../shared/entra}" && pwd)

# 15 step 4 expects employeeNumber "E-104233", but file 11 step 3 replaces
# it with "E-104233-A" and 11 step 4 asserts that new value; nothing in
# between changes it back. Both assertions cannot hold: this build keeps the
# replaced code, so 11 passes and 15 step 4 cannot.
known_defects=("FAIL 15_patch_user_clear_values.json step 4 ")

command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }

# shellcheck source=scripts/lib/fresh-server.sh
. scripts/lib/fresh-server.sh
start_fresh_server replay "${HRMS_REPLAY_DATABASE_URL:-}" "$entra/tenant.json"

set +e
python3 "$entra/replay.py" --base "http://127.0.0.1:$scim_port/scim/v2" --token "$token" "$entra" >"$work/replay.out"
set -e
grep -Ev '^[0-9]+ passed, [0-9]+ failed$' "$work/replay.out" || true

unexpected=0
known_count=0
while IFS= read -r line; do
  known=0
  for defect in "${known_defects[@]}"; do
    case "$line" in "$defect"*) known=1 ;; esac
  done
  if [ "$known" = 1 ]; then
    echo "known replay defect (see scripts/replay.sh): $line"
    known_count=$((known_count + 1))
  else
    unexpected=$((unexpected + 1))
  fi
done < <(grep '^FAIL ' "$work/replay.out" || true)

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/replay.out" || true)
if [ -z "$summary" ]; then
  echo "replay did not finish; server log:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
passed=${summary%% passed*}
# The closing line counts known replay defects as skipped, not passed.
echo "replay: $passed passed, $unexpected failed, $known_count skipped"
[ "$unexpected" -eq 0 ]
