#include "api/rest_api.h"

#include <chrono>
#include <cmath>

#include "api/cursor.h"
#include "api/dashboard.h"
#include "api/json_views.h"
#include "core/json_nesting.h"
#include "core/strings.h"

namespace retrain {

using nlohmann::json;

namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsJsonContentType(const std::string& ct) {
  const std::string base = AsciiLower(TrimView(std::string_view(ct).substr(0, ct.find(';'))));
  return base == "application/json" ||
         (base.starts_with("application/") && base.ends_with("+json"));
}

// Parses an optional JSON object body. Errors: 415 when a body is not declared as JSON, 400 when
// it is not JSON or not an object.
std::optional<Response> ParseBody(const Request& r, json* out) {
  *out = json::object();
  bool blank = r.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) return std::nullopt;
  if (!IsJsonContentType(r.Header("content-type"))) {
    return ErrorResponse(415, "unsupported_media_type",
                         "the request body must be JSON (Content-Type: application/json)");
  }
  if (auto at = FindJsonNestingExcess(r.body)) {
    return ErrorResponse(400, "invalid_json",
                         "the request body nests arrays or objects deeper than " +
                             std::to_string(kMaxJsonNesting) + " levels (at byte " +
                             std::to_string(*at) + ")");
  }
  try {
    *out = json::parse(r.body);
  } catch (const json::exception& e) {
    return ErrorResponse(400, "invalid_json",
                         std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!out->is_object())
    return ErrorResponse(400, "invalid_json", "the request body must be a JSON object");
  return std::nullopt;
}

Response Invalid(const std::string& field, const std::string& message) {
  Error e;
  e.code = ErrorCode::kUnprocessable;
  e.api_code = "invalid_value";
  e.message = message;
  e.With("field", field);
  return JsonResponse(422, ErrorJson(e));
}

std::optional<JobStatus> ParseStatusLoose(const std::string& s) {
  return ParseStatus(AsciiLower(s));
}

}  // namespace

RestApi::RestApi(RestApiOptions options, Orchestrator& orchestrator, JobStore& store,
                 FeedSource& feed, MetricsRegistry& metrics, const Clock& clock)
    : options_(std::move(options)),
      orchestrator_(orchestrator),
      store_(store),
      feed_(feed),
      metrics_(metrics),
      clock_(clock) {
  metrics_.DeclareCounter("retrain_http_requests_total",
                          "HTTP requests by method, route and status code.");
  metrics_.DeclareHistogram(
      "retrain_http_request_duration_seconds", "HTTP request latency by route.",
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
}

namespace {

// The role a request needs at the edge, or nullopt when it needs none.
std::optional<Role> NeededRole(const Request& r, bool metrics_public) {
  const std::string& p = r.path;
  const bool get = r.method == "GET" || r.method == "HEAD";
  if (p == "/healthz" || p == "/readyz") return std::nullopt;
  if (p == "/metrics") return metrics_public ? std::nullopt : std::optional(Role::kRead);
  // Worker events carry their attempt's callback token, checked by the orchestrator; an API
  // token grants nothing there.
  if (r.method == "POST" && p.starts_with("/retraining/jobs/") && p.ends_with("/events")) {
    return std::nullopt;
  }
  // The pages themselves (dashboard, GraphiQL) load without a token; their data calls need one.
  if (get &&
      (p == "/" || p.starts_with("/graphql/assets/") || (p == "/graphql" && !r.Query("query")))) {
    return std::nullopt;
  }
  if (get) return Role::kRead;
  if (p == "/graphql") return Role::kRead;  // each mutation checks its own role
  if (r.method == "POST" && p.starts_with("/models/") && p.ends_with("/retrain")) {
    return Role::kTrigger;  // force needs admin (checked with the body)
  }
  if (r.method == "POST" && p.starts_with("/retraining/jobs/") && p.ends_with("/cancel")) {
    return Role::kTrigger;
  }
  return Role::kAdmin;
}

// Path ids are checked for their format before any lookup, so a malformed one is a 400 naming
// the field (and is never echoed whole): model ids as the configuration allows them, job ids as
// the store makes them (a generous superset: letters, digits, '-' and '_').
std::optional<Response> BadId(const std::string& id, bool model) {
  const size_t max = model ? 63 : 64;
  bool ok = !id.empty() && id.size() <= max;
  for (char c : id) {
    const bool alnum =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (!model && c >= 'A' && c <= 'Z');
    ok = ok && (alnum || c == '-' || c == '_' || (model && c == '.'));
  }
  if (ok) return std::nullopt;
  const std::string field = model ? "modelId" : "jobId";
  const std::string shown = id.size() > 64 ? id.substr(0, 64) + "..." : id;
  Error e;
  e.code = ErrorCode::kInvalidArgument;
  e.api_code = model ? "invalid_model_id" : "invalid_job_id";
  e.message = model ? "model id '" + shown +
                          "' is not a model id: 1 to 63 lower-case letters, "
                          "digits, '-', '_' or '.'"
                    : "job id '" + shown + "' is not a job id: 1 to 64 letters, digits, '-' or '_'";
  e.With("field", field);
  return JsonResponse(400, ErrorJson(e));
}

Response AuthError(const Request& r, int status, const std::string& code,
                   const std::string& message) {
  Response resp;
  if (r.path == "/graphql") {
    resp.status = status;
    std::string upper = code == "unauthenticated" ? "UNAUTHENTICATED" : "FORBIDDEN";
    resp.body = json{{"errors",
                      json::array({json{{"message", message}, {"extensions", {{"code", upper}}}}})}}
                    .dump();
  } else {
    resp = ErrorResponse(status, code, message);
  }
  if (status == 401) resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"retrain\"");
  return resp;
}

}  // namespace

