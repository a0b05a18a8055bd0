// The CONTRACT section 5 schema and its resolvers. Every resolver calls the same Orchestrator
// or JobStore method as the matching REST endpoint; this file only maps arguments in and
// values out. Jobs become plain objects (the default resolver reads their fields); events are
// loaded for all jobs of one response level with one JobStore::ListEventsForJobs call.
#include <algorithm>
#include <cctype>
#include <set>

#include "api/cursor.h"
#include "api/graphql_internal.h"
#include "auth/tokens.h"
#include "core/strings.h"
#include "core/time.h"
#include "graphql/error.h"

namespace retrain {
namespace {

using graphql::FieldError;
using graphql::FieldResult;
using graphql::Value;

constexpr int kMaxFirst = 500;
constexpr size_t kMaxReason = 1000;

constexpr std::string_view kSdl = R"graphql(
"An RFC 3339 date-time in UTC with milliseconds, e.g. \"2026-11-26T06:30:00.000Z\"."
scalar DateTime

"The life of a retraining job: PENDING -> SCHEDULED -> RUNNING -> COMPLETED | FAILED | CANCELLED."
enum MLRetrainingStatus { PENDING SCHEDULED RUNNING COMPLETED FAILED CANCELLED }

"One evaluation metric (latest value), e.g. auc."
type MLMetric { name: String! value: Float! }

"One entry of a job's history, oldest first."
type MLRetrainingEvent {
  seq: Int!
  at: DateTime!
  "The status the job moved to with this event, if it changed."
  status: MLRetrainingStatus
  progress: Float
  message: String
  "worker | executor | api | system"
  source: String!
  metrics: [MLMetric!]!
}

"A retraining run of one model over a contiguous window of unseen feed records."
type MLRetrainingJob {
  id: ID!
  modelId: ID!
  status: MLRetrainingStatus!
  reason: String
  "automatic | manual | graphql | drift"
  trigger: String!
  "Feed records in the job's data window (the trigger window)."
  records: Int!
  dataWindowStart: DateTime
  dataWindowEnd: DateTime
  "Records the worker trained and judged on (its training range; null until it reports)."
  trainingRecords: Int
  "When the oldest record of the training range landed."
  trainingWindowStart: DateTime
  "When the newest record of the training range landed."
  trainingWindowEnd: DateTime
  "The feed-processor ingestion jobs the window covers."
  ingestionJobs: [String!]!
  scheduledAt: DateTime!
  startedAt: DateTime
  completedAt: DateTime
  "local | kubernetes"
  executor: String!
  kubernetesJobName: String
  kubernetesNamespace: String
  mlflowRunId: String
  progress: Float
  "Latest value of each metric, sorted by name."
  metrics: [MLMetric!]!
  error: String
  events: [MLRetrainingEvent!]!
}

"A configured model and its retraining state."
type MLModel {
  id: ID!
  minRecords: Int!
  "Feed records not yet in any successful job's window."
  unseenRecords: Int!
  "The model's pending, scheduled or running job."
  activeJob: MLRetrainingJob
  "The model's most recent jobs, newest first (first: 1 to 500)."
  jobs(first: Int = 10): [MLRetrainingJob!]!
  """
  The model's promotion history, newest first (first: 1 to 500): every move of its MLflow
  alias `champion`, automatic or manual, with the time range each version was champion.
  """
  champions(first: Int = 50): [MLChampion!]!
  "The drift trigger (trigger.drift) and its last reading; null when the model has none."
  drift: MLModelDrift
}

"""
The population stability index (PSI) of the model's watched features between the champion's
training data and the unseen records. A job starts (trigger `drift`) when the largest PSI
reaches `threshold` with at least `minRecords` records unseen.
"""
type MLModelDrift {
  threshold: Float!
  minRecords: Int!
  "The features configured to watch; empty means every feature of the champion's summary."
  watchedFeatures: [String!]!
  "The champion version whose training data is the reference; null when there is none."
  championVersion: String
  "Unseen records measured."
  records: Int!
  maxPsi: Float
  maxPsiFeature: String
  "Why there is no reading, when there is none."
  note: String
  "Each watched feature, highest PSI first."
  features: [MLFeatureDrift!]!
}

type MLFeatureDrift {
  feature: String!
  psi: Float!
  "Unseen records that have the feature."
  records: Int!
}

"One move of a model's `champion` alias: which version was champion from when to when, and why."
type MLChampion {
  "The registered model version (MLflow) that became champion."
  version: String!
  "The champion it replaced."
  previousVersion: String
  "automatic | manual | rollback"
  source: String!
  reason: String!
  "The job whose worker promoted it (automatic moves)."
  jobId: ID
  from: DateTime!
  "When the next move replaced it; null for the current champion."
  to: DateTime
  current: Boolean!
}

"What promoteMLModel or rollbackMLModel did."
type MLChampionMove {
  "False when the version already was the champion (nothing was written)."
  changed: Boolean!
  message: String!
  "The champion after the move."
  champion: MLChampion!
}

type Query {
  """
  Jobs, newest first. `first`: 1 to 500. `after`: a cursor from the REST API's nextCursor, or
  the id of the last job of the previous page.
  """
  mlRetrainingJobs(modelId: ID, status: MLRetrainingStatus, first: Int = 50, after: String): [MLRetrainingJob!]!
  "A job by id; null when there is no such job."
  mlRetrainingJob(jobId: ID!): MLRetrainingJob
  "Every configured model."
  mlModels: [MLModel!]!
}

type Mutation {
  """
  Starts a retraining job for a model, under the same rules as POST /models/{modelId}/retrain:
  INSUFFICIENT_DATA (unseenRecords, minRecords), JOB_ACTIVE (jobId), UNKNOWN_MODEL.
  `force` lowers the threshold to one unseen record.
  """
  triggerMLRetraining(modelId: ID!, reason: String, force: Boolean = false): MLRetrainingJob!
  "Cancels an active job (JOB_NOT_FOUND, JOB_FINISHED)."
  cancelMLRetraining(jobId: ID!): MLRetrainingJob!
  """
  Makes a registered version the champion, as POST /models/{modelId}/promote: moves the MLflow
  alias, tags the version and records the move (UNKNOWN_MODEL, VERSION_NOT_FOUND, NO_REGISTRY;
  BAD_USER_INPUT for a blank reason or one over 1000 characters).
  """
  promoteMLModel(modelId: ID!, version: String!, reason: String!): MLChampionMove!
  """
  Moves the champion back to the version that was champion before the current one, as
  POST /models/{modelId}/rollback (NO_PREVIOUS_CHAMPION, UNKNOWN_MODEL, NO_REGISTRY).
  """
  rollbackMLModel(modelId: ID!, reason: String!): MLChampionMove!
}
)graphql";

Value OptString(const std::optional<std::string>& s) { return s ? Value(*s) : Value(); }
Value OptTime(const std::optional<int64_t>& ms) { return ms ? Value(FormatRfc3339(*ms)) : Value(); }
Value OptNumber(const std::optional<double>& d) { return d ? Value(*d) : Value(); }

// [MLMetric] sorted by name (std::map order).
Value MetricsValue(const std::map<std::string, double>& metrics) {
  Value::List out;
  out.reserve(metrics.size());
  for (const auto& [name, value] : metrics) {
    Value m = Value::EmptyObject();
    m.Set("name", name);
    m.Set("value", value);
    out.push_back(std::move(m));
  }
  return Value(std::move(out));
}

Value JobValue(const Job& j) {
  Value v = Value::EmptyObject();
  v.Set("id", j.id);
  v.Set("modelId", j.model_id);
  v.Set("status", AsciiUpper(ToString(j.status)));
  v.Set("reason", OptString(j.reason));
  v.Set("trigger", std::string(ToString(j.trigger)));
  v.Set("records", j.window.records);
  v.Set("dataWindowStart", OptTime(j.window.start_ms));
  v.Set("dataWindowEnd", OptTime(j.window.end_ms));
  const TrainingRange training = TrainingRangeOf(j);
  v.Set("trainingRecords", training.records ? Value(*training.records) : Value());
  v.Set("trainingWindowStart", OptTime(training.start_ms));
  v.Set("trainingWindowEnd", OptTime(training.end_ms));
  Value::List ingestion;
  for (const auto& [name, count] : j.window.ingestion_jobs) ingestion.emplace_back(name);
  v.Set("ingestionJobs", Value(std::move(ingestion)));
  v.Set("scheduledAt", FormatRfc3339(j.scheduled_at_ms));
  v.Set("startedAt", OptTime(j.started_at_ms));
  v.Set("completedAt", OptTime(j.completed_at_ms));
  v.Set("executor", j.executor);
  v.Set("kubernetesJobName", OptString(j.kubernetes_job_name));
  v.Set("kubernetesNamespace", OptString(j.kubernetes_namespace));
  v.Set("mlflowRunId", OptString(j.mlflow_run_id));
  v.Set("progress", OptNumber(j.progress));
  v.Set("metrics", MetricsValue(j.metrics));
  v.Set("error", OptString(j.error));
  return v;
}

Value EventValue(const JobEvent& e) {
  Value v = Value::EmptyObject();
  v.Set("seq", e.seq);
  v.Set("at", FormatRfc3339(e.at_ms));
  v.Set("status", e.status ? Value(AsciiUpper(ToString(*e.status))) : Value());
  v.Set("progress", OptNumber(e.progress));
  v.Set("message", OptString(e.message));
  v.Set("source", std::string(ToString(e.source)));
  v.Set("metrics", MetricsValue(e.metrics));
  return v;
}

Value ChampionValue(const ChampionPeriod& period) {
  const Promotion& p = period.promotion;
  Value v = Value::EmptyObject();
  v.Set("version", p.version);
  v.Set("previousVersion", OptString(p.previous_version));
  v.Set("source", std::string(ToString(p.source)));
  v.Set("reason", p.reason);
  v.Set("jobId", OptString(p.job_id));
  v.Set("from", FormatRfc3339(p.at_ms));
  v.Set("to", OptTime(period.to_ms));
  v.Set("current", period.current);
  return v;
}

Value ChampionMoveValue(const ChampionMove& move) {
  Value v = Value::EmptyObject();
  v.Set("changed", move.changed);
  v.Set("message", move.message);
  v.Set("champion", ChampionValue(ChampionPeriod{move.promotion, std::nullopt, true}));
  return v;
}

Value JobList(const std::vector<Job>& jobs) {
  Value::List out;
  out.reserve(jobs.size());
  for (const auto& j : jobs) out.push_back(JobValue(j));
  return Value(std::move(out));
}

// A project error as a field error: its message, extensions.code = SCREAMING api_code, and the
// REST error details as further extension members.
std::unexpected<FieldError> Failure(const Error& e) {
  FieldError fe;
  fe.message = e.message;
  fe.code = ScreamingCode(e.api_code.empty() ? CodeName(e.code) : e.api_code);
  if (!e.details.empty()) {
    fe.extensions = Value::EmptyObject();
    for (const auto& [key, detail] : e.details) {
      fe.extensions.Set(key, std::visit([](const auto& d) { return Value(d); }, detail));
    }
  }
  return std::unexpected(std::move(fe));
}

std::unexpected<FieldError> BadInput(const std::string& argument, std::string message) {
  FieldError fe{std::move(message), graphql::kCodeBadUserInput, Value::EmptyObject()};
  fe.extensions.Set("argument", argument);
  return std::unexpected(std::move(fe));
}

// A string argument, or nullopt when absent or null.
std::optional<std::string> StringArg(const Value& args, std::string_view name) {
  const Value* v = args.Find(name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return v->AsString();
}

// `first`: absent or null -> `fallback`; otherwise 1..kMaxFirst.
std::expected<int, FieldError> FirstArg(const Value& args, int fallback) {
  const Value* v = args.Find("first");
  if (v == nullptr || v->IsNull()) return fallback;
  if (!v->IsInt() || v->AsInt() < 1 || v->AsInt() > kMaxFirst) {
    return BadInput("first", "\"first\" must be from 1 to " + std::to_string(kMaxFirst) + "; got " +
                                 graphql::Inspect(*v) + ".");
  }
  return static_cast<int>(v->AsInt());
}

FieldResult JobsQuery(JobStore& store, const Value& args) {
  JobFilter f;
  f.model_id = StringArg(args, "modelId");
  if (auto status = StringArg(args, "status")) f.status = ParseStatus(AsciiLower(*status));
  auto first = FirstArg(args, 50);
  if (!first) return std::unexpected(first.error());
  f.limit = *first;
  if (auto after = StringArg(args, "after"); after && !after->empty()) {
    f.before_seq = DecodeCursor(*after);
    if (!f.before_seq) {
      // The id of the last job of the previous page works as well.
      auto job = store.GetJob(*after);
      if (!job && job.error().code != ErrorCode::kNotFound) return Failure(job.error());
      if (!job) {
        return BadInput("after", "\"after\" must be a cursor from this server or a job id; got \"" +
                                     *after + "\".");
      }
      f.before_seq = job->seq;
    }
  }
  auto page = store.ListJobs(f);
  if (!page) return Failure(page.error());
  return JobList(page->jobs);
}

FieldResult JobQuery(JobStore& store, const Value& args) {
  auto job = store.GetJob(StringArg(args, "jobId").value_or(""));
  if (!job) {
    if (job.error().code == ErrorCode::kNotFound) return Value();
    return Failure(job.error());
  }
  return JobValue(*job);
}

Value DriftValue(const ModelSettings& model, const std::optional<DriftStatus>& s) {
  if (!model.drift) return Value();
  Value d = Value::EmptyObject();
  d.Set("threshold", model.drift->threshold);
  d.Set("minRecords", model.drift->min_records);
  Value::List watched;
  for (const auto& f : model.drift->features) watched.emplace_back(f);
  d.Set("watchedFeatures", Value(std::move(watched)));
  d.Set("championVersion",
        s && !s->champion_version.empty() ? Value(s->champion_version) : Value());
  d.Set("records", s ? s->records : int64_t{0});
  const bool reading = s && !s->features.empty();
  d.Set("maxPsi", reading ? Value(s->features.front().psi) : Value());
  d.Set("maxPsiFeature", reading ? Value(s->features.front().feature) : Value());
  d.Set("note", !s                ? Value("not measured yet: the trigger pass has not run")
                : s->note.empty() ? Value()
                                  : Value(s->note));
  Value::List features;
  if (s) {
    for (const auto& f : s->features) {
      Value v = Value::EmptyObject();
      v.Set("feature", f.feature);
      v.Set("psi", f.psi);
      v.Set("records", f.records);
      features.push_back(std::move(v));
    }
  }
  d.Set("features", Value(std::move(features)));
  return d;
}

FieldResult ModelsQuery(Orchestrator& orchestrator) {
  auto overview = orchestrator.reads().Overview();
  if (!overview) return Failure(overview.error());
  Value::List out;
  for (const auto& o : *overview) {
    Value m = Value::EmptyObject();
    m.Set("id", o.model->id);
    m.Set("minRecords", o.model->min_records);
    m.Set("unseenRecords", o.unseen_records);
    m.Set("activeJob", o.active_job ? JobValue(*o.active_job) : Value());
    m.Set("drift", DriftValue(*o.model, o.drift));
    out.push_back(std::move(m));
  }
  return Value(std::move(out));
}

// MLModel.jobs for every model of the level. The store lists one model's jobs per call (a keyset
// range on an index), so this is one call per configured model.
std::vector<FieldResult> ModelJobs(JobStore& store, std::span<const Value> models,
                                   const Value& args) {
  std::vector<FieldResult> out;
  out.reserve(models.size());
  auto first = FirstArg(args, 10);
  for (const Value& model : models) {
    if (!first) {
      out.emplace_back(std::unexpected(first.error()));
      continue;
    }
    JobFilter f;
    f.model_id = StringArg(model, "id");
    f.limit = *first;
    auto page = store.ListJobs(f);
    if (!page) {
      out.emplace_back(Failure(page.error()));
      continue;
    }
    out.emplace_back(JobList(page->jobs));
  }
  return out;
}

// MLRetrainingJob.events for every job of the level, with one store call.
std::vector<FieldResult> JobEvents(JobStore& store, std::span<const Value> jobs) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const Value& job : jobs) {
    auto id = StringArg(job, "id");
    if (id && seen.insert(*id).second) ids.push_back(*id);
  }
  std::vector<FieldResult> out;
  out.reserve(jobs.size());
  auto loaded = store.ListEventsForJobs(ids);
  if (!loaded) {
    for (size_t i = 0; i < jobs.size(); ++i) out.emplace_back(Failure(loaded.error()));
    return out;
  }
  std::map<std::string, const std::vector<JobEvent>*> by_id;
  for (const auto& [id, events] : *loaded) by_id[id] = &events;
  for (const Value& job : jobs) {
    Value::List list;
    auto it = by_id.find(StringArg(job, "id").value_or(""));
    if (it != by_id.end()) {
      for (const auto& e : *it->second) list.push_back(EventValue(e));
    }
    out.emplace_back(Value(std::move(list)));
  }
  return out;
}

