// The reconcile and trigger loops of the Orchestrator.

#include <spdlog/spdlog.h>

#include <chrono>

#include "orchestrator/orchestrator.h"

namespace retrain {

namespace {

// Steps that did not go through are retried on the next pass; a retryable error is expected
// (a dependency restarting) and logged quietly.
void LogStep(const Job& job, const char* step, const Error& e) {
  if (IsRetryable(e.code)) {
    spdlog::warn("job {}: {} will be retried: {}", job.id, step, e.message);
  } else {
    spdlog::error("job {}: {} failed: {}", job.id, step, e.message);
  }
}

}  // namespace

std::map<std::string, std::string> Orchestrator::WorkerEnv(const Job& job,
                                                            const ModelSettings& m) const {
  std::map<std::string, std::string> env = options_.worker_env;
  env["MODEL_ID"] = job.model_id;
  env["RETRAINING_JOB_ID"] = job.id;
  env["RETRAINING_ATTEMPT"] = std::to_string(job.attempt);
  env["DATA_WINDOW_START"] = job.window.start_ms ? FormatRfc3339(*job.window.start_ms) : "";
  env["DATA_WINDOW_END"] = job.window.end_ms ? FormatRfc3339(*job.window.end_ms) : "";
  env["RETRAINING_WINDOW_AFTER"] = job.window.after;
  env["RETRAINING_WINDOW_UPTO"] = job.window.upto;
  std::string types;
  for (const auto& t : m.entity_types) types += (types.empty() ? "" : ",") + t;
  env["RETRAINING_ENTITY_TYPES"] = types;
  env["RETRAINING_RECORD_COUNT"] = std::to_string(job.window.records);
  env["RETRAINING_REASON"] = job.reason.value_or("");
  env["RETRAINING_TRIGGER"] = std::string(ToString(job.trigger));
  env["RETRAINING_FEED_URI"] = options_.feed_uri;
  env["RETRAINING_CALLBACK_URL"] = options_.public_url + "/retraining/jobs/" + job.id + "/events";
  env["MLFLOW_RUN_ID"] = job.mlflow_run_id.value_or("");
  env["MLFLOW_EXPERIMENT_ID"] = job.mlflow_experiment_id.value_or("");
  if (tracker_) env["MLFLOW_TRACKING_URI"] = tracker_->Uri();
  for (const auto& [k, v] : m.params) {
    std::string key = "TRAINER_";
    for (char c : k) key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    env[key] = v;
  }
  return env;
}

Status Orchestrator::EnsureRun(Job& job) {
  if (job.mlflow_run_id || !tracker_) return {};
  auto run = tracker_->EnsureRun(job);
  if (!run) return std::unexpected(run.error());
  auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
    j.mlflow_run_id = run->run_id;
    j.mlflow_experiment_id = run->experiment_id;
    JobEvent ev;
    ev.source = EventSource::kSystem;
    ev.message = "MLflow run " + run->run_id + " in experiment " + run->experiment_id;
    u.events.push_back(ev);
    return {};
  });
  if (!updated) return std::unexpected(updated.error());
  job = *updated;
  return {};
}

Status Orchestrator::Submit(const Job& job) {
  const ModelSettings* m = FindModel(job.model_id);
  if (!m) {
    // The model left the configuration; its job can never run.
    FailOrRetry(job, "model " + job.model_id + " is no longer configured");
    return {};
  }
  ExecSpec spec;
  spec.job_id = job.id;
  spec.attempt = job.attempt;
  spec.model = m;
  spec.env = WorkerEnv(job, *m);
  spec.callback_token = CallbackToken(job.id, job.attempt);
  spec.timeout_ms = m->timeout_ms;
  auto submitted = executor_.Submit(spec);
  if (!submitted) {
    if (submitted.error().code == ErrorCode::kResourceExhausted) return {};  // wait for a slot
    if (!IsRetryable(submitted.error().code)) {
      FailOrRetry(job, submitted.error().message);
      return {};
    }
    return std::unexpected(submitted.error());
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
    ev.message = "attempt " + std::to_string(j.attempt) + " handed to the " + executor_.Name() +
                 " executor" + (submitted->kubernetes_job_name ? " as Job " + *submitted->kubernetes_job_name : "");
    if (j.status == JobStatus::kPending) {
      j.status = JobStatus::kScheduled;
      ev.status = JobStatus::kScheduled;
    }
    u.events.push_back(ev);
    return {};
  });
  if (!updated) return std::unexpected(updated.error());
  if (before.status == JobStatus::kPending && updated->status == JobStatus::kScheduled) {
    CountStatus(before, *updated);
    if (updated->window.end_ms) {
      double lag = static_cast<double>(clock_.NowMs() - *updated->window.end_ms) / 1000.0;
      metrics_.Observe("retrain_trigger_lag_seconds", {{"model", updated->model_id}}, lag < 0 ? 0 : lag);
    }
  }
  return {};
}

