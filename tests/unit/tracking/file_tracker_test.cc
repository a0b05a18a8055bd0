#include "tracking/mlflow_file/file_tracker.h"

#include <gtest/gtest.h>

#include <thread>

#include "../temp_dir.h"

namespace retrain {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;

constexpr int64_t kNow = 1795000000000;  // 2026-11-19T...

Job SampleJob(const std::string& id = "6f1c2a9b") {
  Job job;
  job.id = id;
  job.model_id = "threat-scorer";
  job.status = JobStatus::kPending;
  job.trigger = TriggerKind::kManual;
  job.reason = "manual backfill";
  job.scheduled_at_ms = 1795676400000;  // 2026-11-26T07:00:00Z
  job.window.records = 120;
  job.window.start_ms = 1795675800000;
  job.window.end_ms = 1795676110250;
  job.window.ingestion_jobs = {{"ingest-42", 100}, {"ingest-43", 20}};
  return job;
}

class FileTrackerTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileTracker> Open(const std::string& artifact_location = "") {
    FileTrackerOptions o;
    o.root = (fs::path(dir_.path()) / "mlruns").string();
    o.artifact_location = artifact_location;
    o.experiment_description = "Retraining runs\nwith windows";
    o.experiment_tags = {{"owner", "ml-platform"}, {"pipeline", "feed-processor"}};
    auto t = FileTracker::Create(o, &clock_);
    EXPECT_TRUE(t) << t.error().message;
    return std::move(*t);
  }
  fs::path Root() const { return fs::path(dir_.path()) / "mlruns"; }

  TempDir dir_;
  FakeClock clock_{kNow};
};

TEST_F(FileTrackerTest, NewStoreHasDefaultExperimentAndTrash) {
  auto t = Open();
  EXPECT_TRUE(fs::is_directory(Root() / ".trash"));
  std::string root_uri = "file://" + Root().string();
  EXPECT_EQ(Slurp(Root() / "0" / "meta.yaml"),
            "artifact_location: " + root_uri +
                "/0\ncreation_time: 1795000000000\n"
                "effective_trace_archival_retention: null\nexperiment_id: '0'\n"
                "last_update_time: 1795000000000\nlifecycle_stage: active\nname: Default\n"
                "trace_location: null\nworkspace: default\n");
  EXPECT_EQ(t->Uri(), root_uri);
}

TEST_F(FileTrackerTest, ExperimentLayoutMatchesMlflow) {
  auto t = Open();
  auto id = t->EnsureExperiment();
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->size(), 18u);
  fs::path exp = Root() / *id;
  EXPECT_EQ(Slurp(exp / "meta.yaml"),
            "artifact_location: file://" + exp.string() +
                "\ncreation_time: 1795000000000\n"
                "effective_trace_archival_retention: null\nexperiment_id: '" +
                *id +
                "'\n"
                "last_update_time: 1795000000000\nlifecycle_stage: active\n"
                "name: intelgraph-retraining\ntrace_location: null\nworkspace: default\n");
  EXPECT_EQ(Slurp(exp / "tags" / "mlflow.note.content"), "Retraining runs\nwith windows");
  EXPECT_EQ(Slurp(exp / "tags" / "owner"), "ml-platform");
  EXPECT_EQ(Slurp(exp / "tags" / "pipeline"), "feed-processor");
  // A second tracker (a restart) finds the same experiment.
  auto again = Open()->EnsureExperiment();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *id);
}

TEST_F(FileTrackerTest, ConfiguredArtifactLocationIsUsed) {
  auto t = Open("/data/artifacts");
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_NE(
      Slurp(Root() / run->experiment_id / "meta.yaml").find("artifact_location: /data/artifacts\n"),
      std::string::npos);
  EXPECT_EQ(run->artifact_uri, "/data/artifacts/" + run->run_id + "/artifacts");
}

TEST_F(FileTrackerTest, DeletedExperimentIsRestored) {
  auto id = Open()->EnsureExperiment();
  ASSERT_TRUE(id);
  fs::rename(Root() / *id, Root() / ".trash" / *id);
  auto restored = Open()->EnsureExperiment();
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(*restored, *id);
  EXPECT_TRUE(fs::exists(Root() / *id / "meta.yaml"));
  EXPECT_NE(Slurp(Root() / *id / "meta.yaml").find("lifecycle_stage: active"), std::string::npos);
}

