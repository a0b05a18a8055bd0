"""The champion gate through the real binary and the reference worker: a first version becomes
champion; a challenger trained on labels flipped with probability 0.45 (`feed generate
--label-noise`) is registered but kept out, and the final event explains the decision with the
interval; a later job on clean data is decided on the same statistics."""
from conftest import wait_for


def finished(r, n):
    return wait_for(lambda: (lambda js: js if len(js) >= n and all(
        j["status"] in ("completed", "failed") for j in js) else None)(r.jobs()),
        timeout=90, interval=0.2, what=f"{n} finished jobs")


def final_event(r, job_id):
    return r.get(f"/retraining/jobs/{job_id}/events").json["events"][-1]


def test_noisy_challenger_is_kept_out_and_the_decision_is_explained(make_retrain):
    r = make_retrain([{"id": "m", "minRecords": 600, "evaluation": {"minHoldout": 100},
                       "params": {"num_round": "20"}}])
    r.generate(600, seed=3)
    first = finished(r, 1)[0]
    assert first["status"] == "completed", first
    assert first["metrics"]["promoted"] == 1 and first["metrics"]["model_version"] == 1, first

    r.generate(600, seed=4, label_noise=0.45)
    jobs = finished(r, 2)
    noisy = next(j for j in jobs if j["id"] != first["id"])
    assert noisy["status"] == "completed", noisy
    m = noisy["metrics"]
    assert m["promoted"] == 0, m
    assert m["model_version"] == 2, m
    assert m["holdout_records"] == 120, m
    for k in ("champion_auc", "auc_delta", "auc_delta_ci_low", "auc_delta_ci_high"):
        assert k in m, (k, m)
    assert m["auc_delta_ci_low"] <= m["auc_delta"] <= m["auc_delta_ci_high"], m
    message = final_event(r, noisy["id"])["message"]
    assert "Kept the champion" in message and "95% CI [" in message, message

    r.generate(600, seed=5)
    jobs = finished(r, 3)
    clean = next(j for j in jobs if j["id"] not in (first["id"], noisy["id"]))
    assert clean["status"] == "completed", clean
    assert "auc_delta_ci_low" in clean["metrics"], clean["metrics"]
    assert "95% CI [" in final_event(r, clean["id"])["message"]
    champions = r.get("/models/m/champions").json
    current = [c for c in champions["champions"] if c.get("current")]
    expected = "3" if clean["metrics"]["promoted"] == 1 else "1"
    assert current and str(current[0]["version"]) == expected, champions


def test_label_noise_is_validated(make_retrain):
    r = make_retrain([{"id": "m", "minRecords": 600}], start=False)
    p = r.cli("feed", "generate", "--records", "5", "--label-noise", "1.5", check=False)
    assert p.returncode != 0 and "label-noise" in p.stderr, p.stderr
