"""A training worker whose end the tests decide: it follows the worker contract (CONTRACT
section 7: environment in, events out over the callback URL with the bearer token) and waits
for a release file written by the test: <control>/<job id>.release holding
  complete  report completed with metrics      fail   report failed and exit 1
  exit0     exit 0 without reporting           exit3  exit 3 without reporting
It records what it saw in <control>/<job id>.seen (one JSON line per attempt)."""
import json
import os
import sys
import time
import urllib.error
import urllib.request

env = os.environ
job = env["RETRAINING_JOB_ID"]
control = env["SCRIPTED_WORKER_CONTROL"] if "SCRIPTED_WORKER_CONTROL" in env else None
control = control or env.get("TRAINER_CONTROL")


def post(body):
    req = urllib.request.Request(env["RETRAINING_CALLBACK_URL"], data=json.dumps(body).encode(),
                                 method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + env.get("RETRAINING_CALLBACK_TOKEN", "")})
    for _ in range(100):
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            time.sleep(0.2)
    return None


print(f"scripted worker for job {job} attempt {env.get('RETRAINING_ATTEMPT')}", flush=True)
seen = {k: env.get(k) for k in ("RETRAINING_ATTEMPT", "RETRAINING_WINDOW_AFTER", "RETRAINING_WINDOW_UPTO",
                                 "RETRAINING_RECORD_COUNT", "MLFLOW_RUN_ID", "MODEL_ID", "DATA_WINDOW_START",
                                 "DATA_WINDOW_END", "RETRAINING_REASON", "MLFLOW_TRACKING_URI",
                                 "MLFLOW_EXPERIMENT_ID", "RETRAINING_FEED_URI")}
seen["token_present"] = bool(env.get("RETRAINING_CALLBACK_TOKEN"))
with open(os.path.join(control, job + ".seen"), "a") as f:
    f.write(json.dumps(seen) + "\n")

with open(os.path.join(control, job + ".token"), "w") as f:
    f.write(env.get("RETRAINING_CALLBACK_TOKEN", ""))
post({"status": "running", "progress": 0.1, "message": "scripted worker started"})
release = os.path.join(control, job + ".release")
deadline = time.time() + 300
while not os.path.exists(release):
    if time.time() > deadline:
        sys.exit(4)
    time.sleep(0.05)
outcome = open(release).read().strip()
if outcome == "complete":
    post({"status": "completed", "metrics": {"auc": 0.75, "records": float(env.get("RETRAINING_RECORD_COUNT", 0))}})
elif outcome == "fail":
    print("about to fail on purpose", file=sys.stderr, flush=True)
    post({"status": "failed", "error": "scripted failure"})
    sys.exit(1)
elif outcome == "exit3":
    sys.exit(3)
sys.exit(0)
