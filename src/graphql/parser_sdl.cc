// Type-system definitions (SDL) for the Parser.
#include <array>

#include "graphql/parser_impl.h"

namespace retrain::graphql {

using namespace ast;

namespace {

constexpr std::array<std::string_view, 19> kDirectiveLocations = {"QUERY",
                                                                  "MUTATION",
                                                                  "SUBSCRIPTION",
                                                                  "FIELD",
                                                                  "FRAGMENT_DEFINITION",
                                                                  "FRAGMENT_SPREAD",
                                                                  "INLINE_FRAGMENT",
                                                                  "VARIABLE_DEFINITION",
                                                                  "SCHEMA",
                                                                  "SCALAR",
                                                                  "OBJECT",
                                                                  "FIELD_DEFINITION",
                                                                  "ARGUMENT_DEFINITION",
                                                                  "INTERFACE",
                                                                  "UNION",
                                                                  "ENUM",
                                                                  "ENUM_VALUE",
                                                                  "INPUT_OBJECT",
                                                                  "INPUT_FIELD_DEFINITION"};

}  // namespace

std::optional<std::string> Parser::ParseDescription() {
  if (!PeekDescription()) return std::nullopt;
  std::string text = token_.value;
  Advance();
  return text;
}

Definition Parser::ParseTypeSystemDefinition() {
  Token keyword = PeekDescription() ? Peek2() : token_;
  uint32_t start = token_.start;
  auto description = ParseDescription();
  if (keyword.value == "schema") {
    auto s = ParseSchemaBody(false, std::move(description));
    s.loc = start;
    return s;
  }
  if (keyword.value == "directive") {
    auto d = ParseDirectiveDefinition(std::move(description));
    d.loc = start;
    return d;
  }
  auto def = ParseTypeDefinitionBody(false, std::move(description));
  std::get<TypeDefinition>(def).loc = start;
  return def;
}

Definition Parser::ParseTypeSystemExtension() {
  uint32_t start = token_.start;
  Token keyword = Peek2();
  if (keyword.kind == TokenKind::kName) {
    const std::string& w = keyword.value;
    if (w == "schema") {
      ExpectKeyword("extend");
      auto s = ParseSchemaBody(true, std::nullopt);
      s.loc = start;
      if (s.directives.empty() && s.operation_types.empty()) throw Unexpected(token_);
      return s;
    }
    if (w == "scalar" || w == "type" || w == "interface" || w == "union" || w == "enum" ||
        w == "input") {
      ExpectKeyword("extend");
      auto def = ParseTypeDefinitionBody(true, std::nullopt);
      auto& t = std::get<TypeDefinition>(def);
      t.loc = start;
      if (t.interfaces.empty() && t.directives.empty() && t.fields.empty() && t.members.empty() &&
          t.values.empty() && t.input_fields.empty()) {
        throw Unexpected(token_);
      }
      return def;
    }
  }
  throw Unexpected(keyword);
}

Definition Parser::ParseTypeDefinitionBody(bool extension, std::optional<std::string> description) {
  TypeDefinition t;
  t.extension = extension;
  t.description = std::move(description);
  std::string keyword = token_.value;
  ExpectKeyword(keyword);
  t.name = ParseName();
  if (keyword == "scalar") {
    t.kind = TypeDefinition::Kind::kScalar;
    t.directives = ParseDirectives(true);
  } else if (keyword == "type" || keyword == "interface") {
    t.kind = keyword == "type" ? TypeDefinition::Kind::kObject : TypeDefinition::Kind::kInterface;
    t.interfaces = ParseImplementsInterfaces();
    t.directives = ParseDirectives(true);
    t.fields = ParseFieldsDefinition();
  } else if (keyword == "union") {
    t.kind = TypeDefinition::Kind::kUnion;
    t.directives = ParseDirectives(true);
    if (Skip(TokenKind::kEquals)) {
      Skip(TokenKind::kPipe);
      do {
        t.members.push_back(ParseName());
      } while (Skip(TokenKind::kPipe));
    }
  } else if (keyword == "enum") {
    t.kind = TypeDefinition::Kind::kEnum;
    t.directives = ParseDirectives(true);
    if (Skip(TokenKind::kBraceL)) {
      do {
        EnumValueDefinition v;
        v.loc = token_.start;
        v.description = ParseDescription();
        if (token_.kind == TokenKind::kName &&
            (token_.value == "true" || token_.value == "false" || token_.value == "null")) {
          throw ParseFailure{
              token_.start,
              TokenDescription(token_) + " is reserved and cannot be used for an enum value.",
              false};
        }
        v.name = ParseName();
        v.directives = ParseDirectives(true);
        t.values.push_back(std::move(v));
      } while (!Skip(TokenKind::kBraceR));
    }
  } else {  // input
    t.kind = TypeDefinition::Kind::kInputObject;
    t.directives = ParseDirectives(true);
    if (Skip(TokenKind::kBraceL)) {
      do {
        t.input_fields.push_back(ParseInputValueDef());
      } while (!Skip(TokenKind::kBraceR));
    }
  }
  return t;
}

std::vector<Name> Parser::ParseImplementsInterfaces() {
  std::vector<Name> out;
  if (!SkipKeyword("implements")) return out;
  Skip(TokenKind::kAmp);
  do {
    out.push_back(ParseName());
  } while (Skip(TokenKind::kAmp));
  return out;
}

std::vector<FieldDefinition> Parser::ParseFieldsDefinition() {
  std::vector<FieldDefinition> out;
  if (!Skip(TokenKind::kBraceL)) return out;
  do {
    FieldDefinition f;
    f.loc = token_.start;
    f.description = ParseDescription();
    f.name = ParseName();
    f.arguments = ParseArgumentDefs();
    Expect(TokenKind::kColon);
    f.type = ParseTypeReference();
    f.directives = ParseDirectives(true);
    out.push_back(std::move(f));
  } while (!Skip(TokenKind::kBraceR));
  return out;
}

std::vector<InputValueDefinition> Parser::ParseArgumentDefs() {
  std::vector<InputValueDefinition> out;
  if (!Skip(TokenKind::kParenL)) return out;
  do {
    out.push_back(ParseInputValueDef());
  } while (!Skip(TokenKind::kParenR));
  return out;
}

InputValueDefinition Parser::ParseInputValueDef() {
  InputValueDefinition v;
  v.loc = token_.start;
  v.description = ParseDescription();
  v.name = ParseName();
  Expect(TokenKind::kColon);
  v.type = ParseTypeReference();
  if (Skip(TokenKind::kEquals)) v.default_value = ParseValue(true);
  v.directives = ParseDirectives(true);
  return v;
}

SchemaDefinition Parser::ParseSchemaBody(bool extension, std::optional<std::string> description) {
  SchemaDefinition s;
  s.extension = extension;
  s.description = std::move(description);
  ExpectKeyword("schema");
  s.directives = ParseDirectives(true);
  bool has_body = extension ? Skip(TokenKind::kBraceL) : (Expect(TokenKind::kBraceL), true);
  if (has_body) {
    do {
      OperationType op = ParseOperationType();
      Expect(TokenKind::kColon);
      s.operation_types.emplace_back(op, ParseName());
    } while (!Skip(TokenKind::kBraceR));
  }
  return s;
}

DirectiveDefinition Parser::ParseDirectiveDefinition(std::optional<std::string> description) {
  DirectiveDefinition d;
  d.description = std::move(description);
  ExpectKeyword("directive");
  Expect(TokenKind::kAt);
  d.name = ParseName();
  d.arguments = ParseArgumentDefs();
  d.repeatable = SkipKeyword("repeatable");
  ExpectKeyword("on");
  Skip(TokenKind::kPipe);
  do {
    Token start = token_;
    Name n = ParseName();
    bool known = false;
    for (auto loc : kDirectiveLocations) known = known || loc == n.value;
    if (!known) throw Unexpected(start);
    d.locations.push_back(std::move(n));
  } while (Skip(TokenKind::kPipe));
  return d;
}

}  // namespace retrain::graphql
