"""Connections: 10,000 concurrent keep-alive connections to the real `retrain serve`, each
sending GET /retraining/jobs/{id} every 5 seconds, held for 30 seconds. Reports errors, the
requests answered, and the server's RSS and descriptors at the peak, beside the same server's
RSS before the connections opened (the baseline, same run). The client raises its descriptor
limit to the hard limit; the server raises its own at start-up.

usage: connections.py RETRAIN_BIN [--connections 10000] [--hold 30] [--interval 5]"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from hold_connections import hold, raise_fd_limit  # noqa: E402
from retrain_process import Serve  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--hold", type=float, default=30)
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    a = ap.parse_args()
    if not raise_fd_limit(a.connections + 100):
        print(f"connections: skipped, the hard descriptor limit "
              f"{resource.getrlimit(resource.RLIMIT_NOFILE)[1]} is below {a.connections + 100}")
        return
    work = tempfile.mkdtemp(prefix="retrain-conn-")
    cfg = os.path.join(work, "retrain.yaml")
    with open(cfg, "w") as f:
        f.write("experiment: {name: connections}\nserver: {threads: 2}\n"
                "models:\n  - id: c\n    minRecords: 5\n"
                "    command: [\"/bin/sh\", \"-c\", \"exit 0\"]\n")
    data = os.path.join(work, "data")
    subprocess.run([a.binary, "feed", "generate", "--records", "5", "--config", cfg,
                    "--data-dir", data], check=True, capture_output=True)
    with Serve(a.binary, cfg, data, os.path.join(work, "serve.log")) as serve:
        status, job = serve.post("/models/c/retrain", {"reason": "a job to read"})
        assert status in (200, 201, 202), job
        stats = hold("127.0.0.1", serve.port, a.connections, a.hold, a.interval,
                     path=f"/retraining/jobs/{job['id']}", pid=serve.proc.pid)
    errors = stats["connect_errors"] + stats["dropped"] + stats["http_errors"]
    per_conn = (stats["server_rss_mib_peak"] - stats["server_rss_mib_before"]) * 1024 / \
        max(stats["held_at_end"], 1)
    print(f"{a.connections} keep-alive connections, one GET /retraining/jobs/{{id}} every "
          f"{a.interval:g}s each, held {a.hold:g}s (2 server threads)")
    print(f"  held at the end {stats['held_at_end']}, peak open {stats['peak_open']}, "
          f"requests {stats['requests']}, errors {errors} ({stats['last_error'] or 'none'})")
    print(f"  baseline: server RSS before the connections   {stats['server_rss_mib_before']:8.1f} MiB")
    print(f"  server RSS with them held (peak)              {stats['server_rss_mib_peak']:8.1f} MiB"
          f"   {stats['server_rss_mib_peak'] / stats['server_rss_mib_before']:5.1f}x, "
          f"{per_conn:.1f} KiB per connection; {stats['server_fds_peak']} descriptors")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "connections.json"), "w") as f:
        json.dump(stats, f, indent=2)


if __name__ == "__main__":
    main()
