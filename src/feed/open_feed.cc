#include "feed/open_feed.h"

#include "feed/embedded/embedded_feed.h"
#include "feed/fixtures/fixture_feed.h"
#ifdef RETRAIN_HAVE_NEO4J
#include "feed/neo4j/neo4j_feed.h"
#endif

namespace retrain {

Result<std::unique_ptr<FeedSource>> OpenFeed(const FeedOptions& o) {
  const std::string& uri = o.uri;
  auto starts = [&](std::string_view p) { return uri.rfind(p, 0) == 0; };
  if (starts("embedded:")) {
    auto f = EmbeddedFeed::Open(uri.substr(9));
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
  }
  if (starts("fixtures:")) {
    auto f = FixtureFeed::Open(uri.substr(9));
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
  }
  if (starts("bolt://") || starts("bolt+s://") || starts("bolt+ssc://") || starts("neo4j://") ||
      starts("neo4j+s://") || starts("neo4j+ssc://")) {
#ifdef RETRAIN_HAVE_NEO4J
    Neo4jFeedOptions n;
    n.uri = uri;
    n.user = o.user;
    n.password = o.password;
    n.settle_lag_ms = o.settle_lag_ms;
    auto f = Neo4jFeed::Create(n);
    if (!f) return std::unexpected(f.error());
    return std::unique_ptr<FeedSource>(std::move(*f));
#else
    return Fail(ErrorCode::kInvalidArgument,
                "this build of retrain has no Neo4j feed; cannot open " + uri, "invalid_feed");
#endif
  }
  return Fail(ErrorCode::kInvalidArgument,
              "feed URI '" + uri + "' has an unknown scheme; expected embedded:, fixtures:, bolt:// or neo4j://",
              "invalid_feed");
}

}  // namespace retrain
