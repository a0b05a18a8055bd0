"""The champion gate, computed exactly as the reference worker computes it
(`src/trainer/gate_stats.h`, `src/trainer/champion_gate.cc`).

A challenger replaces the champion only when, on the same holdout, its metric improves by at
least `min_delta` AND the lower bound of a paired bootstrap confidence interval of that
improvement is above zero; a holdout smaller than `min_holdout` never promotes (a first version
still becomes champion). `logloss` is lower-is-better, `auc`, `accuracy` and `f1` higher-is-better;
deltas and intervals are oriented so that positive always means "challenger better".

The bootstrap draws the same rows as the reference worker: resample r of a holdout of n rows
seeds a 64-bit Mersenne Twister (std::mt19937_64) with output r + 1 of a SplitMix64 started at
`seed`, and each of its n draws maps a 64-bit output x to the row (x * n) >> 64. The interval is
the linear-interpolation percentile interval (numpy.quantile's default) of the resampled
differences; resamples where either metric is undefined are skipped (more than a tenth skipped:
no comparison). With the same scores, labels and settings, the decision, the delta and the
interval equal the reference worker's (to floating-point rounding for logloss).

Scores and labels are taken as 32-bit floats, the precision the reference worker uses; labels
above 0.5 are positive; accuracy and f1 threshold the scores at 0.5 (score > 0.5 is positive).
Needs numpy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Union

from .settings import GATE_METRICS, GateSettings

try:  # the gate needs numpy; the rest of the package does not
    import numpy as np
except ImportError:  # pragma: no cover - exercised only without numpy
    np = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import numpy.typing as npt

    Floats = Union[Sequence[float], npt.ArrayLike]

_M64 = (1 << 64) - 1
_LOGLOSS_EPS = 1e-15


def _need_numpy() -> None:
    if np is None:
        raise ImportError("The champion gate needs numpy: pip install 'retrain-worker[gate]'.")


def higher_is_better(metric: str) -> bool:
    return metric != "logloss"


# ---- the bootstrap's random rows ------------------------------------------------------------

def _stream_seed(seed: int, resample: int) -> int:
    z = (seed + 0x9E3779B97F4A7C15 * (resample + 1)) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


class _MT64:
    """std::mt19937_64 for many streams at once: state rows are independent generators."""

    N, M = 312, 156
    MATRIX_A = 0xB5026F5AA96619E9
    UPPER = 0xFFFFFFFF80000000
    LOWER = 0x000000007FFFFFFF

    def __init__(self, seeds: Sequence[int]):
        u = np.uint64
        k = len(seeds)
        mt = np.empty((k, self.N), dtype=np.uint64)
        mt[:, 0] = np.array(seeds, dtype=np.uint64)
        f = u(6364136223846793005)
        with np.errstate(over="ignore"):
            for i in range(1, self.N):
                prev = mt[:, i - 1]
                mt[:, i] = f * (prev ^ (prev >> u(62))) + u(i)
        self.mt = mt
        self.index = self.N

    def _twist(self) -> None:
        u = np.uint64
        mt = self.mt
        upper, lower, a = u(self.UPPER), u(self.LOWER), u(self.MATRIX_A)

        def mix(cur: "np.ndarray[Any, Any]", nxt: "np.ndarray[Any, Any]", far: "np.ndarray[Any, Any]") -> "np.ndarray[Any, Any]":
            x = (cur & upper) | (nxt & lower)
            xa = x >> u(1)
            xa ^= np.where((x & u(1)) != 0, a, u(0))
            mixed: "np.ndarray[Any, Any]" = far ^ xa
            return mixed

        n, m = self.N, self.M
        # i in [0, n - m): mt[i + m] is still the old value.
        mt[:, : n - m] = mix(mt[:, : n - m], mt[:, 1 : n - m + 1], mt[:, m:n])
        # i in [n - m, n - 1): mt[i + m - n] is already the new value.
        mt[:, n - m : n - 1] = mix(mt[:, n - m : n - 1], mt[:, n - m + 1 : n], mt[:, 0 : m - 1])
        mt[:, n - 1] = mix(mt[:, n - 1], mt[:, 0], mt[:, m - 1])
        self.index = 0

    def next(self, count: int) -> "np.ndarray[Any, Any]":
        """The next `count` outputs of every stream, shape (streams, count)."""
        u = np.uint64
        out = np.empty((self.mt.shape[0], count), dtype=np.uint64)
        done = 0
        while done < count:
            if self.index >= self.N:
                self._twist()
            take = min(count - done, self.N - self.index)
            y = self.mt[:, self.index : self.index + take].copy()
            y ^= (y >> u(29)) & u(0x5555555555555555)
            y ^= (y << u(17)) & u(0x71D67FFFEDA60000)
            y ^= (y << u(37)) & u(0xFFF7EEE000000000)
            y ^= y >> u(43)
            out[:, done : done + take] = y
            done += take
            self.index += take
        return out


def _rows(draws: "np.ndarray[Any, Any]", n: int) -> "np.ndarray[Any, Any]":
    """(x * n) >> 64 for 64-bit x and n < 2^32, in 64-bit pieces."""
    u = np.uint64
    nn = u(n)
    hi = draws >> u(32)
    lo = draws & u(0xFFFFFFFF)
    with np.errstate(over="ignore"):
        return (hi * nn + ((lo * nn) >> u(32))) >> u(32)


def bootstrap_indices(seed: int, n: int, resample: int) -> "np.ndarray[Any, Any]":
    """The rows (each in [0, n)) of bootstrap resample `resample` of a holdout of n rows, in
    draw order: the same ones the reference worker's gate uses."""
    _need_numpy()
    if n <= 0 or n > 0xFFFFFFFF or resample < 0:
        return np.empty(0, dtype=np.uint32)
    gen = _MT64([_stream_seed(seed & _M64, resample)])
    return _rows(gen.next(n)[0], n).astype(np.uint32)


