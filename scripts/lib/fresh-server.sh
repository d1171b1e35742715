# Sourced by the acceptance scripts: starts `hrms serve` on 127.0.0.1 (free
# ports, a fresh SQLite file unless a database URL is given), waits for
# it, creates a tenant from a file and stops the server on exit.
#
#   start_fresh_server LABEL DATABASE_URL_OR_EMPTY TENANT_FILE
#
# Sets: work (a temp folder, removed on exit, with serve.log), grpc_port,
# scim_port, server (its PID) and token (the tenant's bearer token).

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_fresh_server() {
  local label=$1 database_url=${2:-sqlite://$work/hrms.db?mode=rwc} tenant_file=$3
  grpc_port=$(free_port)
  scim_port=$(free_port)
  cargo build --quiet --bin hrms
  echo "$label: database ${database_url%%://*}"
  target/debug/hrms serve \
    --database-url "$database_url" \
    --grpc-addr "127.0.0.1:$grpc_port" --scim-addr "127.0.0.1:$scim_port" \
    >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1',$scim_port),0.2)" 2>/dev/null; then break; fi
    sleep 0.1
  done
  local tenant
  tenant=$(target/debug/hrms tenant create --file "$tenant_file" --directory "http://127.0.0.1:$grpc_port")
  token=$(printf '%s' "$tenant" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}
