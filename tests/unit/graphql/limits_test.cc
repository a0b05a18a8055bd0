#include <gtest/gtest.h>

#include "test_schema.h"

namespace retrain::graphql {
namespace {

using testing::MakeSchema;
using testing::RunQuery;

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = MakeSchema();
    ASSERT_TRUE(schema_->SetResolver("Query.hello",
                                     [this](const Value&, const Value&, Context&) -> FieldResult {
                                       ++calls_;
                                       return "hi";
                                     }));
    ASSERT_TRUE(schema_->SetResolver("Query.deep",
                                     [this](const Value&, const Value&, Context&) -> FieldResult {
                                       ++calls_;
                                       return Value::EmptyObject();
                                     }));
  }
  std::unique_ptr<Schema> schema_;
  int calls_ = 0;
};

TEST_F(LimitsTest, DocumentSize) {
  ExecuteOptions o;
  o.limits.max_document_bytes = 10;
  EXPECT_EQ(
      RunQuery(*schema_, "{ hello hello }", "null", o),
      R"({"errors":[{"message":"The query document is 15 bytes, more than the maximum of 10.","extensions":{"code":"QUERY_LIMIT_EXCEEDED"}}]})");
  EXPECT_EQ(calls_, 0);
}

TEST_F(LimitsTest, Tokens) {
  ExecuteOptions o;
  o.limits.max_tokens = 3;
  EXPECT_EQ(
      RunQuery(*schema_, "{ hello hello }", "null", o),
      R"({"errors":[{"message":"Syntax Error: Document contains more than 3 tokens. Parsing aborted.","locations":[{"line":1,"column":15}],"extensions":{"code":"QUERY_LIMIT_EXCEEDED"}}]})");
  EXPECT_EQ(calls_, 0);
}

TEST_F(LimitsTest, Depth) {
  ExecuteOptions o;
  o.limits.max_depth = 3;
  EXPECT_EQ(RunQuery(*schema_, "{ deep { deep { hello } } }", "null", o),
            R"({"data":{"deep":{"deep":{"hello":"hi"}}}})");
  calls_ = 0;
  EXPECT_EQ(
      RunQuery(*schema_, "{ deep { ...F } } fragment F on Query { deep { deep { hello } } }",
               "null", o),
      R"({"errors":[{"message":"Query depth 4 exceeds the maximum depth of 3.","locations":[{"line":1,"column":1}],"extensions":{"code":"QUERY_LIMIT_EXCEEDED"}}]})");
  EXPECT_EQ(calls_, 0);
}

TEST_F(LimitsTest, FieldCountExpandsFragments) {
  ExecuteOptions o;
  o.limits.max_fields = 100;
  // Each fragment level doubles the fields: 2^20 selections from a few lines.
  std::string q = "{ ...F0 } fragment F0 on Query { hello hello }";
  for (int i = 1; i <= 20; ++i) {
    q += " fragment F" + std::to_string(i) + " on Query { ...F" + std::to_string(i - 1) + " ...F" +
         std::to_string(i - 1) + " }";
  }
  q.replace(q.find("...F0 }"), 6, "...F20");
  EXPECT_EQ(
      RunQuery(*schema_, q, "null", o),
      R"({"errors":[{"message":"Query selects 2097152 fields (fragments expanded), more than the maximum of 100.","locations":[{"line":1,"column":1}],"extensions":{"code":"QUERY_LIMIT_EXCEEDED"}}]})");
  EXPECT_EQ(calls_, 0);
}

TEST_F(LimitsTest, CyclicFragmentsDoNotHang) {
  std::string out = RunQuery(
      *schema_, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A hello }");
  EXPECT_NE(out.find("Cannot spread fragment"), std::string::npos) << out;
  EXPECT_EQ(calls_, 0);
}

}  // namespace
}  // namespace retrain::graphql
