#include "graphql/parser.h"

#include <cstdio>

#include "graphql/lexer.h"
#include "graphql/parser_impl.h"

namespace retrain::graphql {

using namespace ast;

Parser::Parser(std::string_view source, const ParseOptions& options)
    : source_(source), lexer_(source), options_(options) {
  auto first = lexer_.Next();
  if (!first) throw ParseFailure{first.error().offset, first.error().message, false};
  token_ = std::move(*first);
  ++tokens_;
  if (token_.kind != TokenKind::kEof) CheckTokenLimit();
}

void Parser::CheckTokenLimit() {
  if (options_.max_tokens > 0 && tokens_ > options_.max_tokens) {
    throw ParseFailure{token_.start,
                       "Document contains more than " + std::to_string(options_.max_tokens) +
                           " tokens. Parsing aborted.",
                       true};
  }
}

void Parser::Advance() {
  auto next = lexer_.Next();
  if (!next) throw ParseFailure{next.error().offset, next.error().message, false};
  token_ = std::move(*next);
  if (token_.kind != TokenKind::kEof) {
    ++tokens_;
    CheckTokenLimit();
  }
}

Parser::NestingGuard::NestingGuard(Parser& p) : p_(p) {
  if (++p_.nesting_ > kMaxNesting) {
    --p_.nesting_;
    throw ParseFailure{p_.token_.start,
                       "Document nesting is deeper than " + std::to_string(kMaxNesting) +
                           " levels. Parsing aborted.",
                       true};
  }
}

Token Parser::Peek2() const {
  Lexer copy = lexer_;
  auto next = copy.Next();
  if (!next) throw ParseFailure{next.error().offset, next.error().message, false};
  return *next;
}

ParseFailure Parser::Unexpected(const Token& t) const {
  return ParseFailure{t.start, "Unexpected " + TokenDescription(t) + ".", false};
}

Token Parser::Expect(TokenKind kind) {
  if (token_.kind != kind) {
    throw ParseFailure{
        token_.start,
        "Expected " + TokenKindDescription(kind) + ", found " + TokenDescription(token_) + ".",
        false};
  }
  Token t = token_;
  Advance();
  return t;
}

bool Parser::Skip(TokenKind kind) {
  if (token_.kind != kind) return false;
  Advance();
  return true;
}

void Parser::ExpectKeyword(std::string_view word) {
  if (token_.kind == TokenKind::kName && token_.value == word) {
    Advance();
    return;
  }
  throw ParseFailure{
      token_.start,
      "Expected \"" + std::string(word) + "\", found " + TokenDescription(token_) + ".", false};
}

bool Parser::SkipKeyword(std::string_view word) {
  if (token_.kind == TokenKind::kName && token_.value == word) {
    Advance();
    return true;
  }
  return false;
}

Name Parser::ParseName() {
  Token t = Expect(TokenKind::kName);
  return Name{std::move(t.value), t.start};
}

Document Parser::ParseDocument() {
  Document doc;
  do {
    doc.definitions.push_back(ParseDefinition());
  } while (token_.kind != TokenKind::kEof);
  doc.token_count = tokens_;
  return doc;
}

Definition Parser::ParseDefinition() {
  if (Peek(TokenKind::kBraceL)) return ParseOperationDefinition();
  bool has_description = PeekDescription();
  Token keyword = has_description ? Peek2() : token_;
  if (keyword.kind == TokenKind::kName) {
    const std::string& w = keyword.value;
    if (w == "schema" || w == "scalar" || w == "type" || w == "interface" || w == "union" ||
        w == "enum" || w == "input" || w == "directive") {
      return ParseTypeSystemDefinition();
    }
    if (has_description) {
      throw ParseFailure{token_.start,
                         "Unexpected description, descriptions are supported only on type "
                         "definitions.",
                         false};
    }
    if (w == "query" || w == "mutation" || w == "subscription") return ParseOperationDefinition();
    if (w == "fragment") return ParseFragmentDefinition();
    if (w == "extend") return ParseTypeSystemExtension();
  }
  throw Unexpected(keyword);
}

OperationDefinition Parser::ParseOperationDefinition() {
  OperationDefinition op;
  op.loc = token_.start;
  if (Peek(TokenKind::kBraceL)) {
    op.selection_set = ParseSelectionSet();
    return op;
  }
  op.operation = ParseOperationType();
  if (Peek(TokenKind::kName)) op.name = ParseName();
  if (Skip(TokenKind::kParenL)) {
    do {
      op.variables.push_back(ParseVariableDefinition());
    } while (!Skip(TokenKind::kParenR));
  }
  op.directives = ParseDirectives(false);
  op.selection_set = ParseSelectionSet();
  return op;
}

OperationType Parser::ParseOperationType() {
  Token t = Expect(TokenKind::kName);
  if (t.value == "query") return OperationType::kQuery;
  if (t.value == "mutation") return OperationType::kMutation;
  if (t.value == "subscription") return OperationType::kSubscription;
  throw Unexpected(t);
}

VariableDefinition Parser::ParseVariableDefinition() {
  VariableDefinition v;
  v.loc = token_.start;
  v.variable_loc = Expect(TokenKind::kDollar).start;
  v.name = ParseName();
  Expect(TokenKind::kColon);
  v.type = ParseTypeReference();
  if (Skip(TokenKind::kEquals)) v.default_value = ParseValue(true);
  v.directives = ParseDirectives(true);
  return v;
}

SelectionSet Parser::ParseSelectionSet() {
  NestingGuard guard(*this);
  SelectionSet set;
  set.loc = token_.start;
  Expect(TokenKind::kBraceL);
  do {
    set.selections.push_back(ParseSelection());
  } while (!Skip(TokenKind::kBraceR));
  return set;
}

Selection Parser::ParseSelection() {
  Selection s;
  s.loc = token_.start;
  if (Skip(TokenKind::kSpread)) {
    bool has_type_condition = SkipKeyword("on");
    if (!has_type_condition && Peek(TokenKind::kName)) {
      s.kind = Selection::Kind::kFragmentSpread;
      s.name = ParseFragmentName();
      s.directives = ParseDirectives(false);
      return s;
    }
    s.kind = Selection::Kind::kInlineFragment;
    if (has_type_condition) s.type_condition = ParseName();
    s.directives = ParseDirectives(false);
    s.selection_set = ParseSelectionSet();
    return s;
  }
  s.kind = Selection::Kind::kField;
  Name first = ParseName();
  if (Skip(TokenKind::kColon)) {
    s.alias = std::move(first);
    s.name = ParseName();
  } else {
    s.name = std::move(first);
  }
  s.arguments = ParseArguments(false);
  s.directives = ParseDirectives(false);
  if (Peek(TokenKind::kBraceL)) s.selection_set = ParseSelectionSet();
  return s;
}

std::vector<Argument> Parser::ParseArguments(bool is_const) {
  std::vector<Argument> args;
  if (!Skip(TokenKind::kParenL)) return args;
  do {
    Argument a;
    a.loc = token_.start;
    a.name = ParseName();
    Expect(TokenKind::kColon);
    a.value = ParseValue(is_const);
    args.push_back(std::move(a));
  } while (!Skip(TokenKind::kParenR));
  return args;
}

Name Parser::ParseFragmentName() {
  if (token_.kind == TokenKind::kName && token_.value == "on") throw Unexpected(token_);
  return ParseName();
}

FragmentDefinition Parser::ParseFragmentDefinition() {
  FragmentDefinition f;
  f.loc = token_.start;
  ExpectKeyword("fragment");
  f.name = ParseFragmentName();
  ExpectKeyword("on");
  f.type_condition = ParseName();
  f.directives = ParseDirectives(false);
  f.selection_set = ParseSelectionSet();
  return f;
}

ValueNode Parser::ParseValue(bool is_const) {
  NestingGuard guard(*this);
  ValueNode v;
  v.loc = token_.start;
  switch (token_.kind) {
    case TokenKind::kBracketL:
      v.kind = ValueKind::kList;
      Advance();
      while (!Skip(TokenKind::kBracketR)) v.list.push_back(ParseValue(is_const));
      return v;
    case TokenKind::kBraceL:
      v.kind = ValueKind::kObject;
      Advance();
      while (!Skip(TokenKind::kBraceR)) {
        ObjectField f;
        f.loc = token_.start;
        f.name = ParseName();
        Expect(TokenKind::kColon);
        f.value = ParseValue(is_const);
        v.fields.push_back(std::move(f));
      }
      return v;
    case TokenKind::kInt:
    case TokenKind::kFloat:
      v.kind = token_.kind == TokenKind::kInt ? ValueKind::kInt : ValueKind::kFloat;
      v.text = token_.value;
      Advance();
      return v;
    case TokenKind::kString:
    case TokenKind::kBlockString:
      v.kind = ValueKind::kString;
      v.block = token_.kind == TokenKind::kBlockString;
      v.text = token_.value;
      Advance();
      return v;
    case TokenKind::kName:
      v.text = token_.value;
      if (v.text == "true" || v.text == "false") {
        v.kind = ValueKind::kBoolean;
      } else if (v.text == "null") {
        v.kind = ValueKind::kNull;
      } else {
        v.kind = ValueKind::kEnum;
      }
      Advance();
      return v;
    case TokenKind::kDollar:
      if (is_const) {
        Token dollar = token_;
        Advance();
        if (token_.kind == TokenKind::kName) {
          throw ParseFailure{dollar.start,
                             "Unexpected variable \"$" + token_.value + "\" in constant value.",
                             false};
        }
        throw Unexpected(dollar);
      }
      Advance();
      v.kind = ValueKind::kVariable;
      v.text = ParseName().value;
      return v;
    default:
      throw Unexpected(token_);
  }
}

std::vector<Directive> Parser::ParseDirectives(bool is_const) {
  std::vector<Directive> out;
  while (Peek(TokenKind::kAt)) {
    Directive d;
    d.loc = token_.start;
    Advance();
    d.name = ParseName();
    d.arguments = ParseArguments(is_const);
    out.push_back(std::move(d));
  }
  return out;
}

TypeNode Parser::ParseTypeReference() {
  NestingGuard guard(*this);
  TypeNode t;
  t.loc = token_.start;
  if (Skip(TokenKind::kBracketL)) {
    t.kind = TypeNode::Kind::kList;
    t.of = std::make_unique<TypeNode>(ParseTypeReference());
    Expect(TokenKind::kBracketR);
  } else {
    t.kind = TypeNode::Kind::kNamed;
    t.name = ParseName();
  }
  if (Skip(TokenKind::kBang)) {
    TypeNode outer;
    outer.loc = t.loc;
    outer.kind = TypeNode::Kind::kNonNull;
    outer.of = std::make_unique<TypeNode>(std::move(t));
    return outer;
  }
  return t;
}

std::expected<Document, GraphQLError> Parse(std::string_view source, const ParseOptions& options) {
  try {
    Parser parser(source, options);
    Document doc = parser.ParseDocument();
    doc.source = std::string(source);
    doc.line_starts = ComputeLineStarts(source);
    return doc;
  } catch (const ParseFailure& f) {
    GraphQLError e;
    e.message = "Syntax Error: " + f.message;
    e.locations.push_back(LocateOffset(source, ComputeLineStarts(source), f.offset));
    e.code = f.limit ? kCodeLimitExceeded : kCodeParseFailed;
    return std::unexpected(std::move(e));
  }
}

SourceLocation Document::LocationOf(uint32_t offset) const {
  return LocateOffset(source, line_starts, offset);
}

std::string PrintString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    auto hex = [&](unsigned v) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", v);
      out += buf;
    };
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      hex(c);
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      hex(static_cast<unsigned char>(s[i + 1]));
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string PrintValue(const ValueNode& v) {
  switch (v.kind) {
    case ValueKind::kVariable:
      return "$" + v.text;
    case ValueKind::kInt:
    case ValueKind::kFloat:
    case ValueKind::kEnum:
    case ValueKind::kBoolean:
      return v.text;
    case ValueKind::kNull:
      return "null";
    case ValueKind::kString:
      if (v.block) {
        std::string body = v.text;
        bool multi = body.find('\n') != std::string::npos || body.size() > 70;
        return multi ? "\"\"\"\n" + body + "\n\"\"\"" : "\"\"\"" + body + "\"\"\"";
      }
      return PrintString(v.text);
    case ValueKind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out += ", ";
        out += PrintValue(v.list[i]);
      }
      return out + "]";
    }
    case ValueKind::kObject: {
      std::string out = "{";
      for (size_t i = 0; i < v.fields.size(); ++i) {
        if (i) out += ", ";
        out += v.fields[i].name.value + ": " + PrintValue(v.fields[i].value);
      }
      return out + "}";
    }
  }
  return "";
}

std::string PrintType(const TypeNode& t) {
  switch (t.kind) {
    case TypeNode::Kind::kNamed:
      return t.name.value;
    case TypeNode::Kind::kList:
      return "[" + PrintType(*t.of) + "]";
    case TypeNode::Kind::kNonNull:
      return PrintType(*t.of) + "!";
  }
  return "";
}

}  // namespace retrain::graphql
