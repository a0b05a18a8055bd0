"""The crash soak's worker (CONTRACT section 7: environment in, events over the callback URL).
It records what it was given and every event the server acknowledged, so the soak can check
that nothing acknowledged was lost:
  <control>/<job>.starts   one JSON line per start: attempt, window cursors, record count, pid
  <control>/<job>.acked    one JSON line per acknowledged event: attempt, message, status
Each attempt reports a few progress events, then completes (most often), fails, or hangs like a
stuck training run until something stops it (a cancel, or the server's death)."""
import json
import os
import random
import time
import urllib.error
import urllib.request

env = os.environ
control = env.get("TRAINER_CONTROL") or env["SOAK_CONTROL"]
job = env["RETRAINING_JOB_ID"]
attempt = int(env.get("RETRAINING_ATTEMPT", "0"))
rng = random.Random(f"{job}-{attempt}")


def append(name, record):
    with open(os.path.join(control, f"{job}.{name}"), "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def post(body):
    """Sends one event; returns the HTTP status, or None when the server never answered."""
    req = urllib.request.Request(env["RETRAINING_CALLBACK_URL"], data=json.dumps(body).encode(),
                                 method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + env["RETRAINING_CALLBACK_TOKEN"]})
    for _ in range(50):
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            time.sleep(0.1)  # the server is restarting
            continue
        if status == 200:
            append("acked", {"attempt": attempt, "message": body.get("message"),
                             "status": body.get("status")})
        return status
    return None


append("starts", {"attempt": attempt, "after": env["RETRAINING_WINDOW_AFTER"],
                  "upto": env["RETRAINING_WINDOW_UPTO"],
                  "records": int(env["RETRAINING_RECORD_COUNT"]), "pid": os.getpid()})
if post({"status": "running", "message": f"attempt {attempt} started"}) != 200:
    raise SystemExit(2)  # cancelled, or no longer this job's current attempt
for step in range(rng.randint(1, 4)):
    time.sleep(rng.uniform(0.0, 0.15))
    code = post({"progress": (step + 1) / 10, "message": f"attempt {attempt} step {step}",
                 "metrics": {"step": float(step)}})
    if code != 200:
        raise SystemExit(2)
fate = rng.random()
if fate < 0.25:
    time.sleep(600)  # only a cancel (or the server dying) ends this attempt
if fate > 0.9:
    post({"status": "failed", "error": "soak failure", "message": f"attempt {attempt} failed"})
    raise SystemExit(1)
post({"status": "completed", "message": f"attempt {attempt} completed", "metrics": {"auc": 0.5}})
