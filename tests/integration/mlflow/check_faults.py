"""retrain serve under MLflow faults: a FaultProxy sits between retrain (serve and its workers)
and the real MLflow server; jobs keep coming while MLflow is down, slow, resetting connections,
garbling bytes, answering 5xx and answering bodies that are not JSON, each in turn. No job
fails, /readyz names the tracker while it cannot be reached, the log says each outage once,
every completed job has exactly one FINISHED run, and serve's memory stays bounded.

usage: check_faults.py RETRAIN_BIN TRACKING_URI WORKDIR"""
import os
import subprocess
import sys
import time
import urllib.parse

from mlflow.tracking import MlflowClient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from fault_proxy import FaultProxy  # noqa: E402
from fault_scenario import FaultRun  # noqa: E402
from retrain_process import Serve, wait_for  # noqa: E402

binary, uri, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
up = urllib.parse.urlparse(uri)
proxy = FaultProxy(up.hostname, up.port, http=True, delay=2.0)
proxy_uri = f"http://127.0.0.1:{proxy.port}"

experiment = f"retrain-faults-{int(time.time())}-{os.getpid()}"
config = os.path.join(work, "retrain.yaml")
with open(config, "w") as f:
    f.write(f"""experiment: {{name: {experiment}}}
store: {{path: jobs.db}}
trigger: {{reconcileInterval: 200ms}}
models:
  - id: faults-model
    minRecords: 60
    params: {{num_round: "5"}}
""")
env = dict(os.environ, MLFLOW_TRACKING_URI=proxy_uri)
data = os.path.join(work, "data")
generated = 0


def generate(n=70):
    global generated
    subprocess.run([binary, "feed", "generate", "--records", str(n), "--config", config, "--data-dir", data],
                   check=True, env=env, capture_output=True, timeout=30)
    generated += n


log = os.path.join(work, "serve.log")
generate()
with Serve(binary, config, data, log, env) as serve:
    run = FaultRun(serve, proxy, "tracker", generate, tick_every=2.0,
                   down_lines=[f"MLflow at {proxy_uri} is unavailable"],
                   up_lines=[f"MLflow at {proxy_uri} is available again"], log_path=log)
    run.warm_up("a first job through the proxy", timeout=120)
    injected = 0
    for mode, expect_down in (("down", True), ("slow", False), ("reset", True), ("http5xx", True),
                              ("badjson", True), ("garbage", True)):
        # Within a call, retrain's MLflow client retries for up to ~8 s before the call fails.
        injected += run.fault(mode, 9 if expect_down else 5, expect_down=expect_down)

    client = MlflowClient(tracking_uri=uri)  # straight to the server, not through the proxy
    exp = client.get_experiment_by_name(experiment)

    def one_run_each(completed):
        for j in completed:
            # The run is ended by the reconciler after the job completes (it may be waiting out
            # the last fault's backoff).
            runs = wait_for(lambda: (lambda rs: rs if len(rs) != 1 or rs[0].info.status == "FINISHED" else None)(
                client.search_runs([exp.experiment_id], f"tags.retraining_job_id = '{j['id']}'")), 60,
                f"job {j['id'][:8]}'s run to be FINISHED")
            assert len(runs) == 1, (j["id"], [r.info.run_id for r in runs])
            assert runs[0].info.run_id == j["mlflowRunId"], (runs[0].info, j)
        print(f"ok: each of the {len(completed)} completed jobs has exactly one FINISHED MLflow run")

    run.tick = lambda: None  # no more records: the last ones stay unseen or go to a last job
    run.finish(log, min_completed=3, generated=generated, settle=150, extra_check=one_run_each)
    logs = os.path.join(data, "logs")
    waited = [n for n in os.listdir(logs) if "trying again" in open(os.path.join(logs, n), errors="replace").read()]
    print(f"ok: {len(waited)} worker attempts waited for MLflow and then completed")
    print(f"figures: mlflow faults injected {run.faults} periods, {injected} faulted "
          f"connections/requests/chunks; jobs lost 0")
proxy.close()
