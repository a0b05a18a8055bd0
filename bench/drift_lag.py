"""Drift trigger lag: how many drifted records land before the drift trigger starts a job,
measured on the real binary and reference worker.

Each scenario is its own `retrain serve` with one model whose count threshold is out of reach
(minRecords 1,000,000), so only `trigger.drift` (threshold 0.2, minRecords 200) can start a job.
A first job, forced, trains the champion on 5,000 records of the base distribution (drift 0);
its worker saves the feature summary the trigger compares with. Then records of one drift level
arrive in batches of 25 (`retrain feed generate --drift D`, another seed); after each batch the
bench waits for the trigger pass to measure them. The lag is the number of records in the drift
job's window: all of them arrived after the drift started. The baseline, in the same run, is the
same feed with no drift at all (drift 0): any job there is a false alarm.

usage: drift_lag.py RETRAIN_BIN [--levels 0.25,0.35,0.5,1.0] [--limit 3000] [--out bench/results]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

BATCH = 25
FIRST = 5000


def scenario(binary, drift, limit):
    work = tempfile.mkdtemp(prefix="retrain-drift-lag-")
    cfg = os.path.join(work, "retrain.yaml")
    data = os.path.join(work, "data")
    with open(cfg, "w") as f:
        f.write("""experiment: {name: drift-lag}
trigger: {reconcileInterval: 200ms}
models:
  - id: dl
    minRecords: 1000000
    evaluation: {minHoldout: 100}
    params: {num_round: "20"}
    trigger:
      drift: {threshold: 0.2, minRecords: 200}
""")

    def generate(n, seed, d):
        subprocess.run([binary, "feed", "generate", "--records", str(n), "--seed", str(seed),
                        "--drift", str(d), "--config", cfg, "--data-dir", data],
                       check=True, capture_output=True)

    generate(FIRST, 1, 0.0)
    with Serve(binary, cfg, data, os.path.join(work, "serve.log")) as serve:
        status, first = serve.post("/models/dl/retrain", {"force": True, "reason": "first version"})
        assert status in (200, 201, 202), first
        wait_for(lambda: serve.get(f"/retraining/jobs/{first['id']}")[1]["status"] == "completed",
                 180, "the first job")
        landed = 0
        psi = None
        seed = 1000
        while landed < limit:
            # Distinct seeds give fresh records of the same distribution.
            seed += 1
            generate(BATCH, seed, drift)
            landed += BATCH
            def measured():
                jobs = serve.get("/retraining/jobs?limit=10")[1]["jobs"]
                drift_jobs = [j for j in jobs if j["trigger"] == "drift"]
                if drift_jobs:
                    return ("fired", drift_jobs[0])
                p = serve.get("/models/dl/trigger-preview")[1]["drift"]
                return ("measured", p) if p["records"] == landed else None
            kind, what = wait_for(measured, 30, f"the trigger pass over {landed} records",
                                  interval=0.05)
            if kind == "fired":
                return {"drift": drift, "lag_records": what["records"], "reason": what["reason"]}
            psi = what["maxPsi"]
        return {"drift": drift, "lag_records": None, "landed": landed, "max_psi": psi}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--levels", default="0.25,0.35,0.5,1.0")
    ap.add_argument("--limit", type=int, default=3000)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    a = ap.parse_args()
    baseline = scenario(a.binary, 0.0, a.limit)
    results = [scenario(a.binary, float(d), a.limit) for d in a.levels.split(",")]
    print(f"drift trigger lag: drifted records landed before the drift job (threshold 0.2, "
          f"minRecords 200, batches of {BATCH})")
    if baseline["lag_records"] is None:
        print(f"  baseline: no drift, {baseline['landed']} records     no job (false alarms 0; "
              f"largest PSI {baseline['max_psi']:.3f})")
    else:
        print(f"  baseline: no drift                 FALSE ALARM after {baseline['lag_records']} records")
    for r in results:
        lag = f"{r['lag_records']} records" if r["lag_records"] is not None else \
            f"no job within {r['landed']} (largest PSI {r['max_psi']:.3f})"
        print(f"  drift {r['drift']:<4}                         {lag}")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "drift_lag.json"), "w") as f:
        json.dump({"baseline": baseline, "levels": results}, f, indent=2)


if __name__ == "__main__":
    main()
