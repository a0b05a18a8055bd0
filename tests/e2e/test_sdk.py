"""The Python worker SDK (sdk/python) against a real `retrain serve`: workers written with it
run through the local executor, read exactly their window or training range, report through
the callback URL with their token, survive a server restart while reporting, and fail cleanly.
Its champion gate is checked against the C++ gate's answers (sdk_gate_cases.json)."""
import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ROOT, wait_for

SDK = ROOT / "sdk" / "python" / "src"
sys.path.insert(0, str(SDK))

from retrain_worker import ConfigError, GateSettings, Job, RecordCountMismatch, TokenRefused  # noqa: E402
from retrain_worker.settings import parse_rfc3339_ms as parse_ms  # noqa: E402
from retrain_worker.events import EventClient  # noqa: E402
from retrain_worker.feature_summary import summarize_features  # noqa: E402
from retrain_worker.gate import (NoComparison, bootstrap_indices, compare_paired, decide_champion,  # noqa: E402
                                 decide_promotion)

HERE = Path(__file__).resolve().parent
CASES = HERE / "sdk_gate_cases.json"
SECRET = "sdk-test-callback-secret"


def python_command(script):
    # The local executor passes on PATH, HOME, LANG and TZ only: the SDK's path goes in the command.
    return ["env", f"PYTHONPATH={SDK}", sys.executable, str(script)]


def sdk_model(r, model_id="sdk", mode="complete", **kw):
    m = {"id": model_id, "minRecords": 50, "command": python_command(HERE / "sdk_worker.py"),
         "maxAttempts": 1, "params": {"control": str(r.control), "mode": mode}}
    m.update(kw)
    return m


def configure(make_retrain, models_fn, secret=False):
    r = make_retrain([], start=False)
    text = r._config_text(models_fn(r))
    if secret:
        text = text.replace("  threads: 4\n", f"  threads: 4\n  callbackSecret: {SECRET}\n")
    r.config.write_text(text)
    r.start()
    return r


def feed_cursors(r, after=0, upto=None, types=None):
    db = sqlite3.connect(r.data / "feed.db")
    try:
        sql, args = "SELECT seq FROM records WHERE seq > ?", [after]
        if upto is not None:
            sql, args = sql + " AND seq <= ?", args + [upto]
        if types:
            sql += " AND entity_type IN (%s)" % ",".join("?" * len(types))
            args += list(types)
        return [str(s) for (s,) in db.execute(sql + " ORDER BY seq", args)]
    finally:
        db.close()


def read_by_worker(r, job_id, attempt=1):
    path = r.control / f"{job_id}-{attempt}.read.json"
    wait_for(path.exists, timeout=30, what=f"{path.name}")
    return json.loads(path.read_text())


def worker_env(r, job_id, attempt=1):
    path = r.control / f"{job_id}-{attempt}.env.json"
    wait_for(path.exists, timeout=30, what=f"{path.name}")
    return json.loads(path.read_text())


def run_metric(r, run_id, name):
    run = r.mlflow_runs()[run_id]
    lines = (run["dir"] / "metrics" / name).read_text().split("\n")
    return float([l for l in lines if l.strip()][-1].split()[1])


def only_job(r, model=None):
    return wait_for(lambda: next(iter(r.jobs(**({"modelId": model} if model else {}))), None), what="a job")


# ---- against a real server ---------------------------------------------------------------------