// Refuses a mutation the caller's role does not grant (FORBIDDEN). The API edge puts the role in
// the context; an empty one means the API is open.
std::optional<graphql::FieldError> Forbidden(const graphql::Context& ctx, Role needed,
                                             const std::string& what) {
  const auto* role = std::any_cast<std::string>(&ctx.user);
  if (!role || role->empty()) return std::nullopt;
  auto held = ParseRole(*role);
  if (held && Grants(*held, needed)) return std::nullopt;
  return graphql::FieldError{
      what + " needs the " + std::string(ToString(needed)) + " role; this token has role " + *role,
      "FORBIDDEN",
      {}};
}

FieldResult TriggerMutation(Orchestrator& orchestrator, const Value& args,
                            const graphql::Context& ctx) {
  std::string model_id = StringArg(args, "modelId").value_or("");
  std::optional<std::string> reason = StringArg(args, "reason");
  if (reason && reason->size() > kMaxReason) {
    return BadInput("reason",
                    "\"reason\" must be at most " + std::to_string(kMaxReason) + " characters.");
  }
  const Value* force = args.Find("force");
  bool forced = force != nullptr && force->IsBool() && force->AsBool();
  if (auto no = Forbidden(ctx, forced ? Role::kAdmin : Role::kTrigger,
                          forced ? "triggerMLRetraining with force" : "triggerMLRetraining")) {
    return std::unexpected(*no);
  }
  auto triggered = orchestrator.commands().Trigger(
      {.model_id = model_id, .kind = TriggerKind::kGraphql, .reason = reason, .force = forced});
  if (!triggered) return Failure(triggered.error());
  return JobValue(triggered->job);
}

