"""Process lifecycle: graceful shutdown, silent workers, the worker command on its own."""
import subprocess

from conftest import BIN, scripted_worker_command, wait_for


def configure(make_retrain, extra="", **model_kw):
    r = make_retrain([], start=False)
    model = {"id": "scripted", "minRecords": 5, "command": scripted_worker_command(), "maxAttempts": 2,
             "params": {"control": str(r.control)}}
    model.update(model_kw)
    text = r._config_text([model])
    if extra:
        text = text.replace("trigger: {reconcileInterval: 100ms}", extra)
    r.config.write_text(text)
    r.start()
    return r


def test_sigterm_stops_cleanly_and_keeps_state(make_retrain):
    r = configure(make_retrain)
    r.generate(5)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="a job")
    r.wait_status(job["id"], "running")
    proc = r.proc
    r.stop(kill=False)
    assert proc.returncode == 0
    assert "shutting down" in r.log.read_text()
    r.start()
    assert r.job(job["id"])["id"] == job["id"], "the job survived the restart"
    r.release(job["id"], "complete")
    assert r.wait_status(job["id"], "completed", timeout=30)["attempt"] == 2


def test_silent_worker_is_retried_then_failed(make_retrain):
    r = configure(make_retrain, extra="trigger: {reconcileInterval: 100ms, heartbeatTimeout: 1s}")
    r.generate(5)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="a job")
    done = r.wait_status(job["id"], "failed", timeout=30)
    assert "no report from the worker" in done["error"]
    assert done["attempt"] == 2
    assert len(r.worker_record(job["id"])) == 2


def test_worker_without_its_environment_is_a_usage_error():
    p = subprocess.run([BIN, "worker"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert p.returncode == 2 and "RETRAINING_FEED_URI" in p.stderr


def test_one_server_per_data_dir(make_retrain):
    r = configure(make_retrain)
    p = subprocess.run([BIN, "serve", "--config", str(r.config), "--data-dir", str(r.data), "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert f"another retrain serve (pid {r.proc.pid}) is using the data directory" in p.stderr
    assert r.get("/healthz").status == 200


def test_worker_logs_through_the_api_and_cli(make_retrain):
    r = configure(make_retrain)
    r.generate(5)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="a job")
    r.wait_status(job["id"], "running")
    r.release(job["id"], "fail")
    r.wait_status(job["id"], ("running", "failed"))
    # maxAttempts 2: the first attempt failed; its log stays readable by attempt number
    first = wait_for(lambda: (lambda x: x if x.status == 200 and "about to fail" in x.text else None)(
        r.get(f"/retraining/jobs/{job['id']}/logs?attempt=1")), what="attempt 1's log")
    assert f"scripted worker for job {job['id']} attempt 1" in first.text
    assert first.headers["Content-Type"].startswith("text/plain")
    cli = r.cli("jobs", "logs", job["id"], "--attempt", "1")
    assert "about to fail on purpose" in cli.stdout
    assert r.get(f"/retraining/jobs/{job['id']}/logs?attempt=9").status == 400
    assert r.get("/retraining/jobs/nope/logs").json["error"]["code"] == "job_not_found"
