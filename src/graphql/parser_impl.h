#pragma once
// Internal: the recursive-descent parser behind Parse(). Failures unwind as ParseFailure,
// which never escapes Parse().

#include <string>
#include <string_view>
#include <vector>

#include "graphql/ast.h"
#include "graphql/lexer.h"
#include "graphql/parser.h"

namespace retrain::graphql {

struct ParseFailure {
  uint32_t offset = 0;
  std::string message;
  bool limit = false;  // the token limit was hit
};

class Parser {
 public:
  Parser(std::string_view source, const ParseOptions& options);
  ast::Document ParseDocument();

 private:
  // Executable definitions (parser.cc).
  ast::Definition ParseDefinition();
  ast::OperationDefinition ParseOperationDefinition();
  ast::OperationType ParseOperationType();
  ast::VariableDefinition ParseVariableDefinition();
  ast::SelectionSet ParseSelectionSet();
  ast::Selection ParseSelection();
  std::vector<ast::Argument> ParseArguments(bool is_const);
  ast::Name ParseFragmentName();
  ast::FragmentDefinition ParseFragmentDefinition();
  ast::ValueNode ParseValue(bool is_const);
  std::vector<ast::Directive> ParseDirectives(bool is_const);
  ast::TypeNode ParseTypeReference();

  // Type-system definitions (parser_sdl.cc).
  ast::Definition ParseTypeSystemDefinition();
  ast::Definition ParseTypeSystemExtension();
  ast::Definition ParseTypeDefinitionBody(bool extension, std::optional<std::string> description);
  std::optional<std::string> ParseDescription();
  std::vector<ast::FieldDefinition> ParseFieldsDefinition();
  std::vector<ast::InputValueDefinition> ParseArgumentDefs();
  ast::InputValueDefinition ParseInputValueDef();
  std::vector<ast::Name> ParseImplementsInterfaces();
  ast::SchemaDefinition ParseSchemaBody(bool extension, std::optional<std::string> description);
  ast::DirectiveDefinition ParseDirectiveDefinition(std::optional<std::string> description);

  // Token helpers.
  void Advance();
  void CheckTokenLimit();
  bool Peek(TokenKind kind) const { return token_.kind == kind; }
  bool PeekDescription() const { return Peek(TokenKind::kString) || Peek(TokenKind::kBlockString); }
  Token Peek2() const;
  Token Expect(TokenKind kind);
  bool Skip(TokenKind kind);
  void ExpectKeyword(std::string_view word);
  bool SkipKeyword(std::string_view word);
  ast::Name ParseName();
  ParseFailure Unexpected(const Token& t) const;

  // Bounds recursion: selection sets, list/object values and type wrappers nest at most
  // kMaxNesting deep.
  static constexpr int kMaxNesting = 256;
  struct NestingGuard {
    NestingGuard(Parser& p);
    ~NestingGuard() { --p_.nesting_; }
    Parser& p_;
  };

  std::string_view source_;
  Lexer lexer_;
  int nesting_ = 0;
  ParseOptions options_;
  Token token_;
  int tokens_ = 0;
};

}  // namespace retrain::graphql
