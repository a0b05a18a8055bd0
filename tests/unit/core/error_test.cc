// Error codes: the HTTP table, generic names, retry meaning, SCREAMING codes, Fail and details.

#include "core/error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace retrain {
namespace {

struct CodeRow {
  ErrorCode code;
  int http;
  const char* name;
  bool retryable;
};

constexpr CodeRow kTable[] = {
    {ErrorCode::kInvalidArgument, 400, "invalid_argument", false},
    {ErrorCode::kUnauthenticated, 401, "unauthenticated", false},
    {ErrorCode::kPermissionDenied, 403, "permission_denied", false},
    {ErrorCode::kNotFound, 404, "not_found", false},
    {ErrorCode::kAlreadyExists, 409, "already_exists", false},
    {ErrorCode::kFailedPrecondition, 409, "failed_precondition", false},
    {ErrorCode::kAborted, 409, "aborted", true},
    {ErrorCode::kPayloadTooLarge, 413, "payload_too_large", false},
    {ErrorCode::kUnsupportedMediaType, 415, "unsupported_media_type", false},
    {ErrorCode::kUnprocessable, 422, "unprocessable", false},
    {ErrorCode::kResourceExhausted, 429, "resource_exhausted", true},
    {ErrorCode::kDeadlineExceeded, 504, "deadline_exceeded", true},
    {ErrorCode::kUnavailable, 503, "unavailable", true},
    {ErrorCode::kInternal, 500, "internal", false},
};

TEST(ErrorTest, HttpStatusForEveryCode) {
  for (const auto& row : kTable) EXPECT_EQ(HttpStatusFor(row.code), row.http) << row.name;
}

TEST(ErrorTest, CodeNamesAreDistinctSnakeCase) {
  std::set<std::string> names;
  for (const auto& row : kTable) {
    EXPECT_STREQ(CodeName(row.code), row.name);
    names.insert(CodeName(row.code));
  }
  EXPECT_EQ(names.size(), std::size(kTable));
}

TEST(ErrorTest, RetryMeaning) {
  for (const auto& row : kTable) EXPECT_EQ(IsRetryable(row.code), row.retryable) << row.name;
}

TEST(ErrorTest, FailDefaultsTheApiCodeToTheGenericName) {
  Status s = Fail(ErrorCode::kNotFound, "no such thing");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().api_code, "not_found");
  EXPECT_EQ(s.error().message, "no such thing");
  EXPECT_TRUE(s.error().details.empty());
}

TEST(ErrorTest, FailKeepsAnExplicitApiCodeAndDetails) {
  Result<int> r = Fail(ErrorCode::kFailedPrecondition, "not enough data", "insufficient_data");
  ASSERT_FALSE(r.has_value());
  Error e = r.error();
  e.With("unseenRecords", int64_t{3})
      .With("minRecords", int64_t{50})
      .With("ratio", 0.06)
      .With("forced", false)
      .With("modelId", std::string("threat-scorer"));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(e.api_code, "insufficient_data");
  ASSERT_EQ(e.details.size(), 5u);
  EXPECT_EQ(e.details[0].first, "unseenRecords");
  EXPECT_EQ(std::get<int64_t>(e.details[0].second), 3);
  EXPECT_EQ(e.details[1].first, "minRecords");
  EXPECT_EQ(std::get<int64_t>(e.details[1].second), 50);
  EXPECT_DOUBLE_EQ(std::get<double>(e.details[2].second), 0.06);
  EXPECT_FALSE(std::get<bool>(e.details[3].second));
  EXPECT_EQ(std::get<std::string>(e.details[4].second), "threat-scorer");
}

TEST(ErrorTest, ScreamingCode) {
  EXPECT_EQ(ScreamingCode("job_not_found"), "JOB_NOT_FOUND");
  EXPECT_EQ(ScreamingCode("insufficient_data"), "INSUFFICIENT_DATA");
  EXPECT_EQ(ScreamingCode("job_active"), "JOB_ACTIVE");
  EXPECT_EQ(ScreamingCode("unknown_model"), "UNKNOWN_MODEL");
  EXPECT_EQ(ScreamingCode("internal"), "INTERNAL");
  EXPECT_EQ(ScreamingCode(""), "");
  EXPECT_EQ(ScreamingCode("ALREADY_UPPER"), "ALREADY_UPPER");
}

}  // namespace
}  // namespace retrain
