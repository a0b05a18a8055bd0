"""Model quality under drift, through the real `retrain serve` and reference worker.

One `retrain serve` with three models that differ only in their training policy (window,
cumulative, lookback by count) reads one embedded feed. The bench writes W windows of records
with `retrain feed generate --drift D`, D growing from 0 to --max-drift; each window reaches every
model's minRecords, so each window is one job per model. After the three jobs of a window have
completed, a fresh sample of the current distribution (same drift, another seed, its own feed) is
scored by:
  first     version 1 of the model, never retrained
  latest    the newest registered version, promoted or not (no gate)
  champion  the version the `champion` alias points at (the gated model production serves)
  oracle    XGBoost with the worker's parameters, trained on a large sample of the current
            distribution (the best a model of this kind can do on it)
Registered versions are read from the MLflow file store (artifacts/model/model.json) and scored
with Python's xgboost (the same version as the worker's libxgboost) on the columns the worker
builds (trainer/dataset.h: numeric payload fields but `label`, sorted by name, NaN when absent).
A parity check scores version 1 on the worker's own holdout and compares with its logged AUC.

Writes quality.json, quality.txt and quality.png to --out.

usage: quality.py RETRAIN_BIN [--windows 10] [--window-records 5000] [--eval-records 50000]
                  [--oracle-records 50000] [--max-drift 1.0] [--out bench/results]"""
import argparse
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
import xgboost

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
from retrain_process import Serve, wait_for  # noqa: E402

POLICIES = ("window", "cumulative", "lookback")
NUM_ROUND, MAX_DEPTH, ETA, SEED = 40, 4, 0.3, 0  # the models' params (the shipped config's)
HOLDOUT_FRACTION = 0.2


def xgb_params():
    """The worker's XGBoost parameters (trainer/xgb_model.cc Booster::Train)."""
    return {"objective": "binary:logistic", "eval_metric": "auc", "tree_method": "hist",
            "verbosity": 0, "max_depth": MAX_DEPTH, "eta": ETA, "seed": SEED, "nthread": 1}


def auc(scores, labels):
    """Area under the ROC curve with tied scores sharing their mean rank (Mann-Whitney U)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    pos = int(labels.sum())
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def read_feed(data_dir, first_seq=1, last_seq=None):
    """Payloads of the embedded feed's records in feed order, seq in [first_seq, last_seq]."""
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'feed.db')}?mode=ro", uri=True)
    try:
        q = "SELECT payload FROM records WHERE seq >= ?" + (" AND seq <= ?" if last_seq else "")
        args = (first_seq, last_seq) if last_seq else (first_seq,)
        return [json.loads(p) for (p,) in db.execute(q + " ORDER BY seq", args)]
    finally:
        db.close()


