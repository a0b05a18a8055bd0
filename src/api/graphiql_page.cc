// The GraphiQL page served at GET /graphql, and its assets. The assets (GraphiQL 3 UMD build,
// React 18 UMD) are fetched from npm by scripts/web-assets at configure time and embedded into
// the binary, so the page works with no internet access. A build without them serves a plain
// query form instead (RETRAIN_GRAPHIQL_ASSETS undefined).
#include <array>
#include <string>

#include "api/graphql_internal.h"

#ifndef RETRAIN_GRAPHIQL_VERSION
#define RETRAIN_GRAPHIQL_VERSION "none"
#endif

namespace retrain {

#ifdef RETRAIN_GRAPHIQL_ASSETS
extern const std::string_view kGraphiqlJs;
extern const std::string_view kGraphiqlCss;
extern const std::string_view kReactJs;
extern const std::string_view kReactDomJs;
#endif

namespace {

constexpr std::string_view kVersion = RETRAIN_GRAPHIQL_VERSION;

// The query the editor opens with: the seed's three operations.
constexpr std::string_view kDefaultQuery =
    R"(# retrain GraphQL API. Open the Docs (book icon) to explore the schema;
# run an operation with the play button.

query RecentJobs {
  mlRetrainingJobs(first: 10) {
    id modelId status trigger records scheduledAt completedAt
    metrics { name value }
  }
}

query Job($jobId: ID!) {
  mlRetrainingJob(jobId: $jobId) {
    id status progress mlflowRunId error
    events { seq at status message }
  }
}

mutation Retrain($modelId: ID!) {
  triggerMLRetraining(modelId: $modelId, reason: "manual backfill", force: false) {
    id modelId status records
  }
}
)";

constexpr std::string_view kPageHead = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>retrain · GraphiQL</title>
)";

constexpr std::string_view kGraphiqlBody =
    R"(<style>html,body{height:100%;margin:0}#graphiql{height:100vh}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react.production.min.js?v=@V@"></script>
<script src="/graphql/assets/react-dom.production.min.js?v=@V@"></script>
<script src="/graphql/assets/graphiql.min.js?v=@V@"></script>
<script>
(function () {
  var params = new URLSearchParams(window.location.search);
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var props = {
    fetcher: fetcher,
    defaultQuery: document.getElementById('default-query').textContent,
    defaultEditorToolbarOpen: true,
    shouldPersistHeaders: false
  };
  if (params.get('query')) props.query = params.get('query');
  if (params.get('variables')) props.variables = params.get('variables');
  if (params.get('operationName')) props.operationName = params.get('operationName');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, props));
})();
</script>
)";

constexpr std::string_view kFallbackBody = R"(<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}
textarea{width:100%;font-family:monospace}pre{background:#f4f4f4;padding:1rem;overflow:auto}
</style>
</head>
<body>
<h1>retrain GraphQL</h1>
<p>GraphiQL assets were not available when this binary was built (run
<code>scripts/web-assets</code> with access to the npm registry, then re-run CMake and rebuild).
This plain form
sends queries to <code>POST /graphql</code>.</p>
<form id="form">
<p><label>Query<br><textarea id="query" rows="16"></textarea></label></p>
<p><label>Variables (JSON)<br><textarea id="variables" rows="3">{}</textarea></label></p>
<p><label>Operation name <input id="operation"></label> <button type="submit">Run</button></p>
</form>
<pre id="result"></pre>
<script>
document.getElementById('query').value = document.getElementById('default-query').textContent;
document.getElementById('form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  var body = { query: document.getElementById('query').value };
  var vars = document.getElementById('variables').value.trim();
  var op = document.getElementById('operation').value.trim();
  var out = document.getElementById('result');
  try { if (vars) body.variables = JSON.parse(vars); } catch (e) {
    out.textContent = 'Variables are not valid JSON: ' + e.message; return;
  }
  if (op) body.operationName = op;
  fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                      body: JSON.stringify(body) })
    .then(function (r) { return r.text(); })
    .then(function (t) { try { t = JSON.stringify(JSON.parse(t), null, 2); } catch (e) {} out.textContent = t; })
    .catch(function (e) { out.textContent = String(e); });
});
</script>
)";

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

std::string BuildPage() {
  std::string page(kPageHead);
  // Raw text of a script element: the default query must not contain "</".
  page += "<script type=\"text/plain\" id=\"default-query\">" + std::string(kDefaultQuery) +
          "</script>\n";
  if (GraphiqlAssetsEmbedded()) {
    page += "<link rel=\"stylesheet\" href=\"/graphql/assets/graphiql.min.css?v=" +
            std::string(kVersion) + "\">\n";
    page += ReplaceAll(std::string(kGraphiqlBody), "@V@", kVersion);
  } else {
    page += kFallbackBody;
  }
  page += "</body>\n</html>\n";
  return page;
}

struct Asset {
  std::string_view name;
  std::string_view content_type;
  const std::string_view* data;
};

#ifdef RETRAIN_GRAPHIQL_ASSETS
const std::array<Asset, 4> kAssets = {{
    {"graphiql.min.js", "text/javascript; charset=utf-8", &kGraphiqlJs},
    {"graphiql.min.css", "text/css; charset=utf-8", &kGraphiqlCss},
    {"react.production.min.js", "text/javascript; charset=utf-8", &kReactJs},
    {"react-dom.production.min.js", "text/javascript; charset=utf-8", &kReactDomJs},
}};
#else
const std::array<Asset, 0> kAssets = {};
#endif

}  // namespace

bool GraphiqlAssetsEmbedded() { return !kAssets.empty(); }

Response GraphiqlPage() {
  static const std::string page = BuildPage();
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = page;
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::optional<Response> GraphiqlAsset(std::string_view name, const Request& request) {
  for (const Asset& a : kAssets) {
    if (a.name != name) continue;
    Response r;
    std::string etag = "\"" + std::string(kVersion) + "-" + std::string(a.name) + "\"";
    r.headers.emplace_back("ETag", etag);
    // The URLs the page uses carry ?v=<version>, so a new build never meets a stale copy.
    r.headers.emplace_back("Cache-Control", "public, max-age=604800");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.content_type = std::string(a.content_type);
    std::string if_none_match = request.Header("if-none-match");
    if (if_none_match == "*" || if_none_match.find(etag) != std::string::npos) {
      r.status = 304;
      return r;
    }
    r.body = std::string(*a.data);
    return r;
  }
  return std::nullopt;
}

}  // namespace retrain
