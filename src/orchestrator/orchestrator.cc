#include "orchestrator/orchestrator.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"

namespace retrain {

namespace {

Error WithDetail(Error e, std::string key, DetailValue v) {
  e.With(std::move(key), std::move(v));
  return e;
}

Error TooManyMetrics(std::string message, size_t limit) {
  Error e = Fail(ErrorCode::kUnprocessable, std::move(message), "too_many_metrics").error();
  e.With("field", "metrics");
  e.With("limit", static_cast<int64_t>(limit));
  return e;
}

}  // namespace

Orchestrator::Orchestrator(OrchestratorOptions options, JobStore& store, FeedSource& feed,
                           Executor& executor, Tracker* tracker, const Clock& clock,
                           MetricsRegistry& metrics)
    : options_(std::move(options)), store_(store), feed_(feed), executor_(executor),
      tracker_(tracker), clock_(clock), metrics_(metrics), started_ms_(clock.NowMs()) {
  metrics_.DeclareHistogram("retrain_trigger_lag_seconds",
                            "Time from the last record of a window landing to its job being scheduled.",
                            {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600});
  metrics_.DeclareCounter("retrain_jobs_total", "Jobs that entered each status, per model.");
  metrics_.DeclareGauge("retrain_unseen_records", "Feed records not yet trained on, per model.");
  metrics_.DeclareGauge("retrain_loop_last_tick_timestamp_seconds",
                        "Unix time of the last completed pass of each loop.");
  metrics_.DeclareCounter("retrain_attempts_retried_total", "Worker attempts retried after a failure.");
}

Orchestrator::~Orchestrator() { Stop(); }

const ModelSettings* Orchestrator::FindModel(std::string_view id) const {
  for (const auto& m : options_.models)
    if (m.id == id) return &m;
  return nullptr;
}

std::string Orchestrator::CallbackToken(const std::string& job_id, int attempt) const {
  return HmacSha256Hex(options_.callback_secret, job_id + ":" + std::to_string(attempt));
}

void Orchestrator::CountStatus(const Job& before, const Job& after) {
  if (before.status == after.status) return;
  metrics_.Add("retrain_jobs_total",
               {{"model", after.model_id}, {"status", std::string(ToString(after.status))}});
}

Result<Job> Orchestrator::Trigger(const std::string& model_id, TriggerKind kind,
                                  std::optional<std::string> reason, bool force,
                                  std::optional<std::string> idempotency_key, bool* replayed) {
  if (replayed) *replayed = false;
  const ModelSettings* m = FindModel(model_id);
  if (!m) {
    return std::unexpected(WithDetail(
        Fail(ErrorCode::kNotFound, "no model with id '" + model_id + "' is configured", "unknown_model").error(),
        "modelId", model_id));
  }
  if (idempotency_key) {
    auto prior = store_.FindByIdempotencyKey(*idempotency_key);
    if (!prior) return std::unexpected(prior.error());
    if (*prior) {
      if ((*prior)->model_id != model_id) {
        return Fail(ErrorCode::kUnprocessable,
                    "the Idempotency-Key was already used for model " + (*prior)->model_id,
                    "idempotency_key_reused");
      }
      if (replayed) *replayed = true;
      return **prior;
    }
  }
  // A concurrent trigger may move the watermark between our read and our insert; the store
  // refuses the insert (kAborted) and we recompute once or twice.
  for (int tries = 0;; ++tries) {
    auto job = CreateFor(*m, kind, reason, force, idempotency_key, replayed);
    if (job || job.error().code != ErrorCode::kAborted || tries >= 3) return job;
  }
}

Result<Job> Orchestrator::CreateFor(const ModelSettings& m, TriggerKind kind,
                                    std::optional<std::string> reason, bool force,
                                    const std::optional<std::string>& idempotency_key,
                                    bool* replayed, UnseenSummary* unseen_out,
                                    const CountedUnseen* counted) {
  auto state = store_.GetModelState(m.id);
  if (!state) return std::unexpected(state.error());
  auto active = store_.ActiveJob(m.id);
  if (!active) return std::unexpected(active.error());
  FeedFilter filter{m.entity_types};
  Result<UnseenSummary> unseen = counted ? counted->unseen : UnseenSummary{};
  if (!counted || counted->watermark != state->watermark) {
    auto head = feed_.Head();
    if (!head) return std::unexpected(head.error());
    unseen = feed_.CountUnseen(filter, state->watermark, *head);
    if (!unseen) return std::unexpected(unseen.error());
  }
  if (unseen_out) *unseen_out = *unseen;
  auto last = store_.LastJob(m.id);
  if (!last) return std::unexpected(last.error());

  TriggerInputs in;
  in.model = &m;
  in.unseen = *unseen;
  if (*active) in.active_job_id = (*active)->id;
  if (*last) in.last_job_scheduled_ms = (*last)->scheduled_at_ms;
  in.since_ms = std::max(started_ms_, in.last_job_scheduled_ms.value_or(0));
  in.now_ms = clock_.NowMs();
  in.manual = kind != TriggerKind::kAutomatic;
  in.force = force;
  TriggerDecision d = DecideTrigger(in);
  if (!d.fire) {
    if (d.reason == "job_active") {
      Error e = Fail(ErrorCode::kFailedPrecondition, d.explanation, "job_active").error();
      e.With("jobId", *in.active_job_id);
      return std::unexpected(e);
    }
    Error e = Fail(ErrorCode::kFailedPrecondition,
                   d.reason == "cooldown" ? d.explanation : "model " + m.id + " has " +
                       std::to_string(unseen->count) + " unseen records; " +
                       std::to_string(d.threshold) + " are needed",
                   d.reason == "cooldown" ? "cooldown" : "insufficient_data").error();
    e.With("unseenRecords", unseen->count);
    e.With("minRecords", d.threshold);
    return std::unexpected(e);
  }
  auto window = feed_.DescribeWindow(filter, state->watermark, unseen->last_cursor);
  if (!window) return std::unexpected(window.error());
  if (window->records != unseen->count) {
    // The feed changed between the count and the description (e.g. a late write landed inside
    // the range); start over rather than record a window whose count is wrong.
    return Fail(ErrorCode::kAborted, "the feed changed while the window was read", "window_changed");
  }
  Job job;
  job.id = NewJobId();
  job.model_id = m.id;
  job.status = JobStatus::kPending;
  job.reason = reason ? reason : std::optional<std::string>(
      kind == TriggerKind::kAutomatic ? d.explanation : std::string("manual request"));
  job.trigger = kind;
  job.window = *window;
  job.scheduled_at_ms = clock_.NowMs();
  job.executor = executor_.Name();
  job.attempt = 1;
  auto created = store_.CreateJob(job, idempotency_key, replayed);
  if (!created) return created;
  if (!replayed || !*replayed) {
    metrics_.Add("retrain_jobs_total", {{"model", m.id}, {"status", "pending"}});
    spdlog::info("job {} created for model {} ({} trigger: {}; {} records)", created->id, m.id,
                 ToString(kind), d.explanation, created->window.records);
  }
  Kick();
  return created;
}

Result<Job> Orchestrator::ApplyEvent(const std::string& job_id, const EventInput& input,
                                     const std::string& bearer_token) {
  if (input.metrics.size() > kMaxMetricsPerEvent) {
    return std::unexpected(TooManyMetrics("an event may carry at most " +
                                              std::to_string(kMaxMetricsPerEvent) + " metrics; this one has " +
                                              std::to_string(input.metrics.size()),
                                          kMaxMetricsPerEvent));
  }
  Job before;
  EventSource source = EventSource::kApi;
  bool noop = false;
  auto updated = store_.UpdateJob(job_id, [&](Job& job, JobUpdate& update) -> Status {
    before = job;
    if (options_.callback_auth) {
      if (bearer_token.empty() ||
          !ConstantTimeEquals(bearer_token, CallbackToken(job.id, job.attempt))) {
        return Fail(ErrorCode::kUnauthenticated,
                    "the callback token is missing or is not valid for this job's current attempt",
                    "invalid_token");
      }
      source = EventSource::kWorker;
    }
    int64_t now = clock_.NowMs();
    if (IsTerminal(job.status)) {
      if (input.status && *input.status == job.status) {
        noop = true;  // repeating the terminal event
        return {};
      }
      Error e = Fail(ErrorCode::kFailedPrecondition,
                     "job " + job.id + " is already " + std::string(ToString(job.status)),
                     input.status ? "invalid_transition" : "job_finished").error();
      e.With("from", std::string(ToString(job.status)));
      if (input.status) e.With("to", std::string(ToString(*input.status)));
      return std::unexpected(e);
    }
    std::optional<JobStatus> target = input.status;
    if (target && *target == JobStatus::kPending && job.status != JobStatus::kPending) {
      Error e = Fail(ErrorCode::kFailedPrecondition,
                     "job " + job.id + " cannot go from " + std::string(ToString(job.status)) + " to pending",
                     "invalid_transition").error();
      e.With("from", std::string(ToString(job.status)));
      e.With("to", "pending");
      return std::unexpected(e);
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
      Error e = Fail(ErrorCode::kFailedPrecondition,
                     "job " + job.id + " cannot go from " + std::string(ToString(job.status)) +
                         " to " + std::string(ToString(*target)),
                     "invalid_transition").error();
      e.With("from", std::string(ToString(job.status)));
      e.With("to", std::string(ToString(*target)));
      return std::unexpected(e);
    }
    size_t added = 0;
    for (const auto& [k, v] : input.metrics) added += job.metrics.contains(k) ? 0 : 1;
    if (job.metrics.size() + added > kMaxMetricsPerJob) {
      return std::unexpected(TooManyMetrics(
          "job " + job.id + " already has " + std::to_string(job.metrics.size()) +
              " metrics; this event adds " + std::to_string(added) + " new names, over the limit of " +
              std::to_string(kMaxMetricsPerJob) + " per job",
          kMaxMetricsPerJob));
    }
    if (target) job.status = *target;
    if (input.progress) job.progress = *input.progress;
    for (const auto& [k, v] : input.metrics) job.metrics[k] = v;
    if (input.error) job.error = *input.error;
    if (job.status == JobStatus::kRunning && !job.started_at_ms) job.started_at_ms = now;
    if (IsTerminal(job.status)) {
      if (!job.started_at_ms) job.started_at_ms = now;
      job.completed_at_ms = now;
      if (job.status == JobStatus::kCompleted) job.progress = 1.0;
      if (job.status == JobStatus::kCancelled) job.cancel_requested = true;
      if (job.status == JobStatus::kFailed && !job.error) job.error = "the worker reported failure";
    }
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
      spdlog::info("job {} {} (reported by {})", job_id, ToString(updated->status), ToString(source));
    }
    Kick();
  }
  return updated;
}

Result<Job> Orchestrator::Cancel(const std::string& job_id, EventSource source) {
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
                     "job_finished").error();
      e.With("status", std::string(ToString(job.status)));
      return std::unexpected(e);
    }
    int64_t now = clock_.NowMs();
    job.status = JobStatus::kCancelled;
    job.cancel_requested = true;
    job.completed_at_ms = now;
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
    Kick();
  }
  return updated;
}

