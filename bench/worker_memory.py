"""Peak RSS of the reference worker training on a long range, through the real `retrain serve`.

Two runs, each with a fresh data dir:
  - the baseline: one model trained on a window of --baseline-records records (what the worker
    costs with next to no data), and
  - one feed of --records records read by two models with `training: cumulative`, one without a
    cap and one with maxRecords --cap.
Every worker runs under bench/worker_rss.py, which records ru_maxrss. Reports each peak, its
excess over the baseline per training record, and the job's duration.

usage: worker_memory.py RETRAIN_BIN [--records 1000000] [--cap 100000] [--baseline-records 1000]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def measure(binary, records, models, timeout):
    """Writes `records` records and returns {model: (job, maxrss_kb)} once every job has ended."""
    work = tempfile.mkdtemp(prefix="retrain-memory-")
    data, rss_dir, cfg = (os.path.join(work, n) for n in ("data", "rss", "retrain.yaml"))
    wrapper = [sys.executable, os.path.join(HERE, "worker_rss.py"), rss_dir, binary, "worker"]
    lines = ["experiment: {name: memory, tracking_uri: mlruns}", "store: {path: jobs.db}",
             "feed: {source: embedded}", "executor: {kind: local, maxConcurrent: 2}",
             "trigger: {reconcileInterval: 100ms}", "models:"]
    for model_id, training in models.items():
        lines += [f"  - id: {model_id}", f"    minRecords: {records}", "    maxAttempts: 1",
                  "    timeout: 60m", f"    training: {json.dumps(training)}",
                  "    params: {num_round: \"40\", max_depth: \"4\"}",
                  f"    command: {json.dumps(wrapper)}"]
    with open(cfg, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run([binary, "feed", "generate", "--records", str(records), "--config", cfg,
                    "--data-dir", data], check=True, capture_output=True)
    out = {}
    with Serve(binary, cfg, data, os.path.join(work, "serve.log")) as serve:
        def ended():
            jobs = serve.get("/retraining/jobs?limit=500")[1]["jobs"]
            done = [j for j in jobs if j["status"] in ("completed", "failed", "cancelled")]
            return done if len(done) == len(models) else None
        for job in wait_for(ended, timeout, f"{len(models)} jobs on {records} records", interval=0.5):
            if job["status"] != "completed":
                raise SystemExit(f"FAIL: the {job['modelId']} job ended {job['status']}: {job.get('error')}")
            with open(os.path.join(rss_dir, f"{job['id']}.json")) as f:
                out[job["modelId"]] = (job, json.load(f)["maxrss_kb"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--cap", type=int, default=100_000)
    ap.add_argument("--baseline-records", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=3600)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    started = time.time()
    base = measure(binary, args.baseline_records, {"baseline": "window"}, args.timeout)["baseline"][1]
    runs = measure(binary, args.records, {"uncapped": "cumulative",
                                          "capped": {"policy": "cumulative", "maxRecords": args.cap}},
                   args.timeout)
    print(f"worker peak RSS, training: cumulative on a feed of {args.records:,} records (MB)")
    print(f"  baseline: a window of {args.baseline_records:,} records           {base / 1024:8.1f}")
    for model_id, label in (("uncapped", "maxRecords unset"), ("capped", f"maxRecords {args.cap:,}")):
        job, kb = runs[model_id]
        n = int(job["metrics"]["training_records"])
        per = (kb - base) * 1024 / max(1, n)
        secs = ts(job["completedAt"]) - ts(job["startedAt"])
        print(f"  {label:20s} {n:9,} trained     {kb / 1024:8.1f}   {kb / base:5.1f}x the baseline, "
              f"{per:6.1f} bytes per training record above it, job {secs:5.1f}s")
    print(f"({time.time() - started:.0f}s)")


if __name__ == "__main__":
    main()