def matrix(payloads, names):
    """The worker's dense matrix of `payloads` in the column order `names`, and the labels."""
    x = np.full((len(payloads), len(names)), np.nan, dtype=np.float32)
    for r, p in enumerate(payloads):
        for c, name in enumerate(names):
            v = p.get(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                x[r, c] = v
    y = np.array([1.0 if p["label"] in (1, True) else 0.0 for p in payloads], dtype=np.float32)
    return x, y


def feature_names(payloads):
    return sorted({k for p in payloads for k, v in p.items()
                   if k != "label" and isinstance(v, (int, float)) and not isinstance(v, bool)})


class Bench:
    def __init__(self, binary, work):
        self.bin = binary
        self.work = work
        self.samples = 0

    def generate(self, config, data_dir, records, drift, seed=None):
        cmd = [self.bin, "feed", "generate", "--records", str(records), "--drift", f"{drift:.4f}",
               "--config", config, "--data-dir", data_dir]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        subprocess.run(cmd, check=True, capture_output=True)

    def sample(self, records, drift, seed):
        """`records` fresh records at `drift` from their own embedded feed (payloads)."""
        self.samples += 1
        d = os.path.join(self.work, f"sample-{self.samples}")
        cfg = os.path.join(d, "retrain.yaml")
        os.makedirs(d)
        with open(cfg, "w") as f:
            f.write("feed: {source: embedded}\n")
        self.generate(cfg, os.path.join(d, "data"), records, drift, seed)
        return read_feed(os.path.join(d, "data"))


def config_text(binary, window_records, rss_dir, min_holdout):
    """Three models, one per training policy; each worker runs under worker_rss.py."""
    wrapper = [sys.executable, os.path.join(HERE, "worker_rss.py"), rss_dir, binary, "worker"]
    training = {"window": "window", "cumulative": "cumulative",
                "lookback": {"policy": "lookback", "maxRecords": 3 * window_records}}
    lines = ["experiment: {name: quality, tracking_uri: mlruns}", "store: {path: jobs.db}",
             "feed: {source: embedded}", "executor: {kind: local, maxConcurrent: 3}",
             "trigger: {reconcileInterval: 100ms}", "models:"]
    for policy in POLICIES:
        lines += [f"  - id: {policy}", f"    minRecords: {window_records}", "    maxAttempts: 1",
                  "    timeout: 30m", f"    training: {json.dumps(training[policy])}",
                  f"    evaluation: {{holdoutFraction: {HOLDOUT_FRACTION}, minHoldout: {min_holdout}}}",
                  "    promotion: {metric: auc, minDelta: 0, confidence: 0.95}",
                  f"    params: {{num_round: \"{NUM_ROUND}\", max_depth: \"{MAX_DEPTH}\"}}",
                  f"    command: {json.dumps(wrapper)}"]
    return "\n".join(lines) + "\n"



class Registry:
    """Reads registered versions of a model from the MLflow file store under `mlruns`."""

    def __init__(self, mlruns):
        self.mlruns = mlruns
        self.boosters = {}

    def champion(self, model):
        with open(os.path.join(self.mlruns, "models", model, "aliases", "champion")) as f:
            return int(f.read().strip())

    def booster(self, model, version):
        key = (model, version)
        if key not in self.boosters:
            meta = os.path.join(self.mlruns, "models", model, f"version-{version}", "meta.yaml")
            with open(meta) as f:
                run_id = next(l.split(":", 1)[1].strip() for l in f if l.startswith("run_id:"))
            path = glob.glob(os.path.join(self.mlruns, "*", run_id, "artifacts", "model", "model.json"))
            if len(path) != 1:
                raise SystemExit(f"FAIL: expected one model.json for {model} version {version}, found {path}")
            self.boosters[key] = xgboost.Booster(model_file=path[0])
        return self.boosters[key]

    def score(self, model, version, payloads):
        b = self.booster(model, version)
        x, y = matrix(payloads, b.feature_names)
        return auc(b.predict(xgboost.DMatrix(x, feature_names=b.feature_names, missing=np.nan)), y)


def train_oracle(payloads):
    names = feature_names(payloads)
    x, y = matrix(payloads, names)
    booster = xgboost.train(xgb_params(), xgboost.DMatrix(x, label=y, feature_names=names, missing=np.nan),
                            NUM_ROUND)
    return booster


def score_booster(booster, payloads):
    x, y = matrix(payloads, booster.feature_names)
    return auc(booster.predict(xgboost.DMatrix(x, feature_names=booster.feature_names, missing=np.nan)), y)


def run(args):
    work = tempfile.mkdtemp(prefix="retrain-quality-")
    data = os.path.join(work, "data")
    rss_dir = os.path.join(work, "rss")
    cfg = os.path.join(work, "retrain.yaml")
    with open(cfg, "w") as f:
        f.write(config_text(os.path.abspath(args.binary), args.window_records, rss_dir, args.min_holdout))
    bench = Bench(os.path.abspath(args.binary), work)
    registry = Registry(os.path.join(data, "mlruns"))
    drifts = [args.max_drift * w / max(1, args.windows - 1) for w in range(args.windows)]
    rows = {p: [] for p in POLICIES}
    parity = {}
    started = time.time()
    with Serve(bench.bin, cfg, data, os.path.join(work, "serve.log")) as serve:
        for w, drift in enumerate(drifts):
            bench.generate(cfg, data, args.window_records, drift)

            def window_done():
                jobs = serve.get("/retraining/jobs?limit=500")[1]["jobs"]
                mine = {p: [j for j in jobs if j["modelId"] == p] for p in POLICIES}
                if all(len(js) == w + 1 and js[0]["status"] in ("completed", "failed")
                       for js in mine.values()):
                    return {p: js[0] for p, js in mine.items()}
                return None

            jobs = wait_for(window_done, args.job_timeout, f"window {w + 1}'s jobs", interval=0.2)
            failed = [j for j in jobs.values() if j["status"] != "completed"]
            if failed:
                raise SystemExit(f"FAIL: job {failed[0]['id']} of {failed[0]['modelId']} ended "
                                 f"{failed[0]['status']}: {failed[0].get('error')}")
            fresh = bench.sample(args.eval_records, drift, seed=1000 + w)
            oracle = train_oracle(bench.sample(args.oracle_records, drift, seed=2000 + w))
            oracle_auc = score_booster(oracle, fresh)
            if w == 0:
                # The worker's holdout of its first job: the newest 20 % of window 1.
                n = args.window_records
                held = read_feed(data, n - round(HOLDOUT_FRACTION * n) + 1, n)
                for p in POLICIES:
                    parity[p] = {"python": registry.score(p, 1, held), "worker": jobs[p]["metrics"]["auc"]}
            for p in POLICIES:
                m = jobs[p]["metrics"]
                latest = int(m["model_version"])
                champion = registry.champion(p)
                prev = rows[p][-1]["champion_version"] if rows[p] else None
                row = {
                    "window": w + 1, "drift": drift, "training_records": int(m["training_records"]),
                    "holdout_records": int(m["holdout_records"]),
                    "first": registry.score(p, 1, fresh), "latest_version": latest,
                    "latest": registry.score(p, latest, fresh), "champion_version": champion,
                    "champion": registry.score(p, champion, fresh), "oracle": oracle_auc,
                    "promoted": int(m["promoted"]), "ci_low": m.get("auc_delta_ci_low"),
                    "ci_high": m.get("auc_delta_ci_high"),
                    "previous_champion": prev,
                    "previous_champion_auc": registry.score(p, prev, fresh) if prev else None,
                }
                rss = os.path.join(rss_dir, f"{jobs[p]['id']}.json")
                row["worker_maxrss_kb"] = json.load(open(rss))["maxrss_kb"] if os.path.exists(rss) else None
                rows[p].append(row)
            print(f"  window {w + 1}/{args.windows} (drift {drift:.2f}) scored after "
                  f"{time.time() - started:.0f}s", file=sys.stderr, flush=True)
    return {"sizes": {"windows": args.windows, "window_records": args.window_records,
                      "eval_records": args.eval_records, "oracle_records": args.oracle_records,
                      "max_drift": args.max_drift, "min_holdout": args.min_holdout,
                      "lookback_max_records": 3 * args.window_records,
                      "num_round": NUM_ROUND, "max_depth": MAX_DEPTH, "eta": ETA},
            "parity": parity, "policies": rows, "seconds": time.time() - started}


def summarize(rows):
    """Per policy: the figures the issue asks for."""
    gaps = [r["oracle"] - r["champion"] for r in rows]
    harmful = [r for r in rows if r["previous_champion"] and r["champion_version"] != r["previous_champion"]
               and r["champion"] < r["previous_champion_auc"]]
    promotions = sum(1 for r in rows if r["previous_champion"] and r["champion_version"] != r["previous_champion"])
    kept = [r for r in rows if r["latest_version"] > 1 and not r["promoted"]]
    missed = [r for r in kept if r["latest"] - r["champion"] > 0.01]
    rss = [r["worker_maxrss_kb"] for r in rows if r["worker_maxrss_kb"]]
    return {
        "max_champion_gap": max(gaps), "last_champion_gap": gaps[-1],
        "windows_within_0_02": sum(1 for g in gaps if g <= 0.02),
        "first_gap_last": rows[-1]["oracle"] - rows[-1]["first"],
        "first_behind_champion_last": rows[-1]["champion"] - rows[-1]["first"],
        "promotions": promotions, "harmful_promotions": len(harmful),
        "kept": len(kept), "kept_better_challenger": len(missed),
        "harmful_worst": min((r["champion"] - r["previous_champion_auc"] for r in harmful), default=0.0),
        "worker_peak_rss_mb": max(rss) / 1024 if rss else None,
    }


def report(result):
    s = result["sizes"]
    out = [f"model quality under drift: {s['windows']} windows of {s['window_records']} records, drift 0 -> "
           f"{s['max_drift']:.2f}; AUC on {s['eval_records']} fresh records of the current distribution;",
           f"oracle trained on {s['oracle_records']} records of it (num_round {s['num_round']}, max_depth "
           f"{s['max_depth']}, eta {s['eta']}); lookback keeps the newest {s['lookback_max_records']}; "
           f"minHoldout {s['min_holdout']}"]
    out.append("scoring parity (version 1 on the worker's holdout): " + ", ".join(
        f"{p} python {v['python']:.6f} / worker {v['worker']:.6f}" for p, v in result["parity"].items()))
    for p, rows in result["policies"].items():
        out.append("")
        out.append(f"training: {p}")
        out.append(" win drift  trained  first  latest(v)   champion(v)  oracle  gap   gate (CI of AUC delta)   RSS MB")
        for r in rows:
            if r["latest_version"] == 1:
                gate = "first version"
            else:
                ci = f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]" if r["ci_low"] is not None else "(no CI)"
                gate = ("promoted " if r["promoted"] else "kept     ") + ci
            rss = f"{r['worker_maxrss_kb'] / 1024:6.0f}" if r["worker_maxrss_kb"] else "     -"
            out.append(f"{r['window']:4d} {r['drift']:5.2f} {r['training_records']:8d}  {r['first']:.3f}  "
                       f"{r['latest']:.3f}({r['latest_version']:2d})  {r['champion']:.3f}({r['champion_version']:2d})"
                       f"    {r['oracle']:.3f}  {r['oracle'] - r['champion']:+.3f}  {gate:24s} {rss}")
        m = summarize(rows)
        rss = f"{m['worker_peak_rss_mb']:.0f} MB" if m["worker_peak_rss_mb"] else "n/a"
        out.append(f"  champion gap to oracle: max {m['max_champion_gap']:+.3f}, last {m['last_champion_gap']:+.3f}, "
                   f"within 0.02 in {m['windows_within_0_02']}/{len(rows)} windows")
        out.append(f"  first model, never retrained: {m['first_gap_last']:+.3f} below the oracle and "
                   f"{m['first_behind_champion_last']:+.3f} below the champion at the last window")
        out.append(f"  promotions: {m['promotions']}, of which lowered fresh AUC: {m['harmful_promotions']}"
                   + (f" (worst {m['harmful_worst']:+.4f})" if m["harmful_promotions"] else "")
                   + f"; challengers kept out: {m['kept']}, of which scored over 0.01 higher on the fresh "
                   f"sample: {m['kept_better_challenger']}; worker peak RSS {rss}")
    out.append(f"({result['seconds']:.0f}s)")
    return "\n".join(out)


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    policies = list(result["policies"])
    fig, axes = plt.subplots(1, len(policies), figsize=(5 * len(policies), 4), sharey=True)
    for ax, p in zip(np.atleast_1d(axes), policies):
        rows = result["policies"][p]
        x = [r["drift"] for r in rows]
        for key, style in (("oracle", "k--"), ("champion", "C0-o"), ("latest", "C1-^"), ("first", "C3-s")):
            ax.plot(x, [r[key] for r in rows], style, label=key, markersize=4)
        ax.set_title(f"training: {p}")
        ax.set_xlabel("drift of the window")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("AUC on a fresh sample")
    np.atleast_1d(axes)[0].legend()
    s = result["sizes"]
    fig.suptitle(f"{s['windows']} windows of {s['window_records']} records; "
                 f"AUC on {s['eval_records']} fresh records per window")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--windows", type=int, default=10)
    ap.add_argument("--window-records", type=int, default=5000)
    ap.add_argument("--eval-records", type=int, default=50000)
    ap.add_argument("--oracle-records", type=int, default=50000)
    ap.add_argument("--max-drift", type=float, default=1.0)
    ap.add_argument("--min-holdout", type=int, default=500)
    ap.add_argument("--job-timeout", type=float, default=600)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    result = run(args)
    os.makedirs(args.out, exist_ok=True)
    text = report(result)
    print(text)
    for p in result["policies"]:
        result.setdefault("summary", {})[p] = summarize(result["policies"][p])
    with open(os.path.join(args.out, "quality.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(args.out, "quality.txt"), "w") as f:
        f.write(text + "\n")
    plot(result, os.path.join(args.out, "quality.png"))
    print(f"wrote {os.path.join(args.out, 'quality.png')}")


if __name__ == "__main__":
    main()