def test_a_job_completed_through_the_sdk(make_retrain):
    r = configure(make_retrain, lambda r: [sdk_model(r)])
    r.generate(60)
    job = only_job(r)
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=60)
    assert done["status"] == "completed", done
    assert done["metrics"]["auc"] == 0.81 and done["metrics"]["f1"] == 0.64
    assert done["metrics"]["interim_auc"] == 0.7
    assert done["metrics"]["records_read"] == done["records"] == 60
    events = r.get(f"/retraining/jobs/{job['id']}/events").json["events"]
    assert [e["message"] for e in events if e["source"] == "worker"][:2] == [
        "reading the training range", "read 60 records"]
    assert events[-1]["status"] == "completed" and events[-1]["message"] == "trained by the SDK on 60 records"
    # exactly the window, in feed order
    read = read_by_worker(r, job["id"])
    assert read["cursors"] == feed_cursors(r) and len(read["cursors"]) == 60
    assert read["window_records"] == 60
    # the metrics reached the job's MLflow run (the file store under the data dir)
    run_id = done["mlflowRunId"]
    wait_for(lambda: r.mlflow_runs()[run_id]["status"] == "3", what="the run to be FINISHED")
    assert run_metric(r, run_id, "auc") == 0.81
    assert run_metric(r, run_id, "interim_auc") == 0.7


def test_windows_over_several_ingestion_jobs_and_a_cumulative_range(make_retrain):
    types = ["indicator", "malware"]
    r = configure(make_retrain, lambda r: [
        sdk_model(r, "windowed", minRecords=100000, entityTypes=types),
        sdk_model(r, "cumulative", minRecords=100000, entityTypes=types, training={"policy": "cumulative"})])
    for name in ("ingest-a", "ingest-b", "ingest-c"):
        r.generate(40, ingestion_job=name)
    first = {}
    for model in ("windowed", "cumulative"):
        resp = r.post(f"/models/{model}/retrain", {"reason": "sdk test", "force": True})
        assert resp.status == 202, resp.text
        first[model] = r.wait_status(resp.json["id"], ("completed", "failed"), timeout=60)
        assert first[model]["status"] == "completed", first[model]
    expected = feed_cursors(r, types=types)
    j = first["windowed"]
    assert j["ingestionJobs"] == ["ingest-a", "ingest-b", "ingest-c"]
    read = read_by_worker(r, j["id"])
    assert read["cursors"] == expected and len(expected) == j["records"]
    assert read["entity_types"] == types
    assert dict(Counter(read["ingestion_jobs"])) == j["ingestionJobCounts"]

    # The next windows start after the last record trained on; the cumulative one trains on
    # everything from the feed's start but checks only its window's count.
    r.generate(50, ingestion_job="ingest-d")
    second = {}
    for model in ("windowed", "cumulative"):
        resp = r.post(f"/models/{model}/retrain", {"reason": "sdk test", "force": True})
        assert resp.status == 202, resp.text
        second[model] = r.wait_status(resp.json["id"], ("completed", "failed"), timeout=60)
        assert second[model]["status"] == "completed", second[model]
    last = int(expected[-1])
    window = feed_cursors(r, after=last, types=types)
    w = read_by_worker(r, second["windowed"]["id"])
    assert w["cursors"] == window and second["windowed"]["records"] == len(window)
    assert second["windowed"]["ingestionJobs"] == ["ingest-d"]
    c = read_by_worker(r, second["cumulative"]["id"])
    assert c["cursors"] == feed_cursors(r, types=types)
    assert c["window_records"] == second["cumulative"]["records"] == len(window)


def test_a_wrong_token_is_refused_with_a_clear_error(make_retrain):
    r = configure(make_retrain, lambda r: [sdk_model(r, mode="hold")])
    r.generate(60)
    job = only_job(r)
    env = worker_env(r, job["id"])
    wrong = dict(env, RETRAINING_CALLBACK_TOKEN="0" * 64)
    bad = Job.from_env(wrong, retry_budget=5)
    with pytest.raises(TokenRefused) as refused:
        bad.progress(0.2, "with a wrong token")
    assert refused.value.status == 401
    assert "refused the callback token" in str(refused.value)
    assert bad.client.attempts == 1, "a 4xx is never retried"
    # the right token works, and the job is unchanged by the refused one
    good = Job.from_env(env)
    answer = good.progress(0.3, "from the worker's own token")
    assert answer["status"] == "running" and answer["progress"] == 0.3
    r.release(job["id"], "exit0")
    assert r.wait_status(job["id"], "completed", timeout=30)["status"] == "completed"


