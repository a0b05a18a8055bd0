"""The retraining loop: automatic triggers, one active job per model, contiguous windows,
the reference worker, and the CLI."""
import concurrent.futures
import json

from conftest import BIN, http, scripted_worker_command, wait_for


def scripted(r, **kw):
    m = {"id": "scripted", "minRecords": 10, "command": scripted_worker_command(), "maxAttempts": 1,
         "params": {"control": str(r.control)}}
    m.update(kw)
    return m


def configure(make_retrain, models_fn, start=True):
    r = make_retrain([], start=False)
    r.config.write_text(r._config_text(models_fn(r)))
    if start:
        r.start()
    return r


def test_automatic_trigger_at_exactly_min_records(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r, minRecords=25)])
    r.generate(24)
    # one record short: the trigger loop runs many times and must not fire
    wait_for(lambda: r.get("/models").json["models"][0]["unseenRecords"] == 24, what="unseen count")
    preview = r.get("/models/scripted/trigger-preview").json
    assert preview["automatic"]["wouldFire"] is False and preview["automatic"]["reason"] == "insufficient_data"
    assert r.jobs() == []
    r.generate(1)
    job = wait_for(lambda: (r.jobs() or [None])[0], timeout=5, what="the automatic job")
    assert job["trigger"] == "automatic" and job["records"] == 25
    r.wait_status(job["id"], "running")
    metrics = r.get("/metrics").text
    assert 'retrain_trigger_lag_seconds_count{model="scripted"} 1' in metrics
    assert 'retrain_jobs_total{model="scripted",status="pending"} 1' in metrics


def test_one_active_job_under_concurrent_triggers(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r, minRecords=1000)])
    r.generate(40)

    def fire(i):
        return r.post("/models/scripted/retrain", {"force": True, "reason": f"race {i}"})

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(fire, range(20)))
    codes = sorted(x.status for x in results)
    assert codes.count(202) == 1, codes
    assert codes.count(409) == 19, codes
    winner = next(x.json for x in results if x.status == 202)
    for x in results:
        if x.status == 409:
            assert x.json["error"]["code"] == "job_active"
            assert x.json["error"]["details"]["jobId"] == winner["id"]
    assert [j["id"] for j in r.jobs()] == [winner["id"]]


def test_ten_contiguous_windows_with_one_failure(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r, minRecords=5)])
    total = 0
    finished = []
    for i in range(10):
        n = 5 + i
        r.generate(n)
        total += n
        job = wait_for(lambda: next((j for j in r.jobs() if j["status"] not in ("completed", "failed", "cancelled")), None),
                       what=f"job {i}")
        r.wait_status(job["id"], "running")
        r.release(job["id"], "fail" if i == 4 else "complete")
        finished.append(r.wait_status(job["id"], ("completed", "failed")))
    # a failed window is offered again at once, so one more job may still hold the last records
    while True:
        active = next((j for j in r.jobs() if j["status"] not in ("completed", "failed", "cancelled")), None)
        if active is None:
            if r.get("/models").json["models"][0]["unseenRecords"] == 0:
                break
            continue
        r.wait_status(active["id"], "running")
        r.release(active["id"], "complete")
        finished.append(r.wait_status(active["id"], "completed"))
    assert len(finished) >= 10
    assert [j["status"] for j in finished].count("failed") == 1
    windows = [(r.worker_record(j["id"])[0], j) for j in finished]
    # each window starts where the last completed one ended; the failed one's records come again
    watermark = ""
    covered = []
    for seen, job in windows:
        after, upto = seen["RETRAINING_WINDOW_AFTER"], seen["RETRAINING_WINDOW_UPTO"]
        assert after == watermark, (after, watermark)
        assert int(upto) > int(after or 0)
        assert int(seen["RETRAINING_RECORD_COUNT"]) == int(upto) - int(after or 0) == job["records"]
        if job["status"] == "completed":
            covered.extend(range(int(after or 0) + 1, int(upto) + 1))
            watermark = upto
    assert covered == list(range(1, total + 1)), "every record trained exactly once"
    failed = next(j for _, j in windows if j["status"] == "failed")
    idx = [j["id"] for _, j in windows].index(failed["id"])
    assert windows[idx + 1][0]["RETRAINING_WINDOW_AFTER"] == windows[idx][0]["RETRAINING_WINDOW_AFTER"], \
        "the failed window's records went to the next job"
    assert windows[idx + 1][1]["records"] >= failed["records"]
    assert failed["error"] == "scripted failure"


