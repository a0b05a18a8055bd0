#pragma once
// Private to the HTTP server: converts Beast's parsed request into the plain Request, runs the
// handler, and turns its Response (or a protocol error) into Beast's response message.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "http/server.h"

namespace retrain {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// An error answered by the server itself, rendered as the REST error body
// {"error":{"code":...,"message":...,"details":{...}}}. The connection is closed after it.
struct ErrorReply {
  int status = 400;
  std::string code;
  std::string message;
  std::optional<uint64_t> limit;  // rendered as details.limit
};

ErrorReply BadRequest(std::string message);
ErrorReply PayloadTooLarge(uint64_t limit);
ErrorReply HeaderTooLarge();

struct ParsedRequest {
  Request request;
  bool keep_alive = false;  // what the client asked for (HTTP/1.0 and 1.1 rules)
};

// Moves the message into a Request: percent-decoded path, parsed query, lower-cased header
// names. A malformed escape in the path or query is a BadRequest.
std::expected<ParsedRequest, ErrorReply> ToRequest(BeastRequest&& message,
                                                   const std::string& remote_address);

// True when the client waits for "100 Continue" before sending the body.
bool ExpectsContinue(const BeastRequest& message);

// Calls the handler and builds the response (no body for HEAD). A throwing handler or an
// invalid status becomes a 500 "internal" error. Clears *keep_alive when the handler asked
// for "Connection: close". The caller sets keep-alive on the result.
BeastResponse Respond(const Handler& handler, const Request& request, unsigned version,
                      bool* keep_alive);

// The response for a server-side error, with "Connection: close".
BeastResponse ErrorResponse(const ErrorReply& reply, unsigned version);

}  // namespace retrain
