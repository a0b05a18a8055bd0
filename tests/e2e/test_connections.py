"""Many keep-alive connections at once on the real binary: `retrain serve` raises its descriptor
limit to the hard limit at start-up, and 1,500 connections (more than the usual default soft
limit of 1,024 descriptors) are held with steady requests with no error. The 10,000-connection
run with its memory figures is bench/connections.py (make bench)."""
import os
import resource
import sys

import pytest

from conftest import wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hold_connections import hold, proc_status, raise_fd_limit  # noqa: E402

CONNECTIONS = 1500


def test_holds_more_connections_than_the_default_descriptor_limit(make_retrain):
    if not raise_fd_limit(CONNECTIONS + 100):
        pytest.skip(f"the hard descriptor limit {resource.getrlimit(resource.RLIMIT_NOFILE)[1]} "
                    f"is below {CONNECTIONS + 100}")
    # The server starts with the soft limit at 1,024 and must raise it itself.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    try:
        r = make_retrain([{"id": "m", "minRecords": 10}])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    limits = open(f"/proc/{r.proc.pid}/limits").read()
    line = next(l for l in limits.splitlines() if l.startswith("Max open files"))
    assert int(line.split()[3]) == hard, line

    stats = hold("127.0.0.1", r.port, CONNECTIONS, hold_seconds=4, interval=1.0, pid=r.proc.pid)
    assert stats["connect_errors"] == 0 and stats["dropped"] == 0, stats
    assert stats["http_errors"] == 0, stats
    assert stats["held_at_end"] == CONNECTIONS, stats
    assert stats["requests"] >= CONNECTIONS, stats  # every connection was answered
    assert stats["server_fds_peak"] >= CONNECTIONS, stats
    # The server still answers, and lets the connections go.
    assert r.get("/healthz").status == 200
    wait_for(lambda: proc_status(r.proc.pid)[2] < 200, timeout=20,
             what="the server to close the connections the client closed")
