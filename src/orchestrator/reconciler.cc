#include "orchestrator/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/backoff.h"
#include "orchestrator/job_finish.h"
#include "orchestrator/job_metrics.h"

namespace retrain {

namespace {

// `e` with what the failed step was doing in front of its message.
Error During(std::string_view step, Error e) {
  e.message = std::string(step) + ": " + e.message;
  return e;
}

bool IsAuthFailure(ErrorCode code) {
  return code == ErrorCode::kUnauthenticated || code == ErrorCode::kPermissionDenied;
}

}  // namespace

Reconciler::Reconciler(ReconcilerOptions options, const std::vector<ModelSettings>& models,
                       JobStore& store, Executor& executor, Tracker* tracker, Champions& champions,
                       const CallbackTokens& tokens, const Clock& clock, MetricsRegistry& metrics)
    : options_(std::move(options)),
      models_(models),
      store_(store),
      executor_(executor),
      tracker_(tracker),
      champions_(champions),
      tokens_(tokens),
      clock_(clock),
      metrics_(metrics) {
  DeclareJobStatusCounter(metrics_);
  metrics_.DeclareHistogram(
      "retrain_trigger_lag_seconds",
      "Time from the last record of a window landing to its job being scheduled.",
      {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600});
  metrics_.DeclareGauge("retrain_loop_last_tick_timestamp_seconds",
                        "Unix time of the last completed pass of each loop.");
  metrics_.DeclareCounter("retrain_attempts_retried_total",
                          "Worker attempts retried after a failure.");
}

Status Reconciler::EnsureRun(Job& job) {
  if (job.mlflow_run_id || !tracker_) return {};
  auto run = tracker_->EnsureRun(job);
  if (!run) return std::unexpected(During("creating the MLflow run", run.error()));
  auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
    j.mlflow_run_id = run->run_id;
    j.mlflow_experiment_id = run->experiment_id;
    JobEvent ev;
    ev.source = EventSource::kSystem;
    ev.message = "MLflow run " + run->run_id + " in experiment " + run->experiment_id;
    u.events.push_back(ev);
    return {};
  });
  if (!updated) return std::unexpected(During("recording the MLflow run", updated.error()));
  job = *updated;
  return {};
}

Status Reconciler::Submit(const Job& job) {
  const ModelSettings* m = FindModel(models_, job.model_id);
  if (!m) {
    // The model left the configuration; its job can never run.
    return FailOrRetry(job, "model " + job.model_id + " is no longer configured");
  }
  ExecSpec spec;
  spec.job_id = job.id;
  spec.attempt = job.attempt;
  spec.model = m;
  spec.env = WorkerEnv(options_.worker_env, job, *m);
  spec.callback_token = tokens_.For(job.id, job.attempt);
  spec.timeout_ms = m->timeout_ms;
  auto submitted = executor_.Submit(spec);
  if (!submitted) {
    if (submitted.error().code == ErrorCode::kResourceExhausted) return {};  // wait for a slot
    if (!IsRetryable(submitted.error().code) && !IsAuthFailure(submitted.error().code)) {
      return FailOrRetry(job, submitted.error().message);
    }
    return std::unexpected(During("handing the job to the executor", submitted.error()));
  }
  Job before;
  auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
    before = j;
    if (j.attempt != job.attempt || IsTerminal(j.status)) return {};
    j.submitted = true;
    j.attempt_started_ms = clock_.NowMs();
    j.kubernetes_job_name = submitted->kubernetes_job_name;
    j.kubernetes_namespace = submitted->kubernetes_namespace;
    JobEvent ev;
    ev.source = EventSource::kExecutor;
    ev.message =
        "attempt " + std::to_string(j.attempt) + " handed to the " + executor_.Name() +
        " executor" +
        (submitted->kubernetes_job_name ? " as Job " + *submitted->kubernetes_job_name : "");
    if (j.status == JobStatus::kPending) {
      j.status = JobStatus::kScheduled;
      ev.status = JobStatus::kScheduled;
    }
    u.events.push_back(ev);
    return {};
  });
  if (!updated) return std::unexpected(During("recording the hand-over", updated.error()));
  if (before.status == JobStatus::kPending && updated->status == JobStatus::kScheduled) {
    CountJobStatus(metrics_, before, *updated);
    if (updated->window.end_ms) {
      double lag = static_cast<double>(clock_.NowMs() - *updated->window.end_ms) / 1000.0;
      metrics_.Observe("retrain_trigger_lag_seconds", {{"model", updated->model_id}},
                       lag < 0 ? 0 : lag);
    }
  }
  return {};
}

