// retrain serve's request path, from outside input to the answer, over a real orchestrator (a
// SQLite job store and an embedded feed in a temporary directory; its loops are not running, so
// nothing is executed). The first byte picks how the rest is sent:
//
//   0        raw bytes on the wire: Beast's request parser with the server's limits, then
//            ToRequest (path and query decoding, header names), then the handler;
//   1..255   a route of the API (byte % kRoutes) with the rest as its JSON body or query —
//            worker events, triggers, cancels, GraphQL documents and variables, list cursors.
//
// Whatever the input, the answer must be a real HTTP status, and an error from an API route must
// carry the contract's JSON error body (or GraphQL's errors).

#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/graphql_api.h"
#include "api/rest_api.h"
#include "feed/embedded/embedded_feed.h"
#include "http/server_message.h"
#include "orchestrator/orchestrator.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain {
namespace {

// Never runs anything: the loops that would call it do not run here.
class IdleExecutor final : public Executor {
 public:
  std::string Name() const override { return "local"; }
  Result<SubmitResult> Submit(const ExecSpec&) override { return SubmitResult{}; }
  Result<ExecObservation> Observe(const std::string&) override {
    return ExecObservation{ExecPhase::kUnknown, ""};
  }
  Status Cancel(const std::string&) override { return {}; }
};

struct World {
  std::string dir;
  SystemClock clock;
  MetricsRegistry metrics;
  std::unique_ptr<JobStore> store;
  std::unique_ptr<EmbeddedFeed> feed;
  IdleExecutor executor;
  std::unique_ptr<Orchestrator> orchestrator;
  std::unique_ptr<RestApi> api;
  std::string job_id;
};

World* Build() {
  spdlog::set_level(spdlog::level::off);  // a log line per created job would drown the report
  auto* w = new World;
  std::string tmpl = (std::filesystem::temp_directory_path() / "retrain-api-fuzz-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) std::abort();
  w->dir = tmpl;
  w->store = std::move(*OpenSqliteJobStore(w->dir + "/jobs.db", w->clock));
  w->feed = std::move(*EmbeddedFeed::Open(w->dir + "/feed.db"));
  std::vector<NewFeedRecord> records;
  for (int i = 0; i < 40; ++i)
    records.push_back({"ingest-" + std::to_string(i % 3), i % 2 ? "indicator" : "actor",
                       w->clock.NowMs(), R"({"confidence":0.5,"label":1})"});
  (void)w->feed->Append(records);
  OrchestratorOptions o;
  ModelSettings m;
  m.id = "m";
  m.min_records = 5;
  ModelSettings typed = m;
  typed.id = "typed";
  typed.entity_types = {"indicator"};
  o.models = {m, typed};
  o.callback_auth = false;  // events apply without a token, so their bodies reach the job
  o.callback_secret = "fuzz";
  o.public_url = "http://127.0.0.1:1";
  w->orchestrator = std::make_unique<Orchestrator>(o, *w->store, *w->feed, w->executor, nullptr,
                                                   w->clock, w->metrics);
  auto job = w->orchestrator->commands().Trigger({.model_id = "m", .force = true});
  if (!job) std::abort();
  w->job_id = job->job.id;
  RestApiOptions ao;
  ao.version = "fuzz";
  ao.graphql = MakeGraphqlHandler(*w->orchestrator, *w->store);
  w->api =
      std::make_unique<RestApi>(ao, *w->orchestrator, *w->store, *w->feed, w->metrics, w->clock);
  return w;
}

World& TheWorld() {
  static World* w = Build();
  return *w;
}

void Check(const Request& request, const Response& r) {
  if (r.status < 100 || r.status > 599) std::abort();
  if (r.status < 400 || r.content_type.find("json") == std::string::npos) return;
  auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) std::abort();  // an error body that is not JSON
  if (!body.contains("error") && !body.contains("errors")) std::abort();
  (void)request;
}

Request Route(World& w, uint8_t pick, std::string rest) {
  Request r;
  r.remote_address = "127.0.0.1";
  r.headers = {{"content-type", "application/json"}};
  const std::string job = "/retraining/jobs/" + w.job_id;
  constexpr int kRoutes = 9;
  switch (pick % kRoutes) {
    case 0:
      r.method = "POST", r.path = job + "/events", r.body = std::move(rest);
      break;
    case 1:
      r.method = "POST", r.path = "/models/m/retrain", r.body = std::move(rest);
      break;
    case 2:
      r.method = "POST", r.path = "/graphql", r.body = std::move(rest);
      break;
    case 3:
      r.method = "GET", r.path = "/retraining/jobs", r.query = ParseQuery(rest);
      break;
    case 4:
      r.method = "GET", r.path = "/graphql", r.query = {{"query", std::move(rest)}};
      break;
    case 5:
      r.method = "POST", r.path = job + "/cancel", r.body = std::move(rest);
      break;
    case 6:
      r.method = "GET", r.path = "/retraining/jobs/" + rest;
      break;
    case 7:
      r.method = "POST", r.path = "/models/" + rest + "/retrain", r.body = "{}";
      break;
    default:
      r.method = "POST", r.path = "/models/m/promote", r.body = std::move(rest);
      break;
  }
  r.target = r.path;
  return r;
}

}  // namespace
}  // namespace retrain

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace retrain;
  if (size == 0) return 0;
  World& w = TheWorld();
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] != 0) {
    Request r = Route(w, data[0], std::move(rest));
    Check(r, w.api->Handle(r));
    return 0;
  }
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(32 * 1024);  // the server's (src/http/server.cc)
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
  if (ec || used == 0 || !parser.is_done()) return 0;
  auto parsed = ToRequest(parser.release(), "127.0.0.1");
  if (!parsed) {
    if (parsed.error().status < 400 || parsed.error().status > 599) std::abort();
    return 0;
  }
  Check(parsed->request, w.api->Handle(parsed->request));
  return 0;
}
