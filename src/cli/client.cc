// Client commands: talk to a running `retrain serve` over its REST API.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "core/strings.h"
#include "http/http_client.h"

namespace retrain {

using nlohmann::json;

namespace {

struct ApiResult {
  int status = 0;
  json body;
};

// The client for the API: one per process, verifying an https:// server with --ca-file.
const HttpClient& ClientFor(const CommonOptions& c) {
  static const HttpClient client([&] {
    TlsOptions tls;
    tls.ca_file = c.ca_file;
    return tls;
  }());
  return client;
}

// Calls the API. Transport failures and error bodies are reported on stderr; returns nullopt
// then (exit 1).
std::optional<ApiResult> Call(const CommonOptions& c, const std::string& method,
                              const std::string& path, const std::string& body = "",
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
  const HttpClient& client = ClientFor(c);
  HttpRequest req;
  req.method = method;
  req.url = c.server + path;
  req.body = body;
  req.headers = std::move(headers);
  req.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (!c.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + c.token);
  auto resp = client.Send(req);
  if (!resp) {
    std::cerr << "retrain: cannot reach the retrain server at " << c.server << " ("
              << resp.error().message
              << "); is `retrain serve` running? (--server / RETRAIN_SERVER)\n";
    return std::nullopt;
  }
  ApiResult out;
  out.status = resp->status;
  out.body = json::parse(resp->body, nullptr, false);
  if (out.body.is_discarded()) {
    std::cerr << "retrain: the server answered " << resp->status
              << " with a body that is not JSON\n";
    return std::nullopt;
  }
  if (resp->status >= 400) {
    if (c.json) std::cout << out.body.dump(2) << "\n";
    std::string msg = out.body.contains("error") ? out.body["error"].value("message", "") : "";
    std::string code = out.body.contains("error") ? out.body["error"].value("code", "") : "";
    std::cerr << "retrain: " << (msg.empty() ? "request failed" : msg) << " (" << resp->status
              << (code.empty() ? "" : " " + code) << ")\n";
    return std::nullopt;
  }
  return out;
}

std::string Str(const json& j, const char* key, const char* fallback = "-") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

void PrintJob(const json& j) {
  std::cout << "job         " << Str(j, "id") << "\n"
            << "model       " << Str(j, "modelId") << "\n"
            << "status      " << Str(j, "status") << " (attempt " << Str(j, "attempt") << ")\n"
            << "trigger     " << Str(j, "trigger") << ": " << Str(j, "reason") << "\n"
            << "records     " << Str(j, "records") << " from " << Str(j, "dataWindowStart")
            << " to " << Str(j, "dataWindowEnd") << "\n"
            << "ingestion   " << (j.contains("ingestionJobs") ? j["ingestionJobs"].dump() : "[]")
            << "\n"
            << "scheduled   " << Str(j, "scheduledAt") << "\n"
            << "started     " << Str(j, "startedAt") << "\n"
            << "completed   " << Str(j, "completedAt") << "\n"
            << "executor    " << Str(j, "executor");
  if (!j["kubernetesJobName"].is_null())
    std::cout << " (Job " << Str(j, "kubernetesNamespace") << "/" << Str(j, "kubernetesJobName")
              << ")";
  std::cout << "\n"
            << "mlflow run  " << Str(j, "mlflowRunId") << " (experiment "
            << Str(j, "mlflowExperimentId") << ")\n"
            << "progress    " << Str(j, "progress") << "\n"
            << "metrics     " << (j.contains("metrics") ? j["metrics"].dump() : "{}") << "\n";
  if (!j["error"].is_null()) std::cout << "error       " << Str(j, "error") << "\n";
}

void PrintEvent(const json& e) {
  std::string line = Str(e, "at") + "  #" + Str(e, "seq") + "  " + Str(e, "source");
  if (!e["status"].is_null()) line += "  " + Str(e, "status");
  if (!e["progress"].is_null()) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "  %.0f%%", e["progress"].get<double>() * 100);
    line += buf;
  }
  if (!e["message"].is_null()) line += "  " + Str(e, "message");
  if (e.contains("metrics") && !e["metrics"].empty()) line += "  " + e["metrics"].dump();
  std::cout << line << "\n";
}

}  // namespace

int RunTrigger(const CommonOptions& c, const std::string& model, const std::string& reason,
               bool force, const std::string& idempotency_key) {
  json body = json::object();
  if (!reason.empty()) body["reason"] = reason;
  if (force) body["force"] = true;
  std::vector<std::pair<std::string, std::string>> headers;
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  auto r = Call(c, "POST", "/models/" + PercentEncode(model) + "/retrain", body.dump(), headers);
  if (!r) return 1;
  if (c.json) {
    std::cout << r->body.dump(2) << "\n";
  } else {
    std::cout << "started job " << Str(r->body, "id") << " for model " << Str(r->body, "modelId")
              << " (" << Str(r->body, "records") << " records); follow it with: retrain jobs watch "
              << Str(r->body, "id") << "\n";
  }
  return 0;
}

int RunJobsList(const CommonOptions& c, const std::string& model, const std::string& status,
                int limit) {
  std::string q = "/retraining/jobs?limit=" + std::to_string(limit);
  if (!model.empty()) q += "&modelId=" + PercentEncode(model);
  if (!status.empty()) q += "&status=" + PercentEncode(status);
  auto r = Call(c, "GET", q);
  if (!r) return 1;
  if (c.json) {
    std::cout << r->body.dump(2) << "\n";
    return 0;
  }
  std::printf("%-32s  %-22s  %-9s  %7s  %-24s  %s\n", "ID", "MODEL", "STATUS", "RECORDS",
              "SCHEDULED", "METRICS");
  for (const auto& j : r->body["jobs"]) {
    std::string metrics;
    if (j["metrics"].contains("auc")) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "auc=%.3f", j["metrics"]["auc"].get<double>());
      metrics = buf;
    }
    std::printf("%-32s  %-22s  %-9s  %7s  %-24s  %s\n", Str(j, "id").c_str(),
                Str(j, "modelId").c_str(), Str(j, "status").c_str(), Str(j, "records").c_str(),
                Str(j, "scheduledAt").c_str(), metrics.c_str());
  }
  return 0;
}

