"""SIGKILL of `retrain serve` at several points of a job's life, then a restart: no job lost,
none duplicated, no second MLflow run, and every record trained exactly once."""
from conftest import scripted_worker_command, wait_for


def scripted(r, model_id="scripted", **kw):
    m = {"id": model_id, "minRecords": 10, "command": scripted_worker_command(), "maxAttempts": 3,
         "params": {"control": str(r.control)}}
    m.update(kw)
    return m


def configure(make_retrain, models_fn, extra=""):
    r = make_retrain([], start=False)
    r.config.write_text(r._config_text(models_fn(r), extra))
    r.start()
    return r


def runs_for(r, job_id):
    return [rid for rid, run in r.mlflow_runs().items() if run["tags"].get("retraining_job_id") == job_id]


def test_kill_while_running_resumes_the_same_job(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r)])
    r.generate(15)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="the automatic job")
    r.wait_status(job["id"], "running")
    first = r.worker_record(job["id"])
    assert len(first) == 1 and first[0]["RETRAINING_ATTEMPT"] == "1"
    r.restart(kill=True)
    # the worker died with the orchestrator; the job is retried, not lost and not duplicated
    wait_for(lambda: len(r.worker_record(job["id"])) == 2, timeout=30, what="attempt 2")
    second = r.worker_record(job["id"])[1]
    assert second["RETRAINING_ATTEMPT"] == "2"
    for k in ("RETRAINING_WINDOW_AFTER", "RETRAINING_WINDOW_UPTO", "MLFLOW_RUN_ID"):
        assert second[k] == first[0][k], k
    r.release(job["id"], "complete")
    done = r.wait_status(job["id"], "completed")
    assert done["attempt"] == 2
    assert [j["id"] for j in r.jobs()] == [job["id"]]
    assert runs_for(r, job["id"]) == [done["mlflowRunId"]]
    # the old attempt's token no longer works
    events = r.get(f"/retraining/jobs/{job['id']}/events").json["events"]
    assert any("retrying (attempt 2" in (e["message"] or "") for e in events)


def test_kill_with_a_pending_job(make_retrain):
    r = make_retrain([], start=False)
    r.config.write_text(r._config_text([scripted(r, "alpha"), scripted(r, "beta")])
                        .replace("maxConcurrent: 4", "maxConcurrent: 1"))
    r.start()
    r.generate(12)
    jobs = wait_for(lambda: (lambda js: js if len(js) == 2 else None)(r.jobs()), what="two jobs")
    wait_for(lambda: sorted(j["status"] for j in r.jobs()) == ["pending", "running"], what="one running, one pending")
    r.restart(kill=True)
    ids = {j["id"] for j in jobs}
    # the executor has one slot: each job runs in turn once released
    for job_id in ids:
        r.release(job_id, "complete")
    for job_id in ids:
        r.wait_status(job_id, "completed", timeout=40)
    assert {j["id"] for j in r.jobs()} == ids, "no job lost or added"
    for j in r.jobs():
        assert j["status"] == "completed"
        assert len(runs_for(r, j["id"])) == 1
        assert j["records"] == 12


def test_kill_right_after_completion(make_retrain):
    r = configure(make_retrain, lambda r: [scripted(r)])
    r.generate(10)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="the automatic job")
    r.wait_status(job["id"], "running")
    r.release(job["id"], "complete")
    r.wait_status(job["id"], "completed")
    r.restart(kill=True)
    run_id = r.job(job["id"])["mlflowRunId"]
    wait_for(lambda: r.mlflow_runs()[run_id]["status"] == "3", what="the run to be FINISHED after restart")
    assert len(runs_for(r, job["id"])) == 1
    # the watermark moved with the completion: the next job gets only new records
    r.generate(11)
    nxt = wait_for(lambda: next((j for j in r.jobs() if j["id"] != job["id"]), None), what="the next job")
    assert nxt["records"] == 11
    wait_for(lambda: r.worker_record(nxt["id"]), what="the next worker")
    assert r.worker_record(nxt["id"])[0]["RETRAINING_WINDOW_AFTER"] == "10"


def test_kill_repeatedly_under_load(make_retrain):
    """Kill -9 five times while records land and jobs run; every record is trained exactly once."""
    r = configure(make_retrain, lambda r: [scripted(r, minRecords=5, maxAttempts=10)])
    total = 0
    for round_ in range(5):
        r.generate(7)
        total += 7
        job = wait_for(lambda: next((j for j in r.jobs() if j["status"] in ("pending", "scheduled", "running")), None),
                       timeout=30, what="an active job")
        r.restart(kill=True)
        active = wait_for(lambda: next((j for j in r.jobs() if j["status"] == "running"), None),
                          timeout=30, what="a running job after restart")
        r.release(active["id"], "complete")
        r.wait_status(active["id"], "completed")
    jobs = r.jobs()
    assert all(j["status"] == "completed" for j in jobs)
    assert sum(j["records"] for j in jobs) == total
    assert len({j["id"] for j in jobs}) == len(jobs)
    for j in jobs:
        assert len(runs_for(r, j["id"])) == 1
