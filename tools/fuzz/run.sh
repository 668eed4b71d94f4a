#!/usr/bin/env bash
# Fuzz Parley against Twilio's OpenAPI description (the operations Parley implements) with schemathesis:
# a fresh server on a temporary database, generated requests (valid and invalid), zero 5xx allowed.
#
#   tools/fuzz/run.sh [max-examples-per-operation=100] [extra schemathesis options...]
#
# FUZZ_CHECKS=not_a_server_error,response_schema_conformance also judges the JSON of the answers.
# Needs .build/debug/parley (or PARLEY_BINARY) and python3; installs schemathesis into .build/fuzz-venv once.
# The request count is read from the server's own parley_http_requests_total.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${1:-100}
shift || true
binary=${PARLEY_BINARY:-.build/debug/parley}
log=${FUZZ_LOG:-.build/fuzz.log}   # schemathesis' full output
venv=${FUZZ_VENV:-.build/fuzz-venv}
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r tools/fuzz/requirements.txt
fi

sid=AC0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
token=fuzz-auth-token
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PARLEY_ACCOUNT_SID=$sid PARLEY_AUTH_TOKEN=$token "$binary" serve --db "$work/parley.db" --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    sleep 0.1
done

status=0
"$venv/bin/st" run tools/fuzz/parley-openapi.json --url "http://127.0.0.1:$port" --auth "$sid:$token" \
    --checks "${FUZZ_CHECKS:-not_a_server_error}" --max-examples "$examples" --workers 2 --suppress-health-check all \
    --generation-database none --no-color "$@" >"$log" 2>&1 || status=$?
# awk, not head: head would close the pipe early and, with pipefail, a long ERRORS section would fail the run.
sed -n '/^=* ERRORS =*$/,/^=* SUMMARY/p' "$log" | cut -c1-300 | awk 'NR <= 40'
tail -n 25 "$log"

# The verdict comes from the server itself: it must still run, and none of its answers may be a 5xx.
# (schemathesis' own exit status also counts tooling hiccups, so it is reported, not judged.)
if ! metrics=$(curl -sf "http://127.0.0.1:$port/metrics"); then
    echo "fuzz: the server is gone"; tail -n 40 "$work/server.log"; exit 1
fi
requests=$(echo "$metrics" | awk '/^parley_http_requests_total\{/ { n += $NF } END { print n + 0 }')
errors=$(echo "$metrics" | awk '/^parley_http_requests_total\{/ && /status="5/ { n += $NF } END { print n + 0 }')
echo "fuzz: $requests requests, $errors answered 5xx (schemathesis exit status $status; full output in $log)"
if [ "$errors" != 0 ]; then
    echo "$metrics" | grep '^parley_http_requests_total{.*status="5' || true
    grep -i "error" "$work/server.log" | head -20 || true
    exit 1
fi