Result<TriggerPreview> Orchestrator::Preview(const std::string& model_id) {
  const ModelSettings* m = FindModel(model_id);
  if (!m) {
    return Fail(ErrorCode::kNotFound, "no model with id '" + model_id + "' is configured", "unknown_model");
  }
  auto state = store_.GetModelState(m->id);
  if (!state) return std::unexpected(state.error());
  auto active = store_.ActiveJob(m->id);
  if (!active) return std::unexpected(active.error());
  auto last = store_.LastJob(m->id);
  if (!last) return std::unexpected(last.error());
  auto head = feed_.Head();
  if (!head) return std::unexpected(head.error());
  auto unseen = feed_.CountUnseen(FeedFilter{m->entity_types}, state->watermark, *head);
  if (!unseen) return std::unexpected(unseen.error());
  TriggerInputs in;
  in.model = m;
  in.unseen = *unseen;
  if (*active) in.active_job_id = (*active)->id;
  if (*last) in.last_job_scheduled_ms = (*last)->scheduled_at_ms;
  in.since_ms = std::max(started_ms_, in.last_job_scheduled_ms.value_or(0));
  in.now_ms = clock_.NowMs();
  TriggerPreview p;
  p.model = m;
  p.watermark = state->watermark;
  p.unseen = *unseen;
  p.active_job_id = in.active_job_id;
  p.automatic = DecideTrigger(in);
  in.manual = true;
  p.manual = DecideTrigger(in);
  return p;
}

