// `retrain worker`: the reference training worker, configured by its environment
// (CONTRACT section 7), as a local subprocess or a Kubernetes Job's container runs it.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "core/time.h"
#include "http/http_client.h"
#include "trainer/event_sink.h"
#include "trainer/worker.h"

namespace retrain {

int RunWorkerCommand() {
  auto env = ProcessEnvironment();
  auto get = [&](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  std::string feed_uri = get("RETRAINING_FEED_URI");
  if (feed_uri.empty()) {
    std::cerr << "retrain worker: RETRAINING_FEED_URI is not set; the worker is started by "
                 "`retrain serve` (or a Kubernetes Job) with its job's environment\n";
    return 2;
  }
  auto feed =
      OpenFeedUri({.uri = feed_uri, .user = get("NEO4J_USER"), .password = get("NEO4J_PASSWORD")});
  // A feed that cannot be reached yet is waited for, as RunWorker waits for one that drops.
  for (int64_t tries = 0, waited = 0; !feed &&
                                      (feed.error().code == ErrorCode::kUnavailable ||
                                       feed.error().code == ErrorCode::kDeadlineExceeded) &&
                                      waited < kWorkerOutageBudgetMs;
       ++tries) {
    const int64_t wait = std::min<int64_t>(int64_t{1000} << std::min<int64_t>(tries, 4), 10'000);
    std::cerr << "retrain worker: cannot open the feed " << feed_uri << ": " << feed.error().message
              << " (trying again in " << FormatDuration(wait) << ")\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    waited += wait;
    feed = OpenFeedUri(
        {.uri = feed_uri, .user = get("NEO4J_USER"), .password = get("NEO4J_PASSWORD")});
  }
  if (!feed) {
    std::cerr << "retrain worker: cannot open the feed " << feed_uri << ": " << feed.error().message
              << "\n";
    return 1;
  }
  TrackingBackend tracking;
  if (std::string uri = get("MLFLOW_TRACKING_URI"); !uri.empty()) {
    TrackerOptions to;
    to.tracking_uri = uri;
    if (std::string name = get("MLFLOW_RETRAINING_EXPERIMENT"); !name.empty())
      to.experiment_name = name;
    to.artifact_location = get("MLFLOW_ARTIFACT_URI");
    auto t = OpenTracking(to);
    if (!t) {
      std::cerr << "retrain worker: cannot open MLflow tracking at " << uri << ": "
                << t.error().message << "\n";
      return 1;
    }
    tracking = std::move(*t);
  }
  // RETRAINING_CA_FILE: the CA bundle to verify an HTTPS callback URL with (server.tls.ca).
  TlsOptions callback_tls;
  callback_tls.ca_file = get("RETRAINING_CA_FILE");
  HttpClient client(callback_tls);
  auto sink = OpenEventSink(env, client, std::cout);
  WorkerContext ctx{.env = env,
                    .feed = **feed,
                    .events = *sink,
                    .tracker = tracking.tracker.get(),
                    .artifacts = tracking.reader,
                    .registry = tracking.registry,
                    .log = &std::cerr};
  return RunWorker(ctx);
}

}  // namespace retrain
