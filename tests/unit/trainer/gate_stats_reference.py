"""Independent numpy reference of the champion gate's paired bootstrap (src/trainer/gate_stats.h).

Usage: gate_stats_reference.py DIR

DIR holds what the C++ test wrote:
  meta.txt        "<metric> <confidence> <n> <resamples>"  (metric: auc, logloss, accuracy, f1)
  champion.f32    n little-endian float32 probabilities of the champion
  challenger.f32  n float32 probabilities of the challenger
  labels.f32      n float32 labels (> 0.5 is positive)
  indices.u32     resamples * n uint32 row indices, resample after resample

Each metric is computed here from scratch on the materialized resample (AUC from average ranks,
not from the C++ weighted pass), the oriented difference (positive = challenger better) is
collected where both are defined, and the interval is np.quantile's default 'linear' method.
Prints one line: champion challenger delta ci_low ci_high resamples_used.
"""

import os
import sys

import numpy as np


def auc(scores, positive):
    n = scores.size
    pos = int(positive.sum())
    neg = n - pos
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    _, first, inverse, counts = np.unique(
        scores[order], return_index=True, return_inverse=True, return_counts=True
    )
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = (first + (counts + 1) / 2.0)[inverse]  # 1-based, ties averaged
    u = ranks[positive].sum() - pos * (pos + 1) / 2.0
    return u / (pos * neg)


def logloss(probs, positive):
    p = np.clip(probs.astype(np.float64), 1e-15, 1 - 1e-15)
    return float(np.mean(np.where(positive, -np.log(p), -np.log(1 - p))))


def accuracy(probs, positive):
    return float(np.mean((probs.astype(np.float64) > 0.5) == positive))


def f1(probs, positive):
    predicted = probs.astype(np.float64) > 0.5
    tp = int(np.sum(predicted & positive))
    mistakes = int(np.sum(predicted != positive))
    if 2 * tp + mistakes == 0:
        return None
    return 2 * tp / (2 * tp + mistakes)


METRICS = {"auc": (auc, True), "logloss": (logloss, False), "accuracy": (accuracy, True),
           "f1": (f1, True)}


def main(directory):
    with open(os.path.join(directory, "meta.txt")) as f:
        metric, confidence, n, resamples = f.read().split()
    confidence, n, resamples = float(confidence), int(n), int(resamples)
    load = lambda name, dtype: np.fromfile(os.path.join(directory, name), dtype=dtype)
    champion = load("champion.f32", "<f4")
    challenger = load("challenger.f32", "<f4")
    positive = load("labels.f32", "<f4") > 0.5
    indices = load("indices.u32", "<u4").reshape(resamples, n)
    fn, higher_is_better = METRICS[metric]

    def oriented(a, b):
        return b - a if higher_is_better else a - b

    champion_value = fn(champion, positive)
    challenger_value = fn(challenger, positive)
    deltas = []
    for rows in indices:
        a = fn(champion[rows], positive[rows])
        b = fn(challenger[rows], positive[rows])
        if a is not None and b is not None:
            deltas.append(oriented(a, b))
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.array(deltas), [tail, 1 - tail])
    print("%.17g %.17g %.17g %.17g %.17g %d" % (champion_value, challenger_value,
                                                 oriented(champion_value, challenger_value),
                                                 low, high, len(deltas)))


if __name__ == "__main__":
    main(sys.argv[1])
