// Choosing the job store: a postgresql:// store.uri (file or RETRAIN_STORE_URI) selects
// PostgreSQL; contradictions and incomplete settings stop start-up naming the key.

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_util.h"

namespace retrain {
namespace {

using testing::ParseText;

TEST(ConfigStoreTest, DefaultIsSqlite) {
  auto c = ParseText("");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.driver, "sqlite");
  EXPECT_EQ(c->store.uri, "");
}

TEST(ConfigStoreTest, PostgresUriInTheFileSelectsPostgres) {
  auto c = ParseText(
      "store:\n  uri: postgresql://retrain@db:5432/retrain?sslmode=verify-full\n"
      "  passwordFile: /run/secrets/pg\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.driver, "postgres");
  EXPECT_EQ(c->store.uri, "postgresql://retrain@db:5432/retrain?sslmode=verify-full");
  EXPECT_EQ(c->store.password_file, "/run/secrets/pg");
}

TEST(ConfigStoreTest, EnvironmentUriOutranksTheFilesSqliteDriver) {
  auto c = ParseText("store:\n  driver: sqlite\n  path: jobs.db\n",
                     {{"RETRAIN_STORE_URI", "postgresql://retrain@127.0.0.1:5432/retrain"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->store.driver, "postgres");
  EXPECT_EQ(c->store.uri, "postgresql://retrain@127.0.0.1:5432/retrain");
  EXPECT_EQ(c->origins.at("store.uri"), "env RETRAIN_STORE_URI");
}

TEST(ConfigStoreTest, FileContradictingItselfIsRefused) {
  auto c = ParseText("store:\n  driver: sqlite\n  uri: postgresql://u:Secret-1@db/retrain\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("'store.driver'"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("Secret-1"), std::string::npos) << c.error().message;
}

TEST(ConfigStoreTest, PostgresDriverWithoutUriIsRefused) {
  auto c = ParseText("store:\n  driver: postgres\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("'store.uri' is not set"), std::string::npos)
      << c.error().message;
}

TEST(ConfigStoreTest, NonPostgresUriIsRefusedWithoutItsPassword) {
  auto c = ParseText("store:\n  uri: mysql://u:Secret-2@db/retrain\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("'store.uri'"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("Secret-2"), std::string::npos) << c.error().message;
}

TEST(ConfigStoreTest, PasswordFileWithSqliteIsRefused) {
  auto c = ParseText("store:\n  passwordFile: /run/secrets/pg\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("'store.passwordFile'"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace retrain
