#include "trainer/champion_gate.h"

#include <cstdio>

#include "trainer/metrics.h"
#include "trainer/xgb_model.h"

namespace retrain {
namespace {

std::string FormatAuc(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

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
                                    ArtifactReader* reader, const Dataset& data, double new_auc) {
  if (!champion) {
    GateDecision d;
    d.promote = true;
    d.reason = "Promoted to champion because the model had no champion yet.";
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
  const auto champion_auc = Auc(*scores, data.holdout.labels);
  if (!champion_auc) {
    return Fail(ErrorCode::kFailedPrecondition,
                "The champion's AUC on the holdout is undefined (the holdout lacks a class).");
  }
  GateDecision d;
  d.champion_version = champion->version;
  d.champion_auc = *champion_auc;
  d.promote = new_auc > *champion_auc;
  const std::string comparison = "holdout AUC " + FormatAuc(new_auc) +
                                 (d.promote ? " beats " : " does not beat ") + "the champion's " +
                                 FormatAuc(*champion_auc) + " (version " + champion->version + ")";
  d.reason = d.promote ? "Promoted to champion: " + comparison + "."
                       : "Kept the current champion: " + comparison + ".";
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
  if (auto s = tracker.LogArtifact(request.run, kModelMetaArtifactPath,
                                   MlmodelText(request.run.run_id));
      !s) {
    return std::unexpected(s.error());
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
  auto gate = DecideChampion(*champion, reader, *request.data, request.new_auc);
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
