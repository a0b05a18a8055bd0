#include "feed/embedded/embedded_feed.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <thread>

#include "sqlite/db.h"

namespace retrain {

namespace {

const std::vector<std::string> kMigrations = {
    R"sql(
CREATE TABLE records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ingestion_job TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  landed_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX records_by_type ON records(entity_type, seq);
)sql",
    R"sql(
CREATE INDEX records_by_ingestion_job ON records(ingestion_job);
)sql",
};

template <typename T>
std::unexpected<Error> Err(const Result<T>& r) {
  return std::unexpected(r.error());
}

Result<int64_t> ParseCursor(std::string_view c) {
  if (c.empty()) return int64_t{0};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
  if (ec != std::errc() || p != c.data() + c.size() || v < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + std::string(c) + "' is not a cursor of the embedded feed", "invalid_cursor");
  }
  return v;
}

// " AND entity_type IN (?, ?, ...)" for a non-empty filter.
std::string TypeClause(const FeedFilter& f) {
  if (f.entity_types.empty()) return "";
  std::string s = " AND entity_type IN (";
  for (size_t i = 0; i < f.entity_types.size(); ++i) s += i ? ", ?" : "?";
  return s + ")";
}

// Binds the range (after, upto] and the filter's types, starting at parameter 1.
void BindRange(Stmt& q, int64_t after, int64_t upto, const FeedFilter& f) {
  q.Bind(1, after).Bind(2, upto);
  int i = 3;
  for (const auto& t : f.entity_types) q.Bind(i++, t);
}

}  // namespace

EmbeddedFeed::EmbeddedFeed(std::unique_ptr<Db> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}
EmbeddedFeed::~EmbeddedFeed() = default;

Result<std::unique_ptr<EmbeddedFeed>> EmbeddedFeed::Open(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto db = Db::Open(path);
  if (!db) return Err(db);
  if (auto s = (*db)->Migrate(kMigrations); !s) return std::unexpected(s.error());
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  return std::unique_ptr<EmbeddedFeed>(new EmbeddedFeed(std::move(*db), abs));
}

Result<std::string> EmbeddedFeed::Head() {
  std::lock_guard lock(mu_);
  auto q = db_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM records");
  if (!q) return Err(q);
  auto row = (*q)->Step();
  if (!row) return Err(row);
  int64_t head = (*q)->Int(0);
  return head == 0 ? std::string() : std::to_string(head);
}

Result<UnseenSummary> EmbeddedFeed::CountUnseen(const FeedFilter& filter, std::string_view after,
                                                std::string_view upto) {
  auto a = ParseCursor(after);
  if (!a) return Err(a);
  auto u = ParseCursor(upto);
  if (!u) return Err(u);
  UnseenSummary out;
  if (*u <= *a) return out;
  std::lock_guard lock(mu_);
  std::string clause = TypeClause(filter);
  auto q = db_->Prepare(
      "SELECT COUNT(*), MIN(seq), MAX(seq) FROM records WHERE seq > ? AND seq <= ?" + clause);
  if (!q) return Err(q);
  BindRange(**q, *a, *u, filter);
  auto row = (*q)->Step();
  if (!row) return Err(row);
  out.count = (*q)->Int(0);
  if (out.count == 0) return out;
  int64_t first = (*q)->Int(1);
  out.last_cursor = std::to_string((*q)->Int(2));
  q->reset();
  auto t = db_->Prepare("SELECT landed_at FROM records WHERE seq = ?");
  if (!t) return Err(t);
  (*t)->Bind(1, first);
  auto trow = (*t)->Step();
  if (!trow) return Err(trow);
  if (*trow) out.oldest_landed_ms = (*t)->Int(0);
  return out;
}

