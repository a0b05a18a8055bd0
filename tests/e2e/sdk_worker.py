"""A worker written with the Python SDK (sdk/python) for the SDK's end-to-end tests. What it
does is chosen by the model's params (TRAINER_*):
  mode=complete  read the training range, report progress and metrics, complete (default)
  mode=raise     read, then raise inside `with Job.from_env()` (the SDK reports failed)
  mode=hold      save its environment, then wait for <control>/<job id>.release (exit0 | fail)
It saves what it read in <control>/<job id>-<attempt>.read.json (cursors, ingestion jobs)."""
import json
import os
import sys
import time

from retrain_worker import Job

with Job.from_env() as job:
    control = job.param("control", "")
    mode = job.param("mode", "complete")
    base = os.path.join(control, f"{job.id}-{job.attempt}")
    if mode == "hold":
        with open(base + ".env.json.tmp", "w") as f:
            json.dump(dict(os.environ), f)
        os.rename(base + ".env.json.tmp", base + ".env.json")
        release = os.path.join(control, job.id + ".release")
        deadline = time.time() + 120
        while not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.05)
        if not os.path.exists(release) or open(release).read().strip() == "fail":
            sys.exit(1)
        sys.exit(0)
    job.progress(0.1, "reading the training range")
    records = list(job.records())
    with open(base + ".read.json", "w") as f:
        json.dump({"cursors": [r.cursor for r in records],
                   "ingestion_jobs": [r.ingestion_job for r in records],
                   "entity_types": sorted({r.entity_type for r in records}),
                   "window_records": job.stats.window_records,
                   "labels": sum(1 for r in records if r.label is not None)}, f)
    if mode == "raise":
        raise RuntimeError(f"the model diverged after {len(records)} records: loss is NaN")
    job.progress(0.5, f"read {len(records)} records")
    job.metrics({"interim_auc": 0.7})
    job.complete(metrics={"auc": 0.81, "f1": 0.64, "records_read": len(records)},
                 message=f"trained by the SDK on {len(records)} records")
