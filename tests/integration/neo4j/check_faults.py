"""retrain serve under Neo4j faults: a FaultProxy sits between retrain (serve's trigger and the
workers' window reads, over Bolt with TLS) and the real Neo4j; a feed-processor stand-in keeps
writing entities (Cypher over HTTP, straight to Neo4j) while Bolt is refused, slow, reset and
answered with garbage, each in turn. No job fails, /readyz names the feed while it cannot be
reached, the log says each outage once, every entity goes to exactly one completed job, and
serve's memory stays bounded.

usage: check_faults.py RETRAIN_BIN BOLT_URI HTTP_URI PASSWORD WORKDIR"""
import base64
import json
import os
import random
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from fault_proxy import FaultProxy  # noqa: E402
from fault_scenario import FaultRun, all_jobs  # noqa: E402
from retrain_process import Serve, wait_for  # noqa: E402

binary, bolt_uri, http_uri, password, work = sys.argv[1:6]
os.makedirs(work, exist_ok=True)
generated = 0
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


def write_entities(n=120):
    global batch, generated
    batch += 1
    rng = random.Random(batch)
    rows = []
    for _ in range(n):
        conf, sev = rng.random(), rng.random()
        rows.append({"confidence": conf, "severity": sev, "label": 1 if conf + sev + rng.gauss(0, 0.3) > 1.0 else 0})
    cypher("UNWIND $rows AS r CREATE (:Entity {entity_type: 'indicator', confidence: r.confidence, "
           "severity: r.severity, label: r.label, ingestion_job: $job, updated_at: datetime()})",
           rows=rows, job=f"faults-{batch}")
    generated += n


u = urllib.parse.urlsplit(bolt_uri)
proxy = FaultProxy(u.hostname, u.port, delay=1.0)
proxied = urllib.parse.urlunsplit((u.scheme, f"{u.hostname}:{proxy.port}", u.path, u.query, u.fragment))

config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write("""experiment: {name: neo4j-faults}
feed: {source: neo4j, pollInterval: 200ms}
trigger: {reconcileInterval: 200ms}
models:
  - id: neo4j-faults-model
    minRecords: 100
    params: {num_round: "5"}
""")

while cypher("MATCH (n:Entity) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*)")["results"][0]["data"][0]["row"][0]:
    pass
write_entities()
env = dict(os.environ, NEO4J_URI=proxied, NEO4J_USER="neo4j", NEO4J_PASSWORD=password)
env.pop("MLFLOW_TRACKING_URI", None)
log = os.path.join(work, "serve.log")
with Serve(binary, config, os.path.join(work, "data"), log, env) as serve:
    run = FaultRun(serve, proxy, "feed", write_entities, tick_every=2.0,
                   down_lines=["trigger: the feed is unavailable", "trigger: cannot count unseen records"],
                   up_lines=["trigger: the feed is reachable again"], log_path=log)
    run.warm_up("a first job through the proxy", timeout=120)
    def job_starting():
        """New entities, then the fault as soon as their job exists: its worker meets it."""
        known = {j["id"] for j in all_jobs(serve)}
        write_entities()
        wait_for(lambda: [j for j in all_jobs(serve) if j["id"] not in known], 20, "the next job",
                 interval=0.02)

    injected = 0
    for mode, expect_down in (("down", True), ("slow", False), ("reset", True), ("garbage", True)):
        injected += run.fault(mode, 5, expect_down=expect_down, arm=job_starting)
    run.tick = lambda: None  # no more records: the last ones stay unseen or go to a last job
    run.finish(log, min_completed=4, generated=generated, settle=150)
    logs = os.path.join(work, "data", "logs")
    waited = [n for n in os.listdir(logs) if "trying again" in open(os.path.join(logs, n), errors="replace").read()]
    assert waited, "no worker met a fault: the scenario did not test the workers"
    print(f"ok: {len(waited)} worker attempts waited for the feed and then completed")
    print(f"figures: neo4j faults injected {run.faults} periods, {injected} faulted "
          f"connections/chunks; jobs lost 0")
proxy.close()