Status Reconciler::FailOrRetry(const Job& job, const std::string& why) {
  const ModelSettings* m = FindModel(models_, job.model_id);
  const int max_attempts = m ? m->max_attempts : 1;
  Job before;
  auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
    before = j;
    if (IsTerminal(j.status) || j.attempt != job.attempt) return {};  // someone got there first
    JobEvent ev;
    ev.source = EventSource::kExecutor;
    if (j.attempt < max_attempts && m) {
      ev.message = "attempt " + std::to_string(j.attempt) + " failed: " + why +
                   "; retrying (attempt " + std::to_string(j.attempt + 1) + " of " +
                   std::to_string(max_attempts) + ")";
      j.attempt += 1;
      j.submitted = false;
      j.progress.reset();
    } else {
      FinishJob(j, JobStatus::kFailed, clock_.NowMs(), why);
      ev.status = JobStatus::kFailed;
      ev.message = why;
    }
    u.events.push_back(ev);
    return {};
  });
  if (!updated) return std::unexpected(During("recording a failed attempt", updated.error()));
  if (updated->attempt != before.attempt) {
    metrics_.Add("retrain_attempts_retried_total", {{"model", job.model_id}});
    spdlog::warn("job {}: attempt {} failed ({}); retrying", job.id, before.attempt, why);
  } else if (updated->status == JobStatus::kFailed && before.status != JobStatus::kFailed) {
    CountJobStatus(metrics_, before, *updated);
    spdlog::warn("job {} failed: {}", job.id, why);
  }
  return {};
}

Status Reconciler::Observe(const Job& job) {
  auto obs = executor_.Observe(job.id);
  if (!obs) return std::unexpected(During("observing the worker", obs.error()));
  const int64_t now = clock_.NowMs();
  switch (obs->phase) {
    case ExecPhase::kRunning: {
      const ModelSettings* m = FindModel(models_, job.model_id);
      const int64_t last_sign = std::max(job.updated_at_ms, job.attempt_started_ms);
      if (options_.heartbeat_timeout_ms > 0 && now - last_sign > options_.heartbeat_timeout_ms) {
        (void)executor_.Cancel(job.id);
        return FailOrRetry(job, "no report from the worker for " + FormatDuration(now - last_sign) +
                                    " (heartbeatTimeout " +
                                    FormatDuration(options_.heartbeat_timeout_ms) + ")");
      }
      // The executor enforces the timeout; this is the backstop for one that cannot.
      if (m && job.attempt_started_ms > 0 &&
          now - job.attempt_started_ms > m->timeout_ms + 60'000) {
        (void)executor_.Cancel(job.id);
        return FailOrRetry(job, "worker exceeded its timeout of " + FormatDuration(m->timeout_ms));
      }
      return {};
    }
    case ExecPhase::kSucceeded: {
      // The worker exited cleanly without reporting its end: complete it for the worker.
      Job before;
      auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
        before = j;
        if (IsTerminal(j.status) || j.attempt != job.attempt) return {};
        FinishJob(j, JobStatus::kCompleted, clock_.NowMs());
        JobEvent ev;
        ev.status = JobStatus::kCompleted;
        ev.source = EventSource::kExecutor;
        ev.message = "the worker finished successfully without reporting completion";
        u.events.push_back(ev);
        return {};
      });
      if (!updated) return std::unexpected(During("recording the completion", updated.error()));
      CountJobStatus(metrics_, before, *updated);
      return {};
    }
    case ExecPhase::kFailed:
      return FailOrRetry(job, obs->message.empty() ? "the worker failed" : obs->message);
    case ExecPhase::kUnknown:
      if (!job.submitted) return {};
      return FailOrRetry(job, "the " + executor_.Name() +
                                  " executor no longer knows this attempt (the orchestrator "
                                  "restarted or the worker was removed)");
  }
  return {};
}

