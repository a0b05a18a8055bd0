"""`model/feature_summary.json`: each numeric feature's deciles over the training data and how
many training rows fell in each bin, the artifact the drift trigger compares new records with
(format of `src/core/feature_summary.h`, version 1):

    {"version": 1, "records": N,
     "features": {"<name>": {"edges": [...], "counts": [...], "missing": M}, ...}}

A histogram with edges e[0] < ... < e[k-1] has k + 1 bins: bin 0 holds v <= e[0], bin i holds
e[i-1] < v <= e[i], bin k holds v > e[k-1]. Edges are values of the data (the j-th decile: the
smallest value with at least j/10 of the values at or below it), deduplicated; values are
compared as 32-bit floats. `missing` counts rows without the feature.
"""
from __future__ import annotations

import bisect
import json
import math
import os
import struct
from typing import Any, Dict, Iterable, List, Mapping

BINS = 10
ARTIFACT_PATH = "model/feature_summary.json"


def _f32(v: float) -> float:
    rounded: float = struct.unpack("f", struct.pack("f", v))[0]
    return rounded


def summarize_values(values: List[float], bins: int = BINS) -> Dict[str, Any]:
    present = sorted(_f32(v) for v in values if not math.isnan(v))
    missing = len(values) - len(present)
    n = len(present)
    edges: List[float] = []
    if n > 0 and bins > 1:
        for j in range(1, bins):
            rank = (j * n + bins - 1) // bins
            edge = present[max(rank, 1) - 1]
            if not edges or edge > edges[-1]:
                edges.append(edge)
    counts = [0] * (len(edges) + 1)
    for v in present:
        counts[bisect.bisect_left(edges, v)] += 1
    return {"edges": edges, "counts": counts, "missing": missing}


def summarize_features(rows: Iterable[Mapping[str, float]], bins: int = BINS) -> Dict[str, Any]:
    """The summary of the rows (each a mapping feature -> number; the training range's rows,
    holdout included, as the reference worker summarizes them). Non-numbers are ignored."""
    columns: Dict[str, List[float]] = {}
    n = 0
    for row in rows:
        for name, value in row.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            column = columns.setdefault(name, [])
            column.extend([math.nan] * (n - len(column)))  # rows before it lacked the feature
            column.append(float(value))
        n += 1
    features = {}
    for name in sorted(columns):
        column = columns[name]
        column.extend([math.nan] * (n - len(column)))
        features[name] = summarize_values(column, bins)
    return {"version": 1, "records": n, "features": features}


def save(summary: Mapping[str, Any], directory: str) -> str:
    """Writes `<directory>/feature_summary.json`; returns its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "feature_summary.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, separators=(",", ":"))
    return path
