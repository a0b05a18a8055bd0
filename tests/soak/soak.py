"""Crash soak: `retrain serve` is SIGKILLed at random instants while a driver keeps feeding it
automatic-trigger data, manual triggers with idempotency keys, cancels, and workers that report
events; it is restarted after each kill. Once the driver stops, the soak checks:

  - every acknowledged trigger has exactly one job (its key replays to the same job);
  - every event a worker had acknowledged is in its job's history, in order;
  - per model, the windows of completed jobs are contiguous and never overlap, and no record is
    in two of them;
  - each job has at most one MLflow run, and at most one executor start per attempt;
  - every job reaches a terminal state, and no worker process is left running.

usage: soak.py [--kills N] [--seed S] [--dir DIR]   (also run by tests/e2e/test_soak.py)"""
import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
from conftest import Retrain, http, wait_for  # noqa: E402


class Driver:
    def __init__(self, r, rng):
        self.r = r
        self.rng = rng
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked_triggers = {}  # idempotency key -> job id
        self.generated = 0
        self.cancels = 0
        self.final_cancels = 0
        self.stopped_at = None
        self.errors = []

    def _url(self):
        return self.r.url

    def feed(self):
        while not self.stop.is_set():
            n = self.rng.randint(1, 6)
            p = self.r.cli("feed", "generate", "--records", str(n), check=False)
            if p.returncode == 0:
                with self.lock:
                    self.generated += n
            self.stop.wait(self.rng.uniform(0.05, 0.3))

    def trigger(self):
        while not self.stop.is_set():
            key = uuid.uuid4().hex
            # Retried with the same key until the server answers: a trigger whose answer was
            # lost in a kill must not create a second job.
            for _ in range(200):
                try:
                    resp = http("POST", self._url() + "/models/manual/retrain", body={"force": True},
                                headers={"Idempotency-Key": key}, timeout=3)
                except OSError:
                    time.sleep(0.05)
                    continue
                if resp.status == 202:
                    with self.lock:
                        self.acked_triggers[key] = resp.json["id"]
                elif resp.status not in (409, 503):
                    self.errors.append(f"trigger answered {resp.status}: {resp.text[:200]}")
                break
            self.stop.wait(self.rng.uniform(0.1, 0.4))

    def cancel(self):
        while not self.stop.is_set():
            self.stop.wait(self.rng.uniform(0.2, 0.8))
            try:
                resp = http("GET", self._url() + "/retraining/jobs?limit=50&status=running", timeout=3)
                running = resp.json["jobs"] if resp.status == 200 else []
                if running:
                    job = self.rng.choice(running)
                    c = http("POST", self._url() + f"/retraining/jobs/{job['id']}/cancel", timeout=3)
                    if c.status == 200:
                        self.cancels += 1
            except (OSError, TypeError, KeyError):
                pass


def configure(workdir):
    control = {"control": str(Path(workdir) / "control")}  # TRAINER_CONTROL for the worker
    command = [sys.executable, str(HERE / "soak_worker.py")]
    models = [
        {"id": "auto", "minRecords": 8, "maxAttempts": 100, "command": command, "params": control},
        {"id": "manual", "minRecords": 1_000_000, "maxAttempts": 100, "command": command,
         "params": control},
    ]
    return Retrain(Path(workdir), models)


def run(kills=20, seed=None, workdir=None):
    seed = seed if seed is not None else random.randrange(1 << 30)
    print(f"soak: {kills} kills, seed {seed}", flush=True)
    rng = random.Random(seed)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="retrain-soak-"))
    r = configure(workdir)
    r.start()
    d = Driver(r, random.Random(rng.random()))
    threads = [threading.Thread(target=f, daemon=True) for f in (d.feed, d.trigger, d.cancel)]
    for t in threads:
        t.start()
    try:
        for k in range(kills):
            time.sleep(rng.uniform(0.2, 1.2))
            r.restart(kill=True)
    finally:
        d.stop.set()
        d.stopped_at = time.time()
        for t in threads:
            t.join(timeout=30)
    try:
        summary = check(r, d)
    finally:
        r.stop()
    summary.update(seed=seed, kills=kills)
    print("soak: " + json.dumps(summary), flush=True)
    return summary


def all_jobs(r):
    """Every job, following nextCursor."""
    jobs, cursor = [], None
    while True:
        q = "/retraining/jobs?limit=500" + (f"&cursor={cursor}" if cursor else "")
        resp = r.get(q)
        assert resp.status == 200, resp.text
        jobs += resp.json["jobs"]
        cursor = resp.json.get("nextCursor")
        if not cursor:
            return jobs


