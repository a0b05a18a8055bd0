#include "sqlite/db.h"

namespace retrain {

std::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg =
      std::string(what) + " failed: " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)
    return Fail(ErrorCode::kUnavailable, msg, "store_unavailable");
  if (primary == SQLITE_CONSTRAINT) return Fail(ErrorCode::kAlreadyExists, msg, "conflict");
  return Fail(ErrorCode::kInternal, msg, "store_error");
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(s_), rc, "a database statement");
}

Status Stmt::Run() {
  while (true) {
    auto r = Step();
    if (!r) return std::unexpected(r.error());
    if (!*r) return {};
  }
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open database " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close(raw);
    return Fail(ErrorCode::kUnavailable, msg, "store_unavailable");
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  if (!read_only) {
    if (auto s =
            db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        !s)
      return std::unexpected(s.error());
  }
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    auto e = SqliteError(db_, rc, "database statement");
    e.error().message = "database statement failed: " + msg;
    return e;
  }
  return {};
}

Result<std::unique_ptr<Stmt>> Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing a statement");
    it = cache_.emplace(sql, stmt).first;
  }
  return std::make_unique<Stmt>(it->second);
}

Status Db::Migrate(const std::vector<std::string>& migrations) {
  auto q = Prepare("PRAGMA user_version");
  if (!q) return std::unexpected(q.error());
  auto row = (*q)->Step();
  if (!row) return std::unexpected(row.error());
  int64_t version = (*q)->Int(0);
  q->reset();
  if (version > static_cast<int64_t>(migrations.size())) {
    return Fail(ErrorCode::kFailedPrecondition,
                "database " + path_ + " has schema version " + std::to_string(version) +
                    ", newer than this retrain understands (" + std::to_string(migrations.size()) +
                    "); upgrade retrain",
                "schema_too_new");
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    auto tx = Transaction::Begin(*this);
    if (!tx) return std::unexpected(tx.error());
    if (auto s = Exec(migrations[i]); !s) return s;
    if (auto s = Exec("PRAGMA user_version = " + std::to_string(i + 1)); !s) return s;
    if (auto s = (*tx)->Commit(); !s) return s;
  }
  return {};
}

Result<std::unique_ptr<Transaction>> Transaction::Begin(Db& db) {
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s) return std::unexpected(s.error());
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  auto s = db_.Exec("COMMIT");
  if (s) done_ = true;
  return s;
}

}  // namespace retrain