# ---- metrics ---------------------------------------------------------------------------------

def _as_f32(values: "Floats") -> "np.ndarray[Any, Any]":
    return np.asarray(values, dtype=np.float32).reshape(-1)


def compute_metric(metric: str, scores: "Floats", labels: "Floats") -> Optional[float]:
    """The metric on the whole holdout; None when it is undefined (AUC with a class absent or a
    NaN score, F1 with neither positive labels nor positive predictions, no rows)."""
    _need_numpy()
    p = _as_f32(scores)
    y = _as_f32(labels) > np.float32(0.5)
    n = p.size
    if n != y.size or n == 0:
        return None
    if metric == "auc":
        if np.isnan(p).any():
            return None
        order = np.argsort(p, kind="stable")
        sp = p[order]
        starts = np.flatnonzero(np.r_[True, sp[1:] != sp[:-1]])
        ends = np.r_[starts[1:], n]
        avg = (starts.astype(np.float64) + 1 + ends.astype(np.float64)) / 2.0
        ranks = np.repeat(avg, ends - starts)
        pos_sorted = y[order]
        positives = float(pos_sorted.sum())
        negatives = float(n) - positives
        if positives == 0 or negatives == 0:
            return None
        rank_sum = float(np.cumsum(ranks[pos_sorted])[-1])
        return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)
    d = p.astype(np.float64)
    if metric == "logloss":
        c = np.clip(d, _LOGLOSS_EPS, 1 - _LOGLOSS_EPS)
        loss = np.where(y, -np.log(c), -np.log(1.0 - c))
        return float(np.cumsum(loss)[-1]) / n
    predicted = d > 0.5
    if metric == "accuracy":
        return float(np.count_nonzero(predicted == y)) / n
    if metric == "f1":
        tp = int(np.count_nonzero(predicted & y))
        mistakes = int(np.count_nonzero(predicted != y))
        return None if 2 * tp + mistakes == 0 else (2 * tp) / (2 * tp + mistakes)
    raise ValueError(f'Unknown gate metric "{metric}"; expected one of auc, logloss, accuracy, f1.')