def test_reference_worker_trains_and_completes(make_retrain):
    r = configure(make_retrain, lambda r: [{"id": "threat-scorer", "minRecords": 200, "params": {"num_round": "20"}}])
    r.generate(300, seed=11)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="the automatic job")
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=60)
    assert done["status"] == "completed", done
    assert 0.6 < done["metrics"]["auc"] <= 1.0
    assert done["metrics"]["records"] == 300
    for k in ("logloss", "accuracy"):
        assert k in done["metrics"]
    # the reconciler ends the MLflow run right after the job completes
    run = wait_for(lambda: (lambda x: x if x and x["status"] == "3" else None)(r.mlflow_runs().get(done["mlflowRunId"])),
                   what="the MLflow run to be FINISHED")
    assert len(r.mlflow_runs()) == 1
    assert run["tags"]["retraining_job_id"] == done["id"]
    assert run["tags"]["model_id"] == "threat-scorer"
    assert run["tags"]["retraining_status"] == "completed"
    assert run["status"] == "3"  # FINISHED
    assert (run["dir"] / "params" / "record_count").read_text() == "300"
    params = {p.name: p.read_text() for p in (run["dir"] / "params").iterdir()}
    assert params["training_records"] == "300", params
    assert params["training_window_start"] == params["data_window_start"], params
    assert params["training_window_end"] == params["data_window_end"], params
    assert (run["dir"] / "metrics" / "auc").exists()
    assert (run["dir"] / "artifacts" / "model" / "model.json").exists()


def test_cli_commands(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r, minRecords=1000)])
    out = r.cli("config", "check").stdout
    assert "models[0].id = scripted" in out and "(file " in out
    r.generate(8)
    t = r.cli("trigger", "scripted", "--force", "--reason", "from the cli")
    assert "started job" in t.stdout
    job_id = r.jobs()[0]["id"]
    assert r.job(job_id)["reason"] == "from the cli"
    listing = r.cli("jobs").stdout
    assert job_id in listing and "scripted" in listing
    as_json = json.loads(r.cli("jobs", "get", job_id, "--json").stdout)
    assert as_json["id"] == job_id
    again = r.cli("trigger", "scripted", "--force", check=False)
    assert again.returncode == 1 and "already has an active job" in again.stderr
    r.wait_status(job_id, "running")
    r.release(job_id, "complete")
    w = r.cli("jobs", "watch", job_id, "--timeout", "30")
    assert "completed" in w.stdout
    assert "running" in r.cli("jobs", "events", job_id).stdout
    c = r.cli("cancel", job_id, check=False)
    assert c.returncode == 1 and "can no longer be cancelled" in c.stderr
    unreachable = r.cli("jobs", "--server", "http://127.0.0.1:9", check=False, server=False)
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr


def test_config_errors_exit_2(make_retrain, tmp_path):
    import subprocess
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  - id: a\n    minRecord: 5\n")
    p = subprocess.run([BIN, "config", "check", "--config", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and "minRecord" in p.stderr and "bad.yaml:3" in p.stderr
    p = subprocess.run([BIN, "serve", "--config", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2
    p = subprocess.run([BIN, "config", "check", "--config", str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert p.returncode == 2 and "missing.yaml" in p.stderr
    p = subprocess.run([BIN, "nonsense"], capture_output=True, text=True)
    assert p.returncode == 2
    p = subprocess.run([BIN, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "serve" in p.stdout
    secret = tmp_path / "secret.yaml"
    secret.write_text("feed:\n  neo4j:\n    password: hunter2\n")
    p = subprocess.run([BIN, "config", "check", "--config", str(secret)], capture_output=True, text=True)
    assert p.returncode == 0 and "hunter2" not in p.stdout and "********" in p.stdout