void Orchestrator::FailOrRetry(const Job& job, const std::string& why) {
  const ModelSettings* m = FindModel(job.model_id);
  int max_attempts = m ? m->max_attempts : 1;
  Job before;
  auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
    before = j;
    if (IsTerminal(j.status) || j.attempt != job.attempt) return {};  // someone got there first
    JobEvent ev;
    ev.source = EventSource::kExecutor;
    if (j.attempt < max_attempts && m) {
      ev.message = "attempt " + std::to_string(j.attempt) + " failed: " + why + "; retrying (attempt " +
                   std::to_string(j.attempt + 1) + " of " + std::to_string(max_attempts) + ")";
      j.attempt += 1;
      j.submitted = false;
      j.progress.reset();
    } else {
      j.status = JobStatus::kFailed;
      j.error = why;
      j.completed_at_ms = clock_.NowMs();
      if (!j.started_at_ms) j.started_at_ms = j.completed_at_ms;
      ev.status = JobStatus::kFailed;
      ev.message = why;
    }
    u.events.push_back(ev);
    return {};
  });
  if (!updated) {
    LogStep(job, "recording a failed attempt", updated.error());
    return;
  }
  if (updated->attempt != before.attempt) {
    metrics_.Add("retrain_attempts_retried_total", {{"model", job.model_id}});
    spdlog::warn("job {}: attempt {} failed ({}); retrying", job.id, before.attempt, why);
  } else if (updated->status == JobStatus::kFailed && before.status != JobStatus::kFailed) {
    CountStatus(before, *updated);
    spdlog::warn("job {} failed: {}", job.id, why);
  }
}

Status Orchestrator::Observe(const Job& job) {
  auto obs = executor_.Observe(job.id);
  if (!obs) return std::unexpected(obs.error());
  switch (obs->phase) {
    case ExecPhase::kRunning: {
      const ModelSettings* m = FindModel(job.model_id);
      int64_t last_sign = std::max(job.updated_at_ms, job.attempt_started_ms);
      if (options_.heartbeat_timeout_ms > 0 && clock_.NowMs() - last_sign > options_.heartbeat_timeout_ms) {
        (void)executor_.Cancel(job.id);
        FailOrRetry(job, "no report from the worker for " + FormatDuration(clock_.NowMs() - last_sign) +
                             " (heartbeatTimeout " + FormatDuration(options_.heartbeat_timeout_ms) + ")");
        return {};
      }
      // The executor enforces the timeout; this is the backstop for one that cannot.
      if (m && job.attempt_started_ms > 0 &&
          clock_.NowMs() - job.attempt_started_ms > m->timeout_ms + 60'000) {
        (void)executor_.Cancel(job.id);
        FailOrRetry(job, "worker exceeded its timeout of " + FormatDuration(m->timeout_ms));
      }
      return {};
    }
    case ExecPhase::kSucceeded: {
      // The worker exited cleanly without reporting its end: complete it for the worker.
      Job before;
      auto updated = store_.UpdateJob(job.id, [&](Job& j, JobUpdate& u) -> Status {
        before = j;
        if (IsTerminal(j.status) || j.attempt != job.attempt) return {};
        j.status = JobStatus::kCompleted;
        j.completed_at_ms = clock_.NowMs();
        if (!j.started_at_ms) j.started_at_ms = j.completed_at_ms;
        j.progress = 1.0;
        JobEvent ev;
        ev.status = JobStatus::kCompleted;
        ev.source = EventSource::kExecutor;
        ev.message = "the worker finished successfully without reporting completion";
        u.events.push_back(ev);
        return {};
      });
      if (!updated) return std::unexpected(updated.error());
      CountStatus(before, *updated);
      return {};
    }
    case ExecPhase::kFailed:
      FailOrRetry(job, obs->message.empty() ? "the worker failed" : obs->message);
      return {};
    case ExecPhase::kUnknown:
      if (job.submitted) {
        FailOrRetry(job, "the " + executor_.Name() +
                             " executor no longer knows this attempt (the orchestrator restarted "
                             "or the worker was removed)");
      }
      return {};
  }
  return {};
}

