#!/usr/bin/env bash
# The compatibility proof on two nodes: a private PostgreSQL cluster, two `parley serve --database` nodes on it, and a
# proxy that sends the helper library's writes to node A and its reads to node B (split_proxy.py).
#
#   tools/compat/two-nodes.sh [--binary .build/debug/parley] [CHECK ...]
#
# Needs PostgreSQL (apt-get install postgresql). Runs as any user; as root the server runs as `postgres`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$here/../../.build/debug/parley"
if [[ "${1:-}" == "--binary" ]]; then binary="$(realpath "$2")"; shift 2; fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/pg_ctl" ]] || { echo "two-nodes.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 2; }
work=$(mktemp -d)
as_server=()
if [[ $(id -u) == 0 ]]; then chown postgres "$work"; as_server=(runuser -u postgres --); fi
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${as_server[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

"${as_server[@]}" "$bin/initdb" -D "$work/data" -U parley --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
"${as_server[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$work' -c fsync=off" start >/dev/null
"${as_server[@]}" "$bin/psql" -h "$work" -U parley -d postgres -X -q -c "CREATE DATABASE parley"
export PARLEY_DATABASE="postgres://parley@localhost/parley?host=$work"
export PARLEY_ACCOUNT_SID=AC0c1c0c1c0c1c0c1c0c1c0c1c0c1c0c1d
export PARLEY_AUTH_TOKEN=two-nodes-auth-token
mkdir -p "$work/shared"

start_node() {  # port log
    "$binary" serve --database "$PARLEY_DATABASE" --port "$1" --data-dir "$work/shared" \
        --secrets-key-file "$work/shared/parley.secrets-key" --allow-private-targets 127.0.0.1 >"$2" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/readyz" && return 0; sleep 0.2; done
    echo "two-nodes.sh: the node on port $1 did not start:" >&2; cat "$2" >&2; exit 1
}
start_node 18091 "$work/node-a.log"   # node A migrates and creates the account
start_node 18092 "$work/node-b.log"
python3 "$here/split_proxy.py" 18090 18092 18091 &
pids+=($!)
sleep 0.5
export PARLEY_URL="http://127.0.0.1:18090"
if ! "$here/run.sh" "$@"; then
    echo "--- node A"; cat "$work/node-a.log"; echo "--- node B"; cat "$work/node-b.log"
    exit 1
fi
