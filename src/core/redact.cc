#include "core/redact.h"

namespace retrain {

// Masks credentials in a URL or connection string: user:pass@ in the authority, and
// password= / token= parameters (libpq's query and keyword forms).
std::string RedactUrl(const std::string& url) {
  std::string out = url;
  auto scheme = out.find("://");
  auto at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos) {
    auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at)
      out = out.substr(0, colon + 1) + "********" + out.substr(at);
  }
  for (const char* key : {"password=", "token=", "secret="}) {
    size_t pos = 0;
    while ((pos = out.find(key, pos)) != std::string::npos) {
      bool boundary = pos == 0 || out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ';
      size_t start = pos + std::string(key).size();
      if (!boundary) {
        pos = start;
        continue;
      }
      size_t end = out.find_first_of("& ", start);
      if (end == std::string::npos) end = out.size();
      out = out.substr(0, start) + "********" + out.substr(end);
      pos = start + 8;
    }
  }
  return out;
}

}  // namespace retrain