void Orchestrator::SyncTracker(const Job& job) {
  if (!tracker_ || !job.mlflow_run_id) {
    if (IsTerminal(job.status) && !job.tracking_finalized) {
      (void)store_.UpdateJob(job.id, [](Job& j, JobUpdate&) -> Status {
        j.tracking_finalized = true;  // never had a run: nothing to finalize
        return {};
      });
    }
    return;
  }
  const std::string& run = *job.mlflow_run_id;
  auto events = store_.ListEvents(job.id, job.tracked_event_seq);
  if (!events) {
    LogStep(job, "reading events", events.error());
    return;
  }
  int64_t synced = job.tracked_event_seq;
  for (const auto& ev : *events) {
    if (!ev.metrics.empty()) {
      if (auto s = tracker_->LogMetrics(run, ev.metrics, ev.at_ms, ev.seq); !s) {
        LogStep(job, "logging metrics to MLflow", s.error());
        break;
      }
    }
    synced = ev.seq;
  }
  bool finalize = IsTerminal(job.status) && synced == (events->empty() ? job.tracked_event_seq : events->back().seq);
  if (finalize) {
    if (auto s = tracker_->SetTag(run, "retraining_status", std::string(ToString(job.status))); !s) {
      LogStep(job, "tagging the MLflow run", s.error());
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
      LogStep(job, "ending the MLflow run", s.error());
      finalize = false;
    }
  }
  if (synced == job.tracked_event_seq && !finalize) return;
  auto s = store_.UpdateJob(job.id, [&](Job& j, JobUpdate&) -> Status {
    j.tracked_event_seq = std::max(j.tracked_event_seq, synced);
    if (finalize) j.tracking_finalized = true;
    return {};
  });
  if (!s) LogStep(job, "recording tracker progress", s.error());
}

void Orchestrator::ReconcileJob(const Job& snapshot) {
  Job job = snapshot;
  if (!IsTerminal(job.status)) {
    if (auto s = EnsureRun(job); !s) {
      LogStep(job, "creating the MLflow run", s.error());
      return;  // stays pending until the tracker answers
    }
    if (!job.submitted) {
      if (auto s = Submit(job); !s) LogStep(job, "handing the job to the executor", s.error());
    } else if (auto s = Observe(job); !s) {
      LogStep(job, "observing the worker", s.error());
    }
    // The job may have ended meanwhile (a cancel or a worker report on another thread, or the
    // step above): re-read it, and finish a terminal one below in the same pass.
    auto fresh = store_.GetJob(job.id);
    if (!fresh) return;
    job = *fresh;
    if (!IsTerminal(job.status)) {
      SyncTracker(job);
      return;
    }
  }
  // A cancelled or failed job's worker is stopped before its tracking is finalized: once
  // finalized, no pass looks at the job again, so a worker still running then (one handed over
  // just as the cancel landed) would hold its executor slot for good.
  if (job.cancel_requested || job.status == JobStatus::kFailed) {
    if (auto s = executor_.Cancel(job.id); !s) {
      LogStep(job, "stopping the worker", s.error());
      return;
    }
  }
  SyncTracker(job);
}

