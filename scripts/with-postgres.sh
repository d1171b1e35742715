#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL: initdb into a temp folder,
# start it on 127.0.0.1 at a free port (never 5432, never the system
# cluster), export HRMS_TEST_POSTGRES_URL (and HRMS_TEST_POSTGRES_RESTART, a
# script that restarts this server), run the command, stop the server and
# remove the folder, also on failure.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Needs PostgreSQL's server binaries (Debian: postgresql); exits 3 when
# they are missing. As root, the server runs as the postgres user, since
# PostgreSQL refuses to run as root.
set -euo pipefail

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && bindir="$candidate"
done
if [ -z "$bindir" ]; then
  echo "with-postgres: PostgreSQL server binaries not found" >&2
  exit 3
fi

as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_owner=(runuser -u postgres --)
fi

folder=$(mktemp -d)
chmod 755 "$folder"
[ "${#as_owner[@]}" -gt 0 ] && chown postgres "$folder"
data="$folder/data"
stop() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"${as_owner[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -w -l "$folder/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $folder -c fsync=off -c max_connections=200" \
  start >/dev/null

export HRMS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
# Tests of a database restart run this: stop the server, stay down for
# \$1 seconds (default 0), start it again on the same port.
cat >"$folder/restart.sh" <<RESTART
#!/usr/bin/env bash
set -e
${as_owner[*]} "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
sleep "\${1:-0}"
${as_owner[*]} "$bindir/pg_ctl" -D "$data" -w -l "$folder/server.log" \\
  -o "-c listen_addresses=127.0.0.1 -p $port -k $folder -c fsync=off -c max_connections=200" \\
  start >/dev/null
RESTART
chmod +x "$folder/restart.sh"
export HRMS_TEST_POSTGRES_RESTART="$folder/restart.sh"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
