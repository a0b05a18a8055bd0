"""retrain serve under kube-apiserver faults: a FaultProxy sits between retrain's Kubernetes
executor and the real kube-apiserver, ending TLS on both sides (a certificate of the fixture's CA
towards retrain, the admin client certificate towards the API server); jobs keep coming (the
test plays the Job controller straight against the API server, marking each Job Complete) while
the API server is refused, slow, reset, answered with garbage bytes, with HTTP 5xx and with
bodies that are not JSON, each in turn. No job fails, /readyz names the executor while it cannot be reached, the log says each
outage once, every record goes to exactly one completed job, and serve's memory stays bounded.

usage: check_faults.py RETRAIN_BIN ADMIN_KUBECONFIG FIXTURE_DIR WORKDIR"""
import json
import os
import re
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from fault_proxy import FaultProxy  # noqa: E402
from fault_scenario import FaultRun  # noqa: E402
from retrain_process import Serve  # noqa: E402

binary, kubeconfig, fixture, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
text = open(kubeconfig).read()
server = re.search(r"server: (https://\S+)", text).group(1)
certs = os.path.join(fixture, "certs")
tls = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
tls.load_cert_chain(os.path.join(certs, "admin.crt"), os.path.join(certs, "admin.key"))
NS = "default"
SELECTOR = urllib.parse.quote("app.kubernetes.io/managed-by=retrain")


def kube(method, path, body=None, content_type="application/json"):
    req = urllib.request.Request(server + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, context=tls, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


up = urllib.parse.urlsplit(server)
towards_retrain = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
towards_retrain.load_cert_chain(os.path.join(certs, "apiserver.crt"), os.path.join(certs, "apiserver.key"))
proxy = FaultProxy(up.hostname, up.port, http=True, delay=1.0, tls_server=towards_retrain, tls_client=tls)
proxied_config = os.path.join(work, "kubeconfig")
with open(proxied_config, "w") as f:
    f.write(text.replace(f"server: {server}", f"server: https://{up.hostname}:{proxy.port}"))

config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write(f"""experiment: {{name: k8s-faults}}
executor:
  kind: kubernetes
  kubernetes: {{namespace: {NS}, image: retrain-worker:faults, kubeconfig: {proxied_config}}}
trigger: {{reconcileInterval: 200ms}}
models:
  - id: k8s-faults-model
    minRecords: 50
""")
data = os.path.join(work, "data")
env = dict(os.environ)
for k in ("RETRAINING_NAMESPACE", "RETRAINING_IMAGE", "MLFLOW_TRACKING_URI", "KUBECONFIG"):
    env.pop(k, None)
generated = 0
completed_jobs = set()


def generate(n=60):
    global generated
    subprocess.run([binary, "feed", "generate", "--records", str(n), "--config", config, "--data-dir", data],
                   check=True, env=env, capture_output=True, timeout=30)
    generated += n


def controller():
    """The Job controller's part: every retrain Job is marked Complete (straight to the API
    server, not through the proxy)."""
    status, jobs = kube("GET", f"/apis/batch/v1/namespaces/{NS}/jobs?labelSelector={SELECTOR}")
    assert status == 200, jobs
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for j in jobs["items"]:
        name = j["metadata"]["name"]
        if name in completed_jobs or any(c["type"] == "Complete" for c in j.get("status", {}).get("conditions") or []):
            continue
        status, patched = kube("PATCH", f"/apis/batch/v1/namespaces/{NS}/jobs/{name}/status", {"status": {
            "startTime": now, "completionTime": now, "active": 0, "succeeded": 1, "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "faults"},
                {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "faults"}]}},
            content_type="application/merge-patch+json")
        assert status == 200, patched
        completed_jobs.add(name)


ticks = 0


def tick():
    global ticks
    ticks += 1
    controller()
    if ticks % 3 == 1:
        generate()


generate()
log = os.path.join(work, "serve.log")
with Serve(binary, config, data, log, env) as serve:
    run = FaultRun(serve, proxy, "executor", tick, tick_every=1.0,
                   down_lines=["the kubernetes executor is unavailable"],
                   up_lines=["the kubernetes executor is available again"], log_path=log)
    run.warm_up("a first Job through the proxy", timeout=60)
    injected = 0
    for mode, expect_down in (("down", True), ("slow", False), ("reset", True), ("garbage", True),
                              ("http5xx", True), ("badjson", False)):
        injected += run.fault(mode, 6, expect_down=expect_down)
    # The last Jobs are completed too, while no new records come.
    run.tick = controller
    run.finish(log, min_completed=3, generated=generated, settle=150)
    print(f"figures: kube-apiserver faults injected {run.faults} periods, {injected} faulted "
          f"connections/chunks; jobs lost 0")
proxy.close()
