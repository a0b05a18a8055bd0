#include "packstream_entry.h"

#include <span>

#include "feed/neo4j/bolt/packstream.h"

namespace retrain::bolt::fuzz {

std::string CheckDecode(const uint8_t* data, size_t size) {
  auto v = DecodeOne(std::span<const uint8_t>(data, size));
  if (!v) {
    if (v.error().code != ErrorCode::kInvalidArgument) {
      return "refused with an unexpected code: " + v.error().message;
    }
    return "";
  }
  std::string again = Encode(*v);
  auto w = DecodeOne({reinterpret_cast<const uint8_t*>(again.data()), again.size()});
  if (!w) return "re-encoded value does not decode: " + w.error().message;
  // NaN payloads are not equal to themselves; compare the bytes instead.
  if (Encode(*w) != again) return "encode/decode round trip changed the bytes";
  return "";
}

}  // namespace retrain::bolt::fuzz
