"""`Job`: one attempt of one retraining job, as a worker sees it."""
from __future__ import annotations

import json
import math
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, TypeVar

from . import feature_summary as _fs
from .events import DeliveryFailed, EventClient, JobEnded
from .feed import Feed, Record, open_feed
from .gate import GateDecision, decide_champion
from .settings import Settings, parse_rfc3339_ms

if TYPE_CHECKING:
    from .gate import Floats

T = TypeVar("T")
ScoresFn = Callable[[str], "Optional[Floats]"]


class RecordCountMismatch(RuntimeError):
    """The window read holds a different number of records than the orchestrator counted."""


@dataclass
class ReadStats:
    """What the last full pass of `Job.records()` read."""

    records: int = 0          # records yielded (the training range)
    window_records: int = 0   # of those, from the trigger window itself
    first_landed_ms: Optional[int] = None
    last_landed_ms: Optional[int] = None


def _clean_metrics(metrics: Mapping[str, Any]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool):
            value = 1.0 if value else 0.0
        if not isinstance(value, (int, float)):
            raise TypeError(f"Metric {name!r} is {value!r}, not a number.")
        if not math.isfinite(value):
            raise ValueError(f"Metric {name!r} is {value}, not a finite number.")
        out[str(name)] = float(value)
    return out


