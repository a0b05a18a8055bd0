"""Every REST endpoint and every documented error code, through the real binary."""
import json

from conftest import http, scripted_worker_command, wait_for


def scripted_model(r_control=None, **kw):
    m = {"id": "scripted", "minRecords": 10, "command": scripted_worker_command(), "maxAttempts": 1}
    m.update(kw)
    return m


def start(make_retrain, tmp_path, **model_kw):
    r = make_retrain([], start=False)
    model = scripted_model(**model_kw)
    model["params"] = {"control": str(r.control)}
    r.config.write_text(r._config_text([model]))
    r.start()
    return r


def test_health_ready_metrics_openapi(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    assert r.get("/healthz").json == {"status": "ok"}
    ready = r.get("/readyz")
    assert ready.status == 200 and ready.json["status"] == "ready"
    m = r.get("/metrics")
    assert m.status == 200 and m.headers["Content-Type"].startswith("text/plain")
    for name in ("retrain_trigger_lag_seconds", "retrain_jobs_total", "retrain_unseen_records",
                 "retrain_loop_last_tick_timestamp_seconds", "retrain_http_requests_total",
                 "retrain_http_request_duration_seconds"):
        assert f"# TYPE {name}" in m.text, name
    doc = r.get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    for path in ("/models/{modelId}/retrain", "/retraining/jobs", "/retraining/jobs/{jobId}",
                 "/retraining/jobs/{jobId}/events", "/retraining/jobs/{jobId}/cancel", "/models",
                 "/models/{modelId}/trigger-preview", "/readyz", "/metrics"):
        assert path in doc["paths"], path


def test_unknown_route_and_method(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    nf = r.get("/nope")
    assert nf.status == 404 and nf.json["error"]["code"] == "not_found"
    bad = http("DELETE", r.url + "/retraining/jobs")
    assert bad.status == 405 and bad.json["error"]["code"] == "method_not_allowed"
    assert "GET" in bad.headers.get("Allow", "")


def test_retrain_errors(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    unknown = r.post("/models/nope/retrain", {})
    assert unknown.status == 404 and unknown.json["error"]["code"] == "unknown_model"
    empty = r.post("/models/scripted/retrain", {"reason": "x"})
    assert empty.status == 409 and empty.json["error"]["code"] == "insufficient_data"
    assert empty.json["error"]["details"] == {"unseenRecords": 0, "minRecords": 10}
    # force with no data at all still refuses: a window is never empty
    forced = r.post("/models/scripted/retrain", {"force": True})
    assert forced.status == 409 and forced.json["error"]["details"]["minRecords"] == 1
    r.generate(3)
    below = r.post("/models/scripted/retrain", {})
    assert below.status == 409 and below.json["error"]["details"]["unseenRecords"] == 3
    not_json = http("POST", r.url + "/models/scripted/retrain", raw=b"{}", headers={"Content-Type": "text/plain"})
    assert not_json.status == 415 and not_json.json["error"]["code"] == "unsupported_media_type"
    broken = http("POST", r.url + "/models/scripted/retrain", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status == 400 and broken.json["error"]["code"] == "invalid_json"
    wrong_type = r.post("/models/scripted/retrain", {"force": "yes"})
    assert wrong_type.status == 422 and wrong_type.json["error"]["details"]["field"] == "force"
    extra = r.post("/models/scripted/retrain", {"reasn": "typo"})
    assert extra.status == 422 and "reasn" in extra.json["error"]["message"]
    big = http("POST", r.url + "/models/scripted/retrain", raw=b'{"reason":"' + b"x" * 2_000_000 + b'"}',
               headers={"Content-Type": "application/json"})
    assert big.status == 413 and big.json["error"]["code"] == "payload_too_large"
    # nothing above created a job
    assert r.jobs() == []


def test_manual_trigger_job_shape_events_and_cancel(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path, minRecords=1000)
    r.generate(12, ingestion_job="ingest-42")
    resp = r.post("/models/scripted/retrain", {"reason": "manual backfill", "force": True})
    assert resp.status == 202, resp.text
    job = resp.json
    assert resp.headers["Location"] == f"/retraining/jobs/{job['id']}"
    for key in ("id", "modelId", "status", "reason", "trigger", "records", "dataWindowStart", "dataWindowEnd",
                "ingestionJobs", "scheduledAt", "startedAt", "completedAt", "updatedAt", "executor",
                "kubernetesJobName", "kubernetesNamespace", "mlflowRunId", "mlflowExperimentId", "metrics",
                "progress", "attempt", "error"):
        assert key in job, key
    assert job["modelId"] == "scripted" and job["reason"] == "manual backfill" and job["trigger"] == "manual"
    assert job["records"] == 12 and job["ingestionJobs"] == ["ingest-42"]
    assert job["executor"] == "local" and job["kubernetesJobName"] is None
    assert job["scheduledAt"].endswith("Z") and len(job["scheduledAt"]) == len("2026-11-26T06:30:00.000Z")
    active = r.post("/models/scripted/retrain", {"force": True})
    assert active.status == 409 and active.json["error"]["code"] == "job_active"
    assert active.json["error"]["details"]["jobId"] == job["id"]
    running = r.wait_status(job["id"], "running")
    assert running["startedAt"] is not None and running["mlflowRunId"]
    listed = r.get("/retraining/jobs/" + job["id"] + "/events").json["events"]
    assert [e["seq"] for e in listed] == list(range(1, len(listed) + 1))
    assert listed[0]["status"] == "pending" and any(e["status"] == "running" for e in listed)
    cancelled = r.post(f"/retraining/jobs/{job['id']}/cancel")
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled" and cancelled.json["completedAt"]
    again = r.post(f"/retraining/jobs/{job['id']}/cancel")
    assert again.status == 200 and again.json["status"] == "cancelled"
    # the cancelled window goes to the next job
    nxt = r.post("/models/scripted/retrain", {"force": True})
    assert nxt.status == 202 and nxt.json["records"] == 12
    assert r.get("/retraining/jobs/nope").json["error"]["code"] == "job_not_found"
    assert r.get("/retraining/jobs/nope").status == 404
    assert r.get("/retraining/jobs/nope/events").status == 404
    assert r.post("/retraining/jobs/nope/cancel").status == 404


def test_events_auth_and_transitions(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    r.generate(10)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="an automatic job")
    r.wait_status(job["id"], "running")
    url = f"/retraining/jobs/{job['id']}/events"
    no_token = r.post(url, {"progress": 0.5})
    assert no_token.status == 401 and no_token.json["error"]["code"] == "invalid_token"
    wrong = r.post(url, {"progress": 0.5}, headers={"Authorization": "Bearer " + "0" * 64})
    assert wrong.status == 401
    empty = r.post(url, {})
    assert empty.status == 400 and empty.json["error"]["code"] == "empty_event"
    bad_status = r.post(url, {"status": "exploded"})
    assert bad_status.status == 422
    bad_progress = r.post(url, {"progress": 2})
    assert bad_progress.status == 422
    bad_metric = r.post(url, {"metrics": {"auc": "high"}})
    assert bad_metric.status == 422
    r.release(job["id"], "complete")
    done = r.wait_status(job["id"], "completed")
    assert done["metrics"]["auc"] == 0.75 and done["progress"] == 1.0 and done["completedAt"]
    # a finished job's events: even a token-less repeat is refused before anything changes
    assert r.post(url, {"status": "completed"}).status == 401
    auth = {"Authorization": "Bearer " + (r.control / (job["id"] + ".token")).read_text()}
    repeat = r.post(url, {"status": "completed"}, headers=auth)
    assert repeat.status == 200 and repeat.json["status"] == "completed"
    other = r.post(url, {"status": "failed", "error": "late"}, headers=auth)
    assert other.status == 409 and other.json["error"]["code"] == "invalid_transition"
    assert other.json["error"]["details"] == {"from": "completed", "to": "failed"}
    progress = r.post(url, {"progress": 0.9}, headers=auth)
    assert progress.status == 409 and progress.json["error"]["code"] == "job_finished"
    assert r.job(job["id"])["status"] == "completed"
    assert r.post(f"/retraining/jobs/{job['id']}/cancel").json["error"]["code"] == "job_finished"
    assert r.post(f"/retraining/jobs/{job['id']}/cancel").status == 409


def test_list_filters_and_pagination(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path, minRecords=1000)
    ids = []
    for i in range(5):
        r.generate(2)
        j = r.post("/models/scripted/retrain", {"force": True}).json
        r.post(f"/retraining/jobs/{j['id']}/cancel")
        ids.append(j["id"])
    page1 = r.get("/retraining/jobs?limit=2").json
    assert [j["id"] for j in page1["jobs"]] == ids[::-1][:2] and page1["nextCursor"]
    page2 = r.get("/retraining/jobs?limit=2&cursor=" + page1["nextCursor"]).json
    page3 = r.get("/retraining/jobs?limit=2&cursor=" + page2["nextCursor"]).json
    assert [j["id"] for j in page1["jobs"] + page2["jobs"] + page3["jobs"]] == ids[::-1]
    assert page3["nextCursor"] is None
    assert len(r.get("/retraining/jobs?status=cancelled&modelId=scripted").json["jobs"]) == 5
    assert r.get("/retraining/jobs?status=running").json["jobs"] == []
    assert r.get("/retraining/jobs?modelId=other").json["jobs"] == []
    for bad in ("status=exploded", "limit=0", "limit=501", "limit=x", "cursor=zzz", "colour=red"):
        resp = r.get("/retraining/jobs?" + bad)
        assert resp.status == 400, bad
        assert resp.json["error"]["code"] in ("invalid_filter", "invalid_cursor"), bad


def test_models_and_trigger_preview(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path, minRecords=20, cooldown="1h")
    r.generate(7)
    models = r.get("/models").json["models"]
    assert models == [{"id": "scripted", "minRecords": 20, "unseenRecords": 7, "activeJobId": None, "lastJob": None,
                       "drift": None}]
    p = r.get("/models/scripted/trigger-preview").json
    assert p["unseenRecords"] == 7 and p["automatic"]["wouldFire"] is False
    assert p["automatic"]["reason"] == "insufficient_data" and p["cooldownSeconds"] == 3600
    assert p["oldestUnseenAgeSeconds"] is not None
    assert r.get("/models/nope/trigger-preview").status == 404


def test_idempotency_key(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path, minRecords=1000)
    r.generate(5)
    a = r.post("/models/scripted/retrain", {"force": True}, headers={"Idempotency-Key": "k1"})
    b = r.post("/models/scripted/retrain", {"force": True}, headers={"Idempotency-Key": "k1"})
    assert a.status == 202 and b.status == 202 and a.json["id"] == b.json["id"]
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert len(r.jobs()) == 1


def test_dashboard_page(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    page = r.get("/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<title>retrain</title>" in page.text
    for path in ("/models", "/retraining/jobs", "/cancel", "/retrain"):
        assert path in page.text, path
    assert r.post("/", {}).status == 405
