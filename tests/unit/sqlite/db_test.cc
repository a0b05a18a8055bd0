#include "sqlite/db.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.h"

namespace retrain {
namespace {

class DbTest : public ::testing::Test {
 protected:
  std::unique_ptr<Db> Open() {
    auto db = Db::Open(dir_.path() + "/t.db");
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().message);
    return db ? std::move(*db) : nullptr;
  }
  static int64_t Scalar(Db& db, const std::string& sql) {
    auto q = db.Prepare(sql);
    EXPECT_TRUE(q.has_value());
    auto row = (*q)->Step();
    EXPECT_TRUE(row.has_value() && *row) << sql;
    return (*q)->Int(0);
  }
  static std::string Text(Db& db, const std::string& sql) {
    auto q = db.Prepare(sql);
    EXPECT_TRUE(q.has_value());
    auto row = (*q)->Step();
    EXPECT_TRUE(row.has_value() && *row) << sql;
    return (*q)->Text(0);
  }
  testing::TempDir dir_;
};

TEST_F(DbTest, OpensDurablyInWalMode) {
  auto db = Open();
  ASSERT_TRUE(db);
  EXPECT_EQ(Text(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Scalar(*db, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(Scalar(*db, "PRAGMA foreign_keys"), 1);
}

TEST_F(DbTest, OpenNamesThePathThatCannotBeOpened) {
  auto db = Db::Open(dir_.path() + "/missing/dir/t.db");
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("missing/dir/t.db"), std::string::npos) << db.error().message;
}

TEST_F(DbTest, MigrationsRunInOrderOnceAndRecordTheVersion) {
  const std::vector<std::string> v1 = {"CREATE TABLE a (x INTEGER)"};
  const std::vector<std::string> v2 = {
      "CREATE TABLE a (x INTEGER)",
      "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'b')"};
  {
    auto db = Open();
    ASSERT_TRUE(db->Migrate(v1).has_value());
    EXPECT_EQ(Scalar(*db, "PRAGMA user_version"), 1);
  }
  auto db = Open();
  ASSERT_TRUE(db->Migrate(v2).has_value());  // only the second step runs (the table exists)
  ASSERT_TRUE(db->Migrate(v2).has_value());  // and nothing runs again
  EXPECT_EQ(Scalar(*db, "PRAGMA user_version"), 2);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM a"), 1);
}

TEST_F(DbTest, AFailedMigrationLeavesTheDatabaseAtTheLastGoodVersion) {
  auto db = Open();
  const std::vector<std::string> steps = {
      "CREATE TABLE a (x INTEGER)", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1)"};
  auto s = db->Migrate(steps);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("nowhere"), std::string::npos) << s.error().message;
  EXPECT_EQ(Scalar(*db, "PRAGMA user_version"), 1);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), 0);
}

TEST_F(DbTest, RefusesADatabaseOfANewerSchema) {
  auto db = Open();
  ASSERT_TRUE(db->Exec("PRAGMA user_version = 7").has_value());
  auto s = db->Migrate({"CREATE TABLE a (x INTEGER)"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.error().api_code, "schema_too_new");
  EXPECT_NE(s.error().message.find("schema version 7"), std::string::npos) << s.error().message;
}

TEST_F(DbTest, ATransactionNotCommittedIsRolledBack) {
  auto db = Open();
  ASSERT_TRUE(db->Exec("CREATE TABLE a (x INTEGER)").has_value());
  {
    auto tx = Transaction::Begin(*db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(db->Exec("INSERT INTO a VALUES (1)").has_value());
  }
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM a"), 0);
  {
    auto tx = Transaction::Begin(*db);
    ASSERT_TRUE(db->Exec("INSERT INTO a VALUES (2)").has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  EXPECT_EQ(Scalar(*db, "SELECT sum(x) FROM a"), 2);
}

TEST_F(DbTest, CachedStatementsAreResetAndUnboundBetweenUses) {
  auto db = Open();
  ASSERT_TRUE(db->Exec("CREATE TABLE a (x INTEGER, y TEXT)").has_value());
  const std::string insert = "INSERT INTO a VALUES (?1, ?2)";
  {
    auto st = db->Prepare(insert);
    ASSERT_TRUE((*st)->Bind(1, int64_t{1}).Bind(2, std::string("one")).Run().has_value());
  }
  {
    auto st = db->Prepare(insert);  // same cached statement, bindings cleared: y is NULL
    ASSERT_TRUE((*st)->Bind(1, int64_t{2}).Run().has_value());
  }
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM a WHERE y IS NULL"), 1);
  auto q = db->Prepare("SELECT y FROM a ORDER BY x");
  ASSERT_TRUE(*(*q)->Step());
  EXPECT_EQ((*q)->Text(0), "one");
  ASSERT_TRUE(*(*q)->Step());
  EXPECT_TRUE((*q)->IsNull(0));
  EXPECT_FALSE(*(*q)->Step());
}

TEST_F(DbTest, ErrorsAreClassified) {
  auto db = Open();
  ASSERT_TRUE(db->Exec("CREATE TABLE a (x INTEGER PRIMARY KEY)").has_value());
  ASSERT_TRUE(db->Exec("INSERT INTO a VALUES (1)").has_value());
  auto dup = db->Exec("INSERT INTO a VALUES (1)");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  auto bad = db->Prepare("SELEC 1");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;
}

TEST_F(DbTest, AWriterBusyPastTheTimeoutIsUnavailable) {
  auto a = Open();
  ASSERT_TRUE(a->Exec("CREATE TABLE a (x INTEGER)").has_value());
  auto b = Open();
  sqlite3_busy_timeout(b->raw(), 10);
  auto tx = Transaction::Begin(*a);
  ASSERT_TRUE(tx.has_value());
  auto blocked = Transaction::Begin(*b);
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(blocked.error().api_code, "store_unavailable");
}

}  // namespace
}  // namespace retrain