def test_the_context_manager_reports_failed(make_retrain):
    r = configure(make_retrain, lambda r: [sdk_model(r, mode="raise")])
    r.generate(60)
    job = only_job(r)
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=60)
    assert done["status"] == "failed"
    assert "the model diverged after 60 records: loss is NaN" in done["error"]
    events = r.get(f"/retraining/jobs/{job['id']}/events").json["events"]
    assert any(e["source"] == "worker" and e["status"] == "failed" for e in events)


def test_reports_survive_a_server_restart(make_retrain):
    """The SDK posts `completed` while `retrain serve` is down; connection failures are retried
    with backoff and the event lands once the server is back. Local workers die with the
    server and the restarted server retries the attempt, so the worker that reports here holds
    the token of the attempt current after the restart (as a Kubernetes worker, which outlives
    a restart, holds its own)."""
    r = configure(make_retrain, lambda r: [sdk_model(r, mode="hold", maxAttempts=3)], secret=True)
    r.generate(60)
    job = only_job(r)
    env = worker_env(r, job["id"])
    token2 = hmac.new(SECRET.encode(), f"{job['id']}:2".encode(), hashlib.sha256).hexdigest()
    env2 = dict(env, RETRAINING_ATTEMPT="2", RETRAINING_CALLBACK_TOKEN=token2)

    failures = threading.Event()
    back = threading.Event()

    def sleep(seconds):  # the SDK's backoff wait: held until the server is back
        failures.set()
        back.wait(60)
        time.sleep(min(seconds, 0.5))

    r.stop(kill=True)
    sdk = Job(Job.from_env(env2).settings, EventClient(env2["RETRAINING_CALLBACK_URL"], token2, sleep=sleep,
                                                       retry_budget=90, timeout=5))
    result = {}

    def report():
        try:
            result["job"] = sdk.complete(metrics={"auc": 0.77}, message="reported across a restart")
        except Exception as e:  # surfaced by the assertions below
            result["error"] = e

    t = threading.Thread(target=report, daemon=True)
    t.start()
    assert failures.wait(30), "the SDK never met the server down"
    r.start()
    wait_for(lambda: r.job(job["id"])["attempt"] == 2, timeout=30, what="attempt 2")
    back.set()
    t.join(60)
    assert not t.is_alive()
    assert "error" not in result, result.get("error")
    assert result["job"]["status"] == "completed"
    assert sdk.client.attempts >= 2
    done = r.job(job["id"])
    assert done["status"] == "completed" and done["metrics"]["auc"] == 0.77
    r.release(job["id"], "exit0")


def test_reports_survive_a_server_that_stops_answering(make_retrain):
    """SIGSTOP: requests time out; the SDK retries until the server answers again."""
    r = configure(make_retrain, lambda r: [sdk_model(r, mode="hold")])
    r.generate(60)
    job = only_job(r)
    sdk = Job.from_env(worker_env(r, job["id"]), timeout=1, retry_budget=60)
    r.proc.send_signal(signal.SIGSTOP)
    try:
        threading.Timer(2.5, lambda: r.proc.send_signal(signal.SIGCONT)).start()
        answer = sdk.complete(metrics={"auc": 0.66})
    finally:
        r.proc.send_signal(signal.SIGCONT)
    assert answer["status"] == "completed"
    assert sdk.client.attempts >= 2
    assert r.wait_status(job["id"], "completed")["metrics"]["auc"] == 0.66
    r.release(job["id"], "exit0")