int RunJobsGet(const CommonOptions& c, const std::string& id) {
  auto r = Call(c, "GET", "/retraining/jobs/" + PercentEncode(id));
  if (!r) return 1;
  if (c.json)
    std::cout << r->body.dump(2) << "\n";
  else
    PrintJob(r->body);
  return 0;
}

int RunJobsEvents(const CommonOptions& c, const std::string& id) {
  auto r = Call(c, "GET", "/retraining/jobs/" + PercentEncode(id) + "/events");
  if (!r) return 1;
  if (c.json) {
    std::cout << r->body.dump(2) << "\n";
    return 0;
  }
  for (const auto& e : r->body["events"]) PrintEvent(e);
  return 0;
}

int RunJobsWatch(const CommonOptions& c, const std::string& id, int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int64_t seen = 0;
  while (true) {
    auto ev = Call(c, "GET", "/retraining/jobs/" + PercentEncode(id) + "/events");
    if (!ev) return 1;
    for (const auto& e : ev->body["events"]) {
      if (e["seq"].get<int64_t>() <= seen) continue;
      seen = e["seq"].get<int64_t>();
      if (c.json)
        std::cout << e.dump() << "\n";
      else
        PrintEvent(e);
    }
    std::cout.flush();
    auto job = Call(c, "GET", "/retraining/jobs/" + PercentEncode(id));
    if (!job) return 1;
    std::string st = Str(job->body, "status");
    if (st == "completed" || st == "failed" || st == "cancelled") {
      if (!c.json) {
        std::cout << "job " << id << " " << st;
        if (st == "failed") std::cout << ": " << Str(job->body, "error");
        std::cout << "\n";
      }
      return st == "completed" ? 0 : 1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "retrain: job " << id << " is still " << st << " after the timeout\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

int RunJobsLogs(const CommonOptions& c, const std::string& id, int attempt) {
  const HttpClient& client = ClientFor(c);
  HttpRequest req;
  req.url = c.server + "/retraining/jobs/" + PercentEncode(id) + "/logs" +
            (attempt > 0 ? "?attempt=" + std::to_string(attempt) : "");
  if (!c.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + c.token);
  auto resp = client.Send(req);
  if (!resp) {
    std::cerr << "retrain: cannot reach the retrain server at " << c.server << " ("
              << resp.error().message << ")\n";
    return 1;
  }
  if (resp->status != 200) {
    auto body = json::parse(resp->body, nullptr, false);
    std::string msg = body.is_object() && body.contains("error")
                          ? body["error"].value("message", "")
                          : resp->body;
    std::cerr << "retrain: " << msg << " (" << resp->status << ")\n";
    return 1;
  }
  std::cout << resp->body;
  if (!resp->body.empty() && resp->body.back() != '\n') std::cout << "\n";
  return 0;
}

int RunCancel(const CommonOptions& c, const std::string& id) {
  auto r = Call(c, "POST", "/retraining/jobs/" + PercentEncode(id) + "/cancel");
  if (!r) return 1;
  if (c.json)
    std::cout << r->body.dump(2) << "\n";
  else
    std::cout << "job " << id << " cancelled\n";
  return 0;
}

namespace {

int PrintMove(const CommonOptions& c, const std::optional<ApiResult>& r) {
  if (!r) return 1;
  if (c.json)
    std::cout << r->body.dump(2) << "\n";
  else
    std::cout << Str(r->body, "message") << "\n";
  return 0;
}

}  // namespace

int RunModelsPromote(const CommonOptions& c, const std::string& model, const std::string& version,
                     const std::string& reason) {
  json body = {{"version", version}, {"reason", reason}};
  return PrintMove(c, Call(c, "POST", "/models/" + PercentEncode(model) + "/promote", body.dump()));
}

int RunModelsRollback(const CommonOptions& c, const std::string& model, const std::string& reason) {
  json body = {{"reason", reason}};
  return PrintMove(c,
                   Call(c, "POST", "/models/" + PercentEncode(model) + "/rollback", body.dump()));
}

int RunModelsHistory(const CommonOptions& c, const std::string& model, int limit) {
  auto r = Call(c, "GET",
                "/models/" + PercentEncode(model) + "/champions?limit=" + std::to_string(limit));
  if (!r) return 1;
  if (c.json) {
    std::cout << r->body.dump(2) << "\n";
    return 0;
  }
  if (r->body["champions"].empty()) {
    std::cout << "model " << model << " has had no champion yet\n";
    return 0;
  }
  std::printf("  %-8s  %-9s  %-24s  %-24s  %-8s  %s\n", "VERSION", "SOURCE", "FROM", "TO",
              "PREVIOUS", "REASON");
  for (const auto& e : r->body["champions"]) {
    std::string reason = Str(e, "reason");
    if (!e["jobId"].is_null()) reason = "job " + Str(e, "jobId") + ": " + reason;
    std::printf("%s %-8s  %-9s  %-24s  %-24s  %-8s  %s\n", e.value("current", false) ? "*" : " ",
                Str(e, "version").c_str(), Str(e, "source").c_str(), Str(e, "from").c_str(),
                e["to"].is_null() ? "(current)" : Str(e, "to").c_str(),
                Str(e, "previousVersion").c_str(), reason.c_str());
  }
  return 0;
}

}  // namespace retrain
