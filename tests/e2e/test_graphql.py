"""The GraphQL API (CONTRACT section 5) through the real binary: the seed's operations, every
business error code, batching-visible shapes, introspection, GraphQL over HTTP (POST, GET,
content types and status codes) and the GraphiQL page with its embedded assets."""
import json
import urllib.parse

from conftest import http, scripted_worker_command, wait_for

JOB_FIELDS = """id modelId status reason trigger records dataWindowStart dataWindowEnd ingestionJobs
  scheduledAt startedAt completedAt executor kubernetesJobName kubernetesNamespace mlflowRunId
  progress metrics { name value } error"""

INTROSPECTION = """
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"""


def start(make_retrain, **model_kw):
    r = make_retrain([], start=False)
    model = {"id": "scripted", "minRecords": 1000, "command": scripted_worker_command(), "maxAttempts": 1}
    model.update(model_kw)
    model["params"] = {"control": str(r.control)}
    r.config.write_text(r._config_text([model]))
    r.start()
    return r


def gql(r, query, variables=None, operation=None, headers=None):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    return r.post("/graphql", body, headers=headers)


def data(r, query, variables=None):
    resp = gql(r, query, variables)
    assert resp.status == 200, resp.text
    assert "errors" not in resp.json, resp.json
    return resp.json["data"]


def error(r, query, variables=None):
    """The single error of a request whose root field failed (data null)."""
    resp = gql(r, query, variables)
    assert resp.status == 200, resp.text
    assert len(resp.json["errors"]) == 1, resp.json
    return resp.json["errors"][0]


def expected_job(rest):
    """The GraphQL view of a REST job (same store row)."""
    return {
        "id": rest["id"], "modelId": rest["modelId"], "status": rest["status"].upper(),
        "reason": rest["reason"], "trigger": rest["trigger"], "records": rest["records"],
        "dataWindowStart": rest["dataWindowStart"], "dataWindowEnd": rest["dataWindowEnd"],
        "ingestionJobs": rest["ingestionJobs"], "scheduledAt": rest["scheduledAt"],
        "startedAt": rest["startedAt"], "completedAt": rest["completedAt"], "executor": rest["executor"],
        "kubernetesJobName": rest["kubernetesJobName"], "kubernetesNamespace": rest["kubernetesNamespace"],
        "mlflowRunId": rest["mlflowRunId"], "progress": rest["progress"],
        "metrics": [{"name": k, "value": v} for k, v in sorted(rest["metrics"].items())],
        "error": rest["error"],
    }


def test_seed_operations_trigger_list_get(make_retrain):
    r = start(make_retrain)
    r.generate(12, ingestion_job="ingest-42")
    created = data(r, "mutation($m: ID!, $why: String) { triggerMLRetraining(modelId: $m, reason: $why, force: true) { "
                   + JOB_FIELDS + " } }", {"m": "scripted", "why": "manual backfill"})["triggerMLRetraining"]
    rest = r.job(created["id"])
    assert created == expected_job(rest) | {"status": "PENDING", "startedAt": None, "mlflowRunId": None,
                                            "completedAt": None, "progress": None, "metrics": []}
    assert created["trigger"] == "graphql" and created["reason"] == "manual backfill"
    assert created["records"] == 12 and created["ingestionJobs"] == ["ingest-42"]
    assert created["scheduledAt"].endswith("Z") and len(created["scheduledAt"]) == len("2026-11-26T06:30:00.000Z")
    assert created["executor"] == "local" and created["kubernetesJobName"] is None

    r.wait_status(created["id"], "running")
    r.release(created["id"], "complete")
    done = r.wait_status(created["id"], "completed")
    listed = data(r, "{ mlRetrainingJobs { " + JOB_FIELDS + " } }")["mlRetrainingJobs"]
    assert listed == [expected_job(done)]
    assert listed[0]["metrics"] == [{"name": "auc", "value": 0.75}, {"name": "records", "value": 12.0}]
    one = data(r, "query($id: ID!) { mlRetrainingJob(jobId: $id) { " + JOB_FIELDS + " events { seq at status progress message source metrics { name value } } } }",
               {"id": created["id"]})["mlRetrainingJob"]
    events = r.get(f"/retraining/jobs/{created['id']}/events").json["events"]
    assert {k: v for k, v in one.items() if k != "events"} == expected_job(done)
    assert one["events"] == [{"seq": e["seq"], "at": e["at"], "status": e["status"] and e["status"].upper(),
                              "progress": e["progress"], "message": e["message"], "source": e["source"],
                              "metrics": [{"name": k, "value": v} for k, v in sorted(e["metrics"].items())]}
                             for e in events]
    assert one["events"][0]["status"] == "PENDING" and one["events"][-1]["status"] == "COMPLETED"
    # filters by model and status (enum values in upper case)
    assert len(data(r, '{ mlRetrainingJobs(modelId: "scripted", status: COMPLETED) { id } }')["mlRetrainingJobs"]) == 1
    assert data(r, "{ mlRetrainingJobs(status: RUNNING) { id } }")["mlRetrainingJobs"] == []
    assert data(r, '{ mlRetrainingJobs(modelId: "other") { id } }')["mlRetrainingJobs"] == []
    # an unknown id is null, without an error
    resp = gql(r, '{ mlRetrainingJob(jobId: "nope") { id } }')
    assert resp.status == 200 and resp.json == {"data": {"mlRetrainingJob": None}}