TEST_F(FileTrackerTest, RunLayoutMatchesMlflow) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run) << run.error().message;
  fs::path dir = Root() / run->experiment_id / run->run_id;
  std::string artifacts = "file://" + dir.string() + "/artifacts";
  EXPECT_EQ(run->artifact_uri, artifacts);
  EXPECT_EQ(Slurp(dir / "meta.yaml"),
            "artifact_uri: " + artifacts +
                "\ndeleted_time: null\nend_time: null\n"
                "entry_point_name: ''\nexperiment_id: '" +
                run->experiment_id +
                "'\n"
                "lifecycle_stage: active\nrun_id: " +
                run->run_id +
                "\n"
                "run_name: retrain-threat-scorer-20261126070000\nsource_name: ''\nsource_type: 4\n"
                "source_version: ''\nstart_time: 1795000000000\nstatus: 1\ntags: []\n"
                "user_id: retrain\n");
  EXPECT_EQ(Slurp(dir / "tags" / "mlflow.runName"), "retrain-threat-scorer-20261126070000");
  EXPECT_EQ(Slurp(dir / "tags" / "model_id"), "threat-scorer");
  EXPECT_EQ(Slurp(dir / "tags" / "retraining_job_id"), "6f1c2a9b");
  EXPECT_EQ(Slurp(dir / "tags" / "retraining_trigger"), "manual");
  EXPECT_EQ(Slurp(dir / "tags" / "retraining_status"), "pending");
  EXPECT_EQ(Slurp(dir / "tags" / "retraining_reason"), "manual backfill");
  EXPECT_EQ(Slurp(dir / "params" / "record_count"), "120");
  EXPECT_EQ(Slurp(dir / "params" / "data_window_start"), "2026-11-26T06:50:00.000Z");
  EXPECT_EQ(Slurp(dir / "params" / "data_window_end"), "2026-11-26T06:55:10.250Z");
  EXPECT_EQ(Slurp(dir / "params" / "ingestion_jobs"), "ingest-42:100,ingest-43:20");
  EXPECT_TRUE(fs::is_directory(dir / "metrics"));
  EXPECT_TRUE(fs::is_directory(dir / "artifacts"));
}

TEST_F(FileTrackerTest, EnsureRunIsIdempotentAcrossInstances) {
  auto first = Open()->EnsureRun(SampleJob());
  ASSERT_TRUE(first);
  auto t = Open();
  auto second = t->EnsureRun(SampleJob());
  auto third = t->EnsureRun(SampleJob());
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->run_id, first->run_id);
  EXPECT_EQ(third->run_id, first->run_id);
  auto other = t->EnsureRun(SampleJob("another-job"));
  ASSERT_TRUE(other);
  EXPECT_NE(other->run_id, first->run_id);
  size_t runs = 0;
  for (const auto& e : fs::directory_iterator(Root() / first->experiment_id))
    runs += e.is_directory() && e.path().filename() != "tags";
  EXPECT_EQ(runs, 2u);
}

TEST_F(FileTrackerTest, EnsureRunCompletesARunInterruptedBeforeItsMeta) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  fs::path dir = Root() / run->experiment_id / run->run_id;
  fs::remove(dir / "meta.yaml");
  fs::remove(dir / "params" / "record_count");
  auto again = Open()->EnsureRun(SampleJob());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->run_id, run->run_id);
  EXPECT_TRUE(fs::exists(dir / "meta.yaml"));
  EXPECT_EQ(Slurp(dir / "params" / "record_count"), "120");
}

TEST_F(FileTrackerTest, ConcurrentEnsureRunMakesOneRun) {
  auto t = Open();
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = t->EnsureRun(SampleJob());
      if (r) ids[i] = r->run_id;
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_FALSE(ids[0].empty());
}