def test_the_sklearn_example_runs_end_to_end(make_retrain):
    example = ROOT / "examples" / "sklearn-trainer" / "train.py"
    r = configure(make_retrain, lambda r: [{
        "id": "sklearn-scorer", "minRecords": 400, "command": python_command(example), "maxAttempts": 1,
        "timeout": "2m", "params": {"c": "0.5", "max_iter": "300"}, "training": {"policy": "cumulative"},
        "evaluation": {"holdoutFraction": 0.25, "minHoldout": 50}}])
    r.generate(400)
    job = only_job(r)
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=120)
    assert done["status"] == "completed", (done, r.get(f"/retraining/jobs/{job['id']}/logs").text)
    m = done["metrics"]
    assert m["records"] == 400 and m["holdout_records"] == 100
    assert 0.6 < m["auc"] <= 1.0 and 0 < m["logloss"] and 0 < m["accuracy"] <= 1
    assert "promoted" in m
    events = r.get(f"/retraining/jobs/{job['id']}/events").json["events"]
    assert events[-1]["message"].startswith("Trained on 400 records with holdout AUC ")


def mlflow_python():
    """A python with mlflow (and scikit-learn, which mlflow brings): RETRAIN_MLFLOW_PYTHON, else
    the venv scripts/services/mlflow keeps in the cache when it was installed already."""
    if os.environ.get("RETRAIN_MLFLOW_PYTHON"):
        return os.environ["RETRAIN_MLFLOW_PYTHON"]
    service = ROOT / "scripts" / "services" / "mlflow"
    version = subprocess.run([str(service), "version"], capture_output=True, text=True, timeout=30).stdout.strip()
    venv = Path(os.environ.get("RETRAIN_CACHE", Path.home() / ".cache" / "retrain")) / f"mlflow-{version}"
    return str(venv / "bin" / "python") if (venv / ".complete").exists() else None


def test_publish_registers_versions_and_moves_the_champion_through_mlflow(make_retrain):
    python = mlflow_python()
    if python is None:
        pytest.skip("no mlflow venv (scripts/services/mlflow install, or RETRAIN_MLFLOW_PYTHON); "
                    "the mlflow integration suite runs this test with its own")
    example = ROOT / "examples" / "sklearn-trainer" / "train.py"
    r = configure(make_retrain, lambda r: [{
        "id": "sklearn-scorer", "minRecords": 400, "maxAttempts": 1, "timeout": "3m",
        "command": ["env", f"PYTHONPATH={SDK}", python, str(example)],
        "training": {"policy": "cumulative"}, "evaluation": {"holdoutFraction": 0.25, "minHoldout": 50}}])
    r.generate(400)
    first = r.wait_status(only_job(r)["id"], ("completed", "failed"), timeout=180)
    assert first["status"] == "completed", (first, r.get(f"/retraining/jobs/{first['id']}/logs").text)
    assert first["metrics"]["promoted"] == 1.0 and first["metrics"]["model_version"] == 1.0
    assert "Registered sklearn-scorer version 1. Promoted to champion because the model had no champion yet" \
        in r.get(f"/retraining/jobs/{first['id']}/events").json["events"][-1]["message"]
    run_dir = r.mlflow_runs()[first["mlflowRunId"]]["dir"]
    assert (run_dir / "artifacts" / "model" / "feature_summary.json").exists()
    assert (run_dir / "artifacts" / "model" / "model.pkl").exists()

    r.generate(400)
    second = r.wait_status(wait_for(lambda: next((j for j in r.jobs() if j["id"] != first["id"]), None),
                                    what="the second job")["id"], ("completed", "failed"), timeout=180)
    assert second["status"] == "completed", (second, r.get(f"/retraining/jobs/{second['id']}/logs").text)
    m = second["metrics"]
    assert m["model_version"] == 2.0 and m["records"] == 800 and m["holdout_records"] == 200
    for name in ("champion_auc", "auc_delta", "auc_delta_ci_low", "auc_delta_ci_high"):
        assert name in m, name
    assert m["auc_delta_ci_low"] <= m["auc_delta"] <= m["auc_delta_ci_high"]
    assert m["promoted"] == (1.0 if m["auc_delta_ci_low"] > 0 and m["auc_delta"] >= 0 else 0.0)
    message = r.get(f"/retraining/jobs/{second['id']}/events").json["events"][-1]["message"]
    assert "Registered sklearn-scorer version 2. " in message
    assert ("Promoted: auc champion " if m["promoted"] else "Kept the champion: auc champion ") in message
    # job.mlflow_run() resumes the job's run and leaves its status to the orchestrator
    run_id = second["mlflowRunId"]
    wait_for(lambda: r.mlflow_runs()[run_id]["status"] == "3", what="the run to be FINISHED")
    env = {"MODEL_ID": "sklearn-scorer", "RETRAINING_JOB_ID": second["id"], "RETRAINING_WINDOW_UPTO": "800",
           "RETRAINING_FEED_URI": f"embedded:{r.data / 'feed.db'}", "MLFLOW_RUN_ID": run_id,
           "MLFLOW_TRACKING_URI": str(r.data / "mlruns")}
    snippet = ("import json, sys, mlflow; from retrain_worker import Job\n"
               "job = Job.from_env(json.loads(sys.argv[1]))\n"
               "with job.mlflow_run() as run:\n"
               "    assert run.info.run_id == job.settings.run_id\n"
               "    mlflow.log_metric('resumed', 1.0)\n")
    subprocess.run(["env", f"PYTHONPATH={SDK}", python, "-c", snippet, json.dumps(env)], check=True, timeout=120,
                   capture_output=True)
    assert run_metric(r, run_id, "resumed") == 1.0
    assert r.mlflow_runs()[run_id]["status"] == "3"
    champions = wait_for(lambda: (lambda c: c if c.get("champion") else None)(
        r.get("/models/sklearn-scorer/champions").json), what="the champion history")
    assert str(champions["champion"]) == ("2" if m["promoted"] else "1"), champions


