// The drift monitor on a real embedded feed with a fake registry and artifact reader: PSI of the
// unseen records against the champion's summary, kept incrementally; and the drift trigger
// through the orchestrator's trigger pass.

#include "orchestrator/drift_monitor.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/feature_summary.h"
#include "fake_registry.h"
#include "orchestrator_test_util.h"

namespace retrain::testing {
namespace {

class FakeReader final : public ArtifactReader {
 public:
  Result<std::string> ReadArtifact(const std::string& run_id,
                                   const std::string& relative_path) override {
    ++reads;
    auto it = files.find({run_id, relative_path});
    if (it == files.end()) return Fail(ErrorCode::kNotFound, "no artifact " + relative_path);
    return it->second;
  }
  std::map<std::pair<std::string, std::string>, std::string> files;
  int reads = 0;
};

// Passes through to a feed and remembers every Scan range and how many records it handed over.
class CountingFeed final : public FeedSource {
 public:
  explicit CountingFeed(FeedSource& inner) : inner_(inner) {}
  Result<std::string> Head() override { return inner_.Head(); }
  Result<UnseenSummary> CountUnseen(const FeedFilter& f, std::string_view after,
                                    std::string_view upto) override {
    return inner_.CountUnseen(f, after, upto);
  }
  Result<Window> DescribeWindow(const FeedFilter& f, std::string_view after,
                                std::string_view upto) override {
    return inner_.DescribeWindow(f, after, upto);
  }
  Status Scan(const FeedFilter& f, std::string_view after, std::string_view upto,
              const std::function<bool(const FeedRecord&)>& fn) override {
    scans.emplace_back(std::string(after), std::string(upto));
    return inner_.Scan(f, after, upto, [&](const FeedRecord& r) {
      ++records_scanned;
      return fn(r);
    });
  }
  bool WaitForChange(int64_t t) override { return inner_.WaitForChange(t); }
  std::string Uri() const override { return inner_.Uri(); }
  Status Ping() override { return inner_.Ping(); }

  std::vector<std::pair<std::string, std::string>> scans;
  int64_t records_scanned = 0;

 private:
  FeedSource& inner_;
};

// The summary of x = 0..99 (deciles 9, 19, ...) and y = 0..3.
std::string ReferenceSummary() {
  FeatureSummary s;
  std::vector<double> x, y;
  for (int i = 0; i < 100; ++i) {
    x.push_back(i);
    y.push_back(i % 4);
  }
  s.records = 100;
  s.features["x"] = SummarizeValues(x);
  s.features["y"] = SummarizeValues(y);
  return EncodeFeatureSummary(s);
}

class DriftMonitorTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    OrchestratorTest::SetUp();
    model_ = MakeModel("m", 1000);
    model_.drift = DriftSettings{0.2, {}, 50};
    models_ = {model_};
    counting_ = std::make_unique<CountingFeed>(*feed_);
    registry_.AddVersions("m", 2);
    reader_.files[{"run-1", kFeatureSummaryArtifactPath}] = ReferenceSummary();
  }
  void Champion(const std::string& version) { registry_.aliases[{"m", "champion"}] = version; }

  // Appends `n` records with x = lo + (i * stride) % (hi - lo + 1) and y = i % 4.
  std::string AppendX(int n, int lo, int hi, int stride = 1) {
    std::vector<NewFeedRecord> recs;
    for (int i = 0; i < n; ++i) {
      const int x = lo + (i * stride) % (hi - lo + 1);
      recs.push_back(
          {"ingest-1", "entity", clock_.NowMs(),
           "{\"x\":" + std::to_string(x) + ",\"y\":" + std::to_string(i % 4) + ",\"label\":1}"});
    }
    auto last = feed_->Append(recs);
    EXPECT_TRUE(last.has_value());
    return last.value_or("");
  }