TEST_F(FileTrackerTest, MetricsAppendLinesAndSkipKnownSteps) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  ASSERT_TRUE(t->LogMetrics(run->run_id, {{"auc", 0.93}, {"f1_score", 1.0}}, 1795000000123, 3));
  ASSERT_TRUE(t->LogMetrics(run->run_id, {{"auc", 0.5}}, 1795000000999, 3));  // repeat: ignored
  ASSERT_TRUE(t->LogMetrics(run->run_id, {{"auc", 0.95}}, 1795000000456, 4));
  fs::path metrics = Root() / run->experiment_id / run->run_id / "metrics";
  EXPECT_EQ(Slurp(metrics / "auc"), "1795000000123 0.93 3\n1795000000456 0.95 4\n");
  EXPECT_EQ(Slurp(metrics / "f1_score"), "1795000000123 1.0 3\n");
  auto bad = t->LogMetrics(run->run_id, {{"../escape", 1.0}}, 1, 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto unknown = t->LogMetrics("0123456789abcdef0123456789abcdef", {{"auc", 1.0}}, 1, 1);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(FileTrackerTest, SetTagAndEndRun) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  ASSERT_TRUE(t->SetTag(run->run_id, "retraining_status", "completed"));
  fs::path dir = Root() / run->experiment_id / run->run_id;
  EXPECT_EQ(Slurp(dir / "tags" / "retraining_status"), "completed");
  ASSERT_TRUE(t->EndRun(run->run_id, RunEndStatus::kFinished, 1795000005000));
  std::string meta = Slurp(dir / "meta.yaml");
  EXPECT_NE(meta.find("status: 3\n"), std::string::npos);
  EXPECT_NE(meta.find("end_time: 1795000005000\n"), std::string::npos);
  EXPECT_EQ(meta.find("deleted_time"), std::string::npos);
  // Repeat: a no-op that keeps the first end time.
  ASSERT_TRUE(Open()->EndRun(run->run_id, RunEndStatus::kFinished, 1795000009000));
  EXPECT_EQ(Slurp(dir / "meta.yaml"), meta);
  ASSERT_TRUE(t->EndRun(run->run_id, RunEndStatus::kFailed, 1795000009000));
  EXPECT_NE(Slurp(dir / "meta.yaml").find("status: 4\n"), std::string::npos);
}

TEST_F(FileTrackerTest, LogParamsWritesOnceAndRefusesAChange) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  fs::path dir = Root() / run->experiment_id / run->run_id / "params";
  ASSERT_TRUE(
      t->LogParams(run->run_id, {{"training_policy", "cumulative"}, {"training_records", "2000"}}));
  EXPECT_EQ(Slurp(dir / "training_policy"), "cumulative");
  EXPECT_EQ(Slurp(dir / "training_records"), "2000");
  // The same values again (a retried attempt): accepted, nothing changes.
  ASSERT_TRUE(Open()->LogParams(run->run_id, {{"training_records", "2000"}}));
  auto changed = t->LogParams(run->run_id, {{"training_records", "1999"}});
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().api_code, "param_conflict");
  EXPECT_NE(changed.error().message.find("training_records"), std::string::npos);
  EXPECT_EQ(Slurp(dir / "training_records"), "2000");
  EXPECT_FALSE(t->LogParams(run->run_id, {{"../escape", "x"}}));
  EXPECT_FALSE(t->LogParams("no-such-run", {{"a", "b"}}));
}