def test_business_errors(make_retrain):
    r = start(make_retrain, minRecords=10)
    trigger = 'mutation($f: Boolean) { triggerMLRetraining(modelId: "scripted", force: $f) { id } }'
    e = error(r, trigger)
    assert e["extensions"] == {"code": "INSUFFICIENT_DATA", "unseenRecords": 0, "minRecords": 10}
    assert e["path"] == ["triggerMLRetraining"] and e["locations"] == [{"line": 1, "column": 25}]
    r.generate(3)
    e = error(r, trigger, {"f": False})
    assert e["extensions"] == {"code": "INSUFFICIENT_DATA", "unseenRecords": 3, "minRecords": 10}
    job = data(r, trigger, {"f": True})["triggerMLRetraining"]
    e = error(r, trigger, {"f": True})
    assert e["extensions"]["code"] == "JOB_ACTIVE" and e["extensions"]["jobId"] == job["id"]
    e = error(r, 'mutation { triggerMLRetraining(modelId: "nope") { id } }')
    assert e["extensions"]["code"] == "UNKNOWN_MODEL"
    e = error(r, 'mutation { cancelMLRetraining(jobId: "nope") { id } }')
    assert e["extensions"]["code"] == "JOB_NOT_FOUND" and e["path"] == ["cancelMLRetraining"]
    e = error(r, 'mutation { triggerMLRetraining(modelId: "scripted", reason: "%s") { id } }' % ("x" * 1001))
    assert e["extensions"]["code"] == "BAD_USER_INPUT"
    # the REST view agrees: exactly one job was created
    assert [j["id"] for j in r.jobs()] == [job["id"]]


def test_cancel(make_retrain):
    r = start(make_retrain)
    r.generate(5)
    job = data(r, 'mutation { triggerMLRetraining(modelId: "scripted", force: true) { id } }')["triggerMLRetraining"]
    r.wait_status(job["id"], "running")
    cancel = 'mutation($id: ID!) { cancelMLRetraining(jobId: $id) { id status completedAt events { status source } } }'
    out = data(r, cancel, {"id": job["id"]})["cancelMLRetraining"]
    assert out["id"] == job["id"] and out["status"] == "CANCELLED" and out["completedAt"]
    assert out["events"][-1] == {"status": "CANCELLED", "source": "api"}
    assert r.job(job["id"])["status"] == "cancelled"
    again = data(r, cancel, {"id": job["id"]})["cancelMLRetraining"]
    assert again["status"] == "CANCELLED"
    # a completed job cannot be cancelled
    second = data(r, 'mutation { triggerMLRetraining(modelId: "scripted", force: true) { id records } }')["triggerMLRetraining"]
    assert second["records"] == 5  # the cancelled window goes to the next job
    r.wait_status(second["id"], "running")
    r.release(second["id"], "complete")
    r.wait_status(second["id"], "completed")
    e = error(r, cancel, {"id": second["id"]})
    assert e["extensions"]["code"] == "JOB_FINISHED"