  DriftStatus Update(DriftMonitor& monitor, const std::string& watermark = "") {
    auto head = feed_->Head();
    EXPECT_TRUE(head.has_value());
    std::vector<UnseenQuery> q = {{FeedFilter{}, watermark}};
    monitor.Update(q, head.value_or(""));
    auto s = monitor.Status("m");
    EXPECT_TRUE(s.has_value());
    return s.value_or(DriftStatus{});
  }

  double Psi(const DriftStatus& s, const std::string& feature) {
    for (const auto& f : s.features)
      if (f.feature == feature) return f.psi;
    ADD_FAILURE() << "no reading for " << feature;
    return -1;
  }

  ModelSettings model_;
  std::vector<ModelSettings> models_;
  std::unique_ptr<CountingFeed> counting_;
  FakeRegistry registry_;
  FakeReader reader_;
};

TEST_F(DriftMonitorTest, WithoutAChampionThereIsNoReadingAndTheNoteSaysWhy) {
  DriftMonitor monitor({}, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  AppendX(100, 0, 99);
  DriftStatus s = Update(monitor);
  EXPECT_TRUE(s.features.empty());
  EXPECT_NE(s.note.find("no champion yet"), std::string::npos) << s.note;
  EXPECT_FALSE(s.Signal().has_value());
  EXPECT_TRUE(counting_->scans.empty());  // nothing to compare with, nothing read

  DriftMonitor no_registry({}, models_, *counting_, nullptr, nullptr, clock_, metrics_);
  s = Update(no_registry);
  EXPECT_NE(s.note.find("no model registry"), std::string::npos) << s.note;

  Champion("2");  // version 2's run has no summary
  DriftMonitor no_summary({}, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  s = Update(no_summary);
  EXPECT_NE(s.note.find("has no model/feature_summary.json"), std::string::npos) << s.note;
}

TEST_F(DriftMonitorTest, BinsOnlyNewRecordsEachPass) {
  Champion("1");
  DriftMonitor monitor({}, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  const std::string first = AppendX(100, 0, 99);  // the reference's own distribution
  DriftStatus s = Update(monitor);
  EXPECT_EQ(s.champion_version, "1");
  EXPECT_EQ(s.records, 100);
  EXPECT_NEAR(Psi(s, "x"), 0.0, 1e-12);
  EXPECT_NEAR(Psi(s, "y"), 0.0, 1e-12);
  ASSERT_EQ(counting_->scans.size(), 1u);
  EXPECT_EQ(counting_->scans[0].first, "");

  // Nothing new: no read at all.
  Update(monitor);
  EXPECT_EQ(counting_->scans.size(), 1u);

  // 100 records all in x's top decile: only they are read; x drifts, y does not.
  AppendX(100, 90, 99);
  s = Update(monitor);
  ASSERT_EQ(counting_->scans.size(), 2u);
  EXPECT_EQ(counting_->scans[1].first, first);
  EXPECT_EQ(counting_->records_scanned, 200);
  EXPECT_EQ(s.records, 200);
  // Shares: x's bins 0..8 hold 10/200 each, bin 9 holds 110/200; the reference 1/10 each.
  const double psi_x =
      9 * (0.05 - 0.1) * std::log(0.05 / 0.1) + (0.55 - 0.1) * std::log(0.55 / 0.1);
  EXPECT_NEAR(Psi(s, "x"), psi_x, 1e-9);
  EXPECT_NEAR(Psi(s, "y"), 0.0, 1e-12);
  ASSERT_TRUE(s.Signal().has_value());
  EXPECT_EQ(s.Signal()->feature, "x");
  EXPECT_EQ(s.features.front().feature, "x");  // highest first
  EXPECT_NEAR(metrics_.Value("retrain_feature_psi", {{"model", "m"}, {"feature", "x"}}), psi_x,
              1e-9);
}

TEST_F(DriftMonitorTest, AMovedWatermarkStartsTheCountOverFromIt) {
  Champion("1");
  DriftMonitor monitor({}, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  const std::string trained = AppendX(100, 90, 99);
  EXPECT_GT(Psi(Update(monitor), "x"), 1.0);
  AppendX(100, 0, 99);
  DriftStatus s = Update(monitor, trained);  // a job trained on the first 100
  EXPECT_EQ(s.watermark, trained);
  EXPECT_EQ(s.records, 100);
  EXPECT_NEAR(Psi(s, "x"), 0.0, 1e-12);
  EXPECT_EQ(counting_->scans.back().first, trained);
}

TEST_F(DriftMonitorTest, ANewChampionIsTheNewReference) {
  Champion("1");
  DriftMonitorOptions options;
  options.recheck_ms = 1'000;
  DriftMonitor monitor(options, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  AppendX(100, 90, 99);
  EXPECT_GT(Psi(Update(monitor), "x"), 1.0);
  // Version 2 was trained on x in 90..99 only.
  FeatureSummary s2;
  std::vector<double> x;
  for (int i = 0; i < 100; ++i) x.push_back(90 + i % 10);
  s2.features["x"] = SummarizeValues(x);
  reader_.files[{"run-2", kFeatureSummaryArtifactPath}] = EncodeFeatureSummary(s2);
  Champion("2");
  // Not looked up again before recheck_ms...
  EXPECT_EQ(Update(monitor).champion_version, "1");
  clock_.Advance(1'000);
  DriftStatus s = Update(monitor);
  EXPECT_EQ(s.champion_version, "2");
  EXPECT_EQ(s.records, 100);  // the unseen records again, binned into the new bins
  EXPECT_NEAR(Psi(s, "x"), 0.0, 1e-12);
  ASSERT_EQ(s.features.size(), 1u);  // y is not in version 2's summary
  EXPECT_EQ(reader_.reads, 2);
}

TEST_F(DriftMonitorTest, WatchesOnlyTheConfiguredFeaturesAndNamesMissingOnes) {
  models_[0].drift->features = {"y", "nope"};
  Champion("1");
  DriftMonitor monitor({}, models_, *counting_, &registry_, &reader_, clock_, metrics_);
  AppendX(100, 90, 99);
  DriftStatus s = Update(monitor);
  ASSERT_EQ(s.features.size(), 1u);
  EXPECT_EQ(s.features[0].feature, "y");
  EXPECT_NE(s.note.find("not in the champion's training data: nope"), std::string::npos) << s.note;
}

TEST_F(DriftMonitorTest, TheTriggerPassStartsADriftJobOnlyOnDriftedData) {
  Champion("1");
  Build(models_, true, nullptr, &registry_, &reader_);
  AppendX(60, 0, 99, 7);  // spread over all of x's range: no drift
  orch_->auto_trigger().RunOnce();
  EXPECT_TRUE(Jobs("m").empty());
  auto preview = orch_->reads().Preview("m");
  ASSERT_TRUE(preview.has_value());
  ASSERT_TRUE(preview->drift.has_value());
  EXPECT_EQ(preview->drift->records, 60);
  EXPECT_FALSE(preview->automatic.fire);
  EXPECT_NE(preview->automatic.explanation.find("drift: largest PSI"), std::string::npos)
      << preview->automatic.explanation;

  AppendX(60, 95, 95);  // x crowds into the top decile
  auto before = orch_->reads().Preview("m");
  ASSERT_TRUE(before.has_value());
  EXPECT_FALSE(before->automatic.fire);  // the preview shows the last pass's reading
  orch_->auto_trigger().RunOnce();
  auto jobs = Jobs("m");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].trigger, TriggerKind::kDrift);
  EXPECT_EQ(jobs[0].window.records, 120);
  ASSERT_TRUE(jobs[0].reason.has_value());
  EXPECT_NE(jobs[0].reason->find("feature x drifted"), std::string::npos) << *jobs[0].reason;
}

}  // namespace
}  // namespace retrain::testing
