#pragma once
// A small pool of libpq connections to one PostgreSQL database, and the one way statements run
// on them: each SQL text is prepared once per connection under a stable name and then executed
// with text parameters. Connections that fail are dropped; the next Acquire opens a new one, so
// a restarted server is picked up on the next call. No password reaches an error message.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"

struct pg_conn;
struct pg_result;

namespace retrain::pg {

// How to reach the database: a libpq URI or keyword string, an optional password that
// overrides the one in it (libpq still reads PGPASSWORD when neither has one).
struct ConnectOptions {
  std::string uri;
  std::optional<std::string> password;
  int connect_timeout_s = 5;
};

using Param = std::optional<std::string>;  // nullopt = SQL NULL

// The rows of one statement's result; values are libpq's text form.
class Rows {
 public:
  explicit Rows(pg_result* r);
  ~Rows();
  Rows(Rows&& o) noexcept;
  Rows& operator=(Rows&&) = delete;
  int size() const;
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  double Double(int row, int col) const;
  int64_t Affected() const;

 private:
  pg_result* r_;
};

// One open connection with the names of the statements prepared on it.
class Conn {
 public:
  ~Conn();
  // Runs `sql` (prepared on first use). Errors: kUnavailable "store_unavailable" when the
  // connection broke (the connection is then marked bad); kAborted "serialization_failure" on
  // SQLSTATE 40001/40P01; kAlreadyExists "unique_violation" on 23505 (details constraint);
  // kInternal for any other server error.
  [[nodiscard]] Result<Rows> Exec(const std::string& sql, const std::vector<Param>& params = {});
  bool ok() const;

 private:
  friend class Pool;
  explicit Conn(pg_conn* c) : c_(c) {}
  Error ServerError(pg_result* r, const std::string& what);
  pg_conn* c_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  bool broken_ = false;
};

class Pool;

// A connection borrowed from the pool; returned (or dropped when broken) on destruction.
class Lease {
 public:
  Lease(Pool& pool, std::unique_ptr<Conn> conn) : pool_(&pool), conn_(std::move(conn)) {}
  Lease(Lease&&) = default;
  ~Lease();
  Conn* operator->() { return conn_.get(); }
  Conn& operator*() { return *conn_; }

 private:
  Pool* pool_;
  std::unique_ptr<Conn> conn_;
};

class Pool {
 public:
  Pool(ConnectOptions options, size_t max_size) : options_(std::move(options)), max_(max_size) {}
  // Borrows an idle connection or opens a new one (waiting while `max_size` are in use).
  // Errors: kUnavailable "store_unavailable" when the server cannot be reached;
  // kPermissionDenied "store_auth_failed" when it refuses the credentials; kInvalidArgument
  // "invalid_store_uri" for a malformed URI. Thread-safe.
  [[nodiscard]] Result<Lease> Acquire();
  // Where the pool connects, with any password masked (for messages).
  std::string Describe() const;

 private:
  friend class Lease;
  void Release(std::unique_ptr<Conn> conn);
  Result<std::unique_ptr<Conn>> Open();

  const ConnectOptions options_;
  const size_t max_;
  std::mutex mu_;  // guards idle_ and open_
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  size_t open_ = 0;  // connections out on lease plus idle ones
};

}  // namespace retrain::pg
