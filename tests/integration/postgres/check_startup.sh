#!/usr/bin/env bash
# retrain start-up against a real PostgreSQL:
#   check_startup.sh RETRAIN_BIN URI WORKDIR STOP_CMD START_CMD
# URI is postgresql://user:password@127.0.0.1:port/db of a running server; STOP_CMD and
# START_CMD stop and restart it (same port and data).
set -uo pipefail
bin=$1 uri=$2 work=$3 stop_cmd=$4 start_cmd=$5
mkdir -p "$work"
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails+1)); fi; }

hostport=${uri#*@}; hostport=${hostport%%/*}
user_pw=${uri#postgresql://}; user_pw=${user_pw%%@*}
user=${user_pw%%:*} password=${user_pw#*:}
base="postgresql://$user@$hostport"
psql_q() { PGPASSWORD=$password psql "$base/$1" -tAc "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Each case gets a database of its own.
psql_q retrain "CREATE DATABASE startup_ok" >/dev/null
psql_q retrain "CREATE DATABASE startup_newer" >/dev/null

# Runs `retrain serve` expecting it to refuse to start: exit 2 and one line on stderr.
refuses() {
  local name=$1 want=$2; shift 2
  local out=$work/$name.err
  env "$@" timeout 60 "$bin" serve --data-dir "$work/$name" --listen "127.0.0.1:$(free_port)" \
    >/dev/null 2>"$out"
  local rc=$?
  desc="$name: exit 2 (got $rc)"; check [ "$rc" = 2 ]
  desc="$name: one line on stderr"; check [ "$(wc -l <"$out")" = 1 ]
  desc="$name: says '$want'"; check grep -q -- "$want" "$out"
  desc="$name: no password in the message"; check bash -c "! grep -qF -- '$password' '$out'"
  echo "   stderr: $(cat "$out")"
}

# 1. A good URI: serve starts, migrates, and the automatic trigger writes a job into PostgreSQL.
"$bin" feed generate --records 120 --seed 7 --data-dir "$work/ok" >/dev/null ||
  { echo "FAIL: feed generate"; exit 1; }
port=$(free_port)
RETRAIN_STORE_URI="$base/startup_ok" PGPASSWORD=$password "$bin" serve --data-dir "$work/ok" \
  --listen "127.0.0.1:$port" >"$work/ok.log" 2>&1 &
pid=$!
ready=0
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && { ready=1; break; }
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
desc="serve on PostgreSQL (PGPASSWORD) answers /readyz"; check [ "$ready" = 1 ]
jobs=0
for _ in $(seq 1 100); do
  jobs=$(psql_q startup_ok "SELECT count(*) FROM jobs" 2>/dev/null || echo 0)
  [ "${jobs:-0}" -ge 1 ] && break
  sleep 0.2
done
desc="the automatic trigger's job is in PostgreSQL (jobs: $jobs)"; check [ "${jobs:-0}" -ge 1 ]
desc="schema version recorded"; check [ "$(psql_q startup_ok 'SELECT max(version) FROM retrain_schema')" = 2 ]
# PostgreSQL goes away for 30 s — longer than the 15 s leader lease — under load (records and
# manual triggers keep arriving): the API answers 503 store_unavailable meanwhile, and once it is
# back everything resumes on its own: /readyz 200, this replica leads again, new records make a
# new job, and every job reaches a terminal state with its history intact.
readyz() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz"; }
api_code() { curl -s "http://127.0.0.1:$port$1" "${@:2}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["code"])' 2>/dev/null; }
for _ in $(seq 1 150); do  # the first job finished, so the next records can make another
  active=$(psql_q startup_ok "SELECT count(*) FROM jobs WHERE status IN ('pending','scheduled','running')" 2>/dev/null || echo 1)
  [ "${active:-1}" = 0 ] && break
  sleep 0.2
done
jobs_before=$(psql_q startup_ok "SELECT count(*) FROM jobs")
bash -c "$stop_cmd"
code=$(readyz)
desc="/readyz is 503 while PostgreSQL is down (got $code)"; check [ "$code" = 503 ]
got=$(api_code /retraining/jobs)
desc="GET /retraining/jobs answers store_unavailable while PostgreSQL is down (got $got)"
check [ "$got" = store_unavailable ]
got=$(api_code /models/threat-scorer/retrain -X POST -H 'Content-Type: application/json' -d '{"force":true}')
desc="a manual trigger answers store_unavailable while PostgreSQL is down (got $got)"
check [ "$got" = store_unavailable ]
for _ in $(seq 1 6); do  # load: records land and triggers arrive throughout the outage
  "$bin" feed generate --records 30 --data-dir "$work/ok" >/dev/null
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"force":true}' \
    "http://127.0.0.1:$port/models/threat-scorer/retrain"
  sleep 5
done
desc="serve keeps running while PostgreSQL is down"; check kill -0 $pid
desc="the leader stepped down when its lease ran out"; check grep -q "no longer leads" "$work/ok.log"
bash -c "$start_cmd"
code=000
for _ in $(seq 1 100); do code=$(readyz); [ "$code" = 200 ] && break; sleep 0.2; done
desc="/readyz is 200 again once PostgreSQL is back (got $code)"; check [ "$code" = 200 ]
leading=no
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$port/readyz" | grep -q '"leading":true' && { leading=yes; break; }
  sleep 0.2
done
desc="this replica leads again once PostgreSQL is back"; check [ "$leading" = yes ]
jobs_after=$jobs_before
for _ in $(seq 1 150); do
  jobs_after=$(psql_q startup_ok "SELECT count(*) FROM jobs" 2>/dev/null || echo "$jobs_before")
  [ "${jobs_after:-0}" -gt "$jobs_before" ] && break
  sleep 0.2
done
desc="the records that landed during the outage make a new job ($jobs_before -> $jobs_after)"
check [ "${jobs_after:-0}" -gt "$jobs_before" ]
left=1
for _ in $(seq 1 300); do
  left=$(psql_q startup_ok "SELECT count(*) FROM jobs WHERE status IN ('pending','scheduled','running')" 2>/dev/null || echo 1)
  [ "${left:-1}" = 0 ] && break
  sleep 0.2
done
desc="every job reaches a terminal state after the outage ($left active)"; check [ "${left:-1}" = 0 ]
orphans=$(psql_q startup_ok "SELECT count(*) FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = j.id AND e.seq = 1)")
desc="nothing half-written: every job has its first event ($orphans without)"; check [ "$orphans" = 0 ]
desc="the server log does not carry the password"; check bash -c "! grep -qF -- '$password' '$work/ok.log'"
kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null

# 2. store.passwordFile: the same database, password from a file, through config check + serve.
printf '%s\n' "$password" >"$work/pgpass"
sed -e "s|^  path: jobs.db.*|  path: jobs.db\n  uri: $base/startup_ok\n  passwordFile: $work/pgpass|" \
  -e 's|^  driver: sqlite.*|  driver: postgres|' \
  "$(dirname "$0")/../../../ml/config/mlflow_retraining.yaml" >"$work/pg.yaml"
"$bin" config check --config "$work/pg.yaml" --data-dir "$work/ok" >"$work/check.out" 2>&1
desc="config check accepts store.uri + store.passwordFile"; check [ $? = 0 ]
desc="config check shows store.driver = postgres"; check grep -q "store.driver = postgres" "$work/check.out"
port=$(free_port)
"$bin" serve --config "$work/pg.yaml" --data-dir "$work/ok" --listen "127.0.0.1:$port" \
  >"$work/ok2.log" 2>&1 &
pid=$!
ready=0
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && { ready=1; break; }
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
desc="serve with store.passwordFile answers /readyz"; check [ "$ready" = 1 ]
kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null

# 3. Bad input at start-up.
refuses wrong-password "refused the credentials" \
  RETRAIN_STORE_URI="postgresql://$user:not-the-password@$hostport/startup_ok" PGPASSWORD=
refuses unreachable-host "cannot reach PostgreSQL" \
  RETRAIN_STORE_URI="postgresql://$user@127.0.0.1:$(free_port)/startup_ok" PGPASSWORD=$password
# A database that a newer retrain migrated: the schema table says version 99.
psql_q startup_newer "CREATE TABLE retrain_schema (version INTEGER NOT NULL); INSERT INTO retrain_schema VALUES (99)" >/dev/null
refuses newer-schema "schema version 99" \
  RETRAIN_STORE_URI="$base/startup_newer" PGPASSWORD=$password

echo "start-up checks: $fails failed"
[ "$fails" = 0 ]
