// `retrain feed generate|import`: write records into the embedded feed.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "core/time.h"
#include "feed/embedded/embedded_feed.h"
#include "feed/fixtures/fixture_feed.h"
#include "trainer/synthetic.h"

namespace retrain {

namespace {

std::unique_ptr<EmbeddedFeed> OpenEmbedded(const Config& cfg) {
  if (cfg.feed.source != "embedded") {
    std::cerr
        << "retrain: the configuration reads the " << cfg.feed.source
        << " feed; `retrain feed` writes the embedded feed only (set feed.source: embedded)\n";
    return nullptr;
  }
  auto feed = EmbeddedFeed::Open(cfg.ResolvePath(cfg.feed.path));
  if (!feed) {
    std::cerr << "retrain: " << feed.error().message << "\n";
    return nullptr;
  }
  return std::move(*feed);
}

}  // namespace

int RunFeedGenerate(const CommonOptions& common, const GenerateOptions& o) {
  auto cfg = LoadConfigOrReport(common);
  if (!cfg) return 2;
  auto feed = OpenEmbedded(*cfg);
  if (!feed) return cfg->feed.source != "embedded" ? 2 : 1;
  auto size = feed->Size();
  if (!size) {
    std::cerr << "retrain: " << size.error().message << "\n";
    return 1;
  }
  SyntheticOptions so;
  so.count = o.records;
  so.seed = o.seed.value_or(42);
  so.drift = o.drift;
  so.label_noise = o.label_noise;
  // Without an explicit seed, continue the sequence so repeated calls never repeat records.
  so.start_index = o.seed ? 0 : *size;
  if (auto s = ValidateSyntheticOptions(so); !s) {
    std::cerr << "retrain: " << s.error().message << "\n";
    return 2;
  }
  static SystemClock clock;
  int64_t batch = o.batch > 0 ? o.batch : o.records;
  int64_t written = 0;
  int jobs = 0;
  std::string last;
  for (int64_t first = 0; first < o.records; first += batch) {
    so.count = std::min(batch, o.records - first);
    auto records = GenerateRecords(so);
    so.start_index += so.count;
    std::string job_name =
        o.ingestion_job.empty()
            ? "synthetic-" + FormatCompactUtc(clock.NowMs()) + "-" + std::to_string(*size + first)
            : (o.batch > 0 ? o.ingestion_job + "-" + std::to_string(jobs + 1) : o.ingestion_job);
    std::vector<NewFeedRecord> rows;
    rows.reserve(records.size());
    int64_t now = clock.NowMs();
    for (auto& r : records)
      rows.push_back({job_name, r.entity_type, now, std::move(r.payload_json)});
    auto cursor = feed->Append(rows);
    if (!cursor) {
      std::cerr << "retrain: writing the feed failed after " << written
                << " records: " << cursor.error().message << "\n";
      return 1;
    }
    written += static_cast<int64_t>(rows.size());
    last = *cursor;
    ++jobs;
  }
  std::cout << "wrote " << written << " records in " << jobs << " ingestion job"
            << (jobs == 1 ? "" : "s") << " to " << feed->Uri() << " (feed now holds "
            << (*size + written) << " records)\n";
  return 0;
}

int RunFeedImport(const CommonOptions& common, const std::string& path) {
  auto cfg = LoadConfigOrReport(common);
  if (!cfg) return 2;
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".json") files.push_back(e.path());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    std::cerr << "retrain: " << path << " is neither a fixture file nor a directory\n";
    return 2;
  }
  // Parse everything first: a bad file stops the import before anything is written.
  struct Parsed {
    fs::path file;
    std::vector<FeedRecord> records;
  };
  std::vector<Parsed> parsed;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto recs = FixtureFeed::ParseFile(ss.str(), f.string());
    if (!recs) {
      std::cerr << "retrain: " << recs.error().message << " (nothing was imported)\n";
      return 1;
    }
    parsed.push_back({f, std::move(*recs)});
  }
  std::sort(parsed.begin(), parsed.end(), [](const Parsed& a, const Parsed& b) {
    if (a.records.empty() || b.records.empty()) return a.file < b.file;
    return CompareFixtureCursors(a.records.front().cursor, b.records.front().cursor) < 0;
  });
  auto feed = OpenEmbedded(*cfg);
  if (!feed) return cfg->feed.source != "embedded" ? 2 : 1;
  int64_t total = 0;
  int imported = 0, skipped = 0;
  for (const auto& p : parsed) {
    if (p.records.empty()) continue;
    const std::string& job = p.records.front().ingestion_job;
    auto seen = feed->HasIngestionJob(job);
    if (!seen) {
      std::cerr << "retrain: " << seen.error().message << "\n";
      return 1;
    }
    if (*seen) {
      std::cerr << "retrain: ingestion job " << job << " (" << p.file.string()
                << ") is already in the feed; skipped\n";
      ++skipped;
      continue;
    }
    std::vector<NewFeedRecord> rows;
    for (const auto& r : p.records)
      rows.push_back({r.ingestion_job, r.entity_type, r.landed_at_ms, r.payload_json});
    if (auto c = feed->Append(rows); !c) {
      std::cerr << "retrain: importing " << p.file.string() << " failed: " << c.error().message
                << "\n";
      return 1;
    }
    total += static_cast<int64_t>(rows.size());
    ++imported;
  }
  std::cout << "imported " << total << " records from " << imported << " ingestion job"
            << (imported == 1 ? "" : "s")
            << (skipped ? " (" + std::to_string(skipped) + " already present)" : "") << " into "
            << feed->Uri() << "\n";
  return 0;
}

}  // namespace retrain
