#!/usr/bin/env bash
# parley-bench on each engine back to back, one build, one sitting: SQLite, PostgreSQL with one node, PostgreSQL with
# two nodes on one database (creates spread over both, pages read from B, fan-out sockets on B while the POSTs go to A).
# The scenarios the PostgreSQL issue asks for by default; anything after the script's name goes to every run.
#
#   swift build -c release --product parley && swift build -c release --product parley-bench && tools/bench/engines.sh
#   tools/bench/engines.sh --smoke                    # tiny counts, figures meaningless (CI)
#   BENCH_BUILD=.build/debug tools/bench/engines.sh   # another build folder
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BENCH_BUILD:-.build/release}
scenarios=${BENCH_SCENARIOS:-create,page,fanout,mixed}
runs=("" "--postgres" "--postgres --nodes 2")
for run in "${runs[@]}"; do
    # shellcheck disable=SC2086 # the run's options are words
    "$build/parley-bench" --binary "$build/parley" --scenarios "$scenarios" --fanout-clients 100 $run "$@"
    echo
done