def test_the_feature_summary_matches_the_reference_worker(make_retrain):
    """The reference worker saves model/feature_summary.json with its model; the SDK's summary
    of the same rows (the window's labelled records) is the same document."""
    r = configure(make_retrain, lambda r: [{"id": "reference", "minRecords": 300, "maxAttempts": 1,
                                           "evaluation": {"minHoldout": 10}}])
    r.generate(300)
    job = only_job(r)
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=120)
    assert done["status"] == "completed", done
    artifact = r.mlflow_runs()[done["mlflowRunId"]]["dir"] / "artifacts" / "model" / "feature_summary.json"
    theirs = json.loads(artifact.read_text())
    env = {"MODEL_ID": "reference", "RETRAINING_JOB_ID": job["id"], "RETRAINING_WINDOW_AFTER": "",
           "RETRAINING_WINDOW_UPTO": "300", "RETRAINING_FEED_URI": f"embedded:{r.data / 'feed.db'}",
           "RETRAINING_RECORD_COUNT": "300"}
    with Job.from_env(env) as sdk:
        ours = summarize_features([rec.features() for rec in sdk.records() if rec.label is not None])
    assert ours == theirs


def test_a_fixture_directory_as_the_feed(make_retrain, tmp_path):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()

    def write(job_id, ingested_at, types):
        records = [{"entity_type": t, "confidence": i, "label": i % 2, "ingestion_job": "dropped"}
                   for i, t in enumerate(types)]
        (fixtures / f"{job_id}.json").write_text(json.dumps(
            {"job_id": job_id, "ingested_at": ingested_at, "records": records}))

    r = make_retrain([], start=False)
    text = r._config_text([sdk_model(r, minRecords=100000, entityTypes=["indicator"])])
    r.config.write_text(text.replace("feed: {source: embedded}",
                                     f"feed: {{source: fixtures, path: {fixtures}, pollInterval: 100ms}}"))
    # ingest-b is older than ingest-a: the feed's order is (ingested_at, job id, position)
    write("ingest-a", "2026-11-26T06:35:10Z", ["indicator", "malware", "indicator"])
    write("ingest-b", "2026-11-26T06:30:00.250Z", ["indicator"] * 4 + ["malware"])
    r.start()
    resp = r.post("/models/sdk/retrain", {"force": True})
    assert resp.status == 202, resp.text
    done = r.wait_status(resp.json["id"], ("completed", "failed"), timeout=60)
    assert done["status"] == "completed", done
    read = read_by_worker(r, done["id"])
    b = int(datetime(2026, 11, 26, 6, 30, 0, 250000, tzinfo=timezone.utc).timestamp() * 1000)
    a = int(datetime(2026, 11, 26, 6, 35, 10, tzinfo=timezone.utc).timestamp() * 1000)
    assert read["cursors"] == [f"{b}|{i}|ingest-b" for i in range(4)] + [f"{a}|0|ingest-a", f"{a}|2|ingest-a"]
    assert done["records"] == 6 and done["ingestionJobs"] == ["ingest-b", "ingest-a"]
    assert read["ingestion_jobs"] == ["ingest-b"] * 4 + ["ingest-a"] * 2


