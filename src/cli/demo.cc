// `retrain demo`: the whole loop on embedded defaults. A simulated feed-processor writes
// ingestion jobs into the embedded feed, the orchestrator triggers jobs, local workers train
// them, and this command prints each job's life until enough of them completed.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "auth/tokens.h"
#include "cli/commands.h"
#include "core/redact.h"
#include "core/time.h"
#include "feed/embedded/embedded_feed.h"
#include "http/http_client.h"
#include "trainer/synthetic.h"

namespace retrain {

using nlohmann::json;

namespace {

std::string Num(const json& v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v.get<double>();
  return out.str();
}

// The figures of an event worth a glance: the holdout AUC and size, and for the final event the
// gate's decision with the difference to the champion and its confidence interval.
std::string MetricSummary(const json& m) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "  ") + s; };
  if (m.contains("auc")) add("auc=" + Num(m["auc"], 3));
  if (m.contains("training_records")) add("trained on " + Num(m["training_records"], 0));
  if (m.contains("holdout_records")) add("holdout " + Num(m["holdout_records"], 0));
  if (m.contains("promoted")) {
    std::string decision = m["promoted"].get<double>() > 0.5 ? "PROMOTED" : "kept champion";
    for (const auto& [key, low] : m.items()) {  // <metric>_delta_ci_low, for the gate's metric
      const std::string suffix = "_delta_ci_low";
      if (!key.ends_with(suffix)) continue;
      const std::string metric = key.substr(0, key.size() - suffix.size());
      if (!m.contains(metric + "_delta") || !m.contains(metric + "_delta_ci_high")) continue;
      decision += " (" + metric + " " + Num(m[metric + "_delta"], 4) + " vs champion, CI [" +
                  Num(low, 4) + ", " + Num(m[metric + "_delta_ci_high"], 4) + "])";
    }
    add(decision);
  }
  return out;
}

}  // namespace

