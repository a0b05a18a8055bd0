"""Failover time: three `retrain serve` replicas on one PostgreSQL store; the leader is SIGKILLed
N times (restarted after each kill) and the time from the kill until another replica says it
leads (/readyz) is recorded. Reported beside the configured lease, the bound the design promises
(a dead leader is replaced within one lease duration plus one follower poll).

usage: failover.py RETRAIN_BIN POSTGRES_URI [KILLS]"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
from retrain_process import Serve, get, wait_for  # noqa: E402

BIN, PG = sys.argv[1], sys.argv[2]
KILLS = int(sys.argv[3]) if len(sys.argv) > 3 else 20
LEASE_MS, RENEW_MS = 2000, 500
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

work = tempfile.mkdtemp(prefix="retrain-failover-")
db = "failover" + str(int(time.time() * 1000))
bindir = subprocess.run([os.path.join(ROOT, "scripts", "services", "postgres"), "bindir"],
                        capture_output=True, text=True, check=True).stdout.strip()
subprocess.run([os.path.join(bindir, "psql"), PG, "-q", "-c", f"CREATE DATABASE {db}"], check=True,
               capture_output=True)
uri = PG.rsplit("/", 1)[0] + "/" + db
cfg = os.path.join(work, "retrain.yaml")
with open(cfg, "w") as f:
    f.write(f"""experiment: {{name: failover, tracking_uri: {work}/mlruns}}
server:
  leader: {{leaseDuration: {LEASE_MS}ms, renewInterval: {RENEW_MS}ms}}
store: {{uri: '{uri}'}}
feed: {{source: embedded, path: {work}/feed.db}}
models:
  - id: m
    minRecords: 50
    command: {json.dumps([sys.executable, "-c", "pass"])}
""")


def start(i):
    return Serve(BIN, cfg, os.path.join(work, f"replica{i}"), os.path.join(work, f"replica{i}.log"))


def leading(s):
    try:
        status, body = get(s.base + "/readyz")
    except OSError:
        return False
    return status == 200 and (body.get("leadership") or {}).get("leading")


replicas = [start(i) for i in range(3)]
times = []
try:
    for k in range(KILLS):
        leader = wait_for(lambda: next((s for s in replicas if leading(s)), None), 30, "a leader",
                          interval=0.01)
        # Kill at a random point of its renewal cycle, as a crash would.
        time.sleep((k * 0.37 % 1.0) * RENEW_MS / 1000)
        i = replicas.index(leader)
        killed = time.time()
        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait()
        wait_for(lambda: any(leading(s) for j, s in enumerate(replicas) if j != i), 30,
                 "a new leader", interval=0.005)
        times.append((time.time() - killed) * 1000)
        leader.log.close()
        replicas[i] = start(i)
finally:
    for s in replicas:
        s.stop()

print(f"failover, leader SIGKILLed -> another replica leads ({KILLS} kills, 3 replicas on PostgreSQL)")
print(f"  configured lease {LEASE_MS} ms, renewal every {RENEW_MS} ms (the bound: lease + one poll of "
      f"{min(RENEW_MS, LEASE_MS // 10)} ms)")
print(f"  median {statistics.median(times):8.0f} ms   worst {max(times):8.0f} ms   "
      f"{statistics.median(times) / LEASE_MS:5.2f}x the lease at the median")
