"""bench/quality at a small size: the real `retrain serve` and worker through three windows of
growing drift, scored by Python's xgboost from the MLflow file store. Checks that the report has
a row per window and policy with sane AUCs, that Python scores a registered model exactly as the
worker did, and that the plot is written. The bench runs in its own virtualenv (scripts/bench-env)."""
import json
import subprocess

from conftest import BIN, ROOT

WINDOWS = 3


def test_quality_bench_reports_every_window_of_every_policy(tmp_path):
    venv = subprocess.run([str(ROOT / "scripts" / "bench-env")], check=True, capture_output=True,
                          text=True).stdout.strip()
    out = tmp_path / "results"
    p = subprocess.run([f"{venv}/bin/python", str(ROOT / "bench" / "quality.py"), BIN,
                        "--windows", str(WINDOWS), "--window-records", "600", "--eval-records", "3000",
                        "--oracle-records", "3000", "--min-holdout", "100", "--out", str(out)],
                       capture_output=True, text=True, timeout=80)
    assert p.returncode == 0, p.stdout + p.stderr
    result = json.loads((out / "quality.json").read_text())

    assert set(result["policies"]) == {"window", "cumulative", "lookback"}
    for policy, rows in result["policies"].items():
        assert [r["window"] for r in rows] == list(range(1, WINDOWS + 1)), (policy, rows)
        assert [r["latest_version"] for r in rows] == list(range(1, WINDOWS + 1)), (policy, rows)
        for r in rows:
            for key in ("first", "latest", "champion", "oracle"):
                assert 0.5 < r[key] <= 1.0, (policy, key, r)
            assert 1 <= r["champion_version"] <= r["latest_version"], (policy, r)
            assert r["worker_maxrss_kb"] and r["worker_maxrss_kb"] > 1000, (policy, r)
        assert rows[0]["champion_version"] == 1 and rows[0]["first"] == rows[0]["champion"], rows[0]
        # Window policy trains on one window, cumulative on all of them so far.
        trained = [r["training_records"] for r in rows]
        assert trained == ([600] * WINDOWS if policy == "window" else [600 * (w + 1) for w in range(WINDOWS)])
        # Drift moves the label function: the never-retrained model falls behind the oracle.
        assert rows[-1]["oracle"] - rows[-1]["first"] > 0.03, rows[-1]

    for policy, v in result["parity"].items():
        assert abs(v["python"] - v["worker"]) < 1e-6, (policy, v)

    text = p.stdout
    for policy in result["policies"]:
        assert f"training: {policy}" in text, text
    assert text.count("champion gap to oracle:") == 3, text
    assert (out / "quality.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
