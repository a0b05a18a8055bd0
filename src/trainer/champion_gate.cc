#include "trainer/champion_gate.h"

#include <cstdio>

#include "trainer/metrics.h"
#include "trainer/xgb_model.h"

namespace retrain {
namespace {

GateDecision PromoteBecause(const ModelVersion& champion, std::string why) {
  GateDecision d;
  d.promote = true;
  d.champion_version = champion.version;
  d.reason = "Promoted to champion because the current champion (version " + champion.version +
             ") " + std::move(why) + ".";
  return d;
}

}  // namespace

std::string MlmodelText(const std::string& run_id) {
  return "artifact_path: model\n"
         "flavors:\n"
         "  python_function:\n"
         "    data: model.json\n"
         "    loader_module: mlflow.xgboost\n"
         "  xgboost:\n"
         "    code: null\n"
         "    data: model.json\n"
         "    model_class: xgboost.core.Booster\n"
         "    model_format: json\n"
         "    xgb_version: " +
         XgboostVersion() +
         "\n"
         "run_id: " +
         run_id + "\n";
}

Result<GateDecision> DecideChampion(const std::optional<ModelVersion>& champion,
                                    ArtifactReader* reader, const Dataset& data,
                                    std::span<const float> challenger, const GateOptions& options) {
  const int64_t holdout_rows = static_cast<int64_t>(data.holdout.rows);
  if (!champion) {
    GateDecision d;
    d.metric = options.metric;
    d.promote = true;
    d.reason =
        "Promoted to champion because the model had no champion yet" +
        std::string(holdout_rows < options.min_holdout
                        ? " (its holdout of " + std::to_string(holdout_rows) +
                              " records is below evaluation.minHoldout " +
                              std::to_string(options.min_holdout) + ", which would keep a champion)"
                        : "") +
        ".";
    return d;
  }
  if (reader == nullptr) return PromoteBecause(*champion, "cannot be read by this worker");
  auto text = reader->ReadArtifact(champion->run_id, kModelArtifactPath);
  if (!text) {
    if (text.error().code != ErrorCode::kNotFound) return std::unexpected(text.error());
    return PromoteBecause(*champion, std::string("has no ") + kModelArtifactPath);
  }
  auto booster = Booster::LoadJson(*text);
  if (!booster) return PromoteBecause(*champion, "is not a loadable XGBoost model");
  auto names = booster->FeatureNames();
  if (!names) return std::unexpected(names.error());
  if (*names != data.feature_names) {
    return PromoteBecause(*champion, "was trained on a different feature set");
  }
  auto holdout = DMatrix::FromMatrix(data.holdout, data.feature_names);
  if (!holdout) return std::unexpected(holdout.error());
  auto scores = booster->Predict(*holdout);
  if (!scores) return std::unexpected(scores.error());
  GateDecision d;
  d.metric = options.metric;
  d.champion_version = champion->version;
  d.champion_value = ComputeMetric(options.metric, *scores, data.holdout.labels);
  std::optional<PairedComparison> comparison;
  if (auto c = ComparePaired(options, *scores, challenger, data.holdout.labels)) {
    comparison = *c;
  } else if (c.error().code != ErrorCode::kFailedPrecondition) {
    return std::unexpected(c.error());
  }
  GateVerdict v = DecidePromotion(options, comparison, holdout_rows, /*has_champion=*/true);
  d.promote = v.promote;
  d.comparison = v.comparison;
  d.reason = v.reason;
  if (!comparison && holdout_rows >= options.min_holdout) {
    d.reason = "Kept the champion (version " + champion->version + "): the " +
               std::string(GateMetricName(options.metric)) +
               " of the two models cannot be compared on this holdout of " +
               std::to_string(holdout_rows) + " records.";
  }
  return d;
}

Result<PublishResult> PublishModel(const PublishRequest& request, Tracker& tracker,
                                   ArtifactReader* reader, ModelRegistry* registry) {
  if (request.data == nullptr) {
    return Fail(ErrorCode::kInternal, "PublishModel was called without a dataset.");
  }
  if (auto s = tracker.LogArtifact(request.run, kModelArtifactPath, request.model_json); !s) {
    return std::unexpected(s.error());
  }
  if (auto s =
          tracker.LogArtifact(request.run, kModelMetaArtifactPath, MlmodelText(request.run.run_id));
      !s) {
    return std::unexpected(s.error());
  }
  if (!request.feature_summary_json.empty()) {
    if (auto s = tracker.LogArtifact(request.run, kFeatureSummaryArtifactPath,
                                     request.feature_summary_json);
        !s) {
      return std::unexpected(s.error());
    }
  }
  PublishResult out;
  if (registry == nullptr) {
    out.gate.reason = "No model registry was given, so the model was logged but not registered.";
    return out;
  }
  if (auto s = registry->EnsureRegisteredModel(request.model_name); !s) {
    return std::unexpected(s.error());
  }
  auto champion = registry->GetByAlias(request.model_name, kChampionAlias);
  if (!champion) return std::unexpected(champion.error());
  auto gate = DecideChampion(*champion, reader, *request.data, request.scores, request.gate);
  if (!gate) return std::unexpected(gate.error());
  out.gate = std::move(*gate);

  const std::string source = request.run.artifact_uri.empty()
                                 ? "runs:/" + request.run.run_id + "/model"
                                 : request.run.artifact_uri + "/model";
  auto version = registry->CreateVersion(request.model_name, source, request.run.run_id);
  if (!version) return std::unexpected(version.error());
  out.version = version->version;
  if (out.gate.promote) {
    if (auto s = registry->SetAlias(request.model_name, kChampionAlias, out.version); !s) {
      return std::unexpected(s.error());
    }
  }
  return out;
}

}  // namespace retrain
