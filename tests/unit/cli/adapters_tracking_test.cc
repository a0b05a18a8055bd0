// OpenTracking: the tracking URI picks the adapter; relative paths resolve in the data dir.

#include <gtest/gtest.h>

#include <filesystem>

#include "../temp_dir.h"
#include "cli/adapters.h"

namespace retrain {
namespace {

namespace fs = std::filesystem;

TEST(OpenTracking, RelativePathResolvesAgainstBaseDir) {
  testing::TempDir tmp;
  const fs::path dir_path(tmp.path());
  TrackerOptions o;
  o.tracking_uri = "mlruns";
  o.base_dir = dir_path.string();
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ(backend->tracker->Uri(), "file://" + (dir_path / "mlruns").string());
  EXPECT_NE(backend->reader, nullptr);
  EXPECT_NE(backend->registry, nullptr);
  EXPECT_TRUE(fs::exists(dir_path / "mlruns" / "0" / "meta.yaml"));
}

TEST(OpenTracking, FileUriIsPercentDecoded) {
  testing::TempDir tmp;
  const fs::path dir_path(tmp.path());
  TrackerOptions o;
  o.tracking_uri = "file://" + dir_path.string() + "/my%20runs";
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_TRUE(fs::exists(dir_path / "my runs" / "0" / "meta.yaml"));
}

TEST(OpenTracking, FileUriAndRelativeArtifactLocation) {
  testing::TempDir tmp;
  const fs::path dir_path(tmp.path());
  TrackerOptions o;
  o.tracking_uri = "file://" + (dir_path / "store").string();
  o.artifact_location = "art";
  o.base_dir = dir_path.string();
  auto backend = OpenTracking(o);
  ASSERT_TRUE(backend) << backend.error().message;
  Job job;
  job.id = "j1";
  job.model_id = "m";
  auto run = backend->tracker->EnsureRun(job);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->artifact_uri, (dir_path / "art").string() + "/" + run->run_id + "/artifacts");
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