std::variant<Role, Response> RestApi::Authorize(const Request& r) const {
  if (!options_.tokens) return Role::kAdmin;  // an open API
  std::optional<Role> needed = NeededRole(r, options_.metrics_public);
  if (!needed) return Role::kRead;
  std::string header = r.Header("authorization");
  std::optional<Principal> who;
  if (header.size() > 7 &&
      (header.compare(0, 7, "Bearer ") == 0 || header.compare(0, 7, "bearer ") == 0)) {
    who = options_.tokens->Verify(std::string_view(header).substr(7));
  }
  if (!who) {
    return AuthError(r, 401, "unauthenticated",
                     header.empty() ? "this API needs a token: send Authorization: Bearer <token>"
                                    : "the token is not valid for this API");
  }
  if (!Grants(who->role, *needed)) {
    return AuthError(r, 403, "forbidden",
                     "the token '" + who->name + "' has role " + std::string(ToString(who->role)) +
                         "; " + r.method + " " + r.path + " needs " +
                         std::string(ToString(*needed)));
  }
  return who->role;
}

Response RestApi::Handle(const Request& request) {
  auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  Response resp;
  try {
    auto caller = Authorize(request);
    if (auto* refused = std::get_if<Response>(&caller)) {
      resp = std::move(*refused);
    } else {
      resp = Route(request, std::get<Role>(caller), &route);
    }
  } catch (const std::exception& e) {
    resp = ErrorResponse(500, "internal", "the server failed to handle the request");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Add(
      "retrain_http_requests_total",
      {{"method", request.method}, {"route", route}, {"code", std::to_string(resp.status)}});
  metrics_.Observe("retrain_http_request_duration_seconds", {{"route", route}}, secs);
  return resp;
}

Response RestApi::Route(const Request& r, Role caller, std::string* route) {
  auto seg = Segments(r.path);
  const std::string& m = r.method;
  auto method_not_allowed = [&](const char* allowed) {
    Response resp = ErrorResponse(405, "method_not_allowed",
                                  m + " is not allowed on " + r.path + "; use " + allowed);
    resp.headers.emplace_back("Allow", allowed);
    return resp;
  };
  auto is_get = m == "GET" || m == "HEAD";

  if (seg.empty()) {
    *route = "/";
    return DashboardPage(r);
  }
  if (seg[0] == "graphql" && (seg.size() == 1 || (seg.size() == 3 && seg[1] == "assets"))) {
    *route = seg.size() == 1 ? "/graphql" : "/graphql/assets/{file}";
    if (!options_.graphql) return ErrorResponse(404, "not_found", "GraphQL is not enabled");
    Request authed = r;
    authed.auth_role = std::string(ToString(caller));
    return options_.graphql(authed);
  }
  if (seg[0] == "healthz" && seg.size() == 1) {
    *route = "/healthz";
    if (!is_get) return method_not_allowed("GET");
    return JsonResponse(200, {{"status", "ok"}});
  }
  if (seg[0] == "readyz" && seg.size() == 1) {
    *route = "/readyz";
    if (!is_get) return method_not_allowed("GET");
    return Ready();
  }
  if (seg[0] == "metrics" && seg.size() == 1) {
    *route = "/metrics";
    if (!is_get) return method_not_allowed("GET");
    Response resp;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = metrics_.Render();
    return resp;
  }
  if (seg[0] == "openapi.json" && seg.size() == 1) {
    *route = "/openapi.json";
    if (!is_get) return method_not_allowed("GET");
    Response resp;
    resp.body = OpenApiDocument(options_.version);
    return resp;
  }
  if (seg[0] == "models") {
    if (seg.size() == 3) {
      if (auto bad = BadId(seg[1], /*model=*/true)) return *bad;
    }
    if (seg.size() == 1) {
      *route = "/models";
      if (!is_get) return method_not_allowed("GET");
      return Models();
    }
    if (seg.size() == 3 && seg[2] == "retrain") {
      *route = "/models/{modelId}/retrain";
      if (m != "POST") return method_not_allowed("POST");
      return Retrain(r, seg[1], caller);
    }
    if (seg.size() == 3 && seg[2] == "trigger-preview") {
      *route = "/models/{modelId}/trigger-preview";
      if (!is_get) return method_not_allowed("GET");
      return Preview(seg[1]);
    }
    if (seg.size() == 3 && seg[2] == "champions") {
      *route = "/models/{modelId}/champions";
      if (!is_get) return method_not_allowed("GET");
      return ChampionHistory(r, seg[1]);
    }
    if (seg.size() == 3 && seg[2] == "promote") {
      *route = "/models/{modelId}/promote";
      if (m != "POST") return method_not_allowed("POST");
      return Promote(r, seg[1]);
    }
    if (seg.size() == 3 && seg[2] == "rollback") {
      *route = "/models/{modelId}/rollback";
      if (m != "POST") return method_not_allowed("POST");
      return Rollback(r, seg[1]);
    }
  }
  if (seg[0] == "retraining" && seg.size() >= 2 && seg[1] == "jobs") {
    if (seg.size() >= 3) {
      if (auto bad = BadId(seg[2], /*model=*/false)) return *bad;
    }
    if (seg.size() == 2) {
      *route = "/retraining/jobs";
      if (!is_get) return method_not_allowed("GET");
      return ListJobs(r);
    }
    if (seg.size() == 3) {
      *route = "/retraining/jobs/{jobId}";
      if (!is_get) return method_not_allowed("GET");
      return GetJob(seg[2]);
    }
    if (seg.size() == 4 && seg[3] == "events") {
      *route = "/retraining/jobs/{jobId}/events";
      if (m == "POST") return PostEvent(r, seg[2]);
      if (is_get) return ListEvents(seg[2]);
      return method_not_allowed("GET, POST");
    }
    if (seg.size() == 4 && seg[3] == "logs") {
      *route = "/retraining/jobs/{jobId}/logs";
      if (!is_get) return method_not_allowed("GET");
      return WorkerLog(r, seg[2]);
    }
    if (seg.size() == 4 && seg[3] == "cancel") {
      *route = "/retraining/jobs/{jobId}/cancel";
      if (m != "POST") return method_not_allowed("POST");
      return CancelJob(seg[2]);
    }
  }
  return ErrorResponse(404, "not_found", "no such endpoint: " + r.method + " " + r.path);
}

Response RestApi::Retrain(const Request& r, const std::string& model_id, Role caller) {
  json body;
  if (auto err = ParseBody(r, &body)) return *err;
  std::optional<std::string> reason;
  bool force = false;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "reason") {
      if (it->is_null()) continue;
      if (!it->is_string()) return Invalid("reason", "'reason' must be a string");
      if (it->get<std::string>().size() > 1000)
        return Invalid("reason", "'reason' must be at most 1000 characters");
      reason = it->get<std::string>();
    } else if (it.key() == "force") {
      if (!it->is_boolean()) return Invalid("force", "'force' must be true or false");
      force = it->get<bool>();
    } else {
      return Invalid(it.key(), "unknown field '" + it.key() + "'; expected reason or force");
    }
  }
  if (force && !Grants(caller, Role::kAdmin)) {
    return ErrorResponse(
        403, "forbidden",
        "'force' needs the admin role; this token has role " + std::string(ToString(caller)));
  }
  std::optional<std::string> key;
  if (auto k = r.Header("idempotency-key"); !k.empty()) {
    if (k.size() > 255)
      return ErrorResponse(400, "invalid_idempotency_key",
                           "the Idempotency-Key header must be at most 255 characters");
    key = model_id + "\n" + k;
  }
  auto triggered = orchestrator_.commands().Trigger({.model_id = model_id,
                                                     .kind = TriggerKind::kManual,
                                                     .reason = reason,
                                                     .force = force,
                                                     .idempotency_key = key});
  if (!triggered) return ErrorResponse(triggered.error());
  Response resp = JsonResponse(202, JobJson(triggered->job));
  resp.headers.emplace_back("Location", "/retraining/jobs/" + triggered->job.id);
  if (triggered->replayed) resp.headers.emplace_back("Idempotent-Replayed", "true");
  return resp;
}

