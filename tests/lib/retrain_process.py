"""Driving a real `retrain serve` from test and benchmark scripts (standard library only, so
any Python can import it: the test venv, the mlflow venv, the system python3).

    sys.path.insert(0, "<repo>/tests/lib")
    from retrain_process import Serve, api, wait_for
"""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(method, url, body=None, timeout=10):
    """(status, parsed JSON body) of one request; HTTP errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def get(url):
    return api("GET", url)


def wait_for(predicate, timeout, what, interval=0.2):
    """The first truthy value of predicate(); connection errors count as "not yet"."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"FAIL: timed out after {timeout}s waiting for {what}")


class Serve:
    """`retrain serve` on a free loopback port; use as a context manager."""

    def __init__(self, binary, config, data_dir, log_path, env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", config, "--data-dir", data_dir, "--listen", f"127.0.0.1:{self.port}"],
            env=env if env is not None else dict(os.environ), stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._healthy, 30, "retrain serve to answer /healthz", interval=0.1)

    def _healthy(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"FAIL: retrain serve exited with {self.proc.returncode}")
        return get(self.base + "/healthz")[0] == 200

    def get(self, path):
        return get(self.base + path)

    def post(self, path, body=None):
        return api("POST", self.base + path, body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