TEST_F(FileTrackerTest, ArtifactsWriteAndReadBack) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  ASSERT_TRUE(t->LogArtifact(*run, "model/model.json", "{\"trees\": 3}"));
  fs::path file = Root() / run->experiment_id / run->run_id / "artifacts" / "model" / "model.json";
  EXPECT_EQ(Slurp(file), "{\"trees\": 3}");
  auto read = Open()->ReadArtifact(run->run_id, "model/model.json");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, "{\"trees\": 3}");
  EXPECT_EQ(t->ReadArtifact(run->run_id, "missing.txt").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(t->LogArtifact(*run, "../x", "y").error().code, ErrorCode::kInvalidArgument);
  RunRef s3 = *run;
  s3.artifact_uri = "s3://bucket/x";
  EXPECT_EQ(t->LogArtifact(s3, "a.txt", "y").error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(FileTrackerTest, RegistryLayoutVersionsAndAliases) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  EXPECT_EQ(t->CreateVersion("threat-scorer", "x", run->run_id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(t->EnsureRegisteredModel("threat-scorer"));
  ASSERT_TRUE(t->EnsureRegisteredModel("threat-scorer"));
  fs::path model = Root() / "models" / "threat-scorer";
  EXPECT_EQ(Slurp(model / "meta.yaml"),
            "aliases: {}\ncreation_timestamp: 1795000000000\ndeployment_job_id: null\n"
            "deployment_job_state: null\ndescription: null\n"
            "last_updated_timestamp: 1795000000000\nname: threat-scorer\nworkspace: default\n");
  std::string source = run->artifact_uri + "/model";
  auto v1 = t->CreateVersion("threat-scorer", source, run->run_id);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(v1->version, "1");
  auto repeat = t->CreateVersion("threat-scorer", source, run->run_id);
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->version, "1");
  auto v2 = t->CreateVersion("threat-scorer", source + "2", run->run_id);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, "2");
  EXPECT_EQ(Slurp(model / "version-1" / "meta.yaml"),
            "creation_timestamp: 1795000000000\ncurrent_stage: None\n"
            "deployment_job_state: null\ndescription: null\nlast_updated_timestamp: 1795000000000\n"
            "model_id: null\nname: threat-scorer\nrun_id: " +
                run->run_id +
                "\nrun_link: null\n"
                "source: " +
                source +
                "\nstatus: READY\nstatus_message: null\n"
                "storage_location: " +
                source + "\nuser_id: null\nversion: 1\nworkspace: default\n");

  auto none = t->GetByAlias("threat-scorer", "champion");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(t->SetAlias("threat-scorer", "champion", "1"));
  ASSERT_TRUE(t->SetAlias("threat-scorer", "champion", "2"));
  EXPECT_EQ(Slurp(model / "aliases" / "champion"), "2");
  EXPECT_NE(Slurp(model / "meta.yaml").find("aliases:\n  champion: '2'\n"), std::string::npos);
  auto champ = Open()->GetByAlias("threat-scorer", "champion");
  ASSERT_TRUE(champ && champ->has_value());
  EXPECT_EQ((*champ)->version, "2");
  EXPECT_EQ((*champ)->run_id, run->run_id);
  EXPECT_EQ((*champ)->source, source + "2");
  EXPECT_EQ(t->SetAlias("threat-scorer", "champion", "9").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(t->SetAlias("threat-scorer", "latest", "1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(t->GetByAlias("nope", "champion").error().code, ErrorCode::kNotFound);
}

TEST_F(FileTrackerTest, VersionTagsAreFilesInTheVersionDirectory) {
  auto t = Open();
  auto run = t->EnsureRun(SampleJob());
  ASSERT_TRUE(run);
  ASSERT_TRUE(t->EnsureRegisteredModel("threat-scorer"));
  ASSERT_TRUE(t->CreateVersion("threat-scorer", run->artifact_uri + "/model", run->run_id));
  fs::path model = Root() / "models" / "threat-scorer";
  ASSERT_TRUE(t->SetVersionTag("threat-scorer", "1", "retrain.promoted_by", "manual"));
  ASSERT_TRUE(t->SetVersionTag("threat-scorer", "1", "retrain.promotion_reason", "a: b\nc"));
  EXPECT_EQ(Slurp(model / "version-1" / "tags" / "retrain.promoted_by"), "manual");
  EXPECT_EQ(Slurp(model / "version-1" / "tags" / "retrain.promotion_reason"), "a: b\nc");
  auto v = Open()->GetVersion("threat-scorer", "1");
  ASSERT_TRUE(v && v->has_value());
  EXPECT_EQ((*v)->run_id, run->run_id);
  EXPECT_EQ((*v)->tags,
            (std::map<std::string, std::string>{{"retrain.promoted_by", "manual"},
                                                {"retrain.promotion_reason", "a: b\nc"}}));
  for (const char* missing : {"2", "0", "01", "-1", "x", "", "../1"}) {
    auto none = t->GetVersion("threat-scorer", missing);
    ASSERT_TRUE(none) << missing;
    EXPECT_FALSE(none->has_value()) << missing;
    EXPECT_EQ(t->SetVersionTag("threat-scorer", missing, "k", "v").error().code,
              ErrorCode::kNotFound)
        << missing;
  }
  EXPECT_EQ(t->GetVersion("nope", "1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(t->SetVersionTag("threat-scorer", "1", "../k", "v").error().code,
            ErrorCode::kInvalidArgument);
}

TEST(FileTrackerCreate, RejectsRelativeRoot) {
  FileTrackerOptions o;
  o.root = "mlruns";
  auto t = FileTracker::Create(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace retrain
