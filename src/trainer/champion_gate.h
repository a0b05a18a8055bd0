#pragma once
// Publishing a trained model to MLflow and the champion gate (CONTRACT section 8): the model is
// logged as an artifact of the job's run, registered as a new version of registered model
// <modelId>, and alias `champion` moves to it only when it beats the current champion on the
// same holdout.

#include <optional>
#include <string>

#include "core/error.h"
#include "tracking/tracker.h"
#include "trainer/dataset.h"

namespace retrain {

inline constexpr char kModelArtifactPath[] = "model/model.json";
inline constexpr char kModelMetaArtifactPath[] = "model/MLmodel";
inline constexpr char kChampionAlias[] = "champion";

struct GateDecision {
  bool promote = false;
  std::optional<std::string> champion_version;  // the champion before this run, if any
  std::optional<double> champion_auc;           // its AUC on this holdout, when evaluated
  std::string reason;                           // one sentence, for the job's final event
};

// Compares the new model (AUC `new_auc` on `data.holdout`) with `champion`:
//   no champion                         -> promote
//   champion model missing (no reader, or ReadArtifact kNotFound) or not loadable -> promote
//   champion features != data.feature_names -> promote (the feature set changed)
//   otherwise evaluate the champion on data.holdout; promote iff new_auc > champion AUC (a tie
//   keeps the champion).
// Errors: other ReadArtifact errors (e.g. kUnavailable) and prediction failures, unchanged.
[[nodiscard]] Result<GateDecision> DecideChampion(const std::optional<ModelVersion>& champion,
                                                  ArtifactReader* reader, const Dataset& data,
                                                  double new_auc);

struct PublishRequest {
  std::string model_name;  // registered model name (MODEL_ID)
  RunRef run;              // the job's run; artifact_uri may be ""
  std::string model_json;  // XGBoost JSON model
  const Dataset* data = nullptr;  // holdout and feature names; must not be null
  double new_auc = 0;
};

struct PublishResult {
  std::string version;  // the registered version ("" when no registry was given)
  GateDecision gate;
};

// Logs model/model.json and model/MLmodel through `tracker`; then, when `registry` is given,
// ensures the registered model, reads the champion, decides (DecideChampion), registers the new
// version (source "<artifact_uri>/model", or "runs:/<run_id>/model" without an artifact URI)
// and points `champion` at it when promoted. Without a registry nothing is registered and the
// decision says so (promote = false). Errors: those of the tracker, registry and reader.
[[nodiscard]] Result<PublishResult> PublishModel(const PublishRequest& request, Tracker& tracker,
                                                 ArtifactReader* reader, ModelRegistry* registry);

// The MLmodel metadata text written beside the model (xgboost flavour, JSON format).
std::string MlmodelText(const std::string& run_id);

}  // namespace retrain
