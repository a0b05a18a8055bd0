#include "graphql/coercion.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>

#include "graphql/parser.h"
#include "graphql/suggest.h"

namespace retrain::graphql {
namespace {

constexpr int64_t kMaxInt = 2147483647;
constexpr int64_t kMinInt = -2147483648LL;

std::unexpected<std::string> Bad(std::string m) { return std::unexpected(std::move(m)); }

std::vector<std::string> EnumNames(const NamedType& t) {
  std::vector<std::string> names;
  for (const auto& v : t.enum_values) names.push_back(v.name);
  return names;
}

std::string DidYouMeanEnum(const NamedType& t, std::string_view s) {
  return DidYouMean(SuggestionList(s, EnumNames(t)), "the enum value");
}

// JavaScript's Number(string) for the common forms; nullopt when it yields NaN.
std::optional<double> JsNumber(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string t = s.substr(b, e - b);
  if (t.empty()) return 0.0;
  if (t == "Infinity" || t == "+Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  static const std::regex kDecimal(R"([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)");
  if (std::regex_match(t, kDecimal)) return std::strtod(t.c_str(), nullptr);
  static const std::regex kHex(R"(0[xX][0-9a-fA-F]+)");
  if (std::regex_match(t, kHex))
    return static_cast<double>(std::strtoull(t.c_str() + 2, nullptr, 16));
  return std::nullopt;
}

bool IsIntegral(double d) { return std::isfinite(d) && std::floor(d) == d; }

}  // namespace

Value ValueFromAstUntyped(const ast::ValueNode& node, const Value* variables) {
  switch (node.kind) {
    case ast::ValueKind::kNull:
      return Value();
    case ast::ValueKind::kInt: {
      // Number parse, as JavaScript's parseInt: large literals become floats.
      errno = 0;
      long long i = std::strtoll(node.text.c_str(), nullptr, 10);
      if (errno == ERANGE) return Value(std::strtod(node.text.c_str(), nullptr));
      return Value(static_cast<int64_t>(i));
    }
    case ast::ValueKind::kFloat:
      return Value(std::strtod(node.text.c_str(), nullptr));
    case ast::ValueKind::kString:
    case ast::ValueKind::kEnum:
      return Value(node.text);
    case ast::ValueKind::kBoolean:
      return Value(node.text == "true");
    case ast::ValueKind::kList: {
      Value::List out;
      for (const auto& item : node.list) out.push_back(ValueFromAstUntyped(item, variables));
      return Value(std::move(out));
    }
    case ast::ValueKind::kObject: {
      Value out = Value::EmptyObject();
      for (const auto& f : node.fields)
        out.Set(f.name.value, ValueFromAstUntyped(f.value, variables));
      return out;
    }
    case ast::ValueKind::kVariable:
      if (variables) {
        if (const Value* v = variables->Find(node.text)) return *v;
      }
      return Value();
  }
  return Value();
}

std::expected<Value, std::string> ParseLeafLiteral(const NamedType& type,
                                                   const ast::ValueNode& node) {
  const std::string& n = type.name;
  if (type.kind == TypeKind::kEnum) {
    if (node.kind != ast::ValueKind::kEnum) {
      std::string s = PrintValue(node);
      return Bad("Enum \"" + n + "\" cannot represent non-enum value: " + s + "." +
                 DidYouMeanEnum(type, s));
    }
    if (!type.FindEnumValue(node.text)) {
      return Bad("Value \"" + node.text + "\" does not exist in \"" + n + "\" enum." +
                 DidYouMeanEnum(type, node.text));
    }
    return Value(node.text);
  }
  if (!type.builtin) {
    Value raw = ValueFromAstUntyped(node, nullptr);
    if (type.scalar.parse_value) return type.scalar.parse_value(raw);
    return raw;
  }
  if (n == "Int") {
    if (node.kind != ast::ValueKind::kInt) {
      return Bad("Int cannot represent non-integer value: " + PrintValue(node));
    }
    errno = 0;
    long long i = std::strtoll(node.text.c_str(), nullptr, 10);
    if (errno == ERANGE || i > kMaxInt || i < kMinInt) {
      return Bad("Int cannot represent non 32-bit signed integer value: " + node.text);
    }
    return Value(static_cast<int64_t>(i));
  }
  if (n == "Float") {
    if (node.kind != ast::ValueKind::kInt && node.kind != ast::ValueKind::kFloat) {
      return Bad("Float cannot represent non numeric value: " + PrintValue(node));
    }
    return Value(std::strtod(node.text.c_str(), nullptr));
  }
  if (n == "String") {
    if (node.kind != ast::ValueKind::kString) {
      return Bad("String cannot represent a non string value: " + PrintValue(node));
    }
    return Value(node.text);
  }
  if (n == "Boolean") {
    if (node.kind != ast::ValueKind::kBoolean) {
      return Bad("Boolean cannot represent a non boolean value: " + PrintValue(node));
    }
    return Value(node.text == "true");
  }
  // ID
  if (node.kind != ast::ValueKind::kString && node.kind != ast::ValueKind::kInt) {
    return Bad("ID cannot represent a non-string and non-integer value: " + PrintValue(node));
  }
  return Value(node.text);
}

std::expected<Value, std::string> ParseLeafValue(const NamedType& type, const Value& v) {
  const std::string& n = type.name;
  if (type.kind == TypeKind::kEnum) {
    if (!v.IsString()) {
      std::string s = Inspect(v);
      return Bad("Enum \"" + n + "\" cannot represent non-string value: " + s + "." +
                 DidYouMeanEnum(type, s));
    }
    if (!type.FindEnumValue(v.AsString())) {
      return Bad("Value \"" + v.AsString() + "\" does not exist in \"" + n + "\" enum." +
                 DidYouMeanEnum(type, v.AsString()));
    }
    return v;
  }
  if (!type.builtin) {
    if (type.scalar.parse_value) return type.scalar.parse_value(v);
    return v;
  }
  if (n == "Int") {
    if (!v.IsNumber() || !IsIntegral(v.AsNumber())) {
      return Bad("Int cannot represent non-integer value: " + Inspect(v));
    }
    double d = v.AsNumber();
    if (d > kMaxInt || d < kMinInt) {
      return Bad("Int cannot represent non 32-bit signed integer value: " +
                 (v.IsInt() ? std::to_string(v.AsInt()) : FormatJsNumber(d)));
    }
    return Value(static_cast<int64_t>(d));
  }
  if (n == "Float") {
    if (!v.IsNumber() || !std::isfinite(v.AsNumber())) {
      return Bad("Float cannot represent non numeric value: " + Inspect(v));
    }
    return Value(v.AsNumber());
  }
  if (n == "String") {
    if (!v.IsString()) return Bad("String cannot represent a non string value: " + Inspect(v));
    return v;
  }
  if (n == "Boolean") {
    if (!v.IsBool()) return Bad("Boolean cannot represent a non boolean value: " + Inspect(v));
    return v;
  }
  if (v.IsString()) return v;
  if (v.IsNumber() && IsIntegral(v.AsNumber())) {
    return Value(v.IsInt() ? std::to_string(v.AsInt()) : FormatJsNumber(v.AsNumber()));
  }
  return Bad("ID cannot represent value: " + Inspect(v));
}

std::expected<Value, std::string> SerializeLeaf(const NamedType& type, const Value& v) {
  const std::string& n = type.name;
  if (type.kind == TypeKind::kEnum) {
    if (v.IsString() && type.FindEnumValue(v.AsString())) return v;
    return Bad("Enum \"" + n + "\" cannot represent value: " + Inspect(v));
  }
  if (!type.builtin) {
    if (type.scalar.serialize) return type.scalar.serialize(v);
    if (v.IsHandle()) return Bad(n + " cannot represent value: " + Inspect(v));
    return v;
  }
  if (n == "Int" || n == "Float") {
    std::optional<double> num;
    if (v.IsBool()) return Value(static_cast<int64_t>(v.AsBool() ? 1 : 0));
    if (v.IsInt() && n == "Int") {
      if (v.AsInt() > kMaxInt || v.AsInt() < kMinInt) {
        return Bad("Int cannot represent non 32-bit signed integer value: " + Inspect(v));
      }
      return v;
    }
    if (v.IsNumber()) num = v.AsNumber();
    if (v.IsString() && !v.AsString().empty()) num = JsNumber(v.AsString());
    if (n == "Int") {
      if (!num || !IsIntegral(*num))
        return Bad("Int cannot represent non-integer value: " + Inspect(v));
      if (*num > kMaxInt || *num < kMinInt) {
        return Bad("Int cannot represent non 32-bit signed integer value: " + Inspect(v));
      }
      return Value(static_cast<int64_t>(*num));
    }
    if (!num || !std::isfinite(*num)) {
      return Bad("Float cannot represent non numeric value: " + Inspect(v));
    }
    return Value(*num);
  }
  if (n == "String") {
    if (v.IsString()) return v;
    if (v.IsBool()) return Value(v.AsBool() ? "true" : "false");
    if (v.IsInt()) return Value(std::to_string(v.AsInt()));
    if (v.IsFloat() && std::isfinite(v.AsNumber())) return Value(FormatJsNumber(v.AsNumber()));
    return Bad("String cannot represent value: " + Inspect(v));
  }
  if (n == "Boolean") {
    if (v.IsBool()) return v;
    if (v.IsNumber() && std::isfinite(v.AsNumber())) return Value(v.AsNumber() != 0);
    return Bad("Boolean cannot represent a non boolean value: " + Inspect(v));
  }
  if (v.IsString()) return v;
  if (v.IsInt()) return Value(std::to_string(v.AsInt()));
  if (v.IsFloat() && IsIntegral(v.AsNumber())) return Value(FormatJsNumber(v.AsNumber()));
  return Bad("ID cannot represent value: " + Inspect(v));
}

std::optional<Value> ValueFromAst(const ast::ValueNode& node, const TypeRef& type,
                                  const Value* variables) {
  auto missing_variable = [&](const ast::ValueNode& n) {
    return n.kind == ast::ValueKind::kVariable &&
           (variables == nullptr || variables->Find(n.text) == nullptr);
  };
  if (node.kind == ast::ValueKind::kVariable) {
    if (missing_variable(node)) return std::nullopt;
    const Value* v = variables->Find(node.text);
    if (v->IsNull() && type.IsNonNull()) return std::nullopt;
    return *v;
  }
  if (type.IsNonNull()) {
    if (node.kind == ast::ValueKind::kNull) return std::nullopt;
    return ValueFromAst(node, type.OfType(), variables);
  }
  if (node.kind == ast::ValueKind::kNull) return Value();
  if (type.IsList()) {
    TypeRef item = type.OfType();
    if (node.kind != ast::ValueKind::kList) {
      auto one = ValueFromAst(node, item, variables);
      if (!one) return std::nullopt;
      return Value(Value::List{std::move(*one)});
    }
    Value::List out;
    for (const auto& n : node.list) {
      if (missing_variable(n)) {
        if (item.IsNonNull()) return std::nullopt;
        out.emplace_back();
        continue;
      }
      auto v = ValueFromAst(n, item, variables);
      if (!v) return std::nullopt;
      out.push_back(std::move(*v));
    }
    return Value(std::move(out));
  }
  const NamedType& named = *type.named();
  if (named.kind == TypeKind::kInputObject) {
    if (node.kind != ast::ValueKind::kObject) return std::nullopt;
    Value out = Value::EmptyObject();
    for (const auto& def : named.input_fields) {
      const ast::ObjectField* given = nullptr;
      for (const auto& f : node.fields) {
        if (f.name.value == def.name) given = &f;
      }
      if (given == nullptr || missing_variable(given->value)) {
        if (def.default_value) {
          out.Set(def.name, *def.default_value);
        } else if (def.type.IsNonNull()) {
          return std::nullopt;
        }
        continue;
      }
      auto v = ValueFromAst(given->value, def.type, variables);
      if (!v) return std::nullopt;
      out.Set(def.name, std::move(*v));
    }
    return out;
  }
  if (named.kind == TypeKind::kScalar && !named.builtin) {
    Value raw = ValueFromAstUntyped(node, variables);
    if (named.scalar.parse_value) {
      auto parsed = named.scalar.parse_value(raw);
      if (!parsed) return std::nullopt;
      return *parsed;
    }
    return raw;
  }
  auto leaf = ParseLeafLiteral(named, node);
  if (!leaf) return std::nullopt;
  return *leaf;
}

std::string PrintInputPath(const std::vector<PathSegment>& path) {
  std::string out;
  for (const auto& seg : path) {
    if (const auto* s = std::get_if<std::string>(&seg)) {
      out += "." + *s;
    } else {
      out += "[" + std::to_string(std::get<int64_t>(seg)) + "]";
    }
  }
  return out;
}

namespace {

Value CoerceImpl(const Value& input, const TypeRef& type, const InputErrorFn& on_error,
                 std::vector<PathSegment>& path) {
  if (type.IsNonNull()) {
    if (!input.IsNull()) return CoerceImpl(input, type.OfType(), on_error, path);
    on_error(path, input, "Expected non-nullable type \"" + type.ToString() + "\" not to be null.");
    return Value();
  }
  if (input.IsNull()) return Value();
  if (type.IsList()) {
    TypeRef item = type.OfType();
    if (!input.IsList()) return Value(Value::List{CoerceImpl(input, item, on_error, path)});
    Value::List out;
    for (size_t i = 0; i < input.AsList().size(); ++i) {
      path.emplace_back(static_cast<int64_t>(i));
      out.push_back(CoerceImpl(input.AsList()[i], item, on_error, path));
      path.pop_back();
    }
    return Value(std::move(out));
  }
  const NamedType& named = *type.named();
  if (named.kind == TypeKind::kInputObject) {
    if (!input.IsObject()) {
      on_error(path, input, "Expected type \"" + named.name + "\" to be an object.");
      return Value();
    }
    Value out = Value::EmptyObject();
    for (const auto& def : named.input_fields) {
      const Value* given = input.Find(def.name);
      if (given == nullptr) {
        if (def.default_value) {
          out.Set(def.name, *def.default_value);
        } else if (def.type.IsNonNull()) {
          on_error(path, input,
                   "Field \"" + def.name + "\" of required type \"" + def.type.ToString() +
                       "\" was not provided.");
        }
        continue;
      }
      path.emplace_back(def.name);
      out.Set(def.name, CoerceImpl(*given, def.type, on_error, path));
      path.pop_back();
    }
    std::vector<std::string> names;
    for (const auto& def : named.input_fields) names.push_back(def.name);
    for (const auto& [key, unused] : input.AsObject()) {
      if (named.FindInputField(key) == nullptr) {
        on_error(path, input,
                 "Field \"" + key + "\" is not defined by type \"" + named.name + "\"." +
                     DidYouMean(SuggestionList(key, names)));
      }
    }
    return out;
  }
  auto leaf = ParseLeafValue(named, input);
  if (!leaf) {
    on_error(path, input, leaf.error());
    return Value();
  }
  return *leaf;
}

}  // namespace

Value CoerceInputValue(const Value& input, const TypeRef& type, const InputErrorFn& on_error) {
  std::vector<PathSegment> path;
  return CoerceImpl(input, type, on_error, path);
}

std::optional<std::string> PrintLiteralFromValue(const Value& v, const TypeRef& type) {
  if (type.IsNonNull()) return PrintLiteralFromValue(v, type.OfType());
  if (v.IsNull()) return "null";
  if (type.IsList()) {
    if (!v.IsList()) return PrintLiteralFromValue(v, type.OfType());
    std::string out = "[";
    bool first = true;
    for (const auto& item : v.AsList()) {
      auto s = PrintLiteralFromValue(item, type.OfType());
      if (!s) continue;
      if (!first) out += ", ";
      first = false;
      out += *s;
    }
    return out + "]";
  }
  const NamedType& named = *type.named();
  if (named.kind == TypeKind::kInputObject) {
    if (!v.IsObject()) return std::nullopt;
    std::string out = "{";
    bool first = true;
    for (const auto& def : named.input_fields) {
      const Value* f = v.Find(def.name);
      if (!f) continue;
      auto s = PrintLiteralFromValue(*f, def.type);
      if (!s) continue;
      if (!first) out += ", ";
      first = false;
      out += def.name + ": " + *s;
    }
    return out + "}";
  }
  auto serialized = SerializeLeaf(named, v);
  if (!serialized) return std::nullopt;
  const Value& s = *serialized;
  if (s.IsBool()) return s.AsBool() ? "true" : "false";
  if (s.IsInt()) return std::to_string(s.AsInt());
  if (s.IsFloat()) return FormatJsNumber(s.AsNumber());
  if (s.IsString()) {
    if (named.kind == TypeKind::kEnum) return s.AsString();
    static const std::regex kIntLike(R"(-?(?:0|[1-9][0-9]*))");
    if (named.name == "ID" && std::regex_match(s.AsString(), kIntLike)) return s.AsString();
    return PrintString(s.AsString());
  }
  return std::nullopt;
}

}  // namespace retrain::graphql