Result<Window> EmbeddedFeed::DescribeWindow(const FeedFilter& filter, std::string_view after,
                                            std::string_view upto) {
  auto a = ParseCursor(after);
  if (!a) return Err(a);
  auto u = ParseCursor(upto);
  if (!u) return Err(u);
  Window w;
  w.after = std::string(after);
  w.upto = std::string(upto);
  if (*u <= *a) return w;
  std::lock_guard lock(mu_);
  auto q = db_->Prepare(
      "SELECT ingestion_job, COUNT(*), MIN(seq), MIN(landed_at), MAX(landed_at) FROM records "
      "WHERE seq > ? AND seq <= ?" +
      TypeClause(filter) + " GROUP BY ingestion_job ORDER BY MIN(seq)");
  if (!q) return Err(q);
  BindRange(**q, *a, *u, filter);
  while (true) {
    auto row = (*q)->Step();
    if (!row) return Err(row);
    if (!*row) break;
    int64_t n = (*q)->Int(1);
    w.records += n;
    w.ingestion_jobs.emplace_back((*q)->Text(0), n);
    int64_t lo = (*q)->Int(3), hi = (*q)->Int(4);
    if (!w.start_ms || lo < *w.start_ms) w.start_ms = lo;
    if (!w.end_ms || hi > *w.end_ms) w.end_ms = hi;
  }
  return w;
}

Status EmbeddedFeed::Scan(const FeedFilter& filter, std::string_view after, std::string_view upto,
                          const std::function<bool(const FeedRecord&)>& fn) {
  auto a = ParseCursor(after);
  if (!a) return Err(a);
  auto u = ParseCursor(upto);
  if (!u) return Err(u);
  std::lock_guard lock(mu_);
  auto q = db_->Prepare(
      "SELECT seq, ingestion_job, entity_type, landed_at, payload FROM records "
      "WHERE seq > ? AND seq <= ?" +
      TypeClause(filter) + " ORDER BY seq");
  if (!q) return Err(q);
  BindRange(**q, *a, *u, filter);
  FeedRecord rec;
  while (true) {
    auto row = (*q)->Step();
    if (!row) return Err(row);
    if (!*row) return {};
    rec.cursor = std::to_string((*q)->Int(0));
    rec.ingestion_job = (*q)->Text(1);
    rec.entity_type = (*q)->Text(2);
    rec.landed_at_ms = (*q)->Int(3);
    rec.payload_json = (*q)->Text(4);
    if (!fn(rec)) return {};
  }
}

bool EmbeddedFeed::WaitForChange(int64_t timeout_ms) {
  // PRAGMA data_version changes whenever another connection commits to the file: a cheap
  // notification for writers in other processes. Checked every 10 ms.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int64_t version = -1;
    {
      std::lock_guard lock(mu_);
      if (auto q = db_->Prepare("PRAGMA data_version"); q) {
        if (auto row = (*q)->Step(); row && *row) version = (*q)->Int(0);
      }
    }
    if (version != data_version_) {
      bool first = data_version_ == -1;
      data_version_ = version;
      if (!first) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string EmbeddedFeed::Uri() const { return "embedded:" + path_; }

Status EmbeddedFeed::Ping() {
  std::lock_guard lock(mu_);
  return db_->Exec("SELECT 1 FROM records LIMIT 1");
}

Result<std::string> EmbeddedFeed::Append(const std::vector<NewFeedRecord>& records) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::Begin(*db_);
  if (!tx) return Err(tx);
  int64_t last = 0;
  for (const auto& r : records) {
    auto q = db_->Prepare(
        "INSERT INTO records (ingestion_job, entity_type, landed_at, payload) VALUES (?, ?, ?, ?)");
    if (!q) return Err(q);
    (*q)->Bind(1, r.ingestion_job)
        .Bind(2, r.entity_type)
        .Bind(3, r.landed_at_ms)
        .Bind(4, r.payload_json);
    if (auto s = (*q)->Run(); !s) return std::unexpected(s.error());
    last = db_->LastInsertRowid();
  }
  if (auto s = (*tx)->Commit(); !s) return std::unexpected(s.error());
  return last == 0 ? std::string() : std::to_string(last);
}

Result<bool> EmbeddedFeed::HasIngestionJob(const std::string& ingestion_job) {
  std::lock_guard lock(mu_);
  auto q = db_->Prepare("SELECT 1 FROM records WHERE ingestion_job = ? LIMIT 1");
  if (!q) return Err(q);
  (*q)->Bind(1, ingestion_job);
  auto row = (*q)->Step();
  if (!row) return Err(row);
  return *row;
}

Result<int64_t> EmbeddedFeed::Size() {
  std::lock_guard lock(mu_);
  auto q = db_->Prepare("SELECT COUNT(*) FROM records");
  if (!q) return Err(q);
  auto row = (*q)->Step();
  if (!row) return Err(row);
  return (*q)->Int(0);
}

}  // namespace retrain
