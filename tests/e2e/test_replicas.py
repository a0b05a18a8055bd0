"""Several `retrain serve` replicas on one real PostgreSQL store (a throwaway cluster from
scripts/services/postgres), sharing one feed and one MLflow store, behind a balancer that stands
in for a Kubernetes Service:

  - exactly one replica leads, and /readyz, /metrics and the dashboard say which;
  - the leader SIGKILLed while the crash soak's driver keeps triggering, reporting and
    cancelling through the balancer: a new leader takes over within the lease, and the soak's
    invariants hold afterwards (every acknowledged trigger has exactly one job, every
    acknowledged event is kept in order, windows contiguous, one MLflow run per job, one executor
    start per attempt, every job terminal, no worker left behind);
  - a paused leader (SIGSTOP past its lease, then SIGCONT) steps down and writes nothing;
  - the same trigger sent to every replica at the same instant makes one job;
  - a worker may report to any replica."""
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "soak"))
from balancer import Balancer  # noqa: E402
from conftest import ROOT, Retrain, http, scripted_worker_command, wait_for  # noqa: E402
import soak  # noqa: E402

SERVICE = ROOT / "scripts" / "services" / "postgres"
LEASE_S = 2.0


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    where = tmp_path_factory.mktemp("pg") / "cluster"
    p = subprocess.run([str(SERVICE), "start", str(where)], capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, f"could not start PostgreSQL: {p.stderr}"
    yield p.stdout.strip()
    subprocess.run([str(SERVICE), "destroy", str(where)], capture_output=True, timeout=120)


def new_database(uri):
    """A fresh database on the cluster; returns its URI."""
    name = "r" + uuid.uuid4().hex[:12]
    bindir = subprocess.run([str(SERVICE), "bindir"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([f"{bindir}/psql", uri, "-q", "-c", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True, timeout=60)
    return uri.rsplit("/", 1)[0] + "/" + name


class Replica(Retrain):
    def __init__(self, path, models, shared, store_uri, public_url):
        self.shared, self.store_uri, self.public_url = shared, store_uri, public_url
        super().__init__(path, models)

    def _config_text(self, models, extra=""):
        head = [
            "experiment:",
            "  name: e2e-replicas",
            f"  tracking_uri: {self.shared / 'mlruns'}",
            "server:",
            "  threads: 4",
            f"  publicUrl: {self.public_url}",
            f"  leader: {{leaseDuration: {int(LEASE_S * 1000)}ms, renewInterval: 400ms}}",
            f"store: {{uri: '{self.store_uri}'}}",
            f"feed: {{source: embedded, path: {self.shared / 'feed.db'}}}",
            "executor: {kind: local, maxConcurrent: 4, killGrace: 1s}",
            "trigger: {reconcileInterval: 100ms}",
        ]
        models_part = Retrain._config_text(self, models).split("models:\n", 1)[1]
        return "\n".join(head) + "\nmodels:\n" + models_part

    def leadership(self):
        if self.proc is None:
            return None
        try:
            r = http("GET", self.url + "/readyz", timeout=1)
        except OSError:
            return None
        return (r.json or {}).get("leadership")


class Cluster:
    """N replicas and the balancer; quacks like conftest.Retrain for the soak's driver and check."""

    def __init__(self, tmp_path, store_uri, models, n=3):
        self.data = tmp_path / "shared"  # mlruns/ and feed.db of every replica
        self.control = self.data / "control"
        self.control.mkdir(parents=True)
        self.balancer = Balancer([])
        self.url = self.balancer.url
        self.replicas = [Replica(tmp_path / f"replica{i}", models, self.data, store_uri, self.url)
                         for i in range(n)]
        self.balancer.backends = [("127.0.0.1", r.port) for r in self.replicas]

    def start(self):
        for r in self.replicas:  # one after the other: the first creates the MLflow experiment
            r.start()

    def stop(self):
        for r in self.replicas:
            r.stop()
        self.balancer.close()

    def cli(self, *args, **kw):
        return self.replicas[0].cli(*args, **kw)

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def post(self, path, body=None, **kw):
        return http("POST", self.url + path, body=body, **kw)

    mlflow_runs = Retrain.mlflow_runs

    def leader(self, timeout=LEASE_S * 4 + 10, exclude=()):
        """The one replica every live replica names as leader (and that says it leads)."""
        def agreed():
            views = {i: r.leadership() for i, r in enumerate(self.replicas)
                     if r.proc is not None and i not in exclude}
            if not views or any(v is None for v in views.values()):
                return None
            leading = [i for i, v in views.items() if v["leading"]]
            if len(leading) != 1:
                return None
            name = views[leading[0]]["replica"]
            return leading[0] if all(v["leader"] == name for v in views.values()) else None
        return wait_for(lambda: (lambda i: None if i is None else (i,))(agreed()), timeout=timeout,
                        interval=0.02, what="the replicas to agree on one leader")[0]


def soak_models(control):
    command = [sys.executable, str(ROOT / "tests" / "soak" / "soak_worker.py")]
    params = {"control": str(control)}
    return [
        {"id": "auto", "minRecords": 8, "maxAttempts": 100, "command": command, "params": params},
        {"id": "manual", "minRecords": 1_000_000, "maxAttempts": 100, "command": command, "params": params},
    ]


@pytest.fixture
def cluster(tmp_path, postgres):
    made = []

    def make(models_fn, n=3):
        c = Cluster(tmp_path, new_database(postgres), models_fn(tmp_path / "shared" / "control"), n)
        made.append(c)
        c.start()
        return c

    yield make
    for c in made:
        c.stop()


def test_one_leader_named_by_readyz_metrics_and_dashboard(cluster):
    c = cluster(soak_models, n=2)
    i = c.leader()
    name = c.replicas[i].leadership()["replica"]
    for j, r in enumerate(c.replicas):
        metrics = r.get("/metrics").text
        value = re.search(r'^retrain_leader\{replica="([^"]+)"\} (\S+)$', metrics, re.M)
        assert value, metrics[:500]
        assert (value.group(2) == "1") == (j == i), (j, value.group(0))
        assert (value.group(1) == name) == (j == i)
        assert r.get("/readyz").status == 200  # followers serve too
    assert 'id="leader"' in c.replicas[0].get("/").text


def test_leader_killed_under_load_loses_nothing(cluster):
    seed = int(os.environ["SOAK_SEED"]) if os.environ.get("SOAK_SEED") else random.randrange(1 << 30)
    print(f"failover: seed {seed}")
    rng = random.Random(seed)
    c = cluster(soak_models)
    d = soak.Driver(c, random.Random(rng.random()))
    threads = [threading.Thread(target=f, daemon=True) for f in (d.feed, d.trigger, d.cancel)]
    for t in threads:
        t.start()
    failovers = []
    try:
        for _ in range(3):
            time.sleep(rng.uniform(1.0, 2.5))
            i = c.leader()
            killed_at = time.time()
            c.replicas[i].stop(kill=True)
            c.leader(exclude=(i,))
            failovers.append(time.time() - killed_at)
            c.replicas[i].start()
    finally:
        d.stop.set()
        d.stopped_at = time.time()
        for t in threads:
            t.join(timeout=30)
    print(f"failover: {', '.join(f'{s:.2f}s' for s in failovers)} with a {LEASE_S}s lease")
    summary = soak.check(c, d)
    print("failover: " + str(summary))
    assert summary["acked_triggers"] > 0 and summary["worker_starts"] > 0, summary


def test_a_paused_leader_steps_down_and_writes_nothing(cluster):
    c = cluster(lambda control: [{"id": "m", "minRecords": 5, "command": scripted_worker_command(),
                                         "params": {"control": str(control)}}], n=2)
    i = c.leader()
    old = c.replicas[i]
    os.kill(old.proc.pid, signal.SIGSTOP)
    try:
        new = c.replicas[c.leader(exclude=(i,))]
        assert new is not old
        # Work for the new leader while the old one sleeps: a job, created and handed to a worker.
        # (Asked of the new leader directly: the paused one accepts connections, answers none.)
        c.cli("feed", "generate", "--records", "6")
        job = wait_for(lambda: (new.get("/retraining/jobs?status=running").json or {}).get("jobs"),
                       timeout=30, what="the automatic job to run")[0]
        resumed_at = old.log.stat().st_size
    finally:
        os.kill(old.proc.pid, signal.SIGCONT)
    wait_for(lambda: (lambda v: v is not None and not v["leading"])(old.leadership()), timeout=10,
             what="the resumed replica to say it follows")
    (c.control / f"{job['id']}.release").write_text("complete")
    done = wait_for(lambda: (lambda j: j if j["status"] == "completed" else None)(new.get(f"/retraining/jobs/{job['id']}").json),
                    timeout=30, what="the job to complete under the new leader")
    # On waking, the old leader's reconciler sees a running job its own executor never started:
    # unfenced, it would take the attempt for lost and retry it. Fenced, that write is refused.
    assert done["attempt"] == 1, done
    seen = [l for l in (c.control / f"{job['id']}.seen").read_text().splitlines() if l.strip()]
    assert len(seen) == 1, seen  # one worker start: the old leader started none
    after = old.log.read_text()[resumed_at:]
    assert "no longer leads" in after, after
    jobs = new.get("/retraining/jobs?limit=50").json["jobs"]
    assert [j["id"] for j in jobs] == [job["id"]]


def test_the_same_trigger_on_every_replica_at_once_makes_one_job(cluster):
    c = cluster(lambda control: [{"id": "m", "minRecords": 1_000_000, "command": scripted_worker_command(),
                                         "params": {"control": str(control)}}])

    def fire_all(headers):
        barrier = threading.Barrier(len(c.replicas))
        answers = [None] * len(c.replicas)

        def fire(k):
            barrier.wait()
            answers[k] = http("POST", c.replicas[k].url + "/models/m/retrain", body={"force": True},
                              headers=headers)
        ts = [threading.Thread(target=fire, args=(k,)) for k in range(len(c.replicas))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return answers

    for _ in range(4):
        c.cli("feed", "generate", "--records", "3")  # the previous job trained on the last ones
        answers = fire_all({"Idempotency-Key": uuid.uuid4().hex})
        assert all(a.status == 202 for a in answers), [(a.status, a.text[:200]) for a in answers]
        ids = {a.json["id"] for a in answers}
        assert len(ids) == 1, ids
        (c.control / f"{ids.pop()}.release").write_text("complete")
        wait_for(lambda: not (c.get("/retraining/jobs?status=running").json["jobs"] or
                              c.get("/retraining/jobs?status=pending").json["jobs"] or
                              c.get("/retraining/jobs?status=scheduled").json["jobs"]),
                 timeout=30, what="the job to finish")
    c.cli("feed", "generate", "--records", "3")
    answers = fire_all({})
    codes = sorted(a.status for a in answers)
    assert codes == [202] + [409] * (len(c.replicas) - 1), [(a.status, a.text[:200]) for a in answers]
    assert all(a.json["error"]["code"] == "job_active" for a in answers if a.status == 409)
    assert len(c.get("/retraining/jobs?limit=50").json["jobs"]) == 5


def test_a_worker_reports_to_any_replica(cluster):
    c = cluster(lambda control: [{"id": "m", "minRecords": 5, "command": scripted_worker_command(),
                                         "params": {"control": str(control)}}])
    c.cli("feed", "generate", "--records", "5")
    job = wait_for(lambda: (c.get("/retraining/jobs?status=running").json or {}).get("jobs"),
                   timeout=30, what="the job to run")[0]
    token = wait_for(lambda: (c.control / f"{job['id']}.token").read_text() if (c.control / f"{job['id']}.token").exists() else None,
                     timeout=10, what="the worker's token")
    i = c.leader()
    for k, r in enumerate(c.replicas):
        if k == i:
            continue
        ok = http("POST", r.url + f"/retraining/jobs/{job['id']}/events",
                  body={"progress": 0.5, "message": f"reported to replica {k}"},
                  headers={"Authorization": "Bearer " + token})
        assert ok.status == 200, ok.text
        bad = http("POST", r.url + f"/retraining/jobs/{job['id']}/events", body={"progress": 0.6},
                   headers={"Authorization": "Bearer wrong"})
        assert bad.status == 401, bad.text
    messages = [e.get("message") for e in c.get(f"/retraining/jobs/{job['id']}/events").json["events"]]
    assert sum(1 for m in messages if m and m.startswith("reported to replica")) == len(c.replicas) - 1
    (c.control / f"{job['id']}.release").write_text("complete")
    wait_for(lambda: c.get(f"/retraining/jobs/{job['id']}").json["status"] == "completed", timeout=30,
             what="the job to complete")