Result<std::vector<UnseenQuery>> Orchestrator::UnseenQueries() {
  std::vector<UnseenQuery> queries;
  queries.reserve(options_.models.size());
  for (const auto& m : options_.models) {
    auto state = store_.GetModelState(m.id);
    if (!state) return std::unexpected(state.error());
    queries.push_back({FeedFilter{m.entity_types}, state->watermark});
  }
  return queries;
}

Result<std::vector<ModelOverview>> Orchestrator::Overview() {
  auto head = feed_.Head();
  if (!head) return std::unexpected(head.error());
  auto queries = UnseenQueries();
  if (!queries) return std::unexpected(queries.error());
  // Every model in one feed call (one pass over the feed for Neo4j).
  auto counts = feed_.CountUnseenMany(*queries, *head);
  if (!counts) return std::unexpected(counts.error());
  std::vector<ModelOverview> out;
  out.reserve(options_.models.size());
  for (size_t i = 0; i < options_.models.size(); ++i) {
    const ModelSettings& m = options_.models[i];
    ModelOverview o;
    o.model = &m;
    o.unseen_records = (*counts)[i].count;
    auto active = store_.ActiveJob(m.id);
    if (!active) return std::unexpected(active.error());
    o.active_job = *active;
    auto last = store_.LastJob(m.id);
    if (!last) return std::unexpected(last.error());
    o.last_job = *last;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace retrain
