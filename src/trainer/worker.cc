#include "trainer/worker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <thread>

#include "core/time.h"
#include "trainer/champion_gate.h"
#include "trainer/dataset.h"
#include "trainer/metrics.h"
#include "trainer/xgb_model.h"

namespace retrain {
namespace {

std::string Fixed(double v, int digits = 4) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsTransient(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kDeadlineExceeded;
}

struct Outcome {
  std::map<std::string, double> metrics;
  std::string message;
};

// One run of the worker. Errors travel as values; `job_ended_` records that the orchestrator
// answered 409, after which nothing more is posted.
class WorkerRun {
 public:
  explicit WorkerRun(const WorkerContext& ctx) : ctx_(ctx) {}

  int Run() {
    auto outcome = Execute();
    // The feed or MLflow down: wait for it and run again (each step is idempotent), so that an
    // outage shorter than the budget does not fail the job.
    int64_t waited = 0;
    for (int tries = 0;
         !outcome && !job_ended_ && IsTransient(outcome.error()) && waited < ctx_.outage_budget_ms;
         ++tries) {
      const int64_t wait = std::min<int64_t>(int64_t{1000} << std::min(tries, 4), 10'000);
      Log(outcome.error().message + " (a service is unavailable: trying again in " +
          FormatDuration(wait) + ")");
      if (ctx_.sleep) {
        ctx_.sleep(wait);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      }
      waited += wait;
      window_records_ = 0;
      outcome = Execute();
    }
    if (job_ended_) {
      Log("The job already ended on the orchestrator's side; stopping.");
      return 1;
    }
    if (!outcome) return ReportFailure(outcome.error());
    nlohmann::json body = {
        {"status", "completed"}, {"progress", 1.0}, {"message", outcome->message}};
    body["metrics"] = outcome->metrics;
    Log(outcome->message);
    if (auto s = ctx_.events.Post(Dump(body)); !s) {
      Log("Could not report completion: " + s.error().message);
      return 1;
    }
    return 0;
  }

 private:
  Result<Outcome> Execute() {
    auto settings = ParseWorkerSettings(ctx_.env);
    if (!settings) return std::unexpected(settings.error());
    s_ = std::move(*settings);
    if (ctx_.tracker != nullptr && s_.run_id.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "The worker needs MLFLOW_RUN_ID to log the model, which is not set.");
    }
    if (!Progress(0.0, StartMessage())) return Stopped();

    auto data = Load();
    if (!data) return std::unexpected(data.error());
    const DatasetStats& st = data->stats;
    if (ctx_.tracker != nullptr) {
      if (auto s = ctx_.tracker->LogParams(s_.run_id, TrainingParams(st)); !s) {
        return std::unexpected(s.error());
      }
    }
    if (!Progress(0.3, "Loaded " + std::to_string(st.records_read) + " records" +
                           TrainingRange(st) + ": " + std::to_string(st.train_rows) +
                           " for training, " + std::to_string(st.holdout_rows) + " held out, " +
                           std::to_string(st.Skipped()) + " skipped without a valid label; " +
                           std::to_string(data->feature_names.size()) + " features.")) {
      return Stopped();
    }
    if (st.train_rows == 0) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "No record is left for training after holding out " +
                      std::to_string(st.holdout_rows) + " of " + std::to_string(st.Used()) +
                      "; the window is too small.");
    }

    // Saved with the model (for the drift trigger); read from the rows before training frees them.
    const std::string feature_summary =
        ctx_.tracker != nullptr ? EncodeFeatureSummary(SummarizeFeatures(*data)) : "";
    auto train = DMatrix::FromMatrix(data->train, data->feature_names);
    if (!train) return std::unexpected(train.error());
    data->train = Matrix{};  // XGBoost holds its own copy; only the holdout is needed below
    auto booster = Booster::Train(*train, s_.train);
    if (!booster) return std::unexpected(booster.error());
    if (!Progress(0.6, "Trained " + std::to_string(s_.train.num_round) + " rounds (max_depth " +
                           std::to_string(s_.train.max_depth) + ", eta " + Fixed(s_.train.eta, 3) +
                           ").")) {
      return Stopped();
    }

