"""End-to-end fixtures: the real `retrain` binary on a temporary data dir, driven over HTTP."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("RETRAIN_BIN", str(ROOT / "build" / "src" / "cli" / "retrain"))
HERE = Path(__file__).resolve().parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.text = body
        self.headers = headers
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


def http(method, url, body=None, headers=None, raw=None, timeout=10):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = dict(headers or {})
    if body is not None and "Content-Type" not in hdrs:
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read().decode(), dict(r.headers))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read().decode(), dict(e.headers))


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def scripted_worker_command():
    return [sys.executable, str(HERE / "scripted_worker.py")]


class Retrain:
    """One retrain installation: a data dir, a config file, and a `retrain serve` process."""

    def __init__(self, tmp_path, models, extra=""):
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.dir = tmp_path
        self.data = tmp_path / "data"
        self.control = tmp_path / "control"
        self.control.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = tmp_path / "retrain.yaml"
        self.config.write_text(self._config_text(models, extra))
        self.proc = None
        self.log = tmp_path / "serve.log"
        self.env = dict(os.environ)
        self.env.pop("MLFLOW_TRACKING_URI", None)
        self.env["SCRIPTED_WORKER_CONTROL"] = str(self.control)

    def _config_text(self, models, extra=""):
        lines = [
            "experiment:",
            "  name: e2e-retraining",
            "  tracking_uri: mlruns",
            "  tags: {owner: e2e}",
            "server:",
            "  threads: 4",
            "store: {path: jobs.db}",
            "feed: {source: embedded}",
            "executor: {kind: local, maxConcurrent: 4, killGrace: 1s}",
            "trigger: {reconcileInterval: 100ms}",
        ]
        if extra:
            lines.append(extra)
        lines.append("models:")
        for m in models:
            lines.append(f"  - id: {m['id']}")
            for k, v in m.items():
                if k == "id":
                    continue
                lines.append(f"    {k}: {json.dumps(v)}")
        return "\n".join(lines) + "\n"

    def cli(self, *args, check=True, server=True, timeout=60):
        cmd = [BIN, *args]
        if args and args[0] in ("feed", "config"):
            cmd += ["--config", str(self.config), "--data-dir", str(self.data)]
        elif server and args and args[0] in ("trigger", "jobs", "cancel", "models"):
            cmd += ["--server", self.url]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"{cmd} exited {p.returncode}: {p.stderr}")
        return p

    def generate(self, n, **kw):
        args = ["feed", "generate", "--records", str(n)]
        for k, v in kw.items():
            args += [f"--{k.replace('_', '-')}", str(v)]
        return self.cli(*args)

    def start(self):
        assert self.proc is None
        self.logf = open(self.log, "a")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", str(self.config), "--data-dir", str(self.data),
             "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.logf, stderr=subprocess.STDOUT, env=self.env)
        wait_for(self._healthy, timeout=20, what="retrain serve to answer /healthz")

    def _healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"retrain serve exited {self.proc.returncode}: {self.log.read_text()[-3000:]}")
        try:
            return http("GET", self.url + "/healthz", timeout=1).status == 200
        except OSError:
            return False

    def stop(self, kill=False):
        if self.proc is None:
            return
        if kill:
            self.proc.send_signal(signal.SIGKILL)
        else:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        finally:
            self.proc = None
            self.logf.close()

    def restart(self, kill=True):
        self.stop(kill=kill)
        self.start()

    # API helpers
    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def post(self, path, body=None, **kw):
        return http("POST", self.url + path, body=body, **kw)

    def jobs(self, **params):
        q = "&".join(f"{k}={v}" for k, v in params.items())
        r = self.get("/retraining/jobs?limit=500" + ("&" + q if q else ""))
        assert r.status == 200, r.text
        return r.json["jobs"]

    def job(self, job_id):
        r = self.get(f"/retraining/jobs/{job_id}")
        assert r.status == 200, r.text
        return r.json

    def wait_status(self, job_id, statuses, timeout=30):
        statuses = {statuses} if isinstance(statuses, str) else set(statuses)
        return wait_for(lambda: (lambda j: j if j["status"] in statuses else None)(self.job(job_id)),
                        timeout=timeout, what=f"job {job_id} to reach {statuses}")

    def release(self, job_id, outcome="complete"):
        """Tells the scripted worker of `job_id` how to end: complete | fail | exit0 | exit3."""
        (self.control / f"{job_id}.release").write_text(outcome)

    def worker_record(self, job_id):
        """What the scripted worker of `job_id` saw (its window and attempt), per attempt."""
        path = self.control / f"{job_id}.seen"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def mlflow_runs(self):
        """Run directories of the file store, as {run_id: {tags..., status}}."""
        runs = {}
        root = self.data / "mlruns"
        for meta in root.glob("*/*/meta.yaml"):
            run_dir = meta.parent
            if run_dir.parent.name in ("models", ".trash"):
                continue
            tags = {t.name: t.read_text() for t in (run_dir / "tags").glob("*")} if (run_dir / "tags").exists() else {}
            text = meta.read_text()
            status = next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("status:")), None)
            runs[run_dir.name] = {"tags": tags, "status": status, "dir": run_dir}
        return runs


@pytest.fixture
def make_retrain(tmp_path):
    created = []

    def make(models, extra="", start=True):
        r = Retrain(tmp_path / f"r{len(created)}", models, extra)
        created.append(r)
        if start:
            r.start()
        return r

    yield make
    for r in created:
        try:
            r.stop()
        except Exception:
            pass
