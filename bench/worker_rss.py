"""Runs a worker command and records its peak resident set size.

usage (as a model's `command:`): python3 worker_rss.py OUT_DIR RETRAIN_BIN worker

Waits for the command, then writes OUT_DIR/<RETRAINING_JOB_ID>.json with
{"job": ..., "maxrss_kb": ..., "exit": ...} (ru_maxrss of the waited-for child, in KiB on
Linux) and exits with the command's exit code. SIGTERM and SIGINT are passed on to it."""
import json
import os
import resource
import signal
import subprocess
import sys

out_dir, command = sys.argv[1], sys.argv[2:]
child = subprocess.Popen(command)
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda s, _frame: child.send_signal(s))
code = child.wait()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
job = os.environ.get("RETRAINING_JOB_ID", f"pid-{child.pid}")
os.makedirs(out_dir, exist_ok=True)
tmp = os.path.join(out_dir, f".{job}.tmp")
with open(tmp, "w") as f:
    json.dump({"job": job, "maxrss_kb": usage.ru_maxrss, "exit": code}, f)
os.replace(tmp, os.path.join(out_dir, f"{job}.json"))
sys.exit(code if code >= 0 else 128 - code)