    Outcome out;
    auto holdout = DMatrix::FromMatrix(data->holdout, data->feature_names);
    if (!holdout) return std::unexpected(holdout.error());
    auto scores = booster->Predict(*holdout);
    if (!scores) return std::unexpected(scores.error());
    const auto auc = Auc(*scores, data->holdout.labels);
    if (!auc) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "The holdout AUC is undefined because its " + std::to_string(st.holdout_rows) +
                      " records do not include both labels; the window needs more records.");
    }
    out.metrics["auc"] = *auc;
    out.metrics["logloss"] = LogLoss(*scores, data->holdout.labels).value_or(0.0);
    out.metrics["accuracy"] = Accuracy(*scores, data->holdout.labels).value_or(0.0);
    if (auto f1 = F1(*scores, data->holdout.labels)) out.metrics["f1"] = *f1;
    out.metrics["records"] = static_cast<double>(st.Used());
    out.metrics["training_records"] = static_cast<double>(st.Used());
    if (st.first_landed_ms) {
      out.metrics["training_window_start"] = static_cast<double>(*st.first_landed_ms) / 1000.0;
    }
    if (st.last_landed_ms) {
      out.metrics["training_window_end"] = static_cast<double>(*st.last_landed_ms) / 1000.0;
    }
    out.metrics["window_records"] = static_cast<double>(window_records_);
    out.metrics["train_records"] = static_cast<double>(st.train_rows);
    out.metrics["holdout_records"] = static_cast<double>(st.holdout_rows);
    out.metrics["skipped_records"] = static_cast<double>(st.Skipped());
    out.metrics["features"] = static_cast<double>(data->feature_names.size());
    if (!Progress(0.8, "Holdout AUC " + Fixed(*auc) + ", logloss " + Fixed(out.metrics["logloss"]) +
                           ", accuracy " + Fixed(out.metrics["accuracy"]) + ".")) {
      return Stopped();
    }

    std::string gate = "No tracker was given, so the model was neither logged nor registered.";
    bool promoted = false;
    if (ctx_.tracker != nullptr) {
      auto model_json = booster->SaveJson();
      if (!model_json) return std::unexpected(model_json.error());
      PublishRequest request;
      request.model_name = s_.model_id;
      request.run = RunRef{s_.experiment_id, s_.run_id, ""};
      request.model_json = std::move(*model_json);
      request.data = &*data;
      request.scores = *scores;
      request.gate = s_.gate;
      request.feature_summary_json = feature_summary;
      auto published = PublishModel(request, *ctx_.tracker, ctx_.artifacts, ctx_.registry);
      if (!published) return std::unexpected(published.error());
      promoted = published->gate.promote;
      gate = published->gate.reason;
      if (!published->version.empty()) {
        gate = "Registered " + s_.model_id + " version " + published->version + ". " + gate;
      }
      if (!published->version.empty()) {
        char* end = nullptr;
        const double v = std::strtod(published->version.c_str(), &end);
        if (end && *end == '\0') out.metrics["model_version"] = v;
      }
      const std::string m(GateMetricName(s_.gate.metric));
      if (published->gate.champion_value) {
        out.metrics["champion_" + m] = *published->gate.champion_value;
      }
      if (const auto& c = published->gate.comparison) {
        out.metrics[m + "_delta"] = c->delta;
        out.metrics[m + "_delta_ci_low"] = c->ci_low;
        out.metrics[m + "_delta_ci_high"] = c->ci_high;
      }
    }
    out.metrics["promoted"] = promoted ? 1.0 : 0.0;
    out.message = "Trained on " + std::to_string(st.Used()) + " records with holdout AUC " +
                  Fixed(*auc) + ". " + gate;
    return out;
  }

  Result<Dataset> Load() {
    DatasetOptions options{s_.holdout_fraction, HoldoutSplit::kNewest};
    options.max_rows = s_.training_max_records.value_or(0);
    DatasetBuilder builder(options);
    FeedFilter filter{s_.entity_types};
    // The training range before the window (cumulative, lookback), in feed order, then the
    // window itself, whose count is checked against the orchestrator's.
    if (s_.training_policy != "window" && !s_.window_after.empty()) {
      std::optional<int64_t> since;
      if (s_.training_lookback_ms) {
        auto end = ParseRfc3339(s_.data_window_end);
        if (!end) {
          return Fail(ErrorCode::kInvalidArgument,
                      "A lookback training range needs DATA_WINDOW_END, which is \"" +
                          s_.data_window_end + "\".");
        }
        since = *end - *s_.training_lookback_ms;
      }
      auto history = ctx_.feed.Scan(filter, "", s_.window_after, [&](const FeedRecord& r) {
        if (!since || r.landed_at_ms >= *since) builder.Add(r);
        return true;
      });
      if (!history) {
        Error e = history.error();
        e.message = "Reading the training range before the window failed: " + e.message;
        return std::unexpected(std::move(e));
      }
    }
    const int64_t before = builder.stats().records_read;
    auto scanned =
        ctx_.feed.Scan(filter, s_.window_after, s_.window_upto, [&](const FeedRecord& r) {
          builder.Add(r);
          return true;
        });
    if (!scanned) {
      Error e = scanned.error();
      e.message = "Reading the feed window failed: " + e.message;
      return std::unexpected(std::move(e));
    }
    const int64_t read = builder.stats().records_read - before;
    if (s_.expected_records && *s_.expected_records != read) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "The feed window holds " + std::to_string(read) +
                      " records but the orchestrator counted " +
                      std::to_string(*s_.expected_records) + " (RETRAINING_RECORD_COUNT).",
                  "record_count_mismatch");
    }
    if (builder.stats().Used() == 0) {
      return Fail(ErrorCode::kFailedPrecondition, "None of the " +
                                                      std::to_string(builder.stats().records_read) +
                                                      " records read has a valid 0/1 label.");
    }
    window_records_ = read;
    return builder.Finish();
  }

  // The run params that say what the model was trained on, beside the trigger window's
  // record_count and data_window_start/end: training_policy, training_records,
  // training_window_start/end (landing times of the oldest and newest record used), and the
  // policy's limits when set.
  std::map<std::string, std::string> TrainingParams(const DatasetStats& st) const {
    std::map<std::string, std::string> p;
    p["training_policy"] = s_.training_policy;
    p["training_records"] = std::to_string(st.Used());
    if (st.first_landed_ms) p["training_window_start"] = FormatRfc3339(*st.first_landed_ms);
    if (st.last_landed_ms) p["training_window_end"] = FormatRfc3339(*st.last_landed_ms);
    if (s_.training_lookback_ms) p["training_lookback"] = FormatDuration(*s_.training_lookback_ms);
    if (s_.training_max_records) {
      p["training_max_records"] = std::to_string(*s_.training_max_records);
    }
    return p;
  }

  // " (training range ... landed A to B)" for the load message; "" without landing times.
  static std::string TrainingRange(const DatasetStats& st) {
    if (!st.first_landed_ms || !st.last_landed_ms) return "";
    return " (the records used landed " + FormatRfc3339(*st.first_landed_ms) + " to " +
           FormatRfc3339(*st.last_landed_ms) + ")";
  }

  std::string StartMessage() const {
    std::string m = "Training " + s_.model_id + " on ";
    if (s_.expected_records) m += std::to_string(*s_.expected_records) + " records of ";
    m += "the window (" + (s_.window_after.empty() ? "feed start" : s_.window_after) + ", " +
         s_.window_upto + "]";
    if (!s_.data_window_start.empty() && !s_.data_window_end.empty()) {
      m += " (landed " + s_.data_window_start + " to " + s_.data_window_end + ")";
    }
    if (!s_.entity_types.empty()) {
      m += " for entity types";
      for (size_t i = 0; i < s_.entity_types.size(); ++i) {
        m += (i == 0 ? " " : ", ") + s_.entity_types[i];
      }
    }
    if (!s_.reason.empty()) m += "; reason: " + s_.reason;
    return m + ".";
  }

  // Posts a running event. False when the job already ended (409); other delivery failures
  // are logged and ignored, since the terminal event carries what matters.
  bool Progress(double progress, const std::string& message) {
    Log(message);
    nlohmann::json body = {{"status", "running"}, {"progress", progress}, {"message", message}};
    auto s = ctx_.events.Post(Dump(body));
    if (s) return true;
    if (s.error().code == ErrorCode::kFailedPrecondition) {
      job_ended_ = true;
      return false;
    }
    Log("Could not deliver a progress event: " + s.error().message);
    return true;
  }

  std::unexpected<Error> Stopped() {
    return Fail(ErrorCode::kFailedPrecondition, "The job already ended.", "invalid_transition");
  }

  int ReportFailure(const Error& error) {
    Log(error.message);
    nlohmann::json body = {{"status", "failed"}, {"error", error.message}};
    if (auto s = ctx_.events.Post(Dump(body)); !s) {
      Log("Could not report the failure: " + s.error().message);
    }
    return 1;
  }

  void Log(const std::string& line) {
    if (ctx_.log != nullptr) *ctx_.log << line << std::endl;
  }

  const WorkerContext& ctx_;
  WorkerSettings s_;
  int64_t window_records_ = 0;  // records read from the trigger window itself
  bool job_ended_ = false;
};

}  // namespace

int RunWorker(const WorkerContext& ctx) {
  try {
    return WorkerRun(ctx).Run();
  } catch (const std::exception& e) {
    // Only allocation failures and library bugs end up here; report them like any failure.
    nlohmann::json body = {
        {"status", "failed"},
        {"error", std::string("The worker stopped on an internal error: ") + e.what() + "."}};
    (void)ctx.events.Post(Dump(body));
    if (ctx.log != nullptr) *ctx.log << body["error"].get<std::string>() << std::endl;
    return 1;
  }
}

}  // namespace retrain