def test_the_training_range_is_the_reference_workers(make_retrain):
    """A cumulative range capped by maxRecords: the SDK reads the records the reference worker
    trained on (its run params training_records and training_window_start/end)."""
    training = {"policy": "cumulative", "maxRecords": 150}
    r = configure(make_retrain, lambda r: [{"id": "reference", "minRecords": 100, "maxAttempts": 1,
                                           "training": training, "evaluation": {"minHoldout": 10}}])
    jobs = []
    for _ in range(2):
        r.generate(100)
        job = wait_for(lambda: next((j for j in r.jobs() if j["id"] not in [k["id"] for k in jobs]), None),
                       what="the next job")
        jobs.append(r.wait_status(job["id"], ("completed", "failed"), timeout=120))
        assert jobs[-1]["status"] == "completed", jobs[-1]
    second = jobs[1]
    params = r.mlflow_runs()[second["mlflowRunId"]]["dir"] / "params"
    theirs = {name: (params / name).read_text() for name in ("training_records", "training_window_start",
                                                              "training_window_end", "training_policy")}
    env = {"MODEL_ID": "reference", "RETRAINING_JOB_ID": second["id"], "RETRAINING_WINDOW_AFTER": "100",
           "RETRAINING_WINDOW_UPTO": "200", "RETRAINING_RECORD_COUNT": str(second["records"]),
           "RETRAINING_FEED_URI": f"embedded:{r.data / 'feed.db'}", "DATA_WINDOW_END": second["dataWindowEnd"],
           "RETRAINING_TRAINING_POLICY": "cumulative", "RETRAINING_TRAINING_MAX_RECORDS": "150"}
    with Job.from_env(env) as sdk:
        cursors = [rec.cursor for rec in sdk.records()]
        ours = sdk.training_params()
    assert cursors == [str(i) for i in range(51, 201)]
    assert sdk.stats.window_records == 100
    assert {k: ours[k] for k in theirs} == theirs


# ---- without a server -----------------------------------------------------------------------

def test_the_environment_is_validated():
    base = {"MODEL_ID": "m", "RETRAINING_JOB_ID": "j", "RETRAINING_WINDOW_UPTO": "10",
            "RETRAINING_FEED_URI": "embedded:/nowhere/feed.db"}
    for missing in base:
        with pytest.raises(ConfigError, match=missing):
            Job.from_env({k: v for k, v in base.items() if k != missing})
    for name, value in [("RETRAINING_RECORD_COUNT", "-3"), ("RETRAINING_PROMOTION_METRIC", "precision"),
                        ("RETRAINING_PROMOTION_CONFIDENCE", "1.5"), ("RETRAINING_PROMOTION_RESAMPLES", "10"),
                        ("RETRAINING_HOLDOUT_FRACTION", "0"), ("RETRAINING_TRAINING_POLICY", "all"),
                        ("RETRAINING_CALLBACK_URL", "ftp://x"), ("TRAINER_HOLDOUT_FRACTION", "2")]:
        with pytest.raises(ConfigError, match=name.replace("TRAINER_", "").lower()
                           if name.startswith("TRAINER_") else name) as e:
            Job.from_env(dict(base, **{name: value}))
        assert value in str(e.value)
    job = Job.from_env(dict(base, TRAINER_NUM_ROUND="80", RETRAINING_PROMOTION_METRIC="logloss"))
    assert job.param("num_round", 10, int) == 80 and job.settings.gate.metric == "logloss"


