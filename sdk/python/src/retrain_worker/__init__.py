"""retrain-worker: write a training worker of your own for retrain.

    from retrain_worker import Job

    with Job.from_env() as job:                 # reads and checks the worker environment
        for record in job.records():            # the job's training range, in feed order
            ...
        job.progress(0.5, "trained")
        job.complete(metrics={"auc": 0.91})     # or job.fail("why"); an exception fails the job

See the package README for the contract, the champion gate (`job.publish`) and MLflow.
"""
from .events import DeliveryFailed, EventClient, JobEnded, ReportError, TokenRefused
from .feed import Feed, FeedError, Record, open_feed
from .feature_summary import summarize_features
from .gate import GateDecision
from .job import Job, ReadStats, RecordCountMismatch
from .settings import ConfigError, GateSettings, Settings

__all__ = [
    "ConfigError", "DeliveryFailed", "EventClient", "Feed", "FeedError", "GateDecision", "GateSettings", "Job",
    "JobEnded", "ReadStats", "Record", "RecordCountMismatch", "ReportError", "Settings", "TokenRefused",
    "open_feed", "summarize_features",
]
__version__ = "0.1.0"
