"""Hostile bodies against every endpoint: deep nesting is refused with a clean 4xx and the
server keeps running (a recursive walk over such a body would overflow the stack)."""
import json
import urllib.parse

from conftest import http, wait_for
from test_api import start

DEEP_ARRAY = b"[" * 20_000 + b"]" * 20_000                     # 40 KB, valid JSON
DEEP_VARIABLES = (b'{"query":"{ __typename }","variables":' + b'{"a":' * 100_000 +
                  b"1" + b"}" * 100_000 + b"}")               # 600 KB, valid JSON
UNCLOSED = b"[" * 20_000


def concrete_paths(r, job_id):
    doc = r.get("/openapi.json").json
    for path, ops in doc["paths"].items():
        yield path, path.replace("{modelId}", "scripted").replace("{jobId}", job_id), \
            {m.upper() for m in ops if m in ("get", "post", "put", "patch", "delete")}


# The endpoints that parse a request body; every other one ignores what it is sent.
READS_BODY = {"/models/{modelId}/retrain", "/retraining/jobs/{jobId}/events", "/graphql"}


def test_deeply_nested_bodies_on_every_endpoint(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path, minRecords=1000)
    r.generate(5)
    job = r.post("/models/scripted/retrain", {"force": True}).json
    paths = {(t, p): m for t, p, m in concrete_paths(r, job["id"])}
    paths[("/graphql", "/graphql")] = {"GET", "POST"}
    assert all(any(t == route for t, _ in paths) for route in READS_BODY), sorted(paths)
    sent = 0
    for (route, path), methods in sorted(paths.items()):
        for method in sorted(methods | {"POST"}):
            for body in (DEEP_ARRAY, DEEP_VARIABLES, UNCLOSED):
                resp = http(method, r.url + path, raw=body, headers={"Content-Type": "application/json"})
                sent += 1
                assert r.proc.poll() is None, f"{method} {path} killed retrain serve"
                assert resp.status < 500, (method, path, resp.status, resp.text[:300])
                if method == "POST" and route in READS_BODY:
                    # A body that is read is refused, naming why.
                    assert resp.status == 400, (method, path, resp.status, resp.text[:300])
                    text = json.dumps(resp.json)
                    assert "deeper than 64 levels" in text or "not valid JSON" in text, text[:300]
    assert sent > 30
    # GraphQL over GET: variables in the query string, nested 100,000 levels.
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    resp = http("GET", r.url + "/graphql?query=%7B__typename%7D&variables=" + urllib.parse.quote(deep),
                headers={"Accept": "application/json"})
    assert r.proc.poll() is None
    assert resp.status in (400, 414, 431), (resp.status, resp.text[:300])
    # Nesting up to the limit is still accepted.
    ok = http("POST", r.url + "/graphql", raw=json.dumps({
        "query": "{ __typename }",
        "variables": {"unused": json.loads("[" * 60 + "]" * 60)}}).encode(),
        headers={"Content-Type": "application/json"})
    assert ok.status == 200 and (ok.json or {}).get("data") == {"__typename": "Query"}, ok.text[:300]
    assert r.get("/healthz").status == 200


def test_metrics_are_capped_per_event_and_per_job(make_retrain, tmp_path):
    r = start(make_retrain, tmp_path)
    r.generate(10)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="an automatic job")
    r.wait_status(job["id"], "running")
    url = f"/retraining/jobs/{job['id']}/events"
    auth = {"Authorization": "Bearer " + (r.control / (job["id"] + ".token")).read_text()}
    flood = r.post(url, {"metrics": {f"m{i}": i for i in range(20_000)}}, headers=auth)
    assert flood.status == 422, flood.text[:300]
    assert flood.json["error"]["code"] == "too_many_metrics"
    assert flood.json["error"]["details"] == {"field": "metrics", "limit": 100}
    for batch in range(10):
        ok = r.post(url, {"metrics": {f"m{batch}_{i}": i for i in range(100)}}, headers=auth)
        assert ok.status == 200, ok.text[:300]
    over = r.post(url, {"metrics": {"one_more": 1}}, headers=auth)
    assert over.status == 422 and over.json["error"]["details"] == {"field": "metrics", "limit": 1000}
    shown = r.job(job["id"])
    assert len(shown["metrics"]) == 1000 and "one_more" not in shown["metrics"]
    r.release(job["id"], "exit0")  # a worker that exits cleanly completes the job
    assert r.wait_status(job["id"], "completed")["metrics"]["m0_0"] == 0