int RunDemo(const CommonOptions& common, const DemoOptions& o) {
  auto cfg = LoadConfigOrReport(common);
  if (!cfg) return 2;
  if (cfg->feed.source != "embedded") {
    std::cerr << "retrain demo: the demo writes the embedded feed; the configuration reads the "
              << cfg->feed.source << " feed\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg->data_dir, ec);
  auto feed = EmbeddedFeed::Open(cfg->ResolvePath(cfg->feed.path));
  if (!feed) {
    std::cerr << "retrain demo: " << feed.error().message << "\n";
    return 1;
  }
  // The demo's API takes tokens, as a deployment's would: one admin token, made afresh.
  std::string token;
  if (cfg->server.auth.tokens_file.empty()) {
    NewToken t = CreateToken(Role::kAdmin, "demo");
    const std::string path =
        std::filesystem::absolute(cfg->ResolvePath("demo-api-tokens")).string();
    std::ofstream out(path, std::ios::trunc);
    out << "# written by `retrain demo`: its admin token\n" << t.line << "\n";
    if (!out.flush()) {
      std::cerr << "retrain demo: cannot write " << path << "\n";
      return 1;
    }
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    cfg->server.auth.tokens_file = path;
    token = t.token;
  }
  std::cout << "retrain demo: data dir " << std::filesystem::absolute(cfg->data_dir).string()
            << "\n"
            << "  models: ";
  for (const auto& m : cfg->models) std::cout << m.id << " (minRecords " << m.min_records << ") ";
  std::cout << "\n  a simulated feed-processor writes " << o.batch << " records every "
            << FormatDuration(o.interval_ms) << "; stopping after " << o.jobs
            << " completed jobs\n\n";

  std::atomic<bool> done{false};
  std::atomic<int> completed{0};
  std::string base_url;
  std::thread feeder, watcher;
  auto start = std::chrono::steady_clock::now();

  ServeHooks hooks;
  hooks.on_ready = [&](const std::string& url) {
    base_url = url;
    std::cout << "  API on " << url << "  (try: retrain jobs --server " << url
              << (token.empty() ? "" : " --token " + token) << ")\n";
    if (!token.empty()) {
      std::cout << "  API token (admin, in " << cfg->server.auth.tokens_file << "): " << token
                << "\n";
    }
    std::cout << "\n";
    feeder = std::thread([&] {
      static SystemClock clock;
      auto size = (*feed)->Size();
      SyntheticOptions so;
      so.seed = 7;
      so.start_index = size ? *size : 0;
      for (int n = 1; !done; ++n) {
        so.count = o.batch;
        so.drift = std::min(1.0, n / 40.0);
        auto records = GenerateRecords(so);
        so.start_index += so.count;
        std::string job =
            "demo-ingest-" + FormatCompactUtc(clock.NowMs()) + "-" + std::to_string(n);
        std::vector<NewFeedRecord> rows;
        for (auto& r : records)
          rows.push_back({job, r.entity_type, clock.NowMs(), std::move(r.payload_json)});
        if (auto c = (*feed)->Append(rows); c) {
          std::cout << "feed      +" << rows.size() << " records (" << job << ")\n";
        }
        for (int i = 0; i < o.interval_ms / 50 && !done; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    watcher = std::thread([&] {
      HttpClient client;
      std::map<std::string, int64_t> printed;  // job id -> last event seq shown
      std::map<std::string, std::string> status;
      while (!done) {
        std::vector<std::pair<std::string, std::string>> auth;
        if (!token.empty()) auth.emplace_back("Authorization", "Bearer " + token);
        auto resp = client.Send(
            {.method = "GET", .url = base_url + "/retraining/jobs?limit=100", .headers = auth});
        auto body = resp && resp->status == 200 ? json::parse(resp->body, nullptr, false) : json();
        if (body.is_object()) {
          auto jobs = body["jobs"];
          for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
            const auto& j = *it;
            std::string id = j["id"];
            if (status[id] == j["status"] && printed.count(id)) continue;
            auto ev = client.Send({.method = "GET",
                                   .url = base_url + "/retraining/jobs/" + id + "/events",
                                   .headers = auth});
            auto events = ev && ev->status == 200 ? json::parse(ev->body, nullptr, false) : json();
            if (!events.is_object()) continue;
            for (const auto& e : events["events"]) {
              int64_t seq = e["seq"];
              if (seq <= printed[id]) continue;
              printed[id] = seq;
              std::cout << "job       " << id.substr(0, 8) << "  " << std::left << std::setw(20)
                        << j["modelId"].get<std::string>() << " " << std::setw(10)
                        << (e["status"].is_null() ? std::string("")
                                                  : e["status"].get<std::string>())
                        << (e["message"].is_null() ? std::string()
                                                   : e["message"].get<std::string>());
              if (!e["metrics"].empty()) std::cout << "  " << MetricSummary(e["metrics"]);
              std::cout << "\n";
            }
            status[id] = j["status"];
            if (j["status"] == "completed") ++completed;
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  };
  hooks.should_stop = [&] {
    return completed >= o.jobs ||
           std::chrono::steady_clock::now() - start > std::chrono::milliseconds(o.duration_ms);
  };
  int rc = RunServe(*cfg, hooks);
  done = true;
  if (feeder.joinable()) feeder.join();
  if (watcher.joinable()) watcher.join();
  if (rc != 0) return rc;
  std::string mlruns = cfg->experiment.tracking_uri;
  bool file_store = mlruns.find("://") == std::string::npos;
  std::string where =
      file_store ? std::filesystem::absolute(cfg->ResolvePath(mlruns)).string() : mlruns;
  std::cout << "\n" << completed << " jobs completed. MLflow runs: " << RedactUrl(where) << "\n";
  if (file_store) {
    std::cout << "  browse them with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri "
              << where << "\n";
  }
  return completed >= o.jobs ? 0 : 1;
}

}  // namespace retrain
