"""A retrain worker of your own: logistic regression with scikit-learn, through retrain-worker."""
import os
import pickle
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from retrain_worker import Job


def matrix(rows, names):
    return np.array([[f.get(n, 0.0) for n in names] for f in rows], dtype=np.float32)


def load_champion(uri, names, holdout):
    """The champion's scores on our holdout, or None when it cannot judge it (another format)."""
    import mlflow

    path = mlflow.artifacts.download_artifacts(uri)
    try:
        with open(os.path.join(path, "model.pkl"), "rb") as f:
            champion_names, model = pickle.load(f)
    except (OSError, pickle.UnpicklingError, ValueError):
        return None
    return None if champion_names != names else model.predict_proba(matrix(holdout, names))[:, 1]


with Job.from_env() as job:
    job.progress(0.0, f"Training {job.model_id} on the records of job {job.id}.")
    rows = [(r.features(), r.label) for r in job.records() if r.label is not None]
    train, holdout = job.split(rows)
    names = sorted({name for features, _ in rows for name in features})
    x_train, y_train = matrix([f for f, _ in train], names), np.array([y for _, y in train])
    x_hold, y_hold = matrix([f for f, _ in holdout], names), np.array([y for _, y in holdout])
    job.progress(0.3, f"Read {job.stats.records} records: {len(train)} to train on, {len(holdout)} held out.")

    model = LogisticRegression(C=job.param("c", 1.0, float), max_iter=job.param("max_iter", 500, int))
    model.fit(x_train, y_train)
    scores = model.predict_proba(x_hold)[:, 1]
    metrics = {"auc": roc_auc_score(y_hold, scores), "logloss": log_loss(y_hold, scores, labels=[0, 1]),
               "accuracy": accuracy_score(y_hold, scores > 0.5), "records": job.stats.records,
               "holdout_records": len(holdout)}
    job.metrics(metrics, f"Holdout AUC {metrics['auc']:.4f}.")

    model_dir = tempfile.mkdtemp()
    with open(os.path.join(model_dir, "model.pkl"), "wb") as f:
        pickle.dump((names, model), f)
    decision = job.publish(labels=y_hold, scores=scores, model_dir=model_dir,
                           score_champion=lambda uri: load_champion(uri, names, [f for f, _ in holdout]),
                           feature_summary=job.feature_summary([f for f, _ in rows]))
    job.complete(metrics={**metrics, **decision.metrics()},
                 message=f"Trained on {job.stats.records} records with holdout AUC {metrics['auc']:.4f}. "
                         + decision.reason)
