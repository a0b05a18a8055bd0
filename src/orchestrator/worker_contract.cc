#include "orchestrator/worker_contract.h"

#include <array>

namespace retrain {

namespace {

constexpr std::array kContract = {
    ContractVariable{"MODEL_ID", "orchestrator",
                     "the model's `id`; also the registered model's name"},
    ContractVariable{"RETRAINING_JOB_ID", "orchestrator", "the job"},
    ContractVariable{"RETRAINING_ATTEMPT", "orchestrator",
                     "the attempt, from 1; the callback token is valid for this attempt only"},
    ContractVariable{"RETRAINING_WINDOW_AFTER", "orchestrator",
                     "the window's exclusive start cursor (`\"\"`: the feed's start)"},
    ContractVariable{"RETRAINING_WINDOW_UPTO", "orchestrator", "the window's inclusive end cursor"},
    ContractVariable{"DATA_WINDOW_START, DATA_WINDOW_END", "orchestrator",
                     "when the window's first and last record landed (RFC 3339 UTC); `lookback` "
                     "counts back from the end"},
    ContractVariable{"RETRAINING_ENTITY_TYPES", "orchestrator",
                     "the model's `entityTypes`, comma-separated; empty: every record"},
    ContractVariable{"RETRAINING_RECORD_COUNT", "orchestrator",
                     "records the orchestrator counted in the window; a worker that reads another "
                     "number fails"},
    ContractVariable{"RETRAINING_REASON", "orchestrator",
                     "the trigger's reason (`manual backfill`, a drift reading, ...)"},
    ContractVariable{"RETRAINING_TRIGGER", "orchestrator",
                     "`automatic`, `drift`, `manual` or `graphql`"},
    ContractVariable{"RETRAINING_FEED_URI", "orchestrator",
                     "the feed: `embedded:PATH`, `fixtures:DIR`, or the Neo4j URI"},
    ContractVariable{"NEO4J_USER, NEO4J_PASSWORD", "orchestrator, with `feed.source: neo4j`",
                     "the feed's credentials"},
    ContractVariable{"RETRAINING_CALLBACK_URL", "orchestrator",
                     "`server.publicUrl` + `/retraining/jobs/{jobId}/events`, where events go"},
    ContractVariable{"RETRAINING_CALLBACK_TOKEN",
                     "executor (local: the environment; Kubernetes: a per-Job Secret)",
                     "the attempt's token, sent as `Authorization: Bearer`"},
    ContractVariable{"RETRAINING_CA_FILE", "orchestrator, with `server.tls.ca`",
                     "the CA bundle to verify an `https://` callback URL with"},
    ContractVariable{"MLFLOW_TRACKING_URI", "orchestrator, when tracking is on",
                     "the MLflow store (a path: the file store)"},
    ContractVariable{"MLFLOW_EXPERIMENT_ID, MLFLOW_RUN_ID", "orchestrator",
                     "the job's run, created before the worker starts"},
    ContractVariable{"RETRAINING_HOLDOUT_FRACTION",
                     "orchestrator, with `evaluation.holdoutFraction`",
                     "the newest fraction held out (else `TRAINER_HOLDOUT_FRACTION`, else 0.2)"},
    ContractVariable{"RETRAINING_MIN_HOLDOUT", "orchestrator",
                     "`evaluation.minHoldout`: smaller holdouts never promote"},
    ContractVariable{"RETRAINING_PROMOTION_METRIC", "orchestrator",
                     "`promotion.metric`: `auc`, `logloss`, `accuracy` or `f1`"},
    ContractVariable{"RETRAINING_PROMOTION_MIN_DELTA, RETRAINING_PROMOTION_CONFIDENCE",
                     "orchestrator", "`promotion.minDelta`, `promotion.confidence`"},
    ContractVariable{"RETRAINING_PROMOTION_RESAMPLES, RETRAINING_PROMOTION_SEED", "orchestrator",
                     "the bootstrap's resamples and seed"},
    ContractVariable{"RETRAINING_TRAINING_POLICY", "orchestrator",
                     "`training.policy`: `window`, `cumulative` or `lookback`"},
    ContractVariable{"RETRAINING_TRAINING_LOOKBACK_MS, RETRAINING_TRAINING_MAX_RECORDS",
                     "orchestrator, when set", "the training range's time and count limits"},
    ContractVariable{"TRAINER_<PARAM>", "orchestrator, from `params:`",
                     "trainer parameters, the key upper-cased (`max_iter` -> `TRAINER_MAX_ITER`)"},
    ContractVariable{"PATH, HOME, LANG, TZ", "local executor",
                     "passed on from `retrain serve`'s environment; nothing else is"},
};

template <typename F>
void ForEachName(std::string_view names, F f) {
  while (!names.empty()) {
    size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    while (name.starts_with(' ')) name.remove_prefix(1);
    f(name);
    names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
  }
}

}  // namespace

std::span<const ContractVariable> WorkerContract() { return kContract; }

bool InWorkerContract(std::string_view variable) {
  bool found = false;
  for (const auto& row : kContract) {
    ForEachName(row.names, [&](std::string_view name) {
      if (name == variable) found = true;
      if (name.ends_with("<PARAM>") && variable.starts_with(name.substr(0, name.size() - 7))) {
        found = true;
      }
    });
  }
  return found;
}

std::string WorkerContractMarkdown() {
  std::string out = "| variable | set by | meaning |\n| --- | --- | --- |\n";
  for (const auto& row : kContract) {
    std::string names;
    ForEachName(row.names, [&](std::string_view name) {
      if (!names.empty()) names += ", ";
      names += "`" + std::string(name) + "`";
    });
    out +=
        "| " + names + " | " + std::string(row.set_by) + " | " + std::string(row.meaning) + " |\n";
  }
  return out;
}

}  // namespace retrain
