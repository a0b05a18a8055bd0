#pragma once
// A thin RAII layer over the SQLite C API shared by the SQLite adapters (job store, embedded
// feed). Statements are prepared once and cached per connection. A Db is not thread-safe by
// itself: its owner serializes access (each adapter documents how).

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, int v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  template <typename T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Advances: true with a row, false when done. Errors: kUnavailable when busy/locked or I/O
  // fails, kAlreadyExists on a constraint violation, kInternal otherwise.
  [[nodiscard]] Result<bool> Step();
  // Steps to completion, ignoring rows.
  [[nodiscard]] Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Double(int col) const { return sqlite3_column_double(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  sqlite3_stmt* s_;
};

class Db {
 public:
  // Opens (creating) the database file with WAL journaling, foreign keys, a busy timeout and
  // `synchronous` = FULL (durable at commit). Errors: kUnavailable naming the path.
  [[nodiscard]] static Result<std::unique_ptr<Db>> Open(const std::string& path,
                                                        bool read_only = false);
  ~Db();

  // Runs one or more statements without results.
  [[nodiscard]] Status Exec(std::string_view sql);
  // A cached prepared statement; it is reset when the returned Stmt goes out of scope.
  [[nodiscard]] Result<std::unique_ptr<Stmt>> Prepare(const std::string& sql);

  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

  // Applies the schema migrations in order, each in its own transaction, recording progress in
  // PRAGMA user_version. A database newer than `migrations` is refused (kFailedPrecondition).
  [[nodiscard]] Status Migrate(const std::vector<std::string>& migrations);

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

// Error from the connection's last failure, with `what` describing the operation.
std::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what);

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeded.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Db& db);
  ~Transaction();
  [[nodiscard]] Status Commit();

 private:
  explicit Transaction(Db& db) : db_(db) {}
  Db& db_;
  bool done_ = false;
};

}  // namespace retrain
