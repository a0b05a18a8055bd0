#include "api/dashboard.h"

#include "api/json_views.h"

namespace retrain {

extern const std::string_view kDashboardHtml;

Response DashboardPage(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    Response r =
        ErrorResponse(405, "method_not_allowed", request.method + " is not allowed on /; use GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(kDashboardHtml);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace retrain
