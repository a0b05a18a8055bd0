#include "tracking/open_tracker.h"

#include <gtest/gtest.h>

#include "test_dir.h"

namespace retrain {
namespace {

namespace fs = std::filesystem;

TEST(OpenTracking, RelativePathResolvesAgainstBaseDir) {
  testing::TempDir dir;
  TrackerOptions o;
  o.tracking_uri = "mlruns";
  o.base_dir = dir.path().string();
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ(backend->tracker->Uri(), "file://" + (dir.path() / "mlruns").string());
  EXPECT_NE(backend->reader, nullptr);
  EXPECT_NE(backend->registry, nullptr);
  EXPECT_TRUE(fs::exists(dir.path() / "mlruns" / "0" / "meta.yaml"));
}

TEST(OpenTracking, FileUriIsPercentDecoded) {
  testing::TempDir dir;
  TrackerOptions o;
  o.tracking_uri = "file://" + dir.path().string() + "/my%20runs";
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_TRUE(fs::exists(dir.path() / "my runs" / "0" / "meta.yaml"));
}

TEST(OpenTracking, FileUriAndRelativeArtifactLocation) {
  testing::TempDir dir;
  TrackerOptions o;
  o.tracking_uri = "file://" + (dir.path() / "store").string();
  o.artifact_location = "art";
  o.base_dir = dir.path().string();
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  Job job;
  job.id = "j1";
  job.model_id = "m";
  auto run = backend->tracker->EnsureRun(job);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->artifact_uri, (dir.path() / "art").string() + "/" + run->run_id + "/artifacts");
  ASSERT_TRUE(backend->tracker->LogArtifact(*run, "a.txt", "x"));
  auto back = backend->reader->ReadArtifact(run->run_id, "a.txt");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "x");
}

TEST(OpenTracking, HttpUriOpensTheRestAdapterWithoutIo) {
  TrackerOptions o;
  o.tracking_uri = "http://127.0.0.1:1";
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ(backend->tracker->Uri(), "http://127.0.0.1:1");
}

TEST(OpenTracking, RejectsUnsupportedAndEmptyUris) {
  for (std::string uri : {"", "sqlite:///mlflow.db", "databricks", "file://otherhost/x"}) {
    TrackerOptions o;
    o.tracking_uri = uri;
    if (uri == "databricks") o.tracking_uri = "databricks://profile";
    auto backend = OpenTracking(o);
    ASSERT_FALSE(backend) << uri;
    EXPECT_EQ(backend.error().code, ErrorCode::kInvalidArgument) << uri;
  }
}

}  // namespace
}  // namespace retrain
