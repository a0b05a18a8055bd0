#include "graphql/lexer.h"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace retrain::graphql {
namespace {

bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsNameStart(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameContinue(int c) { return IsNameStart(c) || IsDigit(c); }

int HexDigit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsScalarValue(uint32_t cp) { return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0x10FFFF); }

std::unexpected<LexError> Err(uint32_t offset, std::string message) {
  return std::unexpected(LexError{offset, std::move(message)});
}

// Removes the common indentation and leading/trailing blank lines of a block string.
std::string DedentBlockString(const std::vector<std::string>& lines) {
  size_t common = SIZE_MAX;
  std::optional<size_t> first;
  size_t last = 0;
  bool any = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    if (indent == line.size()) continue;
    if (!first) first = i;
    last = i;
    any = true;
    if (i != 0 && indent < common) common = indent;
  }
  std::string out;
  if (!any) return out;
  for (size_t i = *first; i <= last; ++i) {
    if (i != *first) out.push_back('\n');
    if (i == 0) {
      out += lines[i];
    } else {
      out += common < lines[i].size() ? lines[i].substr(common) : std::string();
    }
  }
  return out;
}

}  // namespace

uint32_t DecodeUtf8(std::string_view s, uint32_t pos, int* len) {
  auto b = [&](uint32_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(pos);
  *len = 1;
  if (c < 0x80) return c;
  int n = (c >= 0xF0 && c < 0xF8) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 0;
  if (n == 0 || pos + n > s.size()) return 0xFFFD;
  uint32_t cp = c & (0xFF >> (n + 1));
  for (int i = 1; i < n; ++i) {
    if ((b(pos + i) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b(pos + i) & 0x3F);
  }
  *len = n;
  return cp;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::vector<uint32_t> ComputeLineStarts(std::string_view s) {
  std::vector<uint32_t> starts{0};
  for (uint32_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      starts.push_back(i + 1);
    } else if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      starts.push_back(i + 1);
    }
  }
  return starts;
}

SourceLocation LocateOffset(std::string_view s, const std::vector<uint32_t>& line_starts,
                            uint32_t offset) {
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts.begin());  // 1-based
  uint32_t pos = line_starts[line - 1];
  int column = 1;
  while (pos < offset && pos < s.size()) {
    int len = 1;
    uint32_t cp = DecodeUtf8(s, pos, &len);
    column += cp >= 0x10000 ? 2 : 1;
    pos += len;
  }
  return SourceLocation{static_cast<int>(line), column};
}

std::string TokenKindDescription(TokenKind kind) {
  switch (kind) {
    case TokenKind::kSof:
      return "<SOF>";
    case TokenKind::kEof:
      return "<EOF>";
    case TokenKind::kBang:
      return "\"!\"";
    case TokenKind::kDollar:
      return "\"$\"";
    case TokenKind::kAmp:
      return "\"&\"";
    case TokenKind::kParenL:
      return "\"(\"";
    case TokenKind::kParenR:
      return "\")\"";
    case TokenKind::kSpread:
      return "\"...\"";
    case TokenKind::kColon:
      return "\":\"";
    case TokenKind::kEquals:
      return "\"=\"";
    case TokenKind::kAt:
      return "\"@\"";
    case TokenKind::kBracketL:
      return "\"[\"";
    case TokenKind::kBracketR:
      return "\"]\"";
    case TokenKind::kBraceL:
      return "\"{\"";
    case TokenKind::kPipe:
      return "\"|\"";
    case TokenKind::kBraceR:
      return "\"}\"";
    case TokenKind::kName:
      return "Name";
    case TokenKind::kInt:
      return "Int";
    case TokenKind::kFloat:
      return "Float";
    case TokenKind::kString:
      return "String";
    case TokenKind::kBlockString:
      return "BlockString";
  }
  return "?";
}

std::string TokenDescription(const Token& t) {
  std::string d = TokenKindDescription(t.kind);
  switch (t.kind) {
    case TokenKind::kName:
    case TokenKind::kInt:
    case TokenKind::kFloat:
    case TokenKind::kString:
    case TokenKind::kBlockString:
      d += " \"" + t.value + "\"";
      break;
    default:
      break;
  }
  return d;
}

