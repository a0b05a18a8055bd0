// GraphQL over HTTP: POST and GET /graphql, the GraphiQL page and its assets. The GraphQL work
// itself is the engine's (graphql/graphql.h) over the schema of graphql_schema.cc.
#include "api/graphql_api.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "api/graphql_internal.h"
#include "api/json_views.h"
#include "core/strings.h"
#include "graphql/graphql.h"

namespace retrain {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr char kGraphqlResponseJson[] = "application/graphql-response+json; charset=utf-8";

// The q value the Accept header gives `type` ("text/html"); wildcards count for `type` only
// when `wildcards` is set. 0 when not acceptable; -1 when the header does not mention it.
double AcceptQuality(const std::string& accept, std::string_view type, bool wildcards) {
  double best = -1;
  std::string_view rest = accept;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t semi = item.find(';');
    std::string media = AsciiLower(Trim(item.substr(0, semi)));
    double q = 1.0;
    while (semi != std::string_view::npos) {
      item = item.substr(semi + 1);
      semi = item.find(';');
      std::string p = AsciiLower(Trim(item.substr(0, semi)));
      if (p.starts_with("q=")) q = std::strtod(p.c_str() + 2, nullptr);
    }
    bool match = media == type;
    if (wildcards) {
      std::string_view major = type.substr(0, type.find('/'));
      match = match || media == "*/*" || media == std::string(major) + "/*";
    }
    if (match && q > best) best = q;
  }
  return best;
}

// The response media type: application/graphql-response+json when the client accepts it at
// least as much as application/json; application/json otherwise (also for no Accept at all).
bool WantsGraphqlResponseJson(const Request& r) {
  std::string accept = r.Header("accept");
  double gr = AcceptQuality(accept, "application/graphql-response+json", false);
  double json = AcceptQuality(accept, "application/json", false);
  return gr > 0 && gr >= json;
}

// Whether a browser is asking for a page (Accept prefers text/html over JSON).
bool WantsHtml(const Request& r) {
  std::string accept = r.Header("accept");
  double html = AcceptQuality(accept, "text/html", false);
  double json = std::max(AcceptQuality(accept, "application/json", false),
                         AcceptQuality(accept, "application/graphql-response+json", false));
  return html > 0 && html >= json;
}

bool IsJsonContentType(const std::string& ct) {
  std::string base = AsciiLower(Trim(ct.substr(0, ct.find(';'))));
  return base == "application/json" ||
         (base.starts_with("application/") && base.ends_with("+json"));
}

Response ToHttp(const graphql::Response& g, bool graphql_response_json) {
  Response out;
  out.content_type = graphql_response_json ? kGraphqlResponseJson : kJson;
  out.body = graphql::ResponseToJson(g);
  // GraphQL over HTTP: with application/json every well-formed request is answered 200; with
  // application/graphql-response+json a request that never reached execution is a 400.
  if (!g.has_data && graphql_response_json) out.status = 400;
  out.headers.emplace_back("Cache-Control", "no-store");
  return out;
}

// A body that is not a GraphQL request at all: 400 with one BAD_REQUEST error.
Response BadRequest(const std::string& message, bool graphql_response_json) {
  graphql::Response g;
  g.errors.push_back(graphql::GraphQLError{message, {}, {}, graphql::kCodeBadRequest, {}});
  Response out = ToHttp(g, graphql_response_json);
  out.status = 400;
  return out;
}

// The engine refuses a mutation when allow_mutations is false with this one request error.
bool IsRefusedMutation(const graphql::Response& g) {
  return !g.has_data && g.errors.size() == 1 && g.errors[0].code == graphql::kCodeBadRequest &&
         g.errors[0].message.find("mutation") != std::string::npos;
}

Response MethodNotAllowed(const Request& r, const char* allowed) {
  Response resp = ErrorResponse(405, "method_not_allowed",
                                r.method + " is not allowed on " + r.path + "; use " + allowed);
  resp.headers.emplace_back("Allow", allowed);
  return resp;
}

Response Post(const graphql::Schema& schema, const Request& r) {
  bool grj = WantsGraphqlResponseJson(r);
  if (!IsJsonContentType(r.Header("content-type"))) {
    return ErrorResponse(415, "unsupported_media_type",
                         "a GraphQL request body must be JSON (Content-Type: application/json)");
  }
  auto request = graphql::ParseRequestJson(r.body);
  if (!request) return BadRequest(request.error().message, grj);
  graphql::Context ctx;
  ctx.user = r.auth_role;  // the caller's role, checked by the mutations
  return ToHttp(graphql::Execute(schema, *request, ctx), grj);
}

Response Get(const graphql::Schema& schema, const Request& r) {
  auto query = r.Query("query");
  if (!query || WantsHtml(r)) return GraphiqlPage();
  bool grj = WantsGraphqlResponseJson(r);
  graphql::Request request;
  request.query = *query;
  if (auto vars = r.Query("variables"); vars && !vars->empty()) {
    auto parsed = graphql::ParseJson(*vars);
    if (!parsed || !(parsed->IsObject() || parsed->IsNull())) {
      return BadRequest("The \"variables\" parameter must be a JSON object.", grj);
    }
    request.variables = std::move(*parsed);
  }
  if (auto op = r.Query("operationName"); op && !op->empty()) request.operation_name = *op;
  graphql::ExecuteOptions options;
  options.allow_mutations = false;
  graphql::Context ctx;
  ctx.user = r.auth_role;  // the caller's role, checked by the mutations
  graphql::Response g = graphql::Execute(schema, request, ctx, options);
  Response out = ToHttp(g, grj);
  if (IsRefusedMutation(g)) {
    out.status = 405;
    out.headers.emplace_back("Allow", "POST");
  }
  return out;
}

Response Handle(const graphql::Schema& schema, const Request& r) {
  std::string path = r.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  bool is_get = r.method == "GET" || r.method == "HEAD";
  constexpr std::string_view kAssets = "/graphql/assets/";
  if (path.starts_with(kAssets)) {
    if (!is_get) return MethodNotAllowed(r, "GET");
    auto asset = GraphiqlAsset(std::string_view(path).substr(kAssets.size()), r);
    if (!asset) return ErrorResponse(404, "not_found", "no such GraphiQL asset: " + r.path);
    return *asset;
  }
  if (path != "/graphql") return ErrorResponse(404, "not_found", "no such endpoint: " + r.path);
  if (r.method == "POST") return Post(schema, r);
  if (is_get) return Get(schema, r);
  return MethodNotAllowed(r, "GET, POST");
}

}  // namespace

Handler MakeGraphqlHandler(Orchestrator& orchestrator, JobStore& store) {
  auto built = BuildGraphqlSchema(orchestrator, store);
  if (!built) {
    std::fprintf(stderr, "retrain: the GraphQL schema does not build: %s\n",
                 built.error().message.c_str());
    std::abort();
  }
  std::shared_ptr<const graphql::Schema> schema = std::move(*built);
  return [schema](const Request& r) { return Handle(*schema, r); };
}

}  // namespace retrain