void Orchestrator::ReconcileOnce() {
  std::lock_guard lock(reconcile_mu_);
  auto active = store_.ListActiveJobs();
  if (!active) {
    spdlog::warn("reconcile: cannot list jobs: {}", active.error().message);
    return;
  }
  for (const auto& job : *active) ReconcileJob(job);
  auto lagging = store_.ListJobsNeedingSync();
  if (lagging) {
    for (const auto& job : *lagging) ReconcileJob(job);
  }
  metrics_.Set("retrain_loop_last_tick_timestamp_seconds", {{"loop", "reconcile"}},
               static_cast<double>(clock_.NowMs()) / 1000.0);
}

void Orchestrator::TriggerOnce() {
  auto head = feed_.Head();
  if (!head) {
    // Said once per distinct failure, not once per pass.
    if (head.error().message != last_feed_error_) {
      spdlog::warn("trigger: the feed is unavailable: {}", head.error().message);
      last_feed_error_ = head.error().message;
    }
    return;
  }
  if (!last_feed_error_.empty()) {
    spdlog::info("trigger: the feed is reachable again");
    last_feed_error_.clear();
  }
  // Every model's unseen records in one feed call (one pass over the feed for Neo4j).
  auto queries = UnseenQueries();
  if (!queries) {
    spdlog::warn("trigger: cannot read the models' watermarks: {}", queries.error().message);
    return;
  }
  auto counts = feed_.CountUnseenMany(*queries, *head);
  if (!counts) {
    if (counts.error().message != last_feed_error_) {
      spdlog::warn("trigger: cannot count unseen records: {}", counts.error().message);
      last_feed_error_ = counts.error().message;
    }
    return;
  }
  for (size_t i = 0; i < options_.models.size(); ++i) {
    const ModelSettings& m = options_.models[i];
    UnseenSummary unseen = (*counts)[i];
    if (options_.automatic) {
      const CountedUnseen counted{(*queries)[i].after, (*counts)[i]};
      auto job = CreateFor(m, TriggerKind::kAutomatic, std::nullopt, false, std::nullopt, nullptr,
                           &unseen, &counted);
      if (!job && job.error().code == ErrorCode::kAborted) {
        // The watermark moved or the window changed under us: count this model afresh.
        job = CreateFor(m, TriggerKind::kAutomatic, std::nullopt, false, std::nullopt, nullptr, &unseen);
      }
      if (!job && job.error().code != ErrorCode::kFailedPrecondition) {
        spdlog::warn("trigger: model {}: {}", m.id, job.error().message);
      }
    }
    metrics_.Set("retrain_unseen_records", {{"model", m.id}}, static_cast<double>(unseen.count));
  }
  metrics_.Set("retrain_loop_last_tick_timestamp_seconds", {{"loop", "trigger"}},
               static_cast<double>(clock_.NowMs()) / 1000.0);
}

void Orchestrator::Kick() {
  {
    std::lock_guard lock(loop_mu_);
    kicked_ = true;
  }
  loop_cv_.notify_all();
}

void Orchestrator::TriggerLoop() {
  int64_t last_full = 0;
  while (true) {
    {
      std::lock_guard lock(loop_mu_);
      if (stopping_) return;
    }
    // Wake on new feed data, and at least every reconcile interval for time-based rules
    // (maxWait, cooldown, schedule) and jobs that finished.
    bool changed = feed_.WaitForChange(options_.feed_wait_ms);
    int64_t now = clock_.NowMs();
    if (changed || now - last_full >= options_.reconcile_interval_ms) {
      TriggerOnce();
      last_full = now;
    }
  }
}

void Orchestrator::ReconcileLoop() {
  while (true) {
    ReconcileOnce();
    std::unique_lock lock(loop_mu_);
    loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.reconcile_interval_ms),
                      [&] { return kicked_ || stopping_; });
    if (stopping_) return;
    kicked_ = false;
  }
}

void Orchestrator::Start() {
  std::lock_guard lock(loop_mu_);
  if (trigger_thread_.joinable()) return;
  stopping_ = false;
  trigger_thread_ = std::thread([this] { TriggerLoop(); });
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
}

void Orchestrator::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (trigger_thread_.joinable()) trigger_thread_.join();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
}

}  // namespace retrain