Response RestApi::ListJobs(const Request& r) {
  JobFilter f;
  for (const auto& [k, v] : r.query) {
    if (k == "modelId") {
      f.model_id = v;
    } else if (k == "status") {
      f.status = ParseStatusLoose(v);
      if (!f.status) {
        return ErrorResponse(
            400, "invalid_filter",
            "status '" + v +
                "' is not one of pending, scheduled, running, completed, failed, cancelled");
      }
    } else if (k == "limit") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 500) {
        return ErrorResponse(400, "invalid_filter",
                             "limit '" + v + "' must be a whole number from 1 to 500");
      }
      f.limit = static_cast<int>(n);
    } else if (k == "cursor") {
      if (v.empty()) continue;
      f.before_seq = DecodeCursor(v);
      if (!f.before_seq)
        return ErrorResponse(400, "invalid_cursor",
                             "cursor '" + v + "' is not a cursor this server issued");
    } else {
      return ErrorResponse(
          400, "invalid_filter",
          "unknown query parameter '" + k + "'; expected modelId, status, limit or cursor");
    }
  }
  auto page = store_.ListJobs(f);
  if (!page) return ErrorResponse(page.error());
  json jobs = json::array();
  for (const auto& j : page->jobs) jobs.push_back(JobJson(j));
  return JsonResponse(
      200, {{"jobs", jobs},
            {"nextCursor",
             page->next_before_seq ? json(EncodeCursor(*page->next_before_seq)) : json(nullptr)}});
}

