#!/usr/bin/env bash
# Wire-compatibility proof: run the official twilio Python library (pinned in
# requirements.txt) against an already running Parley.
#
#   PARLEY_URL=http://127.0.0.1:8080 PARLEY_ACCOUNT_SID=AC... PARLEY_AUTH_TOKEN=... tools/compat/run.sh [CHECK ...]
#
# Does not start the server. Exit status is compat.py's: 0 all passed, 1 a check
# failed, 2 bad setup (missing env, server not reachable).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

for var in PARLEY_URL PARLEY_ACCOUNT_SID PARLEY_AUTH_TOKEN; do
    if [[ -z "${!var:-}" ]]; then
        echo "run.sh: $var is not set" >&2
        exit 2
    fi
done

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
# Quiet and idempotent: a no-op when the pinned version is already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

exec "$venv/bin/python" "$here/compat.py" "$@"