def test_models_active_job_jobs_and_events(make_retrain):
    r = start(make_retrain)
    r.generate(7)
    query = """{ mlModels { id minRecords unseenRecords activeJob { id status }
                 jobs(first: 5) { id status events { seq status } } } }"""
    assert data(r, query)["mlModels"] == [
        {"id": "scripted", "minRecords": 1000, "unseenRecords": 7, "activeJob": None, "jobs": []}]
    first = data(r, 'mutation { triggerMLRetraining(modelId: "scripted", force: true) { id } }')["triggerMLRetraining"]
    r.wait_status(first["id"], "running")
    data(r, 'mutation($id: ID!) { cancelMLRetraining(jobId: $id) { id } }', {"id": first["id"]})
    second = data(r, 'mutation { triggerMLRetraining(modelId: "scripted", force: true) { id } }')["triggerMLRetraining"]
    r.wait_status(second["id"], "running")
    models = data(r, query)["mlModels"]
    assert len(models) == 1
    m = models[0]
    assert m["activeJob"] == {"id": second["id"], "status": "RUNNING"}
    assert [j["id"] for j in m["jobs"]] == [second["id"], first["id"]]
    for j in m["jobs"]:
        rest = r.get(f"/retraining/jobs/{j['id']}/events").json["events"]
        assert j["events"] == [{"seq": e["seq"], "status": e["status"] and e["status"].upper()} for e in rest]
    assert m["jobs"][1]["events"][-1]["status"] == "CANCELLED"
    assert data(r, "{ mlModels { jobs(first: 1) { id } } }")["mlModels"][0]["jobs"] == [{"id": second["id"]}]
    for bad in (0, 501):
        e = error(r, "{ mlModels { id jobs(first: %d) { id } } }" % bad)
        assert e["extensions"]["code"] == "BAD_USER_INPUT" and e["path"] == ["mlModels", 0, "jobs"]
    r.release(second["id"], "complete")