Response RestApi::GetJob(const std::string& id) {
  auto job = store_.GetJob(id);
  if (!job) return ErrorResponse(job.error());
  return JsonResponse(200, JobJson(*job));
}

Response RestApi::PostEvent(const Request& r, const std::string& id) {
  json body;
  if (auto err = ParseBody(r, &body)) return *err;
  EventInput in;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    if (it->is_null()) continue;
    if (k == "status") {
      if (!it->is_string()) return Invalid(k, "'status' must be a string");
      in.status = ParseStatusLoose(it->get<std::string>());
      if (!in.status) {
        return Invalid(
            k, "status '" + it->get<std::string>() +
                   "' is not one of pending, scheduled, running, completed, failed, cancelled");
      }
    } else if (k == "progress") {
      if (!it->is_number()) return Invalid(k, "'progress' must be a number from 0 to 1");
      double p = it->get<double>();
      if (!(p >= 0.0 && p <= 1.0)) return Invalid(k, "'progress' must be a number from 0 to 1");
      in.progress = p;
    } else if (k == "message" || k == "error") {
      if (!it->is_string()) return Invalid(k, "'" + k + "' must be a string");
      std::string s = it->get<std::string>();
      if (s.size() > 10000) return Invalid(k, "'" + k + "' must be at most 10000 characters");
      (k == "message" ? in.message : in.error) = s;
    } else if (k == "metrics") {
      if (!it->is_object()) return Invalid(k, "'metrics' must be an object of numbers");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_number() || !std::isfinite(m->get<double>())) {
          return Invalid("metrics." + m.key(), "metric '" + m.key() + "' must be a finite number");
        }
        if (m.key().empty() || m.key().size() > 250) {
          return Invalid("metrics", "metric names must be 1 to 250 characters");
        }
        in.metrics[m.key()] = m->get<double>();
      }
    } else {
      return Invalid(
          k, "unknown field '" + k + "'; expected status, metrics, progress, message or error");
    }
  }
  if (!in.status && !in.progress && !in.message && !in.error && in.metrics.empty()) {
    return ErrorResponse(
        400, "empty_event",
        "an event needs at least one of status, metrics, progress, message or error");
  }
  std::string auth = r.Header("authorization");
  std::string token;
  if (auth.size() > 7 && (auth.starts_with("Bearer ") || auth.starts_with("bearer ")))
    token = auth.substr(7);
  auto job = orchestrator_.commands().ApplyEvent(id, in, token);
  if (!job) {
    Response resp = ErrorResponse(job.error());
    if (resp.status == 401)
      resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"retrain\"");
    return resp;
  }
  return JsonResponse(200, JobJson(*job));
}

