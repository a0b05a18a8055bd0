#include "store/postgres/pg_pool.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "core/redact.h"

namespace retrain::pg {

namespace {

// The first line of a libpq message, without the "FATAL:  " / "ERROR:  " prefix.
std::string FirstLine(const char* msg) {
  std::string s = msg ? msg : "";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  for (const char* p : {"FATAL:  ", "ERROR:  "}) {
    if (s.rfind(p, 0) == 0) s = s.substr(std::string(p).size());
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.pop_back();
  return s;
}

}  // namespace

Rows::Rows(pg_result* r) : r_(r) {}
Rows::~Rows() {
  if (r_) PQclear(r_);
}
Rows::Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
int Rows::size() const { return PQntuples(r_); }
bool Rows::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}
int64_t Rows::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
double Rows::Double(int row, int col) const {
  return std::strtod(PQgetvalue(r_, row, col), nullptr);
}
int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

Conn::~Conn() { PQfinish(c_); }

bool Conn::ok() const {
  return !broken_ && PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE;
}

Error Conn::ServerError(pg_result* r, const std::string& what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string msg = FirstLine(r ? PQresultErrorMessage(r) : PQerrorMessage(c_));
  if (msg.empty()) msg = FirstLine(PQerrorMessage(c_));
  if (PQstatus(c_) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03" || (r == nullptr)) {
    broken_ = true;
    return Error{ErrorCode::kUnavailable,
                 "store_unavailable",
                 "the PostgreSQL job store is unreachable (" + what + "): " + msg,
                 {}};
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Error{ErrorCode::kAborted,
                 "serialization_failure",
                 "a concurrent change won (" + what + "): " + msg,
                 {}};
  }
  if (sqlstate == "23505") {
    const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    Error e{ErrorCode::kAlreadyExists, "unique_violation", msg, {}};
    e.With("constraint", std::string(c ? c : ""));
    return e;
  }
  return Error{ErrorCode::kInternal,
               "store_error",
               "the PostgreSQL job store failed (" + what + ", SQLSTATE " + sqlstate + "): " + msg,
               {}};
}

Result<Rows> Conn::Exec(const std::string& sql, const std::vector<Param>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* r = PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
      Error e = ServerError(r, "prepare");
      if (r) PQclear(r);
      return std::unexpected(e);
    }
    PQclear(r);
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecPrepared(c_, it->second.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = ServerError(r, "statement");
    if (r) PQclear(r);
    return std::unexpected(e);
  }
  return Rows(r);
}

Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_));
}

std::string Pool::Describe() const { return RedactUrl(options_.uri); }

Result<std::unique_ptr<Conn>> Pool::Open() {
  std::string timeout = std::to_string(options_.connect_timeout_s);
  std::vector<const char*> keys = {"connect_timeout", "application_name", "dbname"};
  std::vector<const char*> vals = {timeout.c_str(), "retrain", options_.uri.c_str()};
  if (options_.password) {
    keys.push_back("password");
    vals.push_back(options_.password->c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  PGconn* c = PQconnectdbParams(keys.data(), vals.data(), 1);
  if (!c)
    return Fail(ErrorCode::kUnavailable, "out of memory opening a PostgreSQL connection",
                "store_unavailable");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string full = PQerrorMessage(c);
    std::string msg = FirstLine(full.c_str());
    PQfinish(c);
    // libpq repeats "connection to server at ... failed: " before the reason.
    auto reason_at = msg.find("failed: ");
    std::string reason = reason_at == std::string::npos ? msg : msg.substr(reason_at + 8);
    if (reason.rfind("FATAL:  ", 0) == 0) reason = reason.substr(8);
    if (full.find("password authentication failed") != std::string::npos ||
        full.find("no password supplied") != std::string::npos ||
        full.find("authentication failed") != std::string::npos) {
      return Fail(ErrorCode::kPermissionDenied,
                  "PostgreSQL at " + Describe() + " refused the credentials: " + reason,
                  "store_auth_failed");
    }
    if (full.find("invalid URI") != std::string::npos ||
        full.find("invalid connection option") != std::string::npos ||
        full.find("missing \"=\"") != std::string::npos ||
        full.find("invalid sslmode") != std::string::npos) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the PostgreSQL URI " + Describe() + " is not valid: " + reason,
                  "invalid_store_uri");
    }
    return Fail(ErrorCode::kUnavailable, "cannot reach PostgreSQL at " + Describe() + ": " + reason,
                "store_unavailable");
  }
  // Server notices (e.g. "relation already exists, skipping") are not errors: libpq would print
  // them to stderr.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Conn>(new Conn(c));
}

Result<Lease> Pool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }
  ++open_;
  lock.unlock();
  auto c = Open();
  if (!c) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    return std::unexpected(c.error());
  }
  return Lease(*this, std::move(*c));
}

void Pool::Release(std::unique_ptr<Conn> conn) {
  std::lock_guard lock(mu_);
  if (conn->ok()) {
    idle_.push_back(std::move(conn));
  } else {
    conn.reset();
    --open_;
  }
  cv_.notify_one();
}

}  // namespace retrain::pg
