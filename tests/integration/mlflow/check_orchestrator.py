"""retrain serve against a real MLflow server: a job triggered while MLflow is down waits in
`pending` (no run, no failure), proceeds when MLflow returns, and ends with exactly one run that
holds the worker's model artifact, a registered version and the `champion` alias. A second job
registers another version; a manual promote through retrain's API moves the alias and tags the
version, as MLflow's own client reads them back.

usage: check_orchestrator.py RETRAIN_BIN TRACKING_URI START_CMD STOP_CMD WORKDIR"""
import os
import subprocess
import sys
import time

from mlflow.tracking import MlflowClient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

binary, uri, start_cmd, stop_cmd, work = sys.argv[1:6]
os.makedirs(work, exist_ok=True)

experiment = f"retrain-outage-{int(time.time())}-{os.getpid()}"
config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write(f"""experiment:
  name: {experiment}
  tags: {{owner: it}}
store: {{path: jobs.db}}
trigger: {{reconcileInterval: 200ms}}
models:
  - id: outage-model
    minRecords: 60
    params: {{num_round: "10"}}
""")
env = dict(os.environ, MLFLOW_TRACKING_URI=uri)
data = os.path.join(work, "data")

subprocess.run(stop_cmd, shell=True, check=True)
subprocess.run([binary, "feed", "generate", "--records", "80", "--config", config, "--data-dir", data],
               check=True, env=env, capture_output=True)
with Serve(binary, config, data, os.path.join(work, "serve.log"), env) as serve:
    wait_for(lambda: serve.get("/retraining/jobs")[1]["jobs"], 20, "the automatic job")
    time.sleep(3)  # several reconcile passes while MLflow is down
    job = serve.get("/retraining/jobs")[1]["jobs"][0]
    assert job["status"] == "pending", job
    assert job["mlflowRunId"] is None, job
    print("ok: the job waits in pending while MLflow is down")

    subprocess.run(start_cmd, shell=True, check=True)
    done = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
        serve.get(f"/retraining/jobs/{job['id']}")[1]), 120, "the job to finish")
    assert done["status"] == "completed", done
    assert done["attempt"] == 1, done
    print("ok: the job proceeded when MLflow returned and completed on its first attempt")

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    runs = wait_for(lambda: (lambda rs: rs if rs and rs[0].info.status == "FINISHED" else None)(
        client.search_runs([exp.experiment_id], f"tags.retraining_job_id = '{job['id']}'")), 30, "the FINISHED run")
    assert len(runs) == 1, [r.info.run_id for r in runs]
    run = runs[0]
    assert run.info.run_id == done["mlflowRunId"]
    assert run.data.params["record_count"] == "80"
    # The worker adds what it trained on: the whole window here (training: window).
    assert run.data.params["training_policy"] == "window"
    assert run.data.params["training_records"] == "80"
    assert run.data.params["training_window_start"] == run.data.params["data_window_start"]
    assert run.data.params["training_window_end"] == run.data.params["data_window_end"]
    assert run.data.tags["retraining_status"] == "completed"
    assert "auc" in run.data.metrics
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model") if a.path.endswith("model.json")]
    version = client.get_model_version_by_alias("outage-model", "champion")
    assert version.run_id == run.info.run_id
    print("ok: exactly one FINISHED run with params, metrics, the model artifact and the champion alias")

    # A second version, then a manual promote of whichever version is not the champion.
    subprocess.run([binary, "feed", "generate", "--records", "80", "--config", config, "--data-dir", data],
                   check=True, env=env, capture_output=True)
    second = wait_for(lambda: next((j for j in serve.get("/retraining/jobs")[1]["jobs"]
                                    if j["id"] != job["id"] and j["status"] in ("completed", "failed")), None),
                      120, "the second job to finish")
    assert second["status"] == "completed", second
    wait_for(lambda: serve.get("/models/outage-model/champions")[1]["champions"], 30, "the automatic move")
    current = client.get_model_version_by_alias("outage-model", "champion").version
    other = "1" if str(current) == "2" else "2"
    status, moved = serve.post("/models/outage-model/promote", {"version": other, "reason": "it: by hand"})
    assert status == 200 and moved["changed"], (status, moved)
    mv = client.get_model_version_by_alias("outage-model", "champion")
    assert str(mv.version) == other, mv
    assert "champion" in mv.aliases, mv.aliases
    tags = client.get_model_version("outage-model", other).tags
    assert tags["retrain.promoted_by"] == "manual", tags
    assert tags["retrain.promotion_reason"] == "it: by hand", tags
    history = serve.get("/models/outage-model/champions")[1]
    assert history["champions"][0]["version"] == other and history["champions"][0]["source"] == "manual", history
    print("ok: a manual promote moved the champion alias and tagged the version (read by MlflowClient)")