FieldResult CancelMutation(Orchestrator& orchestrator, const Value& args,
                           const graphql::Context& ctx) {
  if (auto no = Forbidden(ctx, Role::kTrigger, "cancelMLRetraining")) return std::unexpected(*no);
  auto job =
      orchestrator.commands().Cancel(StringArg(args, "jobId").value_or(""), EventSource::kApi);
  if (!job) return Failure(job.error());
  return JobValue(*job);
}

// MLModel.champions: the history of one model (one store call per model of the level).
FieldResult ModelChampions(Orchestrator& orchestrator, const Value& model, const Value& args) {
  auto first = FirstArg(args, 50);
  if (!first) return std::unexpected(first.error());
  auto history = orchestrator.champions().History(StringArg(model, "id").value_or(""), *first);
  if (!history) return Failure(history.error());
  Value::List out;
  out.reserve(history->size());
  for (const auto& period : *history) out.push_back(ChampionValue(period));
  return Value(std::move(out));
}

// A move's reason: not blank, at most kMaxPromotionReason characters.
std::optional<std::unexpected<FieldError>> CheckMoveReason(const std::optional<std::string>& r) {
  if (!r || r->find_first_not_of(" \t\r\n") == std::string::npos) {
    return BadInput("reason", "\"reason\" is required: say why the champion moves.");
  }
  if (r->size() > kMaxPromotionReason) {
    return BadInput("reason", "\"reason\" must be at most " + std::to_string(kMaxPromotionReason) +
                                  " characters.");
  }
  return std::nullopt;
}