def lines(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.exists() else []


def check(r, d):
    assert not d.errors, d.errors
    # Every job reaches a terminal state once the driver stops; the stuck workers are cancelled,
    # and each must then be stopped (none may keep running, or hold an executor slot).
    terminal = {"completed", "failed", "cancelled"}
    deadline = time.time() + 60
    while time.time() < deadline:
        active = [j for j in all_jobs(r) if j["status"] not in terminal]
        if not active:
            break
        for j in active:
            if j["status"] == "running" and time.time() - d.stopped_at > 5:
                r.post(f"/retraining/jobs/{j['id']}/cancel")
                d.final_cancels += 1
        time.sleep(0.5)
    jobs = wait_for(lambda: (lambda js: js if all(j["status"] in terminal for j in js) else None)(all_jobs(r)),
                    timeout=120, interval=0.5, what="every job to reach a terminal state")
    by_id = {j["id"]: j for j in jobs}
    assert len(by_id) == len(jobs), "a job is listed twice"

    # Every acknowledged trigger has exactly one job, and its key still names it.
    for key, job_id in d.acked_triggers.items():
        assert job_id in by_id, f"acknowledged trigger {key} lost its job {job_id}"
        again = r.post("/models/manual/retrain", {"force": True}, headers={"Idempotency-Key": key})
        assert again.status == 202 and again.json["id"] == job_id, (key, again.status, again.text[:200])
    # Each acknowledged key made its own job, and no manual job exists without one.
    assert len(set(d.acked_triggers.values())) == len(d.acked_triggers), "two keys share a job"
    manual = {j["id"] for j in jobs if j["modelId"] == "manual"}
    assert manual == set(d.acked_triggers.values()), (sorted(manual - set(d.acked_triggers.values())),
                                                      sorted(set(d.acked_triggers.values()) - manual))

    runs = {}
    for run_id, run in r.mlflow_runs().items():
        runs.setdefault(run["tags"].get("retraining_job_id"), []).append(run_id)
    events_checked = 0
    for j in jobs:
        jid = j["id"]
        # At most one MLflow run per job.
        assert len(runs.get(jid, [])) <= 1, (jid, runs.get(jid))
        # At most one executor start per attempt.
        starts = lines(r.control / f"{jid}.starts")
        attempts = [s["attempt"] for s in starts]
        assert len(attempts) == len(set(attempts)), (jid, attempts)
        assert all(s["after"] == starts[0]["after"] and s["upto"] == starts[0]["upto"] for s in starts), jid
        # Every acknowledged event is in the history, in order.
        acked = [a["message"] for a in lines(r.control / f"{jid}.acked")]
        history = [e["message"] for e in r.get(f"/retraining/jobs/{jid}/events").json["events"]
                   if e["source"] == "worker"]
        it = iter(history)
        missing = [m for m in acked if not any(h == m for h in it)]
        assert not missing, (jid, missing, history)
        events_checked += len(acked)

    # Per model, completed windows are contiguous and disjoint.
    windows = {}
    for j in jobs:
        if j["status"] != "completed":
            continue
        starts = lines(r.control / f"{j['id']}.starts")
        if not starts:
            continue  # completed without a worker start (none here, but not an invariant)
        windows.setdefault(j["modelId"], []).append((starts[0]["after"], starts[0]["upto"], j["records"]))
    trained = {}
    for model, ws in windows.items():
        ws.sort(key=lambda w: int(w[0] or 0))
        prev = ""
        for after, upto, records in ws:
            assert after == prev, f"model {model}: a window starts at {after!r}, the previous ended at {prev!r}"
            assert int(upto) - int(after or 0) >= records > 0, (model, after, upto, records)
            prev = upto
        trained[model] = sum(w[2] for w in ws)
        assert trained[model] <= d.generated, (model, trained[model], d.generated)

    # No worker process is left behind.
    def alive(pid):  # a soak worker still running (a recycled pid is some other program)
        try:
            return b"soak_worker.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
    pids = [s["pid"] for p in r.control.glob("*.starts") for s in lines(p)]
    wait_for(lambda: not [p for p in pids if alive(p)], timeout=15,
             what="every worker process to exit (a leaked worker keeps its executor slot)")

    statuses = {}
    for j in jobs:
        statuses[j["status"]] = statuses.get(j["status"], 0) + 1
    return {"jobs": len(jobs), "statuses": statuses, "acked_triggers": len(d.acked_triggers),
            "cancels": d.cancels, "final_cancels": d.final_cancels, "acked_events_checked": events_checked,
            "records_generated": d.generated, "records_trained": trained,
            "worker_starts": len(pids)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--dir")
    a = ap.parse_args()
    run(a.kills, a.seed, a.dir)