Response RestApi::ListEvents(const std::string& id) {
  auto events = store_.ListEvents(id);
  if (!events) return ErrorResponse(events.error());
  json out = json::array();
  for (const auto& e : *events) out.push_back(EventJson(e));
  return JsonResponse(200, {{"events", out}});
}

Response RestApi::CancelJob(const std::string& id) {
  auto job = orchestrator_.commands().Cancel(id, EventSource::kApi);
  if (!job) return ErrorResponse(job.error());
  return JsonResponse(200, JobJson(*job));
}

Response RestApi::WorkerLog(const Request& r, const std::string& id) {
  auto job = store_.GetJob(id);
  if (!job) return ErrorResponse(job.error());
  int attempt = job->attempt;
  if (auto a = r.Query("attempt")) {
    char* end = nullptr;
    long n = std::strtol(a->c_str(), &end, 10);
    if (a->empty() || *end != '\0' || n < 1 || n > job->attempt) {
      return ErrorResponse(
          400, "invalid_filter",
          "attempt '" + *a + "' must be a whole number from 1 to " + std::to_string(job->attempt));
    }
    attempt = static_cast<int>(n);
  }
  if (!options_.worker_log) {
    std::string where = job->kubernetes_job_name
                            ? "its logs are in Kubernetes: kubectl logs -n " +
                                  job->kubernetes_namespace.value_or("default") +
                                  " -l job-id=" + job->id
                            : "this server does not keep worker logs";
    return ErrorResponse(404, "logs_unavailable",
                         "job " + job->id + " ran on the " + job->executor + " executor; " + where);
  }
  auto text = options_.worker_log(*job, attempt, 1 << 20);
  if (!text) return ErrorResponse(text.error());
  Response resp;
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = std::move(*text);
  return resp;
}

