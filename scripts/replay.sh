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

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
grpc_port=$(free_port)
scim_port=$(free_port)

cargo build --quiet --bin hrms
database_url=${HRMS_REPLAY_DATABASE_URL:-sqlite://$work/hrms.db?mode=rwc}
echo "replay: database ${database_url%%://*}"
target/debug/hrms serve \
  --database-url "$database_url" \
  --grpc-addr "127.0.0.1:$grpc_port" --scim-addr "127.0.0.1:$scim_port" \
  >"$work/serve.log" 2>&1 &
server=$!

for _ in $(seq 1 100); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$scim_port),0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done

tenant=$(target/debug/hrms tenant create --file "$entra/tenant.json" --directory "http://127.0.0.1:$grpc_port")
token=$(printf '%s' "$tenant" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

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
