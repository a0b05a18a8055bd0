#include "orchestrator/read_models.h"

namespace retrain {

ReadModels::ReadModels(const std::vector<ModelSettings>& models, JobStore& store, FeedSource& feed,
                       int64_t started_ms, const Clock& clock, const DriftMonitor* drift)
    : models_(models),
      store_(store),
      feed_(feed),
      started_ms_(started_ms),
      clock_(clock),
      drift_(drift) {}

Result<TriggerPreview> ReadModels::Preview(const std::string& model_id) {
  const ModelSettings* m = FindModel(models_, model_id);
  if (!m) {
    Error e = Fail(ErrorCode::kNotFound, "no model with id '" + model_id + "' is configured",
                   "unknown_model")
                  .error();
    e.With("modelId", model_id);
    return std::unexpected(e);
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
  TriggerInputs in = MakeTriggerInputs(*m, *unseen, *active, *last, started_ms_, clock_.NowMs());
  TriggerPreview p;
  p.model = m;
  p.watermark = state->watermark;
  p.unseen = *unseen;
  p.active_job_id = in.active_job_id;
  if (m->drift && drift_) {
    p.drift = drift_->Status(m->id);
    if (p.drift) in.drift = p.drift->SignalAfter(state->watermark);
  }
  p.automatic = DecideTrigger(in);
  in.manual = true;
  p.manual = DecideTrigger(in);
  return p;
}

Result<std::vector<UnseenQuery>> ReadModels::UnseenQueries() {
  std::vector<UnseenQuery> queries;
  queries.reserve(models_.size());
  for (const auto& m : models_) {
    auto state = store_.GetModelState(m.id);
    if (!state) return std::unexpected(state.error());
    queries.push_back({FeedFilter{m.entity_types}, state->watermark});
  }
  return queries;
}

Result<std::vector<ModelOverview>> ReadModels::Overview() {
  auto head = feed_.Head();
  if (!head) return std::unexpected(head.error());
  auto queries = UnseenQueries();
  if (!queries) return std::unexpected(queries.error());
  // Every model in one feed call (one pass over the feed for Neo4j).
  auto counts = feed_.CountUnseenMany(*queries, *head);
  if (!counts) return std::unexpected(counts.error());
  std::vector<ModelOverview> out;
  out.reserve(models_.size());
  for (size_t i = 0; i < models_.size(); ++i) {
    const ModelSettings& m = models_[i];
    ModelOverview o;
    o.model = &m;
    o.unseen_records = (*counts)[i].count;
    auto active = store_.ActiveJob(m.id);
    if (!active) return std::unexpected(active.error());
    o.active_job = *active;
    auto last = store_.LastJob(m.id);
    if (!last) return std::unexpected(last.error());
    o.last_job = *last;
    if (m.drift && drift_) o.drift = drift_->Status(m.id);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace retrain