namespace {

// A model's drift trigger settings and reading; null without trigger.drift.
json DriftJson(const ModelSettings& m, const std::optional<DriftStatus>& s) {
  if (!m.drift) return nullptr;
  json features = json::array();
  if (s) {
    for (const auto& f : s->features) {
      features.push_back({{"feature", f.feature}, {"psi", f.psi}, {"records", f.records}});
    }
  }
  const bool reading = s && !s->features.empty();
  return {{"threshold", m.drift->threshold},
          {"minRecords", m.drift->min_records},
          {"watchedFeatures", m.drift->features},
          {"championVersion",
           s && !s->champion_version.empty() ? json(s->champion_version) : json(nullptr)},
          {"records", s ? s->records : 0},
          {"maxPsi", reading ? json(s->features.front().psi) : json(nullptr)},
          {"maxPsiFeature", reading ? json(s->features.front().feature) : json(nullptr)},
          {"note", s ? (s->note.empty() ? json(nullptr) : json(s->note))
                     : json("not measured yet: the trigger pass has not run")},
          {"features", features}};
}

}  // namespace

Response RestApi::Models() {
  auto overview = orchestrator_.reads().Overview();
  if (!overview) return ErrorResponse(overview.error());
  json models = json::array();
  for (const auto& o : *overview) {
    models.push_back({{"id", o.model->id},
                      {"minRecords", o.model->min_records},
                      {"unseenRecords", o.unseen_records},
                      {"activeJobId", o.active_job ? json(o.active_job->id) : json(nullptr)},
                      {"lastJob", o.last_job ? JobJson(*o.last_job) : json(nullptr)},
                      {"drift", DriftJson(*o.model, o.drift)}});
  }
  return JsonResponse(200, {{"models", models}});
}

Response RestApi::Preview(const std::string& model_id) {
  auto p = orchestrator_.reads().Preview(model_id);
  if (!p) return ErrorResponse(p.error());
  auto decision = [](const TriggerDecision& d) {
    return json{{"wouldFire", d.fire},
                {"reason", ToString(d.reason)},
                {"explanation", d.explanation},
                {"threshold", d.threshold}};
  };
  const ModelSettings& m = *p->model;
  int64_t now = clock_.NowMs();
  return JsonResponse(
      200, {
               {"modelId", m.id},
               {"now", FormatRfc3339(now)},
               {"unseenRecords", p->unseen.count},
               {"minRecords", m.min_records},
               {"oldestUnseenAt", p->unseen.oldest_landed_ms
                                      ? json(FormatRfc3339(*p->unseen.oldest_landed_ms))
                                      : json(nullptr)},
               {"oldestUnseenAgeSeconds", p->automatic.oldest_unseen_age_ms
                                              ? json(*p->automatic.oldest_unseen_age_ms / 1000.0)
                                              : json(nullptr)},
               {"maxWaitSeconds", m.max_wait_ms ? json(*m.max_wait_ms / 1000.0) : json(nullptr)},
               {"cooldownSeconds", m.cooldown_ms / 1000.0},
               {"cooldownLeftSeconds", p->automatic.cooldown_left_ms / 1000.0},
               {"schedule", m.schedule ? json(*m.schedule) : json(nullptr)},
               {"nextScheduledAt", p->automatic.next_schedule_ms
                                       ? json(FormatRfc3339(*p->automatic.next_schedule_ms))
                                       : json(nullptr)},
               {"activeJobId", p->active_job_id ? json(*p->active_job_id) : json(nullptr)},
               {"drift", DriftJson(m, p->drift)},
               {"automatic", decision(p->automatic)},
               {"manual", decision(p->manual)},
           });
}