FieldResult PromoteMutation(Orchestrator& orchestrator, const Value& args,
                            const graphql::Context& ctx) {
  if (auto no = Forbidden(ctx, Role::kAdmin, "promoteMLModel")) return std::unexpected(*no);
  std::optional<std::string> reason = StringArg(args, "reason");
  if (auto bad = CheckMoveReason(reason)) return *bad;
  auto moved = orchestrator.champions().Promote(StringArg(args, "modelId").value_or(""),
                                                StringArg(args, "version").value_or(""), *reason);
  if (!moved) return Failure(moved.error());
  return ChampionMoveValue(*moved);
}

FieldResult RollbackMutation(Orchestrator& orchestrator, const Value& args,
                             const graphql::Context& ctx) {
  if (auto no = Forbidden(ctx, Role::kAdmin, "rollbackMLModel")) return std::unexpected(*no);
  std::optional<std::string> reason = StringArg(args, "reason");
  if (auto bad = CheckMoveReason(reason)) return *bad;
  auto moved = orchestrator.champions().Rollback(StringArg(args, "modelId").value_or(""), *reason);
  if (!moved) return Failure(moved.error());
  return ChampionMoveValue(*moved);
}

graphql::ScalarCoercion DateTimeCoercion() {
  graphql::ScalarCoercion c;
  c.serialize = [](const Value& v) -> std::expected<Value, std::string> {
    if (v.IsString()) return v;
    return std::unexpected("DateTime cannot represent value: " + graphql::Inspect(v));
  };
  c.parse_value = [](const Value& v) -> std::expected<Value, std::string> {
    if (v.IsString()) {
      if (auto ms = ParseRfc3339(v.AsString())) return Value(FormatRfc3339(*ms));
    }
    return std::unexpected("DateTime must be an RFC 3339 date-time string; got " +
                           graphql::Inspect(v));
  };
  return c;
}

}  // namespace

