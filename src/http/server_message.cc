#include "http/server_message.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <cctype>

#include "core/strings.h"

namespace retrain {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[(c >> 4) & 0xf]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string ErrorJson(const ErrorReply& reply) {
  std::string out = R"({"error":{"code":)";
  AppendJsonString(reply.code, &out);
  out += R"(,"message":)";
  AppendJsonString(reply.message, &out);
  out += R"(,"details":{)";
  if (reply.limit) out += R"("limit":)" + std::to_string(*reply.limit);
  out += "}}}";
  return out;
}

BeastResponse RenderError(const ErrorReply& reply, unsigned version) {
  BeastResponse res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, "retrain");
  res.set(http::field::content_type, "application/json");
  res.body() = ErrorJson(reply);
  res.content_length(res.body().size());
  return res;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Copies the handler's extra headers. Framing headers are the server's; "Connection: close"
// from the handler is honored by closing after the response.
void CopyHeaders(const Response& from, BeastResponse& to, bool* keep_alive) {
  for (const auto& [name, value] : from.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) continue;
    if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) {
      continue;
    }
    if (beast::iequals(name, "connection")) {
      const std::string lower = AsciiLower(value);
      if (lower.find("close") != std::string::npos) *keep_alive = false;
      continue;
    }
    if (beast::iequals(name, "server") || beast::iequals(name, "content-type")) {
      to.set(name, value);
    } else {
      to.insert(name, value);
    }
  }
}

}  // namespace

ErrorReply BadRequest(std::string message) {
  return ErrorReply{400, "bad_request", std::move(message), std::nullopt};
}

ErrorReply PayloadTooLarge(uint64_t limit) {
  return ErrorReply{413, "payload_too_large",
                    "The request body is larger than " + std::to_string(limit) + " bytes.", limit};
}

ErrorReply HeaderTooLarge() {
  return ErrorReply{431, "header_too_large", "The request header is too large.", std::nullopt};
}

std::expected<ParsedRequest, ErrorReply> ToRequest(BeastRequest&& message,
                                                   const std::string& remote_address) {
  ParsedRequest out;
  out.keep_alive = message.keep_alive();
  Request& r = out.request;
  r.method = std::string(message.method_string());
  r.target = std::string(message.target());

  std::string_view target = r.target;
  if (!target.empty() && target.front() != '/' && target != "*") {
    // Absolute form ("http://host/path?q"): keep the path and query.
    size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) {
      return std::unexpected(BadRequest("The request target is not a path."));
    }
    size_t start = target.find_first_of("/?", scheme + 3);
    target = start == std::string_view::npos ? std::string_view{} : target.substr(start);
  }
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::string_view raw_query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (raw_path.empty()) raw_path = "/";
  if (!PercentDecode(raw_path, &r.path)) {
    return std::unexpected(BadRequest("The request path has a malformed percent-escape."));
  }
  if (!raw_query.empty()) {
    std::string scratch;
    if (!PercentDecode(raw_query, &scratch)) {
      return std::unexpected(BadRequest("The query string has a malformed percent-escape."));
    }
    r.query = ParseQuery(raw_query);
  }

  r.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    const auto raw = field.name_string();
    std::string name = AsciiLower(std::string_view(raw.data(), raw.size()));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body = std::move(message.body());
  r.remote_address = remote_address;
  return out;
}

bool ExpectsContinue(const BeastRequest& message) {
  return message.version() >= 11 && beast::iequals(message[http::field::expect], "100-continue");
}

BeastResponse Respond(const Handler& handler, const Request& request, unsigned version,
                      bool* keep_alive) {
  const ErrorReply internal{500, "internal", "The server failed to handle the request.",
                            std::nullopt};
  Response response;
  try {
    response = handler(request);
  } catch (...) {
    return RenderError(internal, version);
  }
  if (response.status < 200 || response.status > 599) return RenderError(internal, version);

  BeastResponse res{static_cast<http::status>(response.status), version};
  res.set(http::field::server, "retrain");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  CopyHeaders(response, res, keep_alive);
  if (response.status == 204 || response.status == 304) return res;
  res.content_length(response.body.size());
  if (request.method != "HEAD") res.body() = std::move(response.body);
  return res;
}

BeastResponse ErrorResponse(const ErrorReply& reply, unsigned version) {
  BeastResponse res = RenderError(reply, version);
  res.keep_alive(false);
  return res;
}

}  // namespace retrain