class Job:
    """One attempt of a retraining job: its settings (`settings`), its records (`records()`),
    and its reports (`progress`, `metrics`, `complete`, `fail`).

    As a context manager, a body that raises reports `failed` with the exception's message
    (unless the job was already reported ended; `sys.exit(0)` is no failure) and the
    exception propagates::

        with Job.from_env() as job:
            rows = list(job.records())
            ...
            job.complete(metrics={"auc": 0.91})
    """

    def __init__(self, settings: Settings, client: Optional[EventClient] = None, feed: Optional[Feed] = None,
                 log: Any = None):
        self.settings = settings
        self.client = client or EventClient(settings.callback_url, settings.callback_token, settings.ca_file)
        self._feed = feed
        self.log = log if log is not None else sys.stderr
        self.ended = False  # a terminal event was delivered, or the orchestrator said the job ended
        self.stats = ReadStats()

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **client_options: Any) -> "Job":
        """The job of the worker environment (os.environ unless `environ` is given). Raises
        ConfigError naming a missing or malformed variable. `client_options` go to EventClient
        (retry_budget, initial_backoff, max_backoff, timeout in seconds)."""
        s = Settings.from_env(environ)
        return cls(s, EventClient(s.callback_url, s.callback_token, s.ca_file, **client_options))

    # ---- who we are -----------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.settings.job_id

    @property
    def model_id(self) -> str:
        return self.settings.model_id

    @property
    def attempt(self) -> int:
        return self.settings.attempt

    @property
    def params(self) -> Dict[str, str]:
        """TRAINER_<PARAM> variables, keys lower-cased (a model's `params:`)."""
        return dict(self.settings.params)

    def param(self, name: str, default: T, cast: Callable[[str], T] = str) -> T:  # type: ignore[assignment]
        """A trainer parameter converted by `cast`, or `default` when it is not set."""
        text = self.settings.params.get(name.lower())
        if text is None or text == "":
            return default
        try:
            return cast(text)
        except ValueError:
            raise ValueError(f'Trainer parameter {name}="{text}" is invalid for {getattr(cast, "__name__", cast)}.') from None

    # ---- reading ---------------------------------------------------------------------------

    @property
    def feed(self) -> Feed:
        if self._feed is None:
            self._feed = open_feed(self.settings.feed_uri, self.settings.neo4j_user, self.settings.neo4j_password)
        return self._feed

    def window(self) -> Iterator[Record]:
        """The trigger window's records, (RETRAINING_WINDOW_AFTER, RETRAINING_WINDOW_UPTO] of the
        model's entity types, in feed order. When the window is read to its end, its size is
        checked against RETRAINING_RECORD_COUNT (RecordCountMismatch)."""
        s = self.settings
        n = 0
        for r in self.feed.scan(s.entity_types, s.window_after, s.window_upto):
            n += 1
            yield r
        if s.expected_records is not None and n != s.expected_records:
            raise RecordCountMismatch(f"The feed window holds {n} records but the orchestrator counted "
                                      f"{s.expected_records} (RETRAINING_RECORD_COUNT).")

    def _history(self) -> Iterator[Record]:
        """The training range before the window (cumulative, lookback), in feed order."""
        s = self.settings
        if s.training_policy == "window" or not s.window_after:
            return
        since: Optional[int] = None
        if s.training_lookback_ms is not None:
            end = parse_rfc3339_ms(s.data_window_end)
            if end is None:
                raise ValueError(f'A lookback training range needs DATA_WINDOW_END, which is "{s.data_window_end}".')
            since = end - s.training_lookback_ms
        for r in self.feed.scan(s.entity_types, "", s.window_after):
            if since is None or r.landed_at_ms >= since:
                yield r

    def records(self) -> Iterator[Record]:
        """The records to train on, in feed order: the model's training range, which ends at the
        window's end. `window` (the default policy): the trigger window. `cumulative`: every
        record from the feed's start. `lookback`: records that landed at most
        RETRAINING_TRAINING_LOOKBACK_MS before DATA_WINDOW_END, and the whole window. With
        RETRAINING_TRAINING_MAX_RECORDS only the newest that many (counted over records, read
        in two passes so nothing is held in memory). A generator; `stats` says what was read."""
        s = self.settings
        skip = 0
        if s.training_max_records is not None and s.training_policy != "window":
            total = sum(1 for _ in self._history())
            total += sum(1 for _ in self.feed.scan(s.entity_types, s.window_after, s.window_upto))
            skip = max(0, total - s.training_max_records)
        elif s.training_max_records is not None:
            total = sum(1 for _ in self.feed.scan(s.entity_types, s.window_after, s.window_upto))
            skip = max(0, total - s.training_max_records)
        stats = ReadStats()
        self.stats = stats

        def take(r: Record) -> bool:
            nonlocal skip
            if skip > 0:
                skip -= 1
                return False
            stats.records += 1
            if stats.first_landed_ms is None:
                stats.first_landed_ms = r.landed_at_ms
            stats.last_landed_ms = r.landed_at_ms
            return True

        for r in self._history():
            if take(r):
                yield r
        for r in self.window():
            stats.window_records += 1
            if take(r):
                yield r

    def split(self, rows: Sequence[T], holdout_fraction: Optional[float] = None) -> Tuple[List[T], List[T]]:
        """(train, holdout): the newest round(fraction x n) rows are the holdout, as the
        reference worker judges a model on the freshest data. The fraction defaults to
        RETRAINING_HOLDOUT_FRACTION (a model's `evaluation.holdoutFraction`)."""
        f = self.settings.holdout_fraction if holdout_fraction is None else holdout_fraction
        f = min(max(f, 0.0), 1.0)
        k = int(math.floor(f * len(rows) + 0.5))
        cut = len(rows) - k
        return list(rows[:cut]), list(rows[cut:])

    def training_params(self) -> Dict[str, str]:
        """The run params the reference worker logs about its training range, from `stats`."""
        from datetime import datetime, timezone

        def iso(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

        s, st = self.settings, self.stats
        p = {"training_policy": s.training_policy, "training_records": str(st.records)}
        if st.first_landed_ms is not None and st.last_landed_ms is not None:
            p["training_window_start"] = iso(st.first_landed_ms)
            p["training_window_end"] = iso(st.last_landed_ms)
        if s.training_max_records is not None:
            p["training_max_records"] = str(s.training_max_records)
        return p

    # ---- reporting -------------------------------------------------------------------------

    def _say(self, line: str) -> None:
        if self.log:
            print(line, file=self.log, flush=True)

    def _post(self, body: Dict[str, Any], final: bool) -> Optional[Dict[str, Any]]:
        try:
            answer = self.client.post(body)
        except JobEnded:
            self.ended = True
            raise
        except DeliveryFailed as e:
            if final:
                raise
            # A progress report that cannot be delivered is not fatal: the final one matters.
            self._say(f"Could not deliver a progress event: {e}")
            return None
        if final:
            self.ended = True
        return answer

    def progress(self, progress: float, message: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Reports `running` with progress in [0, 1] and an optional message. Returns the job as
        the orchestrator answered. Raises JobEnded when the job already ended (stop working),
        TokenRefused when the callback token is refused."""
        if not 0.0 <= progress <= 1.0:
            raise ValueError(f"progress must lie in [0, 1], not {progress}.")
        body: Dict[str, Any] = {"status": "running", "progress": float(progress)}
        if message:
            body["message"] = message
            self._say(message)
        return self._post(body, final=False)

    def metrics(self, metrics: Mapping[str, Any], message: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Reports metrics while running (they go to the job and its MLflow run)."""
        body: Dict[str, Any] = {"status": "running", "metrics": _clean_metrics(metrics)}
        if message:
            body["message"] = message
        return self._post(body, final=False)

    def complete(self, metrics: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Reports `completed` (progress 1) with final metrics and a message."""
        body: Dict[str, Any] = {"status": "completed", "progress": 1.0}
        if metrics:
            body["metrics"] = _clean_metrics(metrics)
        if message:
            body["message"] = message
            self._say(message)
        return self._post(body, final=True)

    def fail(self, error: str) -> Optional[Dict[str, Any]]:
        """Reports `failed` with a one-sentence reason. The orchestrator retries the job in a
        new attempt until the model's maxAttempts."""
        self._say(error)
        return self._post({"status": "failed", "error": error or "The worker failed."}, final=True)

    def __enter__(self) -> "Job":
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> Literal[False]:
        try:
            failed = exc is not None and not self.ended and not isinstance(exc, JobEnded)
            if isinstance(exc, SystemExit):
                # sys.exit(0) inside the block is a normal end; another status is a failure.
                failed = failed and exc.code not in (None, 0)
            if failed:
                message = str(exc).strip() or exc_type.__name__
                if isinstance(exc, KeyboardInterrupt):
                    message = "The worker was interrupted."
                elif isinstance(exc, SystemExit):
                    message = f"The worker exited with status {exc.code}."
                try:
                    self.fail(message)
                except Exception as report_error:  # the original exception matters more
                    self._say(f"Could not report the failure: {report_error}")
        finally:
            if self._feed is not None:
                self._feed.close()
                self._feed = None
        return False

    # ---- MLflow ----------------------------------------------------------------------------

    def _mlflow_env(self) -> None:
        uri = self.settings.tracking_uri
        if uri and "://" not in uri or uri.startswith("file:"):
            # The orchestrator's default tracking is MLflow's file store (MLflow 3 asks for this).
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

    @contextmanager
    def mlflow_run(self) -> Iterator[Any]:
        """The job's MLflow run, resumed: `mlflow.start_run(run_id=MLFLOW_RUN_ID)`. The run
        stays open for the orchestrator, which ends it when the job ends."""
        try:
            import mlflow
        except ImportError:
            raise ImportError("job.mlflow_run() needs mlflow: pip install 'retrain-worker[mlflow]'.") from None
        if not self.settings.run_id:
            raise ValueError("The worker needs MLFLOW_RUN_ID to use the job's MLflow run, which is not set.")
        self._mlflow_env()
        if self.settings.tracking_uri:
            mlflow.set_tracking_uri(self.settings.tracking_uri)
        client = mlflow.tracking.MlflowClient()
        before = client.get_run(self.settings.run_id).info.status
        run = mlflow.start_run(run_id=self.settings.run_id)  # marks the run RUNNING
        try:
            yield run
        finally:
            # The run's status is the orchestrator's (it ends the run when the job ends): leave
            # it as the orchestrator set it, before or meanwhile.
            now = client.get_run(self.settings.run_id).info.status
            mlflow.end_run(status=before if now == "RUNNING" else now)

    # ---- feature summary and the champion gate ---------------------------------------------

    @staticmethod
    def feature_summary(rows: Sequence[Mapping[str, float]]) -> Dict[str, Any]:
        """The drift trigger's summary of the training rows (feature -> number mappings, e.g.
        `record.features()` of every record trained and judged on)."""
        return _fs.summarize_features(rows)

    def publish(self, *, labels: "Floats", scores: "Floats",
                score_champion: Optional[ScoresFn] = None,
                champion_scores: "Optional[Floats]" = None,
                model_dir: Optional[str] = None,
                log_model: Optional[Callable[[str], None]] = None,
                feature_summary: Optional[Mapping[str, Any]] = None) -> GateDecision:
        """The champion gate of the reference worker, then registration.

        `labels` and `scores` are the holdout's labels and the new model's probabilities.
        With mlflow installed and MLFLOW_RUN_ID set: logs the model (`log_model(run_id)`, or the
        files of `model_dir` under artifact path `model`) and `feature_summary` as
        `model/feature_summary.json`; ensures registered model <modelId>; reads its `champion`
        alias; scores the champion on the same holdout with `score_champion(model_uri)` (return
        None when it cannot be used, e.g. another feature set: the new version is then promoted,
        as the reference worker does); decides; registers a version from `<run artifacts>/model`
        and moves `champion` to it when promoted.

        Without mlflow (or without a run) nothing is logged or registered: the decision is made
        against `champion_scores` when given, else nothing is promoted (as the reference worker
        without a registry).
        Returns the decision; `decision.metrics()` are the metrics to report with `complete`."""
        from . import gate as _gate  # noqa: F401  (numpy needed from here on)

        g = self.settings.gate
        try:
            import mlflow  # noqa: F401
            have_mlflow = True
        except ImportError:
            have_mlflow = False
        if not have_mlflow or not self.settings.run_id:
            if champion_scores is not None:
                return decide_champion(g, labels, scores, champion_scores, has_champion=True)
            why = "mlflow is not installed" if not have_mlflow else "MLFLOW_RUN_ID is not set"
            return GateDecision(False, f"No model registry is available ({why}), so the model was neither "
                                       "logged nor registered.", g.metric)

        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient

        self._mlflow_env()
        client = MlflowClient(tracking_uri=self.settings.tracking_uri or None)
        run_id = self.settings.run_id
        if log_model is not None:
            log_model(run_id)
        elif model_dir is not None:
            client.log_artifacts(run_id, model_dir, "model")
        if feature_summary is not None:
            client.log_text(run_id, json.dumps(feature_summary, separators=(",", ":")), _fs.ARTIFACT_PATH)
        name = self.settings.model_id
        try:
            client.get_registered_model(name)
        except MlflowException:
            try:
                client.create_registered_model(name)
            except MlflowException:
                client.get_registered_model(name)  # created meanwhile by another worker
        champion = None
        try:
            champion = client.get_model_version_by_alias(name, "champion")
        except MlflowException:
            champion = None
        if champion is None:
            decision = decide_champion(g, labels, scores, None, has_champion=False)
        else:
            uri = f"models:/{name}@champion"
            theirs = score_champion(uri) if score_champion is not None else None
            decision = decide_champion(
                g, labels, scores, theirs, has_champion=True, champion_version=str(champion.version),
                champion_unusable=None if theirs is not None else
                ("cannot be scored by this worker" if score_champion is None else "cannot be used on this holdout"))
        artifact_uri = client.get_run(run_id).info.artifact_uri
        source = f"{artifact_uri}/model" if artifact_uri else f"runs:/{run_id}/model"
        version = client.create_model_version(name, source, run_id)
        decision.version = str(version.version)
        if decision.promote:
            client.set_registered_model_alias(name, "champion", decision.version)
        decision.reason = f"Registered {name} version {decision.version}. {decision.reason}"
        return decision
