"""The worker environment: what `retrain serve` gives every worker, a local process or a
Kubernetes Job's container alike (the README's "The worker contract").

`Settings.from_env` reads and validates it with the same rules as the reference worker
(`retrain worker`): a missing required variable or a malformed value raises `ConfigError`
naming the variable, the value and what was expected.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, List, Mapping, Optional

GATE_METRICS = ("auc", "logloss", "accuracy", "f1")
TRAINING_POLICIES = ("window", "cumulative", "lookback")
_INT64_MAX = 2**63 - 1


class ConfigError(ValueError):
    """The worker environment is missing a variable or holds a malformed value."""


def _get(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "") or ""


def _number(env: Mapping[str, str], name: str, ok: Callable[[float], bool], expected: str,
            default: float) -> float:
    text = _get(env, name).strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not ok(value):
        raise ConfigError(f'{name}="{text}" is invalid: expected {expected}.')
    return value


def _required_integer(env: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    value = _integer(env, name, low, high, default)
    return default if value is None else value


def _integer(env: Mapping[str, str], name: str, low: int, high: int, default: Optional[int]) -> Optional[int]:
    text = _get(env, name).strip()
    if not text:
        return default
    try:
        value = int(text, 10)
    except ValueError:
        value = None
    if value is None or not text.lstrip("-").isdigit() or value < low or value > high:
        raise ConfigError(f'{name}="{text}" is invalid: expected a whole number from {low} to {high}.')
    return value


def split_list(text: str) -> List[str]:
    """"a, b,,c" -> ["a", "b", "c"] (trimmed, empty items dropped), as RETRAINING_ENTITY_TYPES."""
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_rfc3339_ms(text: str) -> Optional[int]:
    """Milliseconds since the epoch of an RFC 3339 / ISO 8601 date-time, or None."""
    t = text.strip()
    if not t:
        return None
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    # Python before 3.11 accepts at most 6 fraction digits.
    if "." in t:
        head, rest = t.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        t = head + "." + (digits + "000000")[:6] + rest
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1000))


@dataclass
class GateSettings:
    """The champion gate's settings: a model's `evaluation:` and `promotion:` blocks."""

    metric: str = "auc"
    min_delta: float = 0.0
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 1
    min_holdout: int = 500


@dataclass
class Settings:
    """Everything the worker environment says about one attempt of one job."""

    model_id: str
    job_id: str
    attempt: int
    window_after: str
    window_upto: str
    entity_types: List[str]
    expected_records: Optional[int]
    feed_uri: str
    callback_url: str
    callback_token: str
    ca_file: str
    run_id: str
    experiment_id: str
    tracking_uri: str
    data_window_start: str
    data_window_end: str
    reason: str
    trigger: str
    holdout_fraction: float
    gate: GateSettings
    training_policy: str
    training_lookback_ms: Optional[int]
    training_max_records: Optional[int]
    params: Dict[str, str] = field(default_factory=dict)
    neo4j_user: str = ""
    neo4j_password: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if environ is None else environ

        def required(name: str) -> str:
            value = _get(env, name).strip()
            if not value:
                raise ConfigError(f"The worker needs the environment variable {name}, which is not set.")
            return value

        model_id = required("MODEL_ID")
        job_id = required("RETRAINING_JOB_ID")
        window_upto = _get(env, "RETRAINING_WINDOW_UPTO")
        if not window_upto:
            raise ConfigError("The worker needs the environment variable RETRAINING_WINDOW_UPTO, which is not set.")
        feed_uri = required("RETRAINING_FEED_URI")
        # Without a callback URL events are written to standard output, one JSON object a line
        # (as the reference worker does), which helps when running a trainer by hand.
        callback_url = _get(env, "RETRAINING_CALLBACK_URL").strip()
        if callback_url and not (callback_url.startswith("http://") or callback_url.startswith("https://")):
            raise ConfigError(f'RETRAINING_CALLBACK_URL="{callback_url}" is invalid: expected an http:// or https:// URL.')
        attempt = _integer(env, "RETRAINING_ATTEMPT", 1, 1_000_000, 1)

        count_text = _get(env, "RETRAINING_RECORD_COUNT").strip()
        expected: Optional[int] = None
        if count_text:
            if not count_text.isdigit():
                raise ConfigError(f'RETRAINING_RECORD_COUNT must be a non-negative integer, got "{count_text}".')
            expected = int(count_text)

        params: Dict[str, str] = {}
        for name, value in env.items():
            if name.startswith("TRAINER_") and len(name) > len("TRAINER_"):
                params[name[len("TRAINER_"):].lower()] = value.strip()

        holdout = 0.2
        if "holdout_fraction" in params:
            text = params["holdout_fraction"]
            try:
                holdout = float(text)
            except ValueError:
                holdout = math.nan
            if not math.isfinite(holdout) or not 0 < holdout < 1:
                raise ConfigError(f'Trainer parameter holdout_fraction="{text}" is invalid: '
                                  "expected a number between 0 and 1, exclusive.")
        holdout = _number(env, "RETRAINING_HOLDOUT_FRACTION", lambda f: 0 < f < 1,
                          "a number between 0 and 1, exclusive", holdout)

        gate = GateSettings()
        metric = _get(env, "RETRAINING_PROMOTION_METRIC").strip()
        if metric:
            if metric not in GATE_METRICS:
                raise ConfigError(f'RETRAINING_PROMOTION_METRIC: Unknown gate metric "{metric}"; '
                                  "expected one of auc, logloss, accuracy, f1.")
            gate.metric = metric
        gate.min_delta = _number(env, "RETRAINING_PROMOTION_MIN_DELTA", lambda d: d >= 0,
                                 "a number of 0 or more", gate.min_delta)
        gate.confidence = _number(env, "RETRAINING_PROMOTION_CONFIDENCE", lambda c: 0 < c < 1,
                                  "a number between 0 and 1, exclusive", gate.confidence)
        gate.resamples = _required_integer(env, "RETRAINING_PROMOTION_RESAMPLES", 1000, 1_000_000, gate.resamples)
        gate.seed = _required_integer(env, "RETRAINING_PROMOTION_SEED", 0, _INT64_MAX, gate.seed)
        gate.min_holdout = _required_integer(env, "RETRAINING_MIN_HOLDOUT", 0, 1_000_000_000, gate.min_holdout)

        policy = _get(env, "RETRAINING_TRAINING_POLICY").strip() or "window"
        if policy not in TRAINING_POLICIES:
            raise ConfigError(f'RETRAINING_TRAINING_POLICY="{policy}" is invalid: '
                              "expected window, cumulative or lookback.")
        lookback = _integer(env, "RETRAINING_TRAINING_LOOKBACK_MS", 1, _INT64_MAX, None)
        max_records = _integer(env, "RETRAINING_TRAINING_MAX_RECORDS", 1, _INT64_MAX, None)
        data_window_end = _get(env, "DATA_WINDOW_END")
        if policy != "window" and lookback is not None and parse_rfc3339_ms(data_window_end) is None:
            raise ConfigError(f'A lookback training range needs DATA_WINDOW_END, which is "{data_window_end}".')

        return cls(
            model_id=model_id,
            job_id=job_id,
            attempt=int(attempt or 1),
            window_after=_get(env, "RETRAINING_WINDOW_AFTER"),
            window_upto=window_upto,
            entity_types=split_list(_get(env, "RETRAINING_ENTITY_TYPES")),
            expected_records=expected,
            feed_uri=feed_uri,
            callback_url=callback_url,
            callback_token=_get(env, "RETRAINING_CALLBACK_TOKEN"),
            ca_file=_get(env, "RETRAINING_CA_FILE"),
            run_id=_get(env, "MLFLOW_RUN_ID").strip(),
            experiment_id=_get(env, "MLFLOW_EXPERIMENT_ID").strip(),
            tracking_uri=_get(env, "MLFLOW_TRACKING_URI").strip(),
            data_window_start=_get(env, "DATA_WINDOW_START"),
            data_window_end=data_window_end,
            reason=_get(env, "RETRAINING_REASON"),
            trigger=_get(env, "RETRAINING_TRIGGER"),
            holdout_fraction=holdout,
            gate=gate,
            training_policy=policy,
            training_lookback_ms=lookback,
            training_max_records=max_records,
            params=params,
            neo4j_user=_get(env, "NEO4J_USER"),
            neo4j_password=_get(env, "NEO4J_PASSWORD"),
        )