class _Evaluator:
    """One model's scores prepared so that the metric of many resamples (rows of per-row
    multiplicities) takes one pass."""

    def __init__(self, metric: str, p: "np.ndarray[Any, Any]", y: "np.ndarray[Any, Any]"):
        self.metric = metric
        if metric == "auc":
            self.order = np.argsort(p, kind="stable")
            sp = p[self.order]
            self.starts = np.flatnonzero(np.r_[True, sp[1:] != sp[:-1]])
            self.pos_sorted = y[self.order].astype(np.float64)
        elif metric == "logloss":
            c = np.clip(p.astype(np.float64), _LOGLOSS_EPS, 1 - _LOGLOSS_EPS)
            self.loss = np.where(y, -np.log(c), -np.log(1.0 - c))
        else:
            predicted = p.astype(np.float64) > 0.5
            self.tp = (predicted & y).astype(np.float64)
            self.tn = (~predicted & ~y).astype(np.float64)
            self.mistakes = (predicted != y).astype(np.float64)

    def evaluate(self, counts: "np.ndarray[Any, Any]") -> "np.ndarray[Any, Any]":
        """Metric per row of `counts` (shape (k, n)); NaN where undefined."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.metric == "auc":
                w = counts[:, self.order]
                gp = np.add.reduceat(w * self.pos_sorted, self.starts, axis=1)
                gt = np.add.reduceat(w, self.starts, axis=1)
                gn = gt - gp
                below = np.cumsum(gn, axis=1) - gn
                u = (gp * (below + 0.5 * gn)).sum(axis=1)
                pos = gp.sum(axis=1)
                neg = gn.sum(axis=1)
                return np.where((pos > 0) & (neg > 0), u / (pos * neg), np.nan)
            if self.metric == "logloss":
                total = counts.sum(axis=1)
                return np.where(total > 0, (counts @ self.loss) / total, np.nan)
            tp = counts @ self.tp
            mistakes = counts @ self.mistakes
            if self.metric == "accuracy":
                total = tp + mistakes + counts @ self.tn
                return np.where(total > 0, (tp + counts @ self.tn) / total, np.nan)
            den = 2 * tp + mistakes
            return np.where(den > 0, 2 * tp / den, np.nan)


def _linear_quantile(sorted_values: "np.ndarray[Any, Any]", q: float) -> float:
    m = sorted_values.size
    h = q * (m - 1)
    i = int(math.floor(h))
    nxt = min(i + 1, m - 1)
    t = h - i
    a, b = float(sorted_values[i]), float(sorted_values[nxt])
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


@dataclass
class Comparison:
    """Champion and challenger on the same holdout (positive delta = challenger better)."""

    champion: float
    challenger: float
    delta: float
    ci_low: float
    ci_high: float
    resamples_used: int


class NoComparison(Exception):
    """The two models cannot be compared on this holdout (the reason is the message)."""


def compare_paired(gate: GateSettings, champion_scores: "Floats", challenger_scores: "Floats",
                   labels: "Floats") -> Comparison:
    """The paired bootstrap of the oriented difference. Raises ValueError for bad settings and
    NoComparison when the holdout does not allow a comparison."""
    _need_numpy()
    if gate.metric not in GATE_METRICS:
        raise ValueError(f'Unknown gate metric "{gate.metric}"; expected one of auc, logloss, accuracy, f1.')
    if not 0 < gate.confidence < 1:
        raise ValueError(f"The gate's confidence must lie strictly between 0 and 1, not {gate.confidence:g}.")
    if gate.resamples < 1:
        raise ValueError("The gate needs at least one bootstrap resample.")
    a, b, y = _as_f32(champion_scores), _as_f32(challenger_scores), _as_f32(labels)
    n = y.size
    if a.size != n or b.size != n:
        raise NoComparison(f"The champion has {a.size} predictions and the challenger {b.size} "
                           f"for a holdout of {n} labels.")
    if n == 0:
        raise NoComparison("The holdout has no rows to compare on.")
    if n > 0xFFFFFFFF:
        raise NoComparison(f"The holdout has {n} rows, more than the gate supports.")
    if np.isnan(a).any() or np.isnan(b).any():
        raise NoComparison("A model predicted NaN on the holdout.")
    champion = compute_metric(gate.metric, a, y)
    challenger = compute_metric(gate.metric, b, y)
    if champion is None or challenger is None:
        raise NoComparison(f"The holdout's {gate.metric} is undefined (for auc the holdout lacks a class; "
                           "for f1 it has neither positive labels nor positive predictions).")
    positive = y > np.float32(0.5)
    ea, eb = _Evaluator(gate.metric, a, positive), _Evaluator(gate.metric, b, positive)
    sign = 1.0 if higher_is_better(gate.metric) else -1.0
    deltas = []
    chunk = max(1, min(gate.resamples, 4_000_000 // max(n, 1)))
    seed = gate.seed & _M64
    for start in range(0, gate.resamples, chunk):
        rs = range(start, min(start + chunk, gate.resamples))
        gen = _MT64([_stream_seed(seed, r) for r in rs])
        rows = _rows(gen.next(n), n).astype(np.int64)
        k = len(rs)
        flat = rows + (np.arange(k, dtype=np.int64) * n)[:, None]
        counts = np.bincount(flat.reshape(-1), minlength=k * n).reshape(k, n).astype(np.float64)
        va, vb = ea.evaluate(counts), eb.evaluate(counts)
        ok = ~np.isnan(va) & ~np.isnan(vb)
        deltas.append((vb[ok] - va[ok]) * sign)
    d = np.sort(np.concatenate(deltas)) if deltas else np.empty(0)
    skipped = gate.resamples - d.size
    if d.size == 0 or skipped * 10 > gate.resamples:
        raise NoComparison(f"The {gate.metric} was undefined on {skipped} of {gate.resamples} bootstrap resamples "
                           "of the holdout (more than a tenth), so the holdout is too unbalanced for an interval.")
    tail = (1 - gate.confidence) / 2
    delta = challenger - champion if higher_is_better(gate.metric) else champion - challenger
    return Comparison(champion, challenger, delta, _linear_quantile(d, tail), _linear_quantile(d, 1 - tail),
                      int(d.size))


# ---- the decision ----------------------------------------------------------------------------

def _values(metric: str, c: Comparison) -> str:
    return f"{metric} champion {c.champion:.4f}, challenger {c.challenger:.4f}"


def _evidence(gate: GateSettings, c: Comparison) -> str:
    return (_values(gate.metric, c) + f" (delta {c.delta:+.4f}, " + "%g" % (gate.confidence * 100)
            + f"% CI [{c.ci_low:+.4f}, {c.ci_high:+.4f}])")


@dataclass
class Verdict:
    promote: bool
    reason: str
    comparison: Optional[Comparison] = None


def decide_promotion(gate: GateSettings, comparison: Optional[Comparison], holdout_size: int,
                     has_champion: bool) -> Verdict:
    """The promotion rule, in this order: no champion -> promote; a holdout under min_holdout ->
    keep; no comparison -> keep; else promote iff delta >= min_delta and ci_low > 0."""
    if not has_champion:
        return Verdict(True, "Promoted: the first version becomes champion, as there is none to compare with.",
                       comparison)
    if holdout_size < gate.min_holdout:
        extra = f" ({_values(gate.metric, comparison)})" if comparison else ""
        return Verdict(False, f"Kept the champion: the holdout has {holdout_size} rows, fewer than "
                              f"evaluation.minHoldout ({gate.min_holdout}), too little evidence to promote on{extra}.",
                       comparison)
    if comparison is None:
        return Verdict(False, "Kept the champion: there is no comparison of the challenger with it on the holdout.")
    c = comparison
    enough = c.delta >= gate.min_delta
    above_zero = c.ci_low > 0
    promote = enough and above_zero
    if promote:
        why = f"the delta reaches promotion.minDelta ({gate.min_delta:.4f}) and the interval lies above 0"
    else:
        parts = []
        if not enough:
            parts.append(f"the delta is below promotion.minDelta ({gate.min_delta:.4f})")
        if not above_zero:
            parts.append("the interval lies below 0" if c.ci_high < 0 else "the interval includes 0")
        why = " and ".join(parts)
    return Verdict(promote, ("Promoted" if promote else "Kept the champion") + ": " + _evidence(gate, c)
                   + " \u2014 " + why + ".", c)


@dataclass
class GateDecision:
    """What `Job.publish` decided, with the metrics the reference worker reports for it."""

    promote: bool
    reason: str
    metric: str
    champion_version: Optional[str] = None
    champion_value: Optional[float] = None
    comparison: Optional[Comparison] = None
    version: Optional[str] = None  # the registered version, when one was registered
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason, prefixed with the registration as the reference worker says it."""
        return self.reason

    def metrics(self) -> Dict[str, float]:
        """promoted, model_version, champion_<m>, <m>_delta, <m>_delta_ci_low, <m>_delta_ci_high."""
        m = self.metric
        out: Dict[str, float] = {"promoted": 1.0 if self.promote else 0.0}
        if self.version is not None:
            try:
                out["model_version"] = float(self.version)
            except ValueError:
                pass
        if self.champion_value is not None:
            out["champion_" + m] = self.champion_value
        if self.comparison is not None:
            out[m + "_delta"] = self.comparison.delta
            out[m + "_delta_ci_low"] = self.comparison.ci_low
            out[m + "_delta_ci_high"] = self.comparison.ci_high
        return out