def test_the_gate_gives_the_reference_workers_decision_and_interval():
    cases = json.loads(CASES.read_text())["cases"]
    assert len(cases) >= 15
    for c in cases:
        g = GateSettings(**c["gate"])
        n = len(c["labels"])
        for resample, rows in c["indices"].items():
            assert list(bootstrap_indices(g.seed, n, int(resample))[:20]) == rows, c["name"]
        try:
            cmp = compare_paired(g, c["champion"], c["challenger"], c["labels"])
        except NoComparison:
            cmp = None
        assert (cmp is None) == (c["comparison"] is None), c["name"]
        if cmp is not None:
            want = c["comparison"]
            tol = 1e-12 if g.metric == "logloss" else 0.0  # logloss sums in another order
            for k in ("champion", "challenger", "delta", "ci_low", "ci_high"):
                assert abs(getattr(cmp, k) - want[k]) <= tol, (c["name"], k, getattr(cmp, k), want[k])
            assert cmp.resamples_used == want["resamples_used"], c["name"]
        v = decide_promotion(g, cmp, c["holdout_size"], True)
        assert v.promote == c["promote"], c["name"]
        assert v.reason == c["reason"], c["name"]
        d = decide_champion(g, c["labels"], c["challenger"], c["champion"], has_champion=True, champion_version="3")
        assert d.promote == c["promote"], c["name"]
        metrics = d.metrics()
        assert metrics["promoted"] == (1.0 if c["promote"] else 0.0)
        if cmp is not None:
            assert metrics[f"{g.metric}_delta_ci_low"] == cmp.ci_low
            assert metrics[f"champion_{g.metric}"] == pytest.approx(c["champion_metric"], abs=1e-12)


def test_the_gate_cases_are_what_the_cpp_gate_answers_now(tmp_path):
    """Rebuilds the case generator from the C++ gate's sources (one compiler call, no build
    system) and checks that the committed cases are its current output."""
    cxx = shutil.which("g++") or shutil.which("clang++")
    if cxx is None:
        pytest.skip("no C++ compiler to rebuild tests/e2e/sdk_gate_cases.cc with")
    exe = tmp_path / "gate_cases"
    src = ROOT / "src"
    build = subprocess.run(["nice", cxx, "-std=c++23", "-O2", f"-I{src}", str(HERE / "sdk_gate_cases.cc"),
                            str(src / "trainer" / "gate_stats.cc"), str(src / "trainer" / "metrics.cc"),
                            str(src / "core" / "error.cc"), "-o", str(exe)], capture_output=True, text=True,
                           timeout=300)
    if build.returncode != 0:
        pytest.skip(f"{cxx} cannot build the case generator here: {build.stderr[-500:]}")
    out = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert json.loads(out) == json.loads(CASES.read_text()), \
        "the C++ gate changed: regenerate tests/e2e/sdk_gate_cases.json (see sdk_gate_cases.cc)"


