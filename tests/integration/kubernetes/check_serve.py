"""`retrain serve` with the Kubernetes executor against the real kube-apiserver: a triggered job
becomes a Job named ml-retrain-<model>-<id> with the worker contract, the test plays the Job
controller (no kube-controller-manager runs) by marking it Complete, and the job completes; a
second job is cancelled through the API and its Job is deleted.

usage: check_serve.py RETRAIN_BIN ADMIN_KUBECONFIG FIXTURE_DIR WORKDIR"""
import json
import os
import re
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from retrain_process import Serve, api, wait_for  # noqa: E402

binary, kubeconfig, fixture, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
server = re.search(r"server: (https://\S+)", open(kubeconfig).read()).group(1)
certs = os.path.join(fixture, "certs")
tls = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
tls.load_cert_chain(os.path.join(certs, "admin.crt"), os.path.join(certs, "admin.key"))
NS = "default"


def kube(method, path, body=None, content_type="application/json"):
    req = urllib.request.Request(server + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, context=tls, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")



config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write(f"""experiment: {{name: k8s-e2e}}
executor:
  kind: kubernetes
  kubernetes: {{namespace: {NS}, image: retrain-worker:e2e, kubeconfig: {kubeconfig}}}
trigger: {{reconcileInterval: 200ms}}
models:
  - id: k8s-model
    minRecords: 50
    maxAttempts: 1
""")
data = os.path.join(work, "data")
env = dict(os.environ)
for k in ("RETRAINING_NAMESPACE", "RETRAINING_IMAGE", "MLFLOW_TRACKING_URI", "KUBECONFIG"):
    env.pop(k, None)
subprocess.run([binary, "feed", "generate", "--records", "60", "--config", config, "--data-dir", data],
               check=True, env=env, capture_output=True)
with Serve(binary, config, data, os.path.join(work, "serve.log"), env) as serve:
    base = serve.base
    job = wait_for(lambda: (lambda j: j if j and j["kubernetesJobName"] else None)(
        (api("GET", base + "/retraining/jobs")[1]["jobs"] or [None])[0]), 30, "a job handed to Kubernetes")
    name = job["kubernetesJobName"]
    assert name.startswith("ml-retrain-k8s-model-") and job["kubernetesNamespace"] == NS, job
    assert job["status"] == "scheduled" and job["executor"] == "kubernetes", job
    status, kjob = kube("GET", f"/apis/batch/v1/namespaces/{NS}/jobs/{name}")
    assert status == 200, kjob
    labels = kjob["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "retrain" and labels["retrain.dev/job-id"] == job["id"], labels
    pod = kjob["spec"]["template"]
    assert pod["metadata"]["labels"]["job-id"] == job["id"]
    container = pod["spec"]["containers"][0]
    assert container["name"] == "trainer" and container["image"] == "retrain-worker:e2e"
    assert pod["spec"]["restartPolicy"] == "Never"
    envs = {e["name"]: e for e in container["env"]}
    assert envs["RETRAINING_JOB_ID"]["value"] == job["id"]
    assert envs["MLFLOW_RUN_ID"]["value"] == job["mlflowRunId"]
    assert envs["RETRAINING_RECORD_COUNT"]["value"] == "60"
    assert "secretKeyRef" in envs["RETRAINING_CALLBACK_TOKEN"]["valueFrom"], envs["RETRAINING_CALLBACK_TOKEN"]
    print(f"ok: job {job['id'][:8]} is Kubernetes Job {NS}/{name} with the worker contract")

    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, patched = kube("PATCH", f"/apis/batch/v1/namespaces/{NS}/jobs/{name}/status", {"status": {
        "startTime": now, "completionTime": now, "active": 0, "succeeded": 1, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "e2e"},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "e2e"}]}},
        content_type="application/merge-patch+json")
    assert status == 200, patched
    done = wait_for(lambda: (lambda j: j if j["status"] == "completed" else None)(
        api("GET", base + f"/retraining/jobs/{job['id']}")[1]), 30, "the job to complete")
    events = api("GET", base + f"/retraining/jobs/{job['id']}/events")[1]["events"]
    assert any(e["source"] == "executor" and e["status"] == "completed" for e in events), events
    print("ok: the Job's Complete condition completed the retraining job")

    subprocess.run([binary, "feed", "generate", "--records", "55", "--config", config, "--data-dir", data],
                   check=True, env=env, capture_output=True)
    second = wait_for(lambda: next((j for j in api("GET", base + "/retraining/jobs")[1]["jobs"]
                                    if j["id"] != job["id"] and j["kubernetesJobName"]), None), 30, "the second job")
    assert second["records"] == 55, second
    status, cancelled = api("POST", base + f"/retraining/jobs/{second['id']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled", cancelled
    wait_for(lambda: kube("GET", f"/apis/batch/v1/namespaces/{NS}/jobs/{second['kubernetesJobName']}")[0] == 404,
             30, "the cancelled job's Kubernetes Job to be deleted")
    print("ok: cancelling the second job deleted its Kubernetes Job")
