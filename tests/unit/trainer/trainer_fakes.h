#pragma once
// Small in-memory fakes of the seams the worker uses, for unit tests only.

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "feed/feed_source.h"
#include "tracking/tracker.h"
#include "trainer/event_sink.h"
#include "trainer/synthetic.h"

namespace retrain::testing {

// Cursor of the i-th record: zero-padded so that string order is feed order.
inline std::string CursorOf(int64_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(i));
  return buf;
}

// A feed held in a vector; cursors compare as strings.
class FakeFeed final : public FeedSource {
 public:
  void Append(std::string entity_type, std::string payload_json) {
    const int64_t i = static_cast<int64_t>(records_.size()) + 1;
    records_.push_back(FeedRecord{CursorOf(i), "ingest-" + std::to_string(1 + i / 100),
                                  std::move(entity_type), 1'700'000'000'000 + i,
                                  std::move(payload_json)});
  }
  void AppendSynthetic(const SyntheticOptions& options) {
    for (auto& r : GenerateRecords(options)) Append(r.entity_type, r.payload_json);
  }
  std::string LastCursor() const { return records_.empty() ? "" : records_.back().cursor; }

  Result<std::string> Head() override { return LastCursor(); }
  Result<UnseenSummary> CountUnseen(const FeedFilter& filter, std::string_view after,
                                    std::string_view upto) override {
    UnseenSummary s;
    for (const auto& r : records_) {
      if (Matches(r, filter, after, upto)) {
        ++s.count;
        s.last_cursor = r.cursor;
      }
    }
    return s;
  }
  Result<Window> DescribeWindow(const FeedFilter& filter, std::string_view after,
                                std::string_view upto) override {
    Window w;
    w.after = std::string(after);
    w.upto = std::string(upto);
    auto c = CountUnseen(filter, after, upto);
    w.records = c->count;
    return w;
  }
  Status Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
              const std::function<bool(const FeedRecord&)>& fn) override {
    ++scans;
    if (scan_error) return std::unexpected(*scan_error);
    for (const auto& r : records_) {
      if (Matches(r, filter, after, upto) && !fn(r)) break;
    }
    return {};
  }
  bool WaitForChange(int64_t) override { return true; }
  std::string Uri() const override { return "fake:"; }
  Status Ping() override { return {}; }

  int scans = 0;
  std::optional<Error> scan_error;

 private:
  static bool Matches(const FeedRecord& r, const FeedFilter& filter, std::string_view after,
                      std::string_view upto) {
    if (!(r.cursor > after && r.cursor <= upto)) return false;
    return filter.entity_types.empty() ||
           std::find(filter.entity_types.begin(), filter.entity_types.end(), r.entity_type) !=
               filter.entity_types.end();
  }
  std::vector<FeedRecord> records_;
};

// Records every posted body; can answer with a scripted error for the n-th post.
class RecordingSink final : public EventSink {
 public:
  Status Post(const std::string& json_body) override {
    bodies.push_back(json_body);
    if (auto it = fail_at.find(bodies.size()); it != fail_at.end()) {
      return std::unexpected(it->second);
    }
    return {};
  }
  std::vector<std::string> bodies;
  std::map<size_t, Error> fail_at;  // 1-based post number -> error returned
};

// Tracker + ArtifactReader over a map of (run_id, path) -> content.
class FakeTracker final : public Tracker, public ArtifactReader {
 public:
  Result<std::string> EnsureExperiment() override { return std::string("1"); }
  Result<RunRef> EnsureRun(const Job& job) override { return RunRef{"1", "run-" + job.id, ""}; }
  Status LogMetrics(const std::string&, const std::map<std::string, double>&, int64_t,
                    int64_t) override {
    return {};
  }
  Status SetTag(const std::string&, const std::string&, const std::string&) override { return {}; }
  Status LogParams(const std::string& run_id,
                   const std::map<std::string, std::string>& p) override {
    for (const auto& [k, v] : p) params[run_id][k] = v;
    return {};
  }
  Status EndRun(const std::string&, RunEndStatus, int64_t) override { return {}; }
  Status LogArtifact(const RunRef& run, const std::string& path,
                     const std::string& content) override {
    artifacts[{run.run_id, path}] = content;
    return {};
  }
  std::string Uri() const override { return "fake-tracking:"; }
  Result<std::string> ReadArtifact(const std::string& run_id, const std::string& path) override {
    auto it = artifacts.find({run_id, path});
    if (it == artifacts.end()) {
      return Fail(ErrorCode::kNotFound, "No artifact " + path + " in run " + run_id + ".");
    }
    return it->second;
  }

  std::map<std::pair<std::string, std::string>, std::string> artifacts;
  std::map<std::string, std::map<std::string, std::string>> params;  // run id -> params
};

class FakeRegistry final : public ModelRegistry {
 public:
  Status EnsureRegisteredModel(const std::string& name) override {
    models[name];
    return {};
  }
  Result<ModelVersion> CreateVersion(const std::string& name, const std::string& source,
                                     const std::string& run_id) override {
    auto& versions = models.at(name);
    versions.push_back(ModelVersion{name, std::to_string(versions.size() + 1), run_id, source});
    return versions.back();
  }
  Result<std::optional<ModelVersion>> GetByAlias(const std::string& name,
                                                 const std::string& alias) override {
    auto it = aliases.find({name, alias});
    if (it == aliases.end()) return std::optional<ModelVersion>();
    return std::optional<ModelVersion>(models.at(name).at(std::stoul(it->second) - 1));
  }
  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version) override {
    aliases[{name, alias}] = version;
    ++alias_moves;
    return {};
  }
  Result<std::optional<ModelVersion>> GetVersion(const std::string& name,
                                                 const std::string& version) override {
    const auto& versions = models.at(name);
    for (const auto& v : versions)
      if (v.version == version) return std::optional<ModelVersion>(v);
    return std::optional<ModelVersion>();
  }
  Status SetVersionTag(const std::string& name, const std::string& version, const std::string& key,
                       const std::string& value) override {
    for (auto& v : models.at(name))
      if (v.version == version) v.tags[key] = value;
    return {};
  }

  std::map<std::string, std::vector<ModelVersion>> models;
  std::map<std::pair<std::string, std::string>, std::string> aliases;  // (name, alias) -> version
  int alias_moves = 0;
};

}  // namespace retrain::testing