Status Reconciler::SyncTracker(const Job& job) {
  if (!tracker_ || !job.mlflow_run_id) {
    if (IsTerminal(job.status) && !job.tracking_finalized) {
      auto s = store_.UpdateJob(job.id, [](Job& j, JobUpdate&) -> Status {
        j.tracking_finalized = true;  // never had a run: nothing to finalize
        return {};
      });
      if (!s) return std::unexpected(During("recording tracker progress", s.error()));
    }
    return {};
  }
  const std::string& run = *job.mlflow_run_id;
  auto events = store_.ListEvents(job.id, job.tracked_event_seq);
  if (!events) return std::unexpected(During("reading events", events.error()));
  Status result;  // the first failure, if any
  int64_t synced = job.tracked_event_seq;
  for (const auto& ev : *events) {
    if (!ev.metrics.empty()) {
      if (auto s = tracker_->LogMetrics(run, ev.metrics, ev.at_ms, ev.seq); !s) {
        result = std::unexpected(During("logging metrics to MLflow", s.error()));
        break;
      }
    }
    synced = ev.seq;
  }
  bool finalize = result.has_value() && IsTerminal(job.status);
  if (finalize) {
    if (auto s = tracker_->SetTag(run, "retraining_status", std::string(ToString(job.status)));
        !s) {
      result = std::unexpected(During("tagging the MLflow run", s.error()));
      finalize = false;
    }
  }
  if (finalize) {
    if (job.status == JobStatus::kFailed && job.error) {
      (void)tracker_->SetTag(run, "retraining_error", job.error->substr(0, 5000));
    }
    RunEndStatus st = job.status == JobStatus::kCompleted ? RunEndStatus::kFinished
                      : job.status == JobStatus::kFailed  ? RunEndStatus::kFailed
                                                          : RunEndStatus::kKilled;
    if (auto s = tracker_->EndRun(run, st, job.completed_at_ms.value_or(clock_.NowMs())); !s) {
      result = std::unexpected(During("ending the MLflow run", s.error()));
      finalize = false;
    }
  }
  if (synced != job.tracked_event_seq || finalize) {
    auto s = store_.UpdateJob(job.id, [&](Job& j, JobUpdate&) -> Status {
      j.tracked_event_seq = std::max(j.tracked_event_seq, synced);
      if (finalize) j.tracking_finalized = true;
      return {};
    });
    if (!s && result) result = std::unexpected(During("recording tracker progress", s.error()));
  }
  return result;
}

Result<Requeue> Reconciler::Step(Job job) {
  Status first;  // the first failed step; the others still run when they can
  if (!IsTerminal(job.status)) {
    if (auto s = EnsureRun(job); !s) return std::unexpected(s.error());  // stays pending
    first = job.submitted ? Observe(job) : Submit(job);
    // The job may have ended meanwhile (a cancel or a worker report on another thread, or the
    // step above): re-read it, and finish a terminal one below in the same pass.
    auto fresh = store_.GetJob(job.id);
    if (!fresh) return std::unexpected(During("re-reading the job", fresh.error()));
    job = *fresh;
    if (!IsTerminal(job.status)) {
      auto synced = SyncTracker(job);
      if (!first) return std::unexpected(first.error());
      if (!synced) return std::unexpected(synced.error());
      return Requeue::After(options_.interval_ms);
    }
  }
  // A cancelled or failed job's worker is stopped before its tracking is finalized: once
  // finalized, no pass looks at the job again, so a worker still running then (one handed over
  // just as the cancel landed) would hold its executor slot for good.
  if (job.cancel_requested || job.status == JobStatus::kFailed) {
    if (auto s = executor_.Cancel(job.id); !s) {
      return std::unexpected(During("stopping the worker", s.error()));
    }
  }
  // Before the finalize below: once finalized, no pass looks at the job again. Keyed by the job,
  // so a pass repeated after a crash does not record the move twice.
  if (auto s = champions_.RecordAutomatic(job); !s) {
    return std::unexpected(During("recording the champion move", s.error()));
  }
  if (auto s = SyncTracker(job); !s) return std::unexpected(s.error());
  if (!first) return std::unexpected(first.error());
  return Requeue::Done();
}

