"""Trigger lag: from the last record of a window landing in the feed to its job being
`scheduled` (the executor accepted it), measured on the real binary.

Two feeds in the same run:
  - the embedded feed, written by `retrain feed generate` (change notification), and
  - the baseline: a directory of the seed's fixture files read by polling every second
    (feed.pollInterval: 1s), the way feeds without notifications are watched.
Each round writes exactly minRecords records and waits for the job; the lag is the job's
`scheduled` event time minus its dataWindowEnd. Reports the median and 95th percentile.

usage: trigger_lag.py RETRAIN_BIN [ROUNDS]"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

BIN = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
WORKER = [sys.executable, "-c", "import sys; sys.exit(0)"]  # exits at once; lag ends at `scheduled`



def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run(feed_yaml, write, store_yaml="{path: jobs.db}"):
    work = tempfile.mkdtemp(prefix="retrain-lag-")
    cfg = os.path.join(work, "retrain.yaml")
    with open(cfg, "w") as f:
        f.write(f"""feed: {feed_yaml}
store: {store_yaml}
trigger: {{reconcileInterval: 1s}}
experiment: {{name: lag}}
models:
  - id: lag
    minRecords: 20
    maxAttempts: 1
    command: {json.dumps(WORKER)}
""")
    data = os.path.join(work, "data")
    lags = []
    with Serve(BIN, cfg, data, os.path.join(work, "serve.log")) as serve:
        for i in range(ROUNDS):
            write(cfg, data, i)
            # This round's job, once it has ended (the worker exits at once).
            job = wait_for(lambda: (lambda js: js[0] if len(js) == i + 1 and js[0]["status"] in ("completed", "failed")
                                    else None)(serve.get("/retraining/jobs?limit=500")[1]["jobs"]),
                           15, f"round {i}'s job", interval=0.05)
            events = serve.get(f"/retraining/jobs/{job['id']}/events")[1]["events"]
            sched = next(e for e in events if e["status"] == "scheduled")
            lags.append(ts(sched["at"]) - ts(job["dataWindowEnd"]))
            time.sleep(0.2)
    return lags


def write_embedded(cfg, data, i):
    subprocess.run([BIN, "feed", "generate", "--records", "20", "--config", cfg, "--data-dir", data],
                   check=True, capture_output=True)


fixtures = tempfile.mkdtemp(prefix="retrain-lag-fixtures-")


def write_fixture(cfg, data, i):
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    records = [{"entity_type": "indicator", "confidence": k, "label": k % 2} for k in range(20)]
    tmp = os.path.join(fixtures, f".ingest-{i}.tmp")
    with open(tmp, "w") as f:
        json.dump({"job_id": f"ingest-{i}", "ingested_at": now, "records": records}, f)
    os.rename(tmp, os.path.join(fixtures, f"ingest-{i}.json"))


def summary(lags):
    lags = sorted(lags)
    return statistics.median(lags) * 1000, lags[int(0.95 * (len(lags) - 1))] * 1000


embedded = summary(run("{source: embedded}", write_embedded))
polled = summary(run(f"{{source: fixtures, path: {fixtures}, pollInterval: 1s}}", write_fixture))
print(f"trigger lag, record landed -> job scheduled ({ROUNDS} jobs each, milliseconds)")
print(f"  baseline: fixture directory polled every 1s   p50 {polled[0]:8.1f}   p95 {polled[1]:8.1f}")
print(f"  embedded feed with change notification       p50 {embedded[0]:8.1f}   p95 {embedded[1]:8.1f}"
      f"   {polled[0] / max(embedded[0], 0.001):6.1f}x lower at p50")
pg_uri = os.environ.get("RETRAIN_BENCH_POSTGRES_URI")
if pg_uri:
    # The same embedded feed with the job store on PostgreSQL (a fresh database each run), where
    # the serve process is the elected leader of its store.
    db = "lag" + str(int(time.time() * 1000))
    bindir = subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "services", "postgres"),
                             "bindir"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([os.path.join(bindir, "psql"), pg_uri, "-q", "-c", f"CREATE DATABASE {db}"], check=True,
                   capture_output=True)
    on_pg = summary(run("{source: embedded}", write_embedded, "{uri: '" + pg_uri.rsplit("/", 1)[0] + "/" + db + "'}"))
    print(f"  embedded feed, job store on PostgreSQL (leader) p50 {on_pg[0]:8.1f}   p95 {on_pg[1]:8.1f}"
          f"   {on_pg[0] / max(embedded[0], 0.001):6.2f}x the SQLite store's p50")
else:
    print("  job store on PostgreSQL: not measured (no server)")
