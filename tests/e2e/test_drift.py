"""The drift trigger through the real binary and the reference worker: the champion's worker saves
a feature summary (deciles of every feature over its training data); the trigger pass bins the
unseen records into it and starts a `drift` job when a feature's PSI reaches the threshold, far
below the model's count threshold, on a drifted feed and not on an undrifted one of the same size.
The PSI the server reports is recomputed here independently with numpy from the artifact and the
feed file."""
import json
import sqlite3
import time

import numpy as np

from conftest import wait_for

FIRST = 2000   # records the first (forced) job trains on
LATER = 400    # then this many more, drifted or not
MODEL = {"id": "m", "minRecords": 100000, "evaluation": {"minHoldout": 100},
         "params": {"num_round": "10"},
         "trigger": {"drift": {"threshold": 0.2, "minRecords": 300}}}


def champion_ready(r):
    r.generate(FIRST, seed=7)
    job = r.post("/models/m/retrain", {"force": True, "reason": "first version"})
    assert job.status in (200, 201, 202), job.text
    job_id = job.json["id"]
    done = r.wait_status(job_id, ("completed", "failed"), timeout=120)
    assert done["status"] == "completed", done
    assert done["metrics"]["promoted"] == 1, done["metrics"]
    return done


def summary_of(r, job_id):
    run = next(v for v in r.mlflow_runs().values() if v["tags"].get("retraining_job_id") == job_id)
    return json.loads((run["dir"] / "artifacts" / "model" / "feature_summary.json").read_text())


def payloads(r, after_seq, upto_seq=None):
    con = sqlite3.connect(r.data / "feed.db")
    q = "SELECT payload FROM records WHERE seq > ?" + (" AND seq <= ?" if upto_seq else "") + " ORDER BY seq"
    rows = con.execute(q, (after_seq, upto_seq) if upto_seq else (after_seq,)).fetchall()
    con.close()
    return [json.loads(p) for (p,) in rows]


def values(rows, feature):
    v = [p[feature] for p in rows
         if isinstance(p.get(feature), (int, float)) and not isinstance(p.get(feature), bool)]
    return np.asarray(v, dtype=np.float32).astype(np.float64)


def reference_psi(hist, vals):
    edges = np.asarray(hist["edges"], dtype=np.float64)
    actual = np.bincount(np.searchsorted(edges, vals, side="left"), minlength=len(edges) + 1)
    expected = np.asarray(hist["counts"], dtype=np.float64)
    e = np.maximum(expected / expected.sum(), 1e-4)
    a = np.maximum(actual / actual.sum(), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


def preview_after_pass(r, records):
    """The trigger preview once the trigger pass has measured `records` unseen records."""
    return wait_for(lambda: (lambda p: p if p["drift"]["records"] == records else None)(
        r.get("/models/m/trigger-preview").json), timeout=20, what=f"drift over {records} records")


def test_worker_saves_the_deciles_of_its_training_data(make_retrain):
    r = make_retrain([MODEL])
    first = champion_ready(r)
    summary = summary_of(r, first["id"])
    assert summary["version"] == 1 and summary["records"] == FIRST, summary["records"]
    rows = payloads(r, 0, FIRST)
    for feature in ("confidence", "source_reputation", "age_hours", "tlp_level"):
        vals = values(rows, feature)
        edges = []
        for j in range(1, 10):
            e = float(np.quantile(vals, j / 10, method="inverted_cdf"))
            if not edges or e > edges[-1]:
                edges.append(e)
        h = summary["features"][feature]
        assert h["edges"] == edges, (feature, h["edges"], edges)
        counts = np.bincount(np.searchsorted(np.asarray(edges), vals, side="left"),
                             minlength=len(edges) + 1)
        assert h["counts"] == counts.tolist(), feature
        assert h["missing"] == FIRST - len(vals), feature


def test_drift_fires_on_a_drifted_feed_and_not_on_an_undrifted_one(make_retrain):
    calm = make_retrain([MODEL])
    drifted = make_retrain([MODEL])
    for r in (calm, drifted):
        first = champion_ready(r)
        r.first = first
    calm.generate(LATER, seed=8)
    drifted.generate(LATER, seed=8, drift=1.0)

    # Undrifted: measured, below the threshold, no job.
    p = preview_after_pass(calm, LATER)
    d = p["drift"]
    assert d["championVersion"] == "1", d
    assert d["maxPsi"] < 0.2, d
    assert p["automatic"]["wouldFire"] is False, p["automatic"]
    assert "drift: largest PSI" in p["automatic"]["explanation"], p["automatic"]
    time.sleep(1.0)  # several more trigger passes
    assert len(calm.jobs()) == 1, calm.jobs()

    # Drifted, same size: a drift job naming the feature and its PSI.
    job = wait_for(lambda: next((j for j in drifted.jobs() if j["trigger"] == "drift"), None),
                   timeout=20, what="a drift job")
    assert job["records"] == LATER, job
    assert "drifted" in job["reason"] and "PSI" in job["reason"], job["reason"]

    # The PSI reported matches numpy's on the artifact and the unseen records.
    summary = summary_of(calm, calm.first["id"])
    rows = payloads(calm, FIRST)
    assert len(rows) == LATER
    for f in d["features"]:
        ref = reference_psi(summary["features"][f["feature"]], values(rows, f["feature"]))
        assert abs(f["psi"] - ref) < 1e-9, (f, ref)

    metrics = calm.get("/metrics").text
    assert 'retrain_feature_psi{feature="age_hours",model="m"}' in metrics or \
        'retrain_feature_psi{model="m",feature="age_hours"}' in metrics, metrics[-2000:]

    gql = drifted.post("/graphql", {"query": "{ mlModels { id drift { threshold minRecords "
                                             "championVersion maxPsi maxPsiFeature features { feature psi } } } }"})
    assert gql.status == 200, gql.text
    model = gql.json["data"]["mlModels"][0]
    assert model["drift"]["threshold"] == 0.2 and model["drift"]["championVersion"] == "1", model
    done = drifted.wait_status(job["id"], ("completed", "failed"), timeout=120)
    assert done["status"] == "completed", done
    # The job says what its worker trained on (training policy window: the window itself).
    assert done["trainingRecords"] == LATER, done
    assert done["trainingWindowEnd"] == done["dataWindowEnd"], done
    assert done["trainingWindowStart"] == done["dataWindowStart"], done


def test_drift_settings_are_validated(make_retrain):
    r = make_retrain([{"id": "m", "trigger": {"drift": {"threshold": -1}}}], start=False)
    p = r.cli("config", "check", check=False)
    assert p.returncode != 0 and "trigger.drift.threshold" in p.stderr, p.stderr
    r = make_retrain([{"id": "m", "trigger": {"drift": {"treshold": 0.2}}}], start=False)
    p = r.cli("config", "check", check=False)
    assert p.returncode != 0 and "treshold" in p.stderr and "threshold" in p.stderr, p.stderr