def test_first_versions_and_unusable_champions():
    g = GateSettings(min_holdout=500)
    first = decide_champion(g, [0, 1], [0.2, 0.8], None, has_champion=False)
    assert first.promote and first.reason == (
        "Promoted to champion because the model had no champion yet (its holdout of 2 records is below "
        "evaluation.minHoldout 500, which would keep a champion).")
    other = decide_champion(g, [0, 1], [0.2, 0.8], None, has_champion=True, champion_version="4",
                            champion_unusable="was trained on a different feature set")
    assert other.promote and other.reason == (
        "Promoted to champion because the current champion (version 4) was trained on a different feature set.")
    small = decide_champion(g, [0, 1, 0, 1], [0.1, 0.9, 0.2, 0.7], [0.4, 0.6, 0.5, 0.5], has_champion=True,
                            champion_version="4")
    assert not small.promote and small.reason.startswith("Kept the champion: the holdout has 4 rows")
    assert "model_version" not in small.metrics() and small.metrics()["champion_auc"] == 0.875


def embedded_feed(path, rows):
    """An embedded feed file with the orchestrator's schema: rows of (entity type, landed ms, label)."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY AUTOINCREMENT, ingestion_job TEXT NOT NULL, "
               "entity_type TEXT NOT NULL, landed_at INTEGER NOT NULL, payload TEXT NOT NULL)")
    for i, (etype, landed, label) in enumerate(rows):
        db.execute("INSERT INTO records (ingestion_job, entity_type, landed_at, payload) VALUES (?, ?, ?, ?)",
                   (f"ingest-{i // 10}", etype, landed, json.dumps({"x": i, "flag": True, "label": label})))
    db.commit()
    db.close()


def test_lookback_ranges_entity_types_and_the_count_check(tmp_path):
    hour = 3600_000
    end = 1_800_000_000_000
    # 40 records an hour apart, alternating types; the window is the last 10.
    embedded_feed(tmp_path / "feed.db", [("a" if i % 2 else "b", end - (39 - i) * hour, i % 2) for i in range(40)])
    base = {"MODEL_ID": "m", "RETRAINING_JOB_ID": "j", "RETRAINING_WINDOW_AFTER": "30",
            "RETRAINING_WINDOW_UPTO": "40", "RETRAINING_FEED_URI": f"embedded:{tmp_path / 'feed.db'}",
            "DATA_WINDOW_END": "2027-01-15T08:00:00.000Z", "RETRAINING_ENTITY_TYPES": "a"}
    assert parse_ms(base["DATA_WINDOW_END"]) == end
    with Job.from_env(dict(base, RETRAINING_TRAINING_POLICY="lookback",
                           RETRAINING_TRAINING_LOOKBACK_MS=str(20 * hour))) as job:
        got = [int(r.cursor) for r in job.records()]
    # landed at most 20 h before the window's end (seq >= 20), type a (even seq), then the window
    assert got == [s for s in range(20, 41) if s % 2 == 0]
    assert job.stats.window_records == 5
    record = next(Job.from_env(base).window())
    assert record.cursor == "32" and record.features() == {"x": 31.0} and record.label == 1 and record.entity_type == "a"
    with pytest.raises(RecordCountMismatch, match="holds 5 records but the orchestrator counted 6"):
        list(Job.from_env(dict(base, RETRAINING_RECORD_COUNT="6")).records())
    with pytest.raises(ConfigError, match="DATA_WINDOW_END"):
        Job.from_env(dict(base, RETRAINING_TRAINING_POLICY="lookback", RETRAINING_TRAINING_LOOKBACK_MS="5",
                          DATA_WINDOW_END=""))


def test_without_a_callback_url_events_go_to_standard_output(tmp_path, capsys):
    embedded_feed(tmp_path / "feed.db", [("a", 1, 1)])
    env = {"MODEL_ID": "m", "RETRAINING_JOB_ID": "j", "RETRAINING_WINDOW_UPTO": "1",
           "RETRAINING_FEED_URI": f"embedded:{tmp_path / 'feed.db'}"}
    with pytest.raises(ValueError):
        with Job.from_env(env) as job:
            job.progress(0.5)
            raise ValueError("bad input")
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert lines == [{"status": "running", "progress": 0.5}, {"status": "failed", "error": "bad input"}]