std::string_view GraphqlSdl() { return kSdl; }

Result<std::unique_ptr<graphql::Schema>> BuildGraphqlSchema(Orchestrator& orchestrator,
                                                            JobStore& store) {
  auto schema = graphql::Schema::FromSdl(kSdl);
  if (!schema) return std::unexpected(schema.error());
  graphql::Schema& s = **schema;
  Orchestrator* o = &orchestrator;
  JobStore* st = &store;
  using graphql::Context;
  std::vector<Status> bound = {
      s.SetScalarCoercion("DateTime", DateTimeCoercion()),
      s.SetResolver("Query.mlRetrainingJobs",
                    [st](const Value&, const Value& a, Context&) { return JobsQuery(*st, a); }),
      s.SetResolver("Query.mlRetrainingJob",
                    [st](const Value&, const Value& a, Context&) { return JobQuery(*st, a); }),
      s.SetResolver("Query.mlModels",
                    [o](const Value&, const Value&, Context&) { return ModelsQuery(*o); }),
      s.SetBatchResolver("MLModel.jobs", [st](std::span<const Value> p, const Value& a,
                                              Context&) { return ModelJobs(*st, p, a); }),
      s.SetBatchResolver("MLRetrainingJob.events", [st](std::span<const Value> p, const Value&,
                                                        Context&) { return JobEvents(*st, p); }),
      s.SetResolver(
          "Mutation.triggerMLRetraining",
          [o](const Value&, const Value& a, Context& c) { return TriggerMutation(*o, a, c); }),
      s.SetResolver(
          "Mutation.cancelMLRetraining",
          [o](const Value&, const Value& a, Context& c) { return CancelMutation(*o, a, c); }),
      s.SetResolver("MLModel.champions", [o](const Value& p, const Value& a,
                                             Context&) { return ModelChampions(*o, p, a); }),
      s.SetResolver(
          "Mutation.promoteMLModel",
          [o](const Value&, const Value& a, Context& c) { return PromoteMutation(*o, a, c); }),
      s.SetResolver(
          "Mutation.rollbackMLModel",
          [o](const Value&, const Value& a, Context& c) { return RollbackMutation(*o, a, c); }),
  };
  for (auto& b : bound) {
    if (!b) return std::unexpected(b.error());
  }
  return std::move(*schema);
}

}  // namespace retrain
