#include "orchestrator/commands.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "orchestrator/job_finish.h"
#include "orchestrator/job_metrics.h"
#include "orchestrator/trigger_policy.h"

namespace retrain {

namespace {

Error UnknownModel(const std::string& model_id) {
  Error e = Fail(ErrorCode::kNotFound, "no model with id '" + model_id + "' is configured",
                 "unknown_model")
                .error();
  e.With("modelId", model_id);
  return e;
}

Error TooManyMetrics(std::string message, size_t limit) {
  Error e = Fail(ErrorCode::kUnprocessable, std::move(message), "too_many_metrics").error();
  e.With("field", "metrics");
  e.With("limit", static_cast<int64_t>(limit));
  return e;
}

Error InvalidTransition(const Job& job, JobStatus to) {
  Error e = Fail(ErrorCode::kFailedPrecondition,
                 "job " + job.id + " cannot go from " + std::string(ToString(job.status)) + " to " +
                     std::string(ToString(to)),
                 "invalid_transition")
                .error();
  e.With("from", std::string(ToString(job.status)));
  e.With("to", std::string(ToString(to)));
  return e;
}

}  // namespace

JobCommands::JobCommands(CommandOptions options, const std::vector<ModelSettings>& models,
                         JobStore& store, FeedSource& feed, std::string executor_name,
                         const CallbackTokens& tokens, const Clock& clock, MetricsRegistry& metrics,
                         Wakeup& wakeup)
    : options_(options),
      models_(models),
      store_(store),
      feed_(feed),
      executor_name_(std::move(executor_name)),
      tokens_(tokens),
      clock_(clock),
      metrics_(metrics),
      wakeup_(wakeup) {
  DeclareJobStatusCounter(metrics_);
}

void JobCommands::CountStatus(const Job& before, const Job& after) {
  CountJobStatus(metrics_, before, after);
}

Result<TriggerResult> JobCommands::Trigger(const TriggerRequest& request) {
  const ModelSettings* m = FindModel(models_, request.model_id);
  if (!m) return std::unexpected(UnknownModel(request.model_id));
  if (request.idempotency_key) {
    auto prior = store_.FindByIdempotencyKey(*request.idempotency_key);
    if (!prior) return std::unexpected(prior.error());
    if (*prior) {
      if ((*prior)->model_id != request.model_id) {
        return Fail(ErrorCode::kUnprocessable,
                    "the Idempotency-Key was already used for model " + (*prior)->model_id,
                    "idempotency_key_reused");
      }
      return TriggerResult{**prior, true};
    }
  }
  // A concurrent trigger may move the watermark between our read and our insert; the store
  // refuses the insert (kAborted) and we decide again.
  for (int tries = 0;; ++tries) {
    auto created = Create(*m, request, nullptr);
    if (created || created.error().code != ErrorCode::kAborted || tries >= 3) {
      if (!created && request.idempotency_key) {
        // The same request, sent to another replica (or thread) at the same instant, may have
        // created the job after our lookup: its job is then active and the policy refuses ours.
        // The key decides: a retried request gets the job created under it.
        auto winner = store_.FindByIdempotencyKey(*request.idempotency_key);
        if (winner && *winner && (*winner)->model_id == request.model_id) {
          return TriggerResult{**winner, true};
        }
      }
      return created;
    }
  }
}

Result<Job> JobCommands::TriggerAutomatic(const ModelSettings& model,
                                          const CountedUnseen& counted) {
  TriggerRequest request;
  request.model_id = model.id;
  request.kind = TriggerKind::kAutomatic;
  auto created = Create(model, request, &counted);
  if (!created && created.error().code == ErrorCode::kAborted) {
    // The watermark moved or the window changed under us: count this model afresh.
    created = Create(model, request, nullptr);
  }
  if (!created) return std::unexpected(created.error());
  return created->job;
}

Result<TriggerResult> JobCommands::Create(const ModelSettings& m, const TriggerRequest& request,
                                          const CountedUnseen* counted) {
  auto state = store_.GetModelState(m.id);
  if (!state) return std::unexpected(state.error());
  auto active = store_.ActiveJob(m.id);
  if (!active) return std::unexpected(active.error());
  FeedFilter filter{m.entity_types};
  UnseenSummary unseen;
  std::optional<DriftSignal> drift;
  if (counted && counted->watermark == state->watermark) {
    unseen = counted->unseen;
    drift = counted->drift;
  } else {
    auto head = feed_.Head();
    if (!head) return std::unexpected(head.error());
    auto fresh = feed_.CountUnseen(filter, state->watermark, *head);
    if (!fresh) return std::unexpected(fresh.error());
    unseen = *fresh;
  }
  auto last = store_.LastJob(m.id);
  if (!last) return std::unexpected(last.error());

  TriggerInputs in =
      MakeTriggerInputs(m, unseen, *active, *last, options_.started_ms, clock_.NowMs());
  in.manual = request.kind != TriggerKind::kAutomatic;
  in.force = request.force;
  in.drift = drift;  // DecideTrigger weighs it for automatic requests only
  TriggerDecision d = DecideTrigger(in);
  if (!d.fire) {
    if (d.reason == TriggerReason::kJobActive) {
      Error e = Fail(ErrorCode::kFailedPrecondition, d.explanation, "job_active").error();
      e.With("jobId", *in.active_job_id);
      return std::unexpected(e);
    }
    const bool cooldown = d.reason == TriggerReason::kCooldown;
    Error e = Fail(ErrorCode::kFailedPrecondition,
                   cooldown ? d.explanation
                            : "model " + m.id + " has " + std::to_string(unseen.count) +
                                  " unseen records; " + std::to_string(d.threshold) + " are needed",
                   cooldown ? "cooldown" : "insufficient_data")
                  .error();
    e.With("unseenRecords", unseen.count);
    e.With("minRecords", d.threshold);
    return std::unexpected(e);
  }
  auto window = feed_.DescribeWindow(filter, state->watermark, unseen.last_cursor);
  if (!window) return std::unexpected(window.error());
  if (window->records != unseen.count) {
    // The feed changed between the count and the description (e.g. a late write landed inside
    // the range); start over rather than record a window whose count is wrong.
    return Fail(ErrorCode::kAborted, "the feed changed while the window was read",
                "window_changed");
  }
  Job job;
  job.id = NewJobId();
  job.model_id = m.id;
  job.status = JobStatus::kPending;
  job.reason = request.reason ? request.reason
                              : std::optional<std::string>(request.kind == TriggerKind::kAutomatic
                                                               ? d.explanation
                                                               : std::string("manual request"));
  job.trigger = d.reason == TriggerReason::kDrift ? TriggerKind::kDrift : request.kind;
  job.window = *window;
  job.scheduled_at_ms = clock_.NowMs();
  job.executor = executor_name_;
  job.attempt = 1;
  bool replayed = false;
  auto created = store_.CreateJob(job, request.idempotency_key, &replayed);
  if (!created) return std::unexpected(created.error());
  if (!replayed) {
    metrics_.Add("retrain_jobs_total", {{"model", m.id}, {"status", "pending"}});
    spdlog::info("job {} created for model {} ({} trigger: {}; {} records)", created->id, m.id,
                 ToString(job.trigger), d.explanation, created->window.records);
  }
  wakeup_.Notify();
  return TriggerResult{*created, replayed};
}

Result<Job> JobCommands::ApplyEvent(const std::string& job_id, const EventInput& input,
                                    const std::string& bearer_token) {
  if (input.metrics.size() > kMaxMetricsPerEvent) {
    return std::unexpected(
        TooManyMetrics("an event may carry at most " + std::to_string(kMaxMetricsPerEvent) +
                           " metrics; this one has " + std::to_string(input.metrics.size()),
                       kMaxMetricsPerEvent));
  }
  Job before;
  EventSource source = EventSource::kApi;
  bool noop = false;
  auto updated = store_.UpdateJob(job_id, [&](Job& job, JobUpdate& update) -> Status {
    before = job;
    if (options_.callback_auth) {
      if (!tokens_.Matches(bearer_token, job.id, job.attempt)) {
        return Fail(ErrorCode::kUnauthenticated,
                    "the callback token is missing or is not valid for this job's current attempt",
                    "invalid_token");
      }
      source = EventSource::kWorker;
    }
    if (IsTerminal(job.status)) {
      if (input.status && *input.status == job.status) {
        noop = true;  // repeating the terminal event
        return {};
      }
      Error e = Fail(ErrorCode::kFailedPrecondition,
                     "job " + job.id + " is already " + std::string(ToString(job.status)),
                     input.status ? "invalid_transition" : "job_finished")
                    .error();
      e.With("from", std::string(ToString(job.status)));
      if (input.status) e.With("to", std::string(ToString(*input.status)));
      return std::unexpected(e);
    }
    std::optional<JobStatus> target = input.status;
    if (target && *target == JobStatus::kPending && job.status != JobStatus::kPending) {
      return std::unexpected(InvalidTransition(job, JobStatus::kPending));
    }
    if (target && job.status == JobStatus::kPending &&
        (*target == JobStatus::kRunning || *target == JobStatus::kCompleted)) {
      // The worker reported before the executor's acknowledgement was stored; its token proves
      // the attempt was handed over.
      job.status = JobStatus::kScheduled;
      JobEvent ev;
      ev.status = JobStatus::kScheduled;
      ev.source = EventSource::kSystem;
      ev.message = "the worker reported before the executor's acknowledgement was recorded";
      update.events.push_back(ev);
    }
    if (target && *target != job.status && !CanTransition(job.status, *target)) {
      return std::unexpected(InvalidTransition(job, *target));
    }
    size_t added = 0;
    for (const auto& [k, v] : input.metrics) added += job.metrics.contains(k) ? 0 : 1;
    if (job.metrics.size() + added > kMaxMetricsPerJob) {
      return std::unexpected(TooManyMetrics(
          "job " + job.id + " already has " + std::to_string(job.metrics.size()) +
              " metrics; this event adds " + std::to_string(added) +
              " new names, over the limit of " + std::to_string(kMaxMetricsPerJob) + " per job",
          kMaxMetricsPerJob));
    }
    const int64_t now = clock_.NowMs();
    if (input.progress) job.progress = *input.progress;
    for (const auto& [k, v] : input.metrics) job.metrics[k] = v;
    if (input.error) job.error = *input.error;
    if (target && IsTerminal(*target)) {
      std::optional<std::string> error;
      if (*target == JobStatus::kFailed && !job.error) error = "the worker reported failure";
      FinishJob(job, *target, now, error);
    } else if (target) {
      job.status = *target;
    }
    if (job.status == JobStatus::kRunning && !job.started_at_ms) job.started_at_ms = now;
    JobEvent ev;
    ev.status = input.status;
    ev.progress = input.progress;
    ev.message = input.message ? input.message : input.error;
    ev.metrics = input.metrics;
    ev.source = source;
    update.events.push_back(ev);
    return {};
  });
  if (!updated) return updated;
  if (!noop) {
    CountStatus(before, *updated);
    if (IsTerminal(updated->status)) {
      spdlog::info("job {} {} (reported by {})", job_id, ToString(updated->status),
                   ToString(source));
    }
    wakeup_.Notify();
  }
  return updated;
}

Result<Job> JobCommands::Cancel(const std::string& job_id, EventSource source) {
  Job before;
  bool noop = false;
  auto updated = store_.UpdateJob(job_id, [&](Job& job, JobUpdate& update) -> Status {
    before = job;
    if (job.status == JobStatus::kCancelled) {
      noop = true;
      return {};
    }
    if (IsTerminal(job.status)) {
      Error e = Fail(ErrorCode::kFailedPrecondition,
                     "job " + job.id + " already " + std::string(ToString(job.status)) +
                         " and can no longer be cancelled",
                     "job_finished")
                    .error();
      e.With("status", std::string(ToString(job.status)));
      return std::unexpected(e);
    }
    FinishJob(job, JobStatus::kCancelled, clock_.NowMs());
    JobEvent ev;
    ev.status = JobStatus::kCancelled;
    ev.source = source;
    ev.message = "cancelled on request";
    update.events.push_back(ev);
    return {};
  });
  if (updated && !noop) {
    CountStatus(before, *updated);
    spdlog::info("job {} cancelled", job_id);
    wakeup_.Notify();
  }
  return updated;
}

}  // namespace retrain
