#include "store_test_util.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <random>

#include "store/postgres/postgres_job_store.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain::testing {

namespace {

const char* PostgresUri() {
  const char* uri = std::getenv("RETRAIN_TEST_POSTGRES_URI");
  return uri && *uri ? uri : nullptr;
}

class SqliteLocation final : public StoreLocation {
 public:
  SqliteLocation() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "retrain-store-XXXXXX").string();
    if (mkdtemp(tmpl.data())) dir_ = tmpl;
    path_ = dir_ + "/jobs.db";
  }
  ~SqliteLocation() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  Result<std::unique_ptr<JobStore>> Open(const Clock& clock) override {
    return OpenSqliteJobStore(path_, clock);
  }
  std::string Path() const override { return path_; }
  std::string Exec(const std::string& sql) override {
    sqlite3* db = nullptr;
    std::string err;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) err = "cannot open " + path_;
    char* msg = nullptr;
    if (err.empty() && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      err = msg ? msg : "sqlite error";
    }
    sqlite3_free(msg);
    sqlite3_close(db);
    return err;
  }

 private:
  std::string dir_;
  std::string path_;
};

// A schema of its own on the test server, made the connection's search_path.
class PostgresLocation final : public StoreLocation {
 public:
  PostgresLocation() {
    std::random_device rd;
    schema_ = "t" + std::to_string(rd()) + std::to_string(rd());
    base_ = PostgresUri();
    error_ = Run(base_, "CREATE SCHEMA " + schema_);
    std::string sep = base_.find('?') == std::string::npos ? "?" : "&";
    uri_ = base_ + sep + "options=-csearch_path%3D" + schema_;
  }
  ~PostgresLocation() override { Run(base_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"); }
  Result<std::unique_ptr<JobStore>> Open(const Clock& clock) override {
    if (!error_.empty()) return Fail(ErrorCode::kUnavailable, error_);
    PostgresStoreOptions o;
    o.uri = uri_;
    return OpenPostgresJobStore(o, clock);
  }
  std::string Exec(const std::string& sql) override { return Run(uri_, sql); }
  std::string Path() const override { return uri_; }

 private:
  static std::string Run(const std::string& uri, const std::string& sql) {
    PGconn* c = PQconnectdb(uri.c_str());
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    std::string err;
    if (PQstatus(c) != CONNECTION_OK) {
      err = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      auto st = PQresultStatus(r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    return err;
  }

  std::string schema_, base_, uri_, error_;
};

}  // namespace

std::vector<std::string> StoreBackends() {
  std::vector<std::string> out = {"sqlite"};
  if (PostgresUri()) out.push_back("postgres");
  return out;
}

std::unique_ptr<StoreLocation> MakeStoreLocation(const std::string& backend) {
  if (backend == "sqlite") return std::make_unique<SqliteLocation>();
  if (backend == "postgres" && PostgresUri()) return std::make_unique<PostgresLocation>();
  return nullptr;
}

}  // namespace retrain::testing