def test_pagination_with_after(make_retrain):
    r = start(make_retrain)
    ids = []
    for _ in range(5):
        r.generate(2)
        j = data(r, 'mutation { triggerMLRetraining(modelId: "scripted", force: true) { id } }')["triggerMLRetraining"]
        data(r, 'mutation($id: ID!) { cancelMLRetraining(jobId: $id) { id } }', {"id": j["id"]})
        ids.append(j["id"])
    newest_first = ids[::-1]
    page = 'query($after: String) { mlRetrainingJobs(first: 2, after: $after) { id } }'
    # `after` = the REST API's nextCursor
    rest = r.get("/retraining/jobs?limit=2").json
    got = [j["id"] for j in data(r, page, {"after": rest["nextCursor"]})["mlRetrainingJobs"]]
    assert got == newest_first[2:4]
    # `after` = the last job id of the previous page
    seen, after = [], None
    while True:
        batch = [j["id"] for j in data(r, page, {"after": after})["mlRetrainingJobs"]]
        if not batch:
            break
        seen += batch
        after = batch[-1]
    assert seen == newest_first
    assert [j["id"] for j in data(r, "{ mlRetrainingJobs(first: 500) { id } }")["mlRetrainingJobs"]] == newest_first
    for bad in ('first: 0', 'first: 501', 'first: -1', 'after: "zzz"', 'after: "s12x"'):
        e = error(r, "{ mlRetrainingJobs(%s) { id } }" % bad)
        assert e["extensions"]["code"] == "BAD_USER_INPUT", bad
    resp = gql(r, '{ mlRetrainingJobs(first: "ten") { id } }')
    assert resp.json["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "data" not in resp.json


def test_introspection(make_retrain):
    r = start(make_retrain)
    schema = data(r, INTROSPECTION)["__schema"]
    assert schema["queryType"] == {"name": "Query"} and schema["mutationType"] == {"name": "Mutation"}
    types = {t["name"]: t for t in schema["types"]}
    for name in ("DateTime", "MLRetrainingStatus", "MLMetric", "MLRetrainingEvent", "MLRetrainingJob", "MLModel",
                 "MLChampion", "MLChampionMove"):
        assert name in types, name
    assert [f["name"] for f in types["Query"]["fields"]] == ["mlRetrainingJobs", "mlRetrainingJob", "mlModels"]
    assert [f["name"] for f in types["Mutation"]["fields"]] == [
        "triggerMLRetraining", "cancelMLRetraining", "promoteMLModel", "rollbackMLModel"]
    assert [v["name"] for v in types["MLRetrainingStatus"]["enumValues"]] == [
        "PENDING", "SCHEDULED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]
    jobs = next(f for f in types["Query"]["fields"] if f["name"] == "mlRetrainingJobs")
    assert {a["name"]: a["defaultValue"] for a in jobs["args"]} == {
        "modelId": None, "status": None, "first": "50", "after": None}
    job_fields = {f["name"]: f["type"] for f in types["MLRetrainingJob"]["fields"]}
    assert job_fields["scheduledAt"] == {"kind": "NON_NULL", "name": None, "ofType": {"kind": "SCALAR", "name": "DateTime", "ofType": None}}
    assert job_fields["startedAt"] == {"kind": "SCALAR", "name": "DateTime", "ofType": None}
    assert job_fields["trainingWindowStart"] == {"kind": "SCALAR", "name": "DateTime", "ofType": None}
    assert job_fields["trainingRecords"] == {"kind": "SCALAR", "name": "Int", "ofType": None}
    assert len(job_fields) == 23
    assert data(r, "{ __typename }") == {"__typename": "Query"}


def test_http_post_status_codes_and_media_types(make_retrain):
    r = start(make_retrain)
    ok = gql(r, "{ mlModels { id } }")
    assert ok.status == 200 and ok.headers["Content-Type"].startswith("application/json")
    # not JSON content: 415 in the REST error shape
    wrong = http("POST", r.url + "/graphql", raw=b'{"query": "{ mlModels { id } }"}', headers={"Content-Type": "text/plain"})
    assert wrong.status == 415 and wrong.json["error"]["code"] == "unsupported_media_type"
    none = http("POST", r.url + "/graphql", raw=b'{"query": "{ mlModels { id } }"}')
    assert none.status == 415
    # not a GraphQL request: 400 with a GraphQL-shaped error
    for raw in (b"{not json", b"[]", b'{"variables": {}}', b'{"query": "{ mlModels { id } }", "variables": [1]}'):
        bad = http("POST", r.url + "/graphql", raw=raw, headers={"Content-Type": "application/json"})
        assert bad.status == 400, raw
        assert bad.json["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "data" not in bad.json
    # parse and validation errors: 200 as application/json, 400 as application/graphql-response+json
    parse = gql(r, "{ mlModels { id ")
    assert parse.status == 200 and parse.json["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "data" not in parse.json
    invalid = gql(r, "{ mlModels { colour } }")
    assert invalid.status == 200 and invalid.json["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    strict = gql(r, "{ mlModels { colour } }", headers=accept)
    assert strict.status == 400 and strict.headers["Content-Type"].startswith("application/graphql-response+json")
    fine = gql(r, "{ mlModels { id } }", headers=accept)
    assert fine.status == 200 and fine.json == {"data": {"mlModels": [{"id": "scripted"}]}}
    assert fine.headers["Content-Type"].startswith("application/graphql-response+json")
    # field errors keep 200 with both media types
    assert gql(r, "{ mlRetrainingJobs(first: 0) { id } }", headers=accept).status == 200
    # operationName selects among several operations
    two = gql(r, "query A { mlModels { id } } query B { __typename }", operation="B")
    assert two.json == {"data": {"__typename": "Query"}}
    assert http("DELETE", r.url + "/graphql").status == 405


def test_http_get(make_retrain):
    r = start(make_retrain)
    r.generate(4)
    q = urllib.parse.quote("query($m: ID!) { mlRetrainingJobs(modelId: $m) { id } mlModels { unseenRecords } }")
    v = urllib.parse.quote(json.dumps({"m": "scripted"}))
    got = r.get(f"/graphql?query={q}&variables={v}")
    assert got.status == 200 and got.json == {"data": {"mlRetrainingJobs": [], "mlModels": [{"unseenRecords": 4}]}}
    mutation = urllib.parse.quote('mutation { triggerMLRetraining(modelId: "scripted", force: true) { id } }')
    refused = r.get(f"/graphql?query={mutation}")
    assert refused.status == 405 and refused.headers.get("Allow") == "POST"
    assert refused.json["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "data" not in refused.json
    assert r.jobs() == []  # nothing was triggered
    bad_vars = r.get(f"/graphql?query={q}&variables=%7Bnope")
    assert bad_vars.status == 400
    # the GraphiQL page: without a query, or when a browser asks for HTML
    page = r.get("/graphql")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "GraphiQL" in page.text
    browser = r.get(f"/graphql?query={q}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["Content-Type"].startswith("text/html")


def test_graphiql_assets_are_embedded(make_retrain):
    r = start(make_retrain)
    page = r.get("/graphql").text
    assert "/graphql/assets/graphiql.min.js" in page, "this build has no embedded GraphiQL (scripts/web-assets)"
    for name, ctype, marker in (("graphiql.min.js", "text/javascript", "GraphiQL"),
                                ("graphiql.min.css", "text/css", ".graphiql-container"),
                                ("react.production.min.js", "text/javascript", "react.production.min.js"),
                                ("react-dom.production.min.js", "text/javascript", "react-dom.production.min.js")):
        a = r.get("/graphql/assets/" + name)
        assert a.status == 200, (name, a.status, a.text[:200])
        assert a.headers["Content-Type"].startswith(ctype) and marker in a.text, name
        assert "max-age" in a.headers["Cache-Control"] and a.headers["ETag"]
        again = r.get("/graphql/assets/" + name, headers={"If-None-Match": a.headers["ETag"]})
        assert again.status == 304
    for name in ("nope.js", "..%2Fgraphql_api.cc", "graphiql.min.js.map"):
        assert r.get("/graphql/assets/" + name).status == 404, name
