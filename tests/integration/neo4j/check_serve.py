"""`retrain serve` on a real Neo4j feed, through the binary:
  1. with a wrong NEO4J_PASSWORD it starts, says so once, and /readyz answers 503 naming the
     rejected credentials (nothing is triggered);
  2. with the right password, entities written by a feed-processor stand-in (Cypher over
     Neo4j's HTTP API) trigger a job; the reference worker reads exactly its window over Bolt,
     trains and completes; the next entities go to the next job only.

usage: check_serve.py RETRAIN_BIN BOLT_URI HTTP_URI PASSWORD WORKDIR"""
import base64
import json
import os
import random
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

binary, bolt_uri, http_uri, password, work = sys.argv[1:6]
os.makedirs(work, exist_ok=True)
batch = 0


def cypher(statement, **params):
    auth = base64.b64encode(f"neo4j:{password}".encode()).decode()
    req = urllib.request.Request(http_uri + "/db/neo4j/tx/commit", method="POST",
                                 data=json.dumps({"statements": [{"statement": statement, "parameters": params}]}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " + auth})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.loads(r.read())
    if body.get("errors"):
        raise SystemExit(f"FAIL: Cypher error {body['errors']}")
    return body


def write_entities(n):
    """Entities as the feed-processor writes them: ingestion_job marker and updated_at."""
    global batch
    batch += 1
    rng = random.Random(batch)
    rows = []
    for i in range(n):
        conf, sev = rng.random(), rng.random()
        label = 1 if conf + sev + rng.gauss(0, 0.3) > 1.0 else 0
        rows.append({"confidence": conf, "severity": sev, "label": label,
                     "type": "indicator" if i % 3 else "malware"})
    cypher("UNWIND $rows AS r CREATE (:Entity {entity_type: r.type, confidence: r.confidence, "
           "severity: r.severity, label: r.label, ingestion_job: $job, updated_at: datetime()})",
           rows=rows, job=f"ingest-{batch}")



config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write("""experiment: {name: neo4j-e2e}
feed: {source: neo4j, pollInterval: 200ms}
trigger: {reconcileInterval: 200ms}
models:
  - id: neo4j-model
    minRecords: 150
    maxAttempts: 1
    params: {num_round: "10"}
""")


def serve(pw, name):
    env = dict(os.environ, NEO4J_URI=bolt_uri, NEO4J_USER="neo4j", NEO4J_PASSWORD=pw)
    env.pop("MLFLOW_TRACKING_URI", None)
    return Serve(binary, config, os.path.join(work, "data"), os.path.join(work, name + ".log"), env)


# Start from an empty feed (the suites before this one wrote their own entities).
while cypher("MATCH (n:Entity) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*)")["results"][0]["data"][0]["row"][0]:
    pass
write_entities(160)

with serve("not-the-password", "wrong") as s:
    status, body = s.get("/readyz")
    assert status == 503, (status, body)
    assert "rejected the credentials" in body["error"]["details"]["feed"], body
    # Retrying a rejected password every second made Neo4j lock the user out within seconds,
    # and /readyz then named the lockout instead of the password. It must keep the cause.
    deadline = time.time() + 15
    while time.time() < deadline:
        status, body = s.get("/readyz")
        assert status == 503, (status, body)
        assert "rejected the credentials" in body["error"]["details"]["feed"], body
        time.sleep(0.5)
    assert s.get("/retraining/jobs")[1]["jobs"] == []
    assert s.proc.poll() is None, "serve keeps running while the feed refuses it"
text = open(os.path.join(work, "wrong.log")).read()
assert text.count("rejected the credentials") <= 3, text  # said once, not once per pass
print("ok: wrong password -> retrain serve starts not ready; /readyz names the rejected credentials for 15 s")

with serve(password, "right") as s:
    wait_for(lambda: s.get("/readyz")[0] == 200, 30, "/readyz 200")
    job = wait_for(lambda: (s.get("/retraining/jobs")[1]["jobs"] or [None])[0], 30, "the automatic job")
    assert job["records"] == 160 and job["ingestionJobs"] == ["ingest-1"], job
    done = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
        s.get(f"/retraining/jobs/{job['id']}")[1]), 90, "the job to finish")
    assert done["status"] == "completed", done
    assert done["metrics"]["records"] == 160 and 0.5 <= done["metrics"]["auc"] <= 1.0, done["metrics"]
    print(f"ok: 160 entities from Neo4j trained over Bolt by the reference worker (auc {done['metrics']['auc']:.3f})")
    write_entities(150)
    nxt = wait_for(lambda: next((j for j in s.get("/retraining/jobs")[1]["jobs"] if j["id"] != job["id"]), None),
                   30, "the next job")
    assert nxt["records"] == 150 and nxt["ingestionJobs"] == ["ingest-2"], nxt
    done = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
        s.get(f"/retraining/jobs/{nxt['id']}")[1]), 90, "the next job to finish")
    assert done["status"] == "completed", done
    print("ok: the next 150 entities went to the next job only")
