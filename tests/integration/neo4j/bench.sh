#!/usr/bin/env bash
# Figures for the Neo4j feed (reported, not asserted), in one run against one real Neo4j:
#   - records/second of Neo4jFeed::Scan vs the official Python driver (PyPI neo4j) reading the
#     same entities with the same Cypher;
#   - the cost of the unseen counts of many models over the whole feed: one query per model
#     (for LOOP_MODELS of them) and all models in one CountUnseenMany, through both clients;
#     and the cost of Head().
# Usage: tests/integration/neo4j/bench.sh [RECORDS] [MODELS] [LOOP_MODELS]
#        (defaults 100000, 50, 10)
# Env: RETRAIN_BUILD_DIR (default <repo>/build). The driver goes into a cached venv
# ${RETRAIN_CACHE:-$HOME/.cache/retrain}/neo4j-python-<version>.
set -euo pipefail
records=${1:-100000}
models=${2:-50}
loop_models=${3:-10}
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${RETRAIN_BUILD_DIR:-$root/build}
service=$root/scripts/services/neo4j
driver_version=${RETRAIN_NEO4J_PYTHON_VERSION:-6.4.1}
venv=${RETRAIN_CACHE:-$HOME/.cache/retrain}/neo4j-python-$driver_version

if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "neo4j==$driver_version"
  touch "$venv/.complete"
fi
cmake --build "$build" --target neo4j_integration_test >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/retrain-neo4j-bench.XXXXXX")
trap '"$service" stop "$dir" || true; rm -rf "$dir"' EXIT
uri=$("$service" start "$dir")
password=$(cat "$dir/password")
export NEO4J_URI=$uri NEO4J_USER=neo4j NEO4J_PASSWORD=$password
export NEO4J_BENCH_RECORDS=$records NEO4J_BENCH_MODELS=$models NEO4J_BENCH_LOOP_MODELS=$loop_models

# Entities of ten types with a few numeric features, written in batches of 10 000, landed one
# millisecond apart (a feed of 1 000 records a second) and all at least ten seconds old.
"$venv/bin/python" - "$uri" "$password" "$records" <<'PY'
import sys, time, neo4j
uri, password, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = int(time.time() * 1000) - total - 10000
with neo4j.GraphDatabase.driver(uri, auth=("neo4j", password)) as d:
    d.execute_query("CREATE RANGE INDEX retrain_entity_updated_at IF NOT EXISTS "
                    "FOR (n:Entity) ON (n.updated_at)")
    for start in range(0, total, 10000):
        d.execute_query(
            "UNWIND range($a, $b) AS i CREATE (:Entity {seq: i, ingestion_job: 'bench-' + "
            "toString(i / 10000), entity_type: 'type-' + toString(i % 10), f1: i * 0.5, "
            "f2: i % 97, label: i % 2, updated_at: datetime({epochMillis: $t0 + i})})",
            a=start, b=min(start + 10000, total) - 1, t0=t0)
PY
echo "wrote $records entities"
"$build/tests/unit/feed/neo4j/neo4j_integration_test" --gtest_also_run_disabled_tests \
  --gtest_filter='Bench.*' | grep -E 'FIGURE|OK|FAILED'
"$venv/bin/python" "$root/tests/integration/neo4j/bench_driver.py" "$uri" neo4j "$password"