Response RestApi::ChampionHistory(const Request& r, const std::string& model_id) {
  int limit = 50;
  for (const auto& [k, v] : r.query) {
    if (k != "limit") {
      return ErrorResponse(400, "invalid_filter",
                           "unknown query parameter '" + k + "'; expected limit");
    }
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > 500) {
      return ErrorResponse(400, "invalid_filter",
                           "limit '" + v + "' must be a whole number from 1 to 500");
    }
    limit = static_cast<int>(n);
  }
  auto history = orchestrator_.champions().History(model_id, limit);
  if (!history) return ErrorResponse(history.error());
  json entries = json::array();
  for (const auto& period : *history) entries.push_back(ChampionPeriodJson(period));
  json current = history->empty() ? json(nullptr) : json(history->front().promotion.version);
  return JsonResponse(200, {{"modelId", model_id}, {"champion", current}, {"champions", entries}});
}

namespace {

// The fields of a promote or rollback body: `reason` (required, a string) and, when
// `version_field`, `version` (required; a string, or a whole number for convenience).
std::optional<Response> ParseMoveBody(const Request& r, bool version_field, std::string* version,
                                      std::string* reason) {
  json body;
  if (auto err = ParseBody(r, &body)) return err;
  bool has_reason = false, has_version = false;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() == "reason") {
      if (it->is_null()) continue;
      if (!it->is_string()) return Invalid("reason", "'reason' must be a string");
      *reason = it->get<std::string>();
      has_reason = true;
    } else if (it.key() == "version" && version_field) {
      if (it->is_string()) {
        *version = it->get<std::string>();
      } else if (it->is_number_unsigned()) {
        *version = std::to_string(it->get<uint64_t>());
      } else if (!it->is_null()) {
        return Invalid("version", "'version' must be a version number such as \"3\"");
      }
      has_version = !it->is_null();
    } else {
      return Invalid(it.key(), "unknown field '" + it.key() + "'; expected " +
                                   (version_field ? "version and reason" : "reason"));
    }
  }
  if (version_field && (!has_version || version->empty())) {
    return Invalid("version", "'version' is required: the registered version to promote");
  }
  if (!has_reason) return Invalid("reason", "'reason' is required: say why the champion moves");
  return std::nullopt;
}

}  // namespace

Response RestApi::Promote(const Request& r, const std::string& model_id) {
  std::string version, reason;
  if (auto err = ParseMoveBody(r, true, &version, &reason)) return *err;
  auto moved = orchestrator_.champions().Promote(model_id, version, reason);
  if (!moved) return ErrorResponse(moved.error());
  return JsonResponse(200, ChampionMoveJson(*moved));
}

Response RestApi::Rollback(const Request& r, const std::string& model_id) {
  std::string version, reason;
  if (auto err = ParseMoveBody(r, false, &version, &reason)) return *err;
  auto moved = orchestrator_.champions().Rollback(model_id, reason);
  if (!moved) return ErrorResponse(moved.error());
  return JsonResponse(200, ChampionMoveJson(*moved));
}

Response RestApi::Ready() {
  json checks = json::object();
  bool ok = true;
  if (auto s = store_.Ping(); s)
    checks["store"] = "ok";
  else {
    ok = false;
    checks["store"] = s.error().message;
  }
  if (auto s = feed_.Ping(); s)
    checks["feed"] = "ok";
  else {
    ok = false;
    checks["feed"] = s.error().message;
  }
  if (options_.health) {
    for (const auto& [name, cause] : options_.health->Snapshot()) {
      checks[name] = cause ? *cause : "ok";
      if (cause) ok = false;
    }
  }
  if (!ok) {
    Error e;
    e.code = ErrorCode::kUnavailable;
    e.api_code = "not_ready";
    e.message = "a dependency is unreachable";
    json body = ErrorJson(e);
    body["error"]["details"] = checks;
    return JsonResponse(503, body);
  }
  json body = {{"status", "ready"}, {"checks", checks}};
  // Every replica is ready to serve; the body says which one runs the loops.
  if (const LeaderElector* leader = orchestrator_.leader()) {
    LeadershipView v = leader->View();
    json l = {{"replica", v.replica_id}, {"leading", v.leading}, {"leader", v.leader}};
    if (v.leading) l["epoch"] = v.epoch;
    if (v.error) l["error"] = *v.error;
    body["leadership"] = l;
  }
  return JsonResponse(200, body);
}

}  // namespace retrain