def decide_champion(gate: GateSettings, labels: "Floats", challenger_scores: "Floats",
                    champion_scores: "Optional[Floats]" = None, *, has_champion: bool,
                    champion_version: Optional[str] = None, champion_unusable: Optional[str] = None) -> GateDecision:
    """The reference worker's decision (champion_gate.cc DecideChampion), given the champion's
    scores on the same holdout.

    `has_champion` False: the first version becomes champion. `champion_unusable` (e.g. "was
    trained on a different feature set", "cannot be read by this worker") promotes, naming why.
    Otherwise `champion_scores` are compared with `challenger_scores` by the paired bootstrap and
    `decide_promotion` decides."""
    _need_numpy()
    holdout = int(_as_f32(labels).size)
    if not has_champion:
        note = ""
        if holdout < gate.min_holdout:
            note = (f" (its holdout of {holdout} records is below evaluation.minHoldout "
                    f"{gate.min_holdout}, which would keep a champion)")
        return GateDecision(True, f"Promoted to champion because the model had no champion yet{note}.", gate.metric)
    if champion_unusable is not None or champion_scores is None:
        why = champion_unusable or "cannot be read by this worker"
        return GateDecision(True, f"Promoted to champion because the current champion (version "
                                  f"{champion_version}) {why}.", gate.metric, champion_version=champion_version)
    champion_value = compute_metric(gate.metric, champion_scores, labels)
    comparison: Optional[Comparison]
    try:
        comparison = compare_paired(gate, champion_scores, challenger_scores, labels)
    except NoComparison:
        comparison = None
    v = decide_promotion(gate, comparison, holdout, True)
    reason = v.reason
    if comparison is None and holdout >= gate.min_holdout:
        reason = (f"Kept the champion (version {champion_version}): the {gate.metric} of the two models "
                  f"cannot be compared on this holdout of {holdout} records.")
    return GateDecision(v.promote, reason, gate.metric, champion_version=champion_version,
                        champion_value=champion_value, comparison=v.comparison)
