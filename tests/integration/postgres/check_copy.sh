#!/usr/bin/env bash
# `retrain store copy` against a real PostgreSQL: check_copy.sh RETRAIN_BIN URI WORKDIR
# An embedded store with a real history (serve on SQLite until its automatic job exists) is
# copied into a fresh database; a second copy is refused, and --force replaces.
set -uo pipefail
bin=$1 uri=$2 work=$3
mkdir -p "$work"
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails+1)); fi; }
hostport=${uri#*@}; hostport=${hostport%%/*}
user_pw=${uri#postgresql://}; user_pw=${user_pw%%@*}
user=${user_pw%%:*} password=${user_pw#*:}
base="postgresql://$user@$hostport"
psql_q() { PGPASSWORD=$password psql "$base/$1" -tAc "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

psql_q retrain "CREATE DATABASE copy_target" >/dev/null
"$bin" feed generate --records 120 --seed 3 --data-dir "$work/src" >/dev/null || { echo "FAIL: feed generate"; exit 1; }
port=$(free_port)
"$bin" serve --data-dir "$work/src" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
n=0
for _ in $(seq 1 150); do
  n=$(curl -fsS "http://127.0.0.1:$port/retraining/jobs" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))' 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 1 ] && break
  sleep 0.2
done
kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
desc="the SQLite source has a job ($n)"; check [ "${n:-0}" -ge 1 ]
src_events=$(sqlite3 "$work/src/jobs.db" "SELECT count(*) FROM job_events")

printf '%s\n' "$password" >"$work/pw"
"$bin" store copy --from "sqlite:$work/src/jobs.db" --to "$base/copy_target" --password-file "$work/pw" \
  >"$work/copy1.out" 2>"$work/copy1.err"
rc=$?
cat "$work/copy1.out"
desc="first copy exits 0 (got $rc: $(cat "$work/copy1.err"))"; check [ "$rc" = 0 ]
desc="copy prints matching job counts"; check grep -Eq "^jobs +$n +$n$" "$work/copy1.out"
desc="events arrived ($src_events)"; check [ "$(psql_q copy_target 'SELECT count(*) FROM job_events')" = "$src_events" ]
desc="the output does not carry the password"; check bash -c "! grep -qF -- '$password' '$work/copy1.out' '$work/copy1.err'"

PGPASSWORD=$password "$bin" store copy --from "sqlite:$work/src/jobs.db" --to "$base/copy_target" \
  >/dev/null 2>"$work/copy2.err"
rc=$?
desc="a second copy into the non-empty target is refused with exit 1 (got $rc)"; check [ "$rc" = 1 ]
desc="the refusal names --force"; check grep -q -- "--force" "$work/copy2.err"
echo "   stderr: $(cat "$work/copy2.err")"

PGPASSWORD=$password "$bin" store copy --from "sqlite:$work/src/jobs.db" --to "$base/copy_target" \
  --force >"$work/copy3.out" 2>&1
rc=$?
desc="--force replaces the target (exit $rc)"; check [ "$rc" = 0 ]
desc="after --force the target holds the source's jobs once"; check [ "$(psql_q copy_target 'SELECT count(*) FROM jobs')" = "$n" ]

"$bin" store copy --from "$work/src/jobs.db" --to "$base/copy_target" >/dev/null 2>"$work/copy4.err"
rc=$?
desc="--from without sqlite: is a usage error (exit $rc)"; check [ "$rc" = 2 ]

echo "store copy checks: $fails failed"
[ "$fails" = 0 ]