Result<Requeue> Reconciler::Reconcile(const std::string& job_id) {
  std::lock_guard lock(mu_);
  auto job = store_.GetJob(job_id);
  if (!job) return std::unexpected(job.error());
  if (IsTerminal(job->status) && job->tracking_finalized) return Requeue::Done();
  return Step(*job);
}

int64_t Reconciler::RecordFailure(const Job& job, const Error& error) {
  Backoff& b = backoff_[job.id];
  b.failures += 1;
  const int64_t cap =
      IsAuthFailure(error.code) ? options_.auth_retry_cap_ms : options_.retry_cap_ms;
  const int64_t wait = BackoffDelayMs(b.failures, options_.interval_ms,
                                      std::max(cap, options_.interval_ms), 2.0, jitter_());
  b.not_before_ms = clock_.NowMs() + wait;
  // The step may have recorded some progress before failing: compare against the stored job.
  auto stored = store_.GetJob(job.id);
  b.job_updated_ms = stored ? stored->updated_at_ms : job.updated_at_ms;
  if (error.message != b.last_message) {
    // Said once per distinct cause, not once per try.
    if (IsRetryable(error.code) || IsAuthFailure(error.code)) {
      spdlog::warn("job {}: {}; retrying with growing waits of up to {}", job.id, error.message,
                   FormatDuration(cap));
    } else {
      spdlog::error("job {}: {}; retrying with growing waits of up to {}", job.id, error.message,
                    FormatDuration(cap));
    }
    b.last_message = error.message;
  } else {
    spdlog::debug("job {}: try {} failed again: {}", job.id, b.failures, error.message);
  }
  return wait;
}

int64_t Reconciler::ReconcileOnce() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  int64_t next = options_.interval_ms;
  auto active = store_.ListActiveJobs();
  if (!active) {
    if (active.error().message != last_list_error_) {
      spdlog::warn("reconcile: cannot list jobs: {}", active.error().message);
      last_list_error_ = active.error().message;
    }
    return next;
  }
  last_list_error_.clear();
  std::vector<Job> jobs = std::move(*active);
  if (auto lagging = store_.ListJobsNeedingSync()) {
    for (auto& job : *lagging) jobs.push_back(std::move(job));
  }
  std::set<std::string> seen;
  for (const Job& job : jobs) {
    if (!seen.insert(job.id).second) continue;
    auto b = backoff_.find(job.id);
    if (b != backoff_.end() && b->second.job_updated_ms == job.updated_at_ms &&
        now < b->second.not_before_ms) {
      next = std::min(next, b->second.not_before_ms - now);
      continue;
    }
    auto r = Step(job);
    if (!r) {
      next = std::min(next, RecordFailure(job, r.error()));
      continue;
    }
    if (b != backoff_.end()) {
      if (b->second.failures > 0) {
        spdlog::info("job {}: reconciling again after {} failed tries", job.id, b->second.failures);
      }
      backoff_.erase(b);
    }
    if (!r->done) next = std::min(next, r->after_ms);
  }
  std::erase_if(backoff_, [&](const auto& entry) { return !seen.contains(entry.first); });
  metrics_.Set("retrain_loop_last_tick_timestamp_seconds", {{"loop", "reconcile"}},
               static_cast<double>(clock_.NowMs()) / 1000.0);
  return std::max<int64_t>(next, 1);
}

}  // namespace retrain
