#pragma once
// The subcommands of the `retrain` binary. Each returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage or configuration error. Errors go to stderr as one sentence.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/config.h"

namespace retrain {

// Options every command shares.
struct CommonOptions {
  std::optional<std::string> config_path;
  std::optional<std::string> data_dir;
  std::optional<std::string> listen;  // serve, demo
  std::string server;                 // client commands: base URL of the API
  std::string token;                  // client commands: API token (--token / RETRAIN_TOKEN)
  std::string ca_file;                // client commands: CA bundle for an https:// server
  bool json = false;                  // client commands: print raw JSON
};

// Loads the configuration or prints the error; returns nullopt on failure (exit 2).
std::optional<Config> LoadConfigOrReport(const CommonOptions& common);

struct ServeHooks {
  // Called once the server listens, with its base URL. Runs on the serving thread.
  std::function<void(const std::string& base_url)> on_ready;
  // Returns true when the server should stop (polled every 100 ms); empty = run until a signal.
  std::function<bool()> should_stop;
};
int RunServe(const Config& config, const ServeHooks& hooks = {});

int RunWorkerCommand();
// `retrain token create`: prints a new API token and its tokens-file line; with `file`, also
// appends the line to that file (created with mode 0600).
int RunTokenCreate(const std::string& role, const std::string& name, const std::string& file);
int RunConfigCheck(const CommonOptions& common);
// `retrain store copy --from sqlite:PATH --to postgresql://...`: moves an embedded store's whole
// history into PostgreSQL, refusing a non-empty target unless `force`; prints the counts of
// both sides and exits 1 when they differ.
int RunStoreCopy(const std::string& from, const std::string& to, const std::string& password_file,
                 bool force);

int RunTrigger(const CommonOptions& common, const std::string& model, const std::string& reason,
               bool force, const std::string& idempotency_key);
int RunJobsList(const CommonOptions& common, const std::string& model, const std::string& status,
                int limit);
int RunJobsGet(const CommonOptions& common, const std::string& id);
int RunJobsEvents(const CommonOptions& common, const std::string& id);
int RunJobsWatch(const CommonOptions& common, const std::string& id, int64_t timeout_ms);
int RunCancel(const CommonOptions& common, const std::string& id);
int RunJobsLogs(const CommonOptions& common, const std::string& id, int attempt);
// `retrain models promote|rollback|history`: the champion alias and its history.
int RunModelsPromote(const CommonOptions& common, const std::string& model,
                     const std::string& version, const std::string& reason);
int RunModelsRollback(const CommonOptions& common, const std::string& model,
                      const std::string& reason);
int RunModelsHistory(const CommonOptions& common, const std::string& model, int limit);

struct GenerateOptions {
  int64_t records = 100;
  std::optional<uint64_t> seed;
  double drift = 0.0;
  double label_noise = 0.0;   // flip each label with this probability
  std::string ingestion_job;  // "" = generated name
  int64_t batch = 0;          // records per ingestion job; 0 = all in one
};
int RunFeedGenerate(const CommonOptions& common, const GenerateOptions& options);
int RunFeedImport(const CommonOptions& common, const std::string& path);

struct DemoOptions {
  int jobs = 10;                  // stop after this many completed jobs (of every model)
  int64_t duration_ms = 120'000;  // or after this long
  // Records per simulated ingestion job: with the shipped config's cumulative training, the
  // holdouts reach the gate's 500-record minimum from the third job of a model on.
  int64_t batch = 1000;
  int64_t interval_ms = 1'000;  // between ingestion jobs
};
int RunDemo(const CommonOptions& common, const DemoOptions& options);

}  // namespace retrain
