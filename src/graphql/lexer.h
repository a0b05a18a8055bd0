#pragma once
// Tokenizer for GraphQL source text (spec section 2.1, October 2021). Ignores whitespace,
// commas, the byte-order mark and comments. Error messages follow graphql-js.
// A Lexer reads a string_view it does not own; the text must outlive it. Not thread-safe.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "graphql/error.h"

namespace retrain::graphql {

enum class TokenKind {
  kSof,
  kEof,
  kBang,
  kDollar,
  kAmp,
  kParenL,
  kParenR,
  kSpread,
  kColon,
  kEquals,
  kAt,
  kBracketL,
  kBracketR,
  kBraceL,
  kPipe,
  kBraceR,
  kName,
  kInt,
  kFloat,
  kString,
  kBlockString
};

struct Token {
  TokenKind kind = TokenKind::kSof;
  uint32_t start = 0;
  uint32_t end = 0;
  std::string value;  // names, number text, decoded strings
};

struct LexError {
  uint32_t offset = 0;
  std::string message;  // without the "Syntax Error: " prefix
};

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}
  // The next significant token, or the error at the first invalid character.
  std::expected<Token, LexError> Next();

 private:
  std::expected<Token, LexError> ReadNumber(uint32_t start);
  std::expected<Token, LexError> ReadString(uint32_t start);
  std::expected<Token, LexError> ReadBlockString(uint32_t start);
  std::expected<uint32_t, LexError> ReadDigits(uint32_t pos);
  std::string DescribeCharAt(uint32_t pos) const;
  int At(uint32_t pos) const {
    return pos < src_.size() ? static_cast<unsigned char>(src_[pos]) : -1;
  }

  std::string_view src_;
  uint32_t pos_ = 0;
};

// "Name", "\"{\"", ... as graphql-js describes a token kind.
std::string TokenKindDescription(TokenKind kind);
// The kind plus the value for tokens that carry one: Name "foo".
std::string TokenDescription(const Token& token);

// Line and column (UTF-16 code units) of a byte offset, given the start offset of each line.
SourceLocation LocateOffset(std::string_view source, const std::vector<uint32_t>& line_starts,
                            uint32_t offset);
// Offsets at which each line of `source` starts (after \n, \r\n or \r).
std::vector<uint32_t> ComputeLineStarts(std::string_view source);
// Decodes the UTF-8 code point at `pos`; sets `len` to its byte length (1 for invalid bytes).
uint32_t DecodeUtf8(std::string_view s, uint32_t pos, int* len);
// Appends a code point as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

}  // namespace retrain::graphql
