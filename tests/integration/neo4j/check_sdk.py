"""The Python worker SDK (sdk/python) on a real Neo4j feed, through `retrain serve`: a worker
written with it reads its window over the official driver with the orchestrator's query —
exactly the records the orchestrator counted (the SDK checks RETRAINING_RECORD_COUNT), in the
feed's order (updated_at as an instant, then elementId), DateTime and ISO-string `updated_at`
alike, only the model's entity types — and the next window starts after the last record read.

usage: check_sdk.py RETRAIN_BIN BOLT_URI HTTP_URI PASSWORD WORKDIR PYTHON
(PYTHON: an interpreter with the neo4j driver, for the worker)"""
import base64
import json
import os
import sys
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
sys.path.insert(0, os.path.join(root, "tests", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

binary, bolt_uri, http_uri, password, work, python = sys.argv[1:7]
control = os.path.join(work, "control")
os.makedirs(control, exist_ok=True)


def cypher(statement, **params):
    auth = base64.b64encode(f"neo4j:{password}".encode()).decode()
    req = urllib.request.Request(http_uri + "/db/neo4j/tx/commit", method="POST",
                                 data=json.dumps({"statements": [{"statement": statement, "parameters": params}]}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " + auth})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.loads(r.read())
    if body.get("errors"):
        raise SystemExit(f"FAIL: Cypher error {body['errors']}")
    return body["results"][0]["data"]


def write(job, n, as_string):
    # Half of each batch shares one instant (ties ordered by elementId); types alternate.
    updated = ("toString(datetime() + duration({milliseconds: i % 7}))" if as_string
               else "datetime() + duration({milliseconds: i % 7})")
    cypher(f"UNWIND range(0, $n - 1) AS i CREATE (:Entity {{entity_type: CASE WHEN i % 3 = 0 THEN 'malware' "
           f"ELSE 'indicator' END, confidence: toFloat(i) / $n, label: i % 2, ingestion_job: $job, "
           f"updated_at: {updated}}})", n=n, job=job)


def feed_order(types):
    rows = cypher("MATCH (n:Entity) WHERE n.entity_type IN $types WITH n, datetime(n.updated_at) AS t "
                  "RETURN n.ingestion_job, t.epochSeconds, t.nanosecond, elementId(n) "
                  "ORDER BY t.epochSeconds, t.nanosecond, elementId(n)", types=types)
    return [r["row"] for r in rows]


while cypher("MATCH (n:Entity) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*)")[0]["row"][0]:
    pass

sdk = os.path.join(root, "sdk", "python", "src")
worker = os.path.join(root, "tests", "e2e", "sdk_worker.py")
config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write(f"""experiment: {{name: neo4j-sdk}}
feed: {{source: neo4j, pollInterval: 200ms}}
trigger: {{reconcileInterval: 200ms}}
models:
  - id: sdk-neo4j
    minRecords: 100000
    maxAttempts: 1
    entityTypes: [indicator]
    command: ["env", "PYTHONPATH={sdk}", "{python}", "{worker}"]
    params: {{control: "{control}", mode: complete}}
""")

env = dict(os.environ, NEO4J_URI=bolt_uri, NEO4J_USER="neo4j", NEO4J_PASSWORD=password)
env.pop("MLFLOW_TRACKING_URI", None)
write("ingest-1", 60, as_string=False)
write("ingest-2", 60, as_string=True)
with Serve(binary, config, os.path.join(work, "data"), os.path.join(work, "serve.log"), env) as s:
    wait_for(lambda: s.get("/readyz")[0] == 200, 30, "/readyz 200")
    done = []
    for batch in range(2):
        if batch:
            write("ingest-3", 45, as_string=batch % 2 == 0)
        status, job = s.post("/models/sdk-neo4j/retrain", {"force": True})
        assert status == 202, (status, job)
        job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
            s.get(f"/retraining/jobs/{job['id']}")[1]), 90, "the job to finish")
        assert job["status"] == "completed", job
        done.append(job)
    expected = feed_order(["indicator"])
    first = json.load(open(os.path.join(control, f"{done[0]['id']}-1.read.json")))
    second = json.load(open(os.path.join(control, f"{done[1]['id']}-1.read.json")))
    assert done[0]["records"] == 80 and done[0]["ingestionJobs"] == ["ingest-1", "ingest-2"], done[0]
    assert done[1]["records"] == 30 and done[1]["ingestionJobs"] == ["ingest-3"], done[1]
    read = first["cursors"] + second["cursors"]
    assert [c.rsplit("|", 1)[1] for c in read] == [row[3] for row in expected], "feed order"
    assert read == sorted(read) and len(set(read)) == len(read)
    assert first["ingestion_jobs"] + second["ingestion_jobs"] == [row[0] for row in expected]
    assert first["entity_types"] == ["indicator"]
print("ok: the SDK read both Neo4j windows exactly (80 + 30 indicator entities, DateTime and string "
      "updated_at) in the feed's order")