std::string Lexer::DescribeCharAt(uint32_t pos) const {
  if (pos >= src_.size()) return "<EOF>";
  int len = 1;
  uint32_t cp = DecodeUtf8(src_, pos, &len);
  if (cp >= 0x20 && cp <= 0x7E) {
    if (cp == '"') return "'\"'";
    return std::string("\"") + static_cast<char>(cp) + "\"";
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

std::expected<Token, LexError> Lexer::Next() {
  auto punct = [&](TokenKind k, uint32_t len) {
    Token t{k, pos_, pos_ + len, {}};
    pos_ += len;
    return t;
  };
  while (pos_ < src_.size()) {
    int c = At(pos_);
    switch (c) {
      case ' ':
      case '\t':
      case ',':
      case '\n':
      case '\r':
        ++pos_;
        continue;
      case 0xEF:  // UTF-8 byte-order mark
        if (At(pos_ + 1) == 0xBB && At(pos_ + 2) == 0xBF) {
          pos_ += 3;
          continue;
        }
        break;
      case '#':
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
        continue;
      case '!':
        return punct(TokenKind::kBang, 1);
      case '$':
        return punct(TokenKind::kDollar, 1);
      case '&':
        return punct(TokenKind::kAmp, 1);
      case '(':
        return punct(TokenKind::kParenL, 1);
      case ')':
        return punct(TokenKind::kParenR, 1);
      case '.':
        if (At(pos_ + 1) == '.' && At(pos_ + 2) == '.') return punct(TokenKind::kSpread, 3);
        break;
      case ':':
        return punct(TokenKind::kColon, 1);
      case '=':
        return punct(TokenKind::kEquals, 1);
      case '@':
        return punct(TokenKind::kAt, 1);
      case '[':
        return punct(TokenKind::kBracketL, 1);
      case ']':
        return punct(TokenKind::kBracketR, 1);
      case '{':
        return punct(TokenKind::kBraceL, 1);
      case '|':
        return punct(TokenKind::kPipe, 1);
      case '}':
        return punct(TokenKind::kBraceR, 1);
      case '"':
        if (At(pos_ + 1) == '"' && At(pos_ + 2) == '"') return ReadBlockString(pos_);
        return ReadString(pos_);
      default:
        break;
    }
    if (IsDigit(c) || c == '-') return ReadNumber(pos_);
    if (IsNameStart(c)) {
      uint32_t start = pos_;
      while (IsNameContinue(At(pos_))) ++pos_;
      return Token{TokenKind::kName, start, pos_, std::string(src_.substr(start, pos_ - start))};
    }
    if (c == '\'') {
      return Err(pos_,
                 "Unexpected single quote character ('), did you mean to use a double "
                 "quote (\")?");
    }
    return Err(pos_, "Unexpected character: " + DescribeCharAt(pos_) + ".");
  }
  auto end = static_cast<uint32_t>(src_.size());
  return Token{TokenKind::kEof, end, end, {}};
}

std::expected<uint32_t, LexError> Lexer::ReadDigits(uint32_t pos) {
  if (!IsDigit(At(pos))) {
    return Err(pos, "Invalid number, expected digit but got: " + DescribeCharAt(pos) + ".");
  }
  while (IsDigit(At(pos))) ++pos;
  return pos;
}

std::expected<Token, LexError> Lexer::ReadNumber(uint32_t start) {
  uint32_t pos = start;
  bool is_float = false;
  if (At(pos) == '-') ++pos;
  if (At(pos) == '0') {
    ++pos;
    if (IsDigit(At(pos))) {
      return Err(pos, "Invalid number, unexpected digit after 0: " + DescribeCharAt(pos) + ".");
    }
  } else {
    auto r = ReadDigits(pos);
    if (!r) return std::unexpected(r.error());
    pos = *r;
  }
  if (At(pos) == '.') {
    is_float = true;
    auto r = ReadDigits(pos + 1);
    if (!r) return std::unexpected(r.error());
    pos = *r;
  }
  if (At(pos) == 'e' || At(pos) == 'E') {
    is_float = true;
    ++pos;
    if (At(pos) == '+' || At(pos) == '-') ++pos;
    auto r = ReadDigits(pos);
    if (!r) return std::unexpected(r.error());
    pos = *r;
  }
  if (At(pos) == '.' || IsNameStart(At(pos))) {
    return Err(pos, "Invalid number, expected digit but got: " + DescribeCharAt(pos) + ".");
  }
  pos_ = pos;
  return Token{is_float ? TokenKind::kFloat : TokenKind::kInt, start, pos,
               std::string(src_.substr(start, pos - start))};
}

std::expected<Token, LexError> Lexer::ReadString(uint32_t start) {
  uint32_t pos = start + 1;
  std::string value;
  while (pos < src_.size()) {
    int c = At(pos);
    if (c == '"') {
      pos_ = pos + 1;
      return Token{TokenKind::kString, start, pos + 1, std::move(value)};
    }
    if (c == '\n' || c == '\r') break;
    if (c != '\\') {
      value.push_back(static_cast<char>(c));
      ++pos;
      continue;
    }
    int e = At(pos + 1);
    auto slice = [&](uint32_t n) {
      return std::string(src_.substr(pos, std::min<size_t>(n, src_.size() - pos)));
    };
    switch (e) {
      case '"':
        value.push_back('"');
        pos += 2;
        continue;
      case '\\':
        value.push_back('\\');
        pos += 2;
        continue;
      case '/':
        value.push_back('/');
        pos += 2;
        continue;
      case 'b':
        value.push_back('\b');
        pos += 2;
        continue;
      case 'f':
        value.push_back('\f');
        pos += 2;
        continue;
      case 'n':
        value.push_back('\n');
        pos += 2;
        continue;
      case 'r':
        value.push_back('\r');
        pos += 2;
        continue;
      case 't':
        value.push_back('\t');
        pos += 2;
        continue;
      case 'u':
        break;
      default:
        return Err(pos, "Invalid character escape sequence: \"" + slice(2) + "\".");
    }
    if (At(pos + 2) == '{') {  // \u{XXXXXX}
      uint32_t point = 0;
      uint32_t size = 3;
      bool ok = false;
      while (size < 12) {
        int h = At(pos + size++);
        if (h == '}') {
          ok = size >= 5 && IsScalarValue(point);
          break;
        }
        int d = HexDigit(h);
        if (d < 0 || point > 0x10FFFF) break;
        point = (point << 4) | static_cast<uint32_t>(d);
      }
      if (!ok) return Err(pos, "Invalid Unicode escape sequence: \"" + slice(size) + "\".");
      AppendUtf8(value, point);
      pos += size;
      continue;
    }
    auto hex4 = [&](uint32_t at) {
      int v = 0;
      for (uint32_t i = 0; i < 4; ++i) {
        int d = HexDigit(At(at + i));
        if (d < 0) return -1;
        v = (v << 4) | d;
      }
      return v;
    };
    int code = hex4(pos + 2);
    if (code >= 0 && IsScalarValue(static_cast<uint32_t>(code))) {
      AppendUtf8(value, static_cast<uint32_t>(code));
      pos += 6;
      continue;
    }
    if (code >= 0xD800 && code <= 0xDBFF && At(pos + 6) == '\\' && At(pos + 7) == 'u') {
      int trail = hex4(pos + 8);
      if (trail >= 0xDC00 && trail <= 0xDFFF) {
        uint32_t cp = 0x10000 + ((static_cast<uint32_t>(code) - 0xD800) << 10) +
                      (static_cast<uint32_t>(trail) - 0xDC00);
        AppendUtf8(value, cp);
        pos += 12;
        continue;
      }
    }
    return Err(pos, "Invalid Unicode escape sequence: \"" + slice(6) + "\".");
  }
  return Err(pos, "Unterminated string.");
}

std::expected<Token, LexError> Lexer::ReadBlockString(uint32_t start) {
  uint32_t pos = start + 3;
  std::vector<std::string> lines;
  std::string current;
  while (pos < src_.size()) {
    int c = At(pos);
    if (c == '"' && At(pos + 1) == '"' && At(pos + 2) == '"') {
      lines.push_back(std::move(current));
      pos_ = pos + 3;
      return Token{TokenKind::kBlockString, start, pos + 3, DedentBlockString(lines)};
    }
    if (c == '\\' && At(pos + 1) == '"' && At(pos + 2) == '"' && At(pos + 3) == '"') {
      current += "\"\"\"";
      pos += 4;
      continue;
    }
    if (c == '\n' || c == '\r') {
      lines.push_back(std::move(current));
      current.clear();
      pos += (c == '\r' && At(pos + 1) == '\n') ? 2 : 1;
      continue;
    }
    current.push_back(static_cast<char>(c));
    ++pos;
  }
  return Err(pos, "Unterminated string.");
}

}  // namespace retrain::graphql
