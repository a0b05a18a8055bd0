// retrain: retrains machine-learning models automatically when enough new data has arrived.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "orchestrator/worker_contract.h"

using namespace retrain;

namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

void AddConfigOptions(CLI::App* cmd, CommonOptions* common) {
  cmd->add_option("--config", common->config_path,
                  "configuration file (default ml/config/mlflow_retraining.yaml)");
  cmd->add_option("--data-dir", common->data_dir,
                  "where embedded state lives (env RETRAIN_DATA_DIR, default ./.retrain)");
}

void AddServerOption(CLI::App* cmd, CommonOptions* common) {
  cmd->add_option(
      "--server", common->server,
      "base URL of the retrain API (env RETRAIN_SERVER, default http://127.0.0.1:8080)");
  cmd->add_flag("--json", common->json, "print the API's JSON instead of a summary");
  cmd->add_option("--token", common->token,
                  "API token, when the server has server.auth.tokensFile (env RETRAIN_TOKEN)");
  cmd->add_option("--ca-file", common->ca_file,
                  "PEM CA bundle to verify an https:// server with, e.g. its self-signed "
                  "certificate (env RETRAIN_CA_FILE; default: the system's trust store)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "retrain: retrains machine-learning models automatically when enough new feed "
      "data has arrived, tracks each run in MLflow, and shows every job through REST, "
      "GraphQL and this CLI."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "retrain 0.1.0");
  CommonOptions common;
  common.server = EnvOr("RETRAIN_SERVER", "http://127.0.0.1:8080");
  common.token = EnvOr("RETRAIN_TOKEN", "");
  common.ca_file = EnvOr("RETRAIN_CA_FILE", "");

  auto* serve = app.add_subcommand(
      "serve", "run the orchestrator: REST and GraphQL API, trigger and reconcile loops");
  AddConfigOptions(serve, &common);
  serve->add_option("--listen", common.listen,
                    "HOST:PORT to listen on (env RETRAIN_LISTEN, default 127.0.0.1:8080)");

  auto* worker = app.add_subcommand(
      "worker",
      "the reference training worker: trains one job's window (configured by the environment "
      "a local process or Kubernetes Job receives)");
  bool worker_contract = false;
  worker->add_flag("--contract", worker_contract,
                   "print the worker environment (every variable, who sets it, what it means) as "
                   "a Markdown table, and exit");

  auto* demo = app.add_subcommand(
      "demo",
      "the whole loop on embedded defaults: server, simulated feed-processor, local workers");
  AddConfigOptions(demo, &common);
  demo->add_option("--listen", common.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  DemoOptions demo_opts;
  demo->add_option("--jobs", demo_opts.jobs, "stop after this many completed jobs")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  int64_t demo_seconds = 120;
  demo->add_option("--duration", demo_seconds, "stop after this many seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  demo->add_option("--batch", demo_opts.batch, "records per simulated ingestion job")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();

  auto* trigger =
      app.add_subcommand("trigger", "start a retraining job for MODEL through the REST API");
  std::string model, reason, idem_key;
  bool force = false;
  trigger->add_option("MODEL", model, "model id")->required();
  trigger->add_option("--reason", reason, "why (shown on the job)");
  trigger->add_flag("--force", force,
                    "start even below minRecords (needs at least one unseen record)");
  trigger->add_option("--idempotency-key", idem_key,
                      "retrying with the same key returns the same job");
  AddServerOption(trigger, &common);

  auto* jobs = app.add_subcommand("jobs", "list jobs, newest first (or: jobs get|events|watch ID)");
  std::string filter_model, filter_status, job_id;
  int limit = 50;
  jobs->add_option("--model", filter_model, "only this model's jobs");
  jobs->add_option("--status", filter_status, "only jobs in this status");
  jobs->add_option("--limit", limit, "at most this many")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  AddServerOption(jobs, &common);
  auto* jobs_get = jobs->add_subcommand("get", "show one job");
  jobs_get->add_option("ID", job_id, "job id")->required();
  auto* jobs_events = jobs->add_subcommand("events", "show a job's events");
  jobs_events->add_option("ID", job_id, "job id")->required();
  auto* jobs_watch = jobs->add_subcommand("watch", "follow a job's progress until it ends");
  jobs_watch->add_option("ID", job_id, "job id")->required();
  int64_t watch_seconds = 3600;
  jobs_watch->add_option("--timeout", watch_seconds, "give up after this many seconds")
      ->capture_default_str();
  auto* jobs_logs =
      jobs->add_subcommand("logs", "print the end of a job's worker log (local executor)");
  jobs_logs->add_option("ID", job_id, "job id")->required();
  int log_attempt = 0;
  jobs_logs->add_option("--attempt", log_attempt, "which attempt (default: the latest)")
      ->check(CLI::Range(1, 100));
  for (auto* sub : {jobs_get, jobs_events, jobs_watch, jobs_logs}) AddServerOption(sub, &common);

  auto* cancel = app.add_subcommand("cancel", "cancel a job");
  cancel->add_option("ID", job_id, "job id")->required();
  AddServerOption(cancel, &common);

  auto* models = app.add_subcommand(
      "models", "the champion of each model: promote a version, roll back, show the history");
  models->require_subcommand(1);
  std::string model_version;
  auto* promote = models->add_subcommand(
      "promote",
      "make registered VERSION of MODEL the champion (moves MLflow alias `champion`, tags the "
      "version with who and why, records the move in the history)");
  promote->add_option("MODEL", model, "model id")->required();
  promote->add_option("VERSION", model_version, "registered model version, e.g. 3")->required();
  promote->add_option("--reason", reason, "why (required; kept in the history and as a tag)")
      ->required();
  auto* rollback = models->add_subcommand(
      "rollback",
      "move MODEL's champion back to the version that was champion before the current one");
  rollback->add_option("MODEL", model, "model id")->required();
  rollback->add_option("--reason", reason, "why (required; kept in the history and as a tag)")
      ->required();
  auto* history = models->add_subcommand(
      "history",
      "MODEL's promotion history, newest first: which version was champion from when "
      "to when, and why");
  history->add_option("MODEL", model, "model id")->required();
  history->add_option("--limit", limit, "at most this many entries")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  for (auto* sub : {promote, rollback, history}) AddServerOption(sub, &common);

  auto* feed = app.add_subcommand(
      "feed", "write records into the embedded feed (stands in for the feed-processor)");
  feed->require_subcommand(1);
  AddConfigOptions(feed, &common);
  auto* gen = feed->add_subcommand("generate", "write synthetic threat-intelligence records");
  GenerateOptions gen_opts;
  uint64_t seed = 0;
  gen->add_option("--records", gen_opts.records, "how many")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  auto* seed_opt = gen->add_option(
      "--seed", seed, "random seed (default: continue the feed's sequence with seed 42)");
  gen->add_option("--drift", gen_opts.drift,
                  "0..1: how far the data drifts from the base distribution")
      ->check(CLI::Range(0.0, 1.0));
  gen->add_option("--label-noise", gen_opts.label_noise,
                  "0..1: flip each label with this probability (provokes a worse challenger)")
      ->check(CLI::Range(0.0, 1.0));
  gen->add_option("--ingestion-job", gen_opts.ingestion_job,
                  "ingestion_job marker for the records");
  gen->add_option("--batch", gen_opts.batch, "records per ingestion job (default: one job)")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000'000}));
  AddConfigOptions(gen, &common);
  auto* imp = feed->add_subcommand(
      "import", "load the seed's ingestion fixture files (a file or a directory of *.json)");
  std::string import_path;
  imp->add_option("PATH", import_path, "file or directory")->required();
  AddConfigOptions(imp, &common);

  auto* store_cmd =
      app.add_subcommand("store", "the job store: copy an embedded history into PostgreSQL");
  store_cmd->require_subcommand(1);
  auto* store_copy = store_cmd->add_subcommand(
      "copy",
      "copy every job, event, watermark, idempotency key, setting and promotion of a SQLite "
      "store into PostgreSQL in one transaction, then compare the counts of both (exit 1 when "
      "they differ). Stop `retrain serve` on the source first");
  std::string copy_from, copy_to, copy_password_file;
  bool copy_force = false;
  store_copy
      ->add_option("--from", copy_from, "the source: sqlite:PATH (e.g. sqlite:.retrain/jobs.db)")
      ->required();
  store_copy->add_option("--to", copy_to, "the target: postgresql://user@host:port/db?sslmode=...")
      ->required();
  store_copy->add_option("--password-file", copy_password_file,
                         "read the target's password from this file (else the URI or PGPASSWORD)");
  store_copy->add_flag("--force", copy_force,
                       "replace whatever the target holds (without it, a non-empty target is "
                       "refused)");

  auto* token = app.add_subcommand("token", "API tokens for server.auth.tokensFile");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand(
      "create", "print a new API token and the tokens-file line that admits it");
  std::string token_role, token_name, token_file;
  token_create->add_option("--role", token_role, "read, trigger or admin")
      ->required()
      ->check(CLI::IsMember({"read", "trigger", "admin"}));
  token_create->add_option("--name", token_name, "who holds it (letters, digits, . - _ @)")
      ->required();
  token_create->add_option("--file", token_file,
                           "also append the line to this tokens file (created with mode 0600)");

  auto* config = app.add_subcommand("config", "configuration tools");
  config->require_subcommand(1);
  auto* check = config->add_subcommand(
      "check", "validate the configuration and print the effective values and their origins");
  AddConfigOptions(check, &common);
  AddConfigOptions(config, &common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "retrain: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (seed_opt->count() > 0) gen_opts.seed = seed;
  while (!common.server.empty() && common.server.back() == '/') common.server.pop_back();

  if (serve->parsed()) {
    auto cfg = LoadConfigOrReport(common);
    return cfg ? RunServe(*cfg) : 2;
  }
  if (worker->parsed()) {
    if (worker_contract) {
      std::cout << WorkerContractMarkdown();
      return 0;
    }
    return RunWorkerCommand();
  }
  if (demo->parsed()) {
    demo_opts.duration_ms = demo_seconds * 1000;
    return RunDemo(common, demo_opts);
  }
  if (trigger->parsed()) return RunTrigger(common, model, reason, force, idem_key);
  if (jobs_get->parsed()) return RunJobsGet(common, job_id);
  if (jobs_events->parsed()) return RunJobsEvents(common, job_id);
  if (jobs_watch->parsed()) return RunJobsWatch(common, job_id, watch_seconds * 1000);
  if (jobs_logs->parsed()) return RunJobsLogs(common, job_id, log_attempt);
  if (jobs->parsed()) return RunJobsList(common, filter_model, filter_status, limit);
  if (cancel->parsed()) return RunCancel(common, job_id);
  if (promote->parsed()) return RunModelsPromote(common, model, model_version, reason);
  if (rollback->parsed()) return RunModelsRollback(common, model, reason);
  if (history->parsed()) return RunModelsHistory(common, model, limit);
  if (gen->parsed()) return RunFeedGenerate(common, gen_opts);
  if (imp->parsed()) return RunFeedImport(common, import_path);
  if (check->parsed()) return RunConfigCheck(common);
  if (token_create->parsed()) return RunTokenCreate(token_role, token_name, token_file);
  if (store_copy->parsed()) return RunStoreCopy(copy_from, copy_to, copy_password_file, copy_force);
  std::cerr << "retrain: no command given (see --help)\n";
  return 2;
}
