// JSON text <-> Value, and the JSON shape of responses and requests (nlohmann stays here).
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_nesting.h"
#include "graphql/graphql.h"

namespace retrain::graphql {
namespace {

using Json = nlohmann::ordered_json;

Value FromJson(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return Value();
    case Json::value_t::boolean:
      return Value(j.get<bool>());
    case Json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value(j.get<double>());
    case Json::value_t::string:
      return Value(j.get<std::string>());
    case Json::value_t::array: {
      Value::List out;
      for (const auto& item : j) out.push_back(FromJson(item));
      return Value(std::move(out));
    }
    case Json::value_t::object: {
      Value out = Value::EmptyObject();
      for (const auto& [k, v] : j.items()) out.Set(k, FromJson(v));
      return out;
    }
    default:
      return Value();
  }
}

Json ToJsonTree(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kHandle:
      return nullptr;
    case Value::Kind::kBool:
      return v.AsBool();
    case Value::Kind::kInt:
      return v.AsInt();
    case Value::Kind::kFloat: {
      double d = v.AsNumber();
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
    case Value::Kind::kString:
      return v.AsString();
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const auto& item : v.AsList()) out.push_back(ToJsonTree(item));
      return out;
    }
    case Value::Kind::kObject: {
      Json out = Json::object();
      for (const auto& [k, item] : v.AsObject()) out[k] = ToJsonTree(item);
      return out;
    }
  }
  return nullptr;
}

Json ErrorJson(const GraphQLError& e) {
  Json out = Json::object();
  out["message"] = e.message;
  if (!e.locations.empty()) {
    Json locs = Json::array();
    for (const auto& l : e.locations) locs.push_back({{"line", l.line}, {"column", l.column}});
    out["locations"] = locs;
  }
  if (!e.path.empty()) {
    Json path = Json::array();
    for (const auto& seg : e.path) {
      if (const auto* s = std::get_if<std::string>(&seg)) {
        path.push_back(*s);
      } else {
        path.push_back(std::get<int64_t>(seg));
      }
    }
    out["path"] = path;
  }
  if (!e.code.empty() || e.extensions.IsObject()) {
    Json ext = Json::object();
    if (!e.code.empty()) ext["code"] = e.code;
    if (e.extensions.IsObject()) {
      for (const auto& [k, v] : e.extensions.AsObject()) ext[k] = ToJsonTree(v);
    }
    out["extensions"] = ext;
  }
  return out;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

Result<Value> ParseJson(std::string_view text) {
  // FromJson and Value's destructor recurse once per level: bound the levels first.
  if (auto at = FindJsonNestingExcess(text)) {
    return Fail(ErrorCode::kInvalidArgument, "The body nests arrays or objects deeper than " +
                                                 std::to_string(kMaxJsonNesting) +
                                                 " levels (at byte " + std::to_string(*at) + ").");
  }
  try {
    return FromJson(Json::parse(text));
  } catch (const Json::exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("The body is not valid JSON: ") + e.what());
  }
}

std::string ToJson(const Value& value) { return Dump(ToJsonTree(value)); }

std::string ResponseToJson(const Response& r) {
  Json out = Json::object();
  if (!r.errors.empty()) {
    Json errors = Json::array();
    for (const auto& e : r.errors) errors.push_back(ErrorJson(e));
    out["errors"] = errors;
  }
  if (r.has_data) out["data"] = ToJsonTree(r.data);
  return Dump(out);
}

Result<Request> ParseRequestJson(std::string_view body) {
  auto parsed = ParseJson(body);
  if (!parsed) return std::unexpected(parsed.error());
  if (!parsed->IsObject()) {
    return Fail(ErrorCode::kInvalidArgument, "The request body must be a JSON object.");
  }
  Request req;
  const Value* query = parsed->Find("query");
  if (query == nullptr || !query->IsString()) {
    return Fail(ErrorCode::kInvalidArgument, "The request must contain a \"query\" string.");
  }
  req.query = query->AsString();
  if (const Value* vars = parsed->Find("variables"); vars && !vars->IsNull()) {
    Value v = *vars;
    if (v.IsString()) {  // some clients send the variables as JSON text
      auto inner = ParseJson(v.AsString());
      if (!inner) return std::unexpected(inner.error());
      v = *inner;
    }
    if (!v.IsObject()) {
      return Fail(ErrorCode::kInvalidArgument, "\"variables\" must be a JSON object.");
    }
    req.variables = std::move(v);
  }
  if (const Value* op = parsed->Find("operationName"); op && !op->IsNull()) {
    if (!op->IsString()) {
      return Fail(ErrorCode::kInvalidArgument, "\"operationName\" must be a string.");
    }
    req.operation_name = op->AsString();
  }
  return req;
}

std::string ExecuteJson(const Schema& schema, std::string_view body, Context& context,
                        const ExecuteOptions& options) {
  auto request = ParseRequestJson(body);
  if (!request) {
    Response r;
    r.errors.push_back(GraphQLError{request.error().message, {}, {}, kCodeBadRequest, {}});
    return ResponseToJson(r);
  }
  return ResponseToJson(Execute(schema, *request, context, options));
}

}  // namespace retrain::graphql
