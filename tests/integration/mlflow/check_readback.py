"""Reads back, with MLflow's own Python client, everything the C++ contract test logged.

Usage: python check_readback.py MANIFEST TRACKING_URI
Checks the experiment (name, artifact location, description, tags), every run (name, status,
end time, params, tags, full metric history, artifacts), the registered model's versions, its
alias and the version tags a manual promote set. Prints one line per check and exits non-zero
when any failed.
"""
import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient

failures = []
passes = 0


def check(what, actual, expected):
    global passes
    if actual == expected:
        passes += 1
    else:
        failures.append(what)
        print(f"FAIL {what}: expected {expected!r}, got {actual!r}")


def main():
    manifest = json.load(open(sys.argv[1]))
    uri = sys.argv[2]
    # The file registry resolves logged models through the global URI: point it here too, so
    # that nothing falls back to a default ./mlflow.db.
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    m_exp = manifest["experiment"]
    exp = client.get_experiment_by_name(m_exp["name"])
    if exp is None:
        print(f"FAIL experiment {m_exp['name']} not found at {uri}")
        return 1
    check("experiment id", exp.experiment_id, m_exp["id"])
    check("experiment lifecycle", exp.lifecycle_stage, "active")
    check("experiment description", exp.tags.get("mlflow.note.content"), m_exp["description"])
    for k, v in m_exp["tags"].items():
        check(f"experiment tag {k}", exp.tags.get(k), v)
    if manifest["tracking_uri"].startswith("http"):
        check("experiment artifact location is proxied",
              exp.artifact_location.startswith("mlflow-artifacts:"), True)
    else:
        root = manifest["tracking_uri"]
        check("experiment artifact location", exp.artifact_location, f"{root}/{exp.experiment_id}")

    for m_run in manifest["runs"]:
        job = m_run["job_id"]
        runs = client.search_runs([exp.experiment_id], f"tags.retraining_job_id = '{job}'")
        check(f"{job}: exactly one run", len(runs), 1)
        if not runs:
            continue
        run = client.get_run(runs[0].info.run_id)
        check(f"{job}: run id", run.info.run_id, m_run["run_id"])
        check(f"{job}: run name", run.info.run_name, m_run["run_name"])
        check(f"{job}: status", run.info.status, m_run["status"])
        check(f"{job}: end time", run.info.end_time, m_run["end_time"])
        check(f"{job}: params", dict(run.data.params), m_run["params"])
        check(f"{job}: tag mlflow.runName", run.data.tags.get("mlflow.runName"), m_run["run_name"])
        for k, v in m_run["tags"].items():
            check(f"{job}: tag {k}", run.data.tags.get(k), v)
        check(f"{job}: metric keys", sorted(run.data.metrics), sorted(m_run["metrics"]))
        for key, points in m_run["metrics"].items():
            history = sorted((h.step, h.value, h.timestamp)
                             for h in client.get_metric_history(run.info.run_id, key))
            check(f"{job}: history of {key}", [list(p) for p in history], points)
        for path, content in m_run["artifacts"].items():
            listed = [f.path for f in client.list_artifacts(run.info.run_id, os.path.dirname(path))]
            check(f"{job}: artifact {path} listed", path in listed, True)
            with tempfile.TemporaryDirectory() as tmp:
                local = client.download_artifacts(run.info.run_id, path, tmp)
                check(f"{job}: artifact {path} content", open(local).read(), content)

    reg = manifest.get("registry")
    if reg:
        model = client.get_registered_model(reg["name"])
        check("registered model name", model.name, reg["name"])
        versions = sorted(((v.version, v.run_id, v.source)
                           for v in client.search_model_versions(f"name = '{reg['name']}'")),
                          key=lambda v: int(v[0]))
        check("model versions", [[str(v[0]), v[1], v[2]] for v in versions],
              [[v["version"], v["run_id"], v["source"]] for v in reg["versions"]])
        for alias, version in reg["aliases"].items():
            mv = client.get_model_version_by_alias(reg["name"], alias)
            check(f"alias {alias}", str(mv.version), version)
            check(f"aliases on model", str(model.aliases.get(alias)), version)
            check(f"alias {alias} on version {version}", alias in mv.aliases, True)
        # Tags a manual promote left on the versions (retrain.promoted_by, ...).
        for version, tags in reg.get("version_tags", {}).items():
            mv = client.get_model_version(reg["name"], version)
            check(f"tags of version {version}", dict(mv.tags), tags)

    print(f"readback {uri}: {passes} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
