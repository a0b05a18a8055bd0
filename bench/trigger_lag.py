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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

BIN = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
WORKER = [sys.executable, "-c", "import sys; sys.exit(0)"]  # exits at once; lag ends at `scheduled`


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run(feed_yaml, write):
    work = tempfile.mkdtemp(prefix="retrain-lag-")
    cfg = os.path.join(work, "retrain.yaml")
    with open(cfg, "w") as f:
        f.write(f"""feed: {feed_yaml}
trigger: {{reconcileInterval: 1s}}
experiment: {{name: lag}}
models:
  - id: lag
    minRecords: 20
    maxAttempts: 1
    command: {json.dumps(WORKER)}
""")
    p = port()
    base = f"http://127.0.0.1:{p}"
    data = os.path.join(work, "data")
    proc = subprocess.Popen([BIN, "serve", "--config", cfg, "--data-dir", data, "--listen", f"127.0.0.1:{p}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lags = []
    try:
        for _ in range(100):
            try:
                get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        for i in range(ROUNDS):
            write(cfg, data, i)
            deadline = time.time() + 15
            job = None
            while time.time() < deadline:
                jobs = get(base + "/retraining/jobs?limit=1")["jobs"]
                if len(jobs) and jobs[0]["records"] and len(get(base + "/retraining/jobs?limit=500")["jobs"]) == i + 1:
                    job = jobs[0]
                    if job["status"] in ("completed", "failed"):
                        break
                time.sleep(0.05)
            if job is None:
                raise SystemExit(f"round {i}: no job")
            events = get(base + f"/retraining/jobs/{job['id']}/events")["events"]
            sched = next(e for e in events if e["status"] == "scheduled")
            lags.append(ts(sched["at"]) - ts(job["dataWindowEnd"]))
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait()
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
