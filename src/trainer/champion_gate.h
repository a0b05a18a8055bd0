#pragma once
// Publishing a trained model to MLflow and the champion gate (CONTRACT section 8): the model is
// logged as an artifact of the job's run, registered as a new version of registered model
// <modelId>, and alias `champion` moves to it only when it beats the current champion on the
// same holdout by the statistics of trainer/gate_stats.h.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "tracking/tracker.h"
#include "trainer/dataset.h"
#include "trainer/gate_stats.h"

namespace retrain {

inline constexpr char kModelArtifactPath[] = "model/model.json";
inline constexpr char kModelMetaArtifactPath[] = "model/MLmodel";
inline constexpr char kChampionAlias[] = "champion";

struct GateDecision {
  bool promote = false;
  std::optional<std::string> champion_version;  // the champion before this run, if any
  GateMetric metric = GateMetric::kAuc;
  std::optional<double> champion_value;        // its metric on this holdout, when evaluated
  std::optional<PairedComparison> comparison;  // the paired bootstrap, when one was made
  std::string reason;                          // one sentence, for the job's final event
};

// Compares the challenger (probabilities `challenger` on `data.holdout`, one per row) with
// `champion` under `options` (trainer/gate_stats.h):
//   no champion                         -> promote (the first version becomes champion)
//   champion model missing (no reader, or ReadArtifact kNotFound) or not loadable -> promote
//   champion features != data.feature_names -> promote (the feature set changed)
//   otherwise score the champion on the same holdout and decide by DecidePromotion: never on a
//   holdout smaller than options.min_holdout; else only when the metric improves by at least
//   options.min_delta and the lower bound of the paired bootstrap interval is above zero.
// Errors: other ReadArtifact errors (e.g. kUnavailable) and prediction failures, unchanged.
[[nodiscard]] Result<GateDecision> DecideChampion(const std::optional<ModelVersion>& champion,
                                                  ArtifactReader* reader, const Dataset& data,
                                                  std::span<const float> challenger,
                                                  const GateOptions& options);

struct PublishRequest {
  std::string model_name;         // registered model name (MODEL_ID)
  RunRef run;                     // the job's run; artifact_uri may be ""
  std::string model_json;         // XGBoost JSON model
  const Dataset* data = nullptr;  // holdout and feature names; must not be null
  std::vector<float> scores;      // the new model's probabilities on data->holdout
  GateOptions gate;
  std::string feature_summary_json;  // logged as model/feature_summary.json unless empty
};

struct PublishResult {
  std::string version;  // the registered version ("" when no registry was given)
  GateDecision gate;
};

// Logs model/model.json, model/MLmodel and model/feature_summary.json through `tracker`; then, when
// `registry` is given, ensures the registered model, reads the champion, decides (DecideChampion),
// registers the new version (source "<artifact_uri>/model", or "runs:/<run_id>/model" without an
// artifact URI) and points `champion` at it when promoted. Without a registry nothing is registered
// and the decision says so (promote = false). Errors: those of the tracker, registry and reader.
[[nodiscard]] Result<PublishResult> PublishModel(const PublishRequest& request, Tracker& tracker,
                                                 ArtifactReader* reader, ModelRegistry* registry);

// The MLmodel metadata text written beside the model (xgboost flavour, JSON format).
std::string MlmodelText(const std::string& run_id);

}  // namespace retrain
