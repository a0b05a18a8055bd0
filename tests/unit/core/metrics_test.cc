// The Prometheus registry: exact text exposition for counters, gauges and histograms.

#include "core/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace retrain {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MetricsTest, CounterWithLabels) {
  MetricsRegistry r;
  r.DeclareCounter("retrain_jobs_total", "Jobs that entered each status, per model.");
  r.Add("retrain_jobs_total", {{"model", "a"}, {"status", "pending"}});
  r.Add("retrain_jobs_total", {{"model", "a"}, {"status", "pending"}});
  r.Add("retrain_jobs_total", {{"model", "b"}, {"status", "failed"}}, 3);
  EXPECT_EQ(r.Render(),
            "# HELP retrain_jobs_total Jobs that entered each status, per model.\n"
            "# TYPE retrain_jobs_total counter\n"
            "retrain_jobs_total{model=\"a\",status=\"pending\"} 2\n"
            "retrain_jobs_total{model=\"b\",status=\"failed\"} 3\n");
  EXPECT_EQ(r.Value("retrain_jobs_total", {{"model", "a"}, {"status", "pending"}}), 2);
  EXPECT_EQ(r.Value("retrain_jobs_total", {{"model", "c"}, {"status", "pending"}}), 0);
  EXPECT_EQ(r.Value("no_such_metric", {}), 0);
}

TEST(MetricsTest, GaugeSetReplacesAndHasNoLabelsBraces) {
  MetricsRegistry r;
  r.DeclareGauge("retrain_unseen_records", "Feed records not yet trained on.");
  r.Set("retrain_unseen_records", {{"model", "a"}}, 10);
  r.Set("retrain_unseen_records", {{"model", "a"}}, 4);
  r.DeclareGauge("up", "Whether the server is up.");
  r.Set("up", {}, 1);
  EXPECT_EQ(r.Render(),
            "# HELP retrain_unseen_records Feed records not yet trained on.\n"
            "# TYPE retrain_unseen_records gauge\n"
            "retrain_unseen_records{model=\"a\"} 4\n"
            "# HELP up Whether the server is up.\n"
            "# TYPE up gauge\n"
            "up 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry r;
  r.DeclareHistogram("lag_seconds", "Lag.", {0.5, 1, 2.5});
  for (double v : {0.25, 0.75, 1.0, 2.0, 10.0}) r.Observe("lag_seconds", {{"model", "m"}}, v);
  EXPECT_EQ(r.Render(),
            "# HELP lag_seconds Lag.\n"
            "# TYPE lag_seconds histogram\n"
            "lag_seconds_bucket{model=\"m\",le=\"0.5\"} 1\n"
            "lag_seconds_bucket{model=\"m\",le=\"1\"} 3\n"
            "lag_seconds_bucket{model=\"m\",le=\"2.5\"} 4\n"
            "lag_seconds_bucket{model=\"m\",le=\"+Inf\"} 5\n"
            "lag_seconds_sum{model=\"m\"} 14\n"
            "lag_seconds_count{model=\"m\"} 5\n");
}

TEST(MetricsTest, HistogramWithoutLabels) {
  MetricsRegistry r;
  r.DeclareHistogram("h", "H.", {1});
  r.Observe("h", {}, 3);
  std::string text = r.Render();
  EXPECT_TRUE(Contains(text, "h_bucket{le=\"1\"} 0\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{le=\"+Inf\"} 1\n")) << text;
  EXPECT_TRUE(Contains(text, "h_sum 3\n")) << text;
  EXPECT_TRUE(Contains(text, "h_count 1\n")) << text;
}

TEST(MetricsTest, HistogramSeriesPerLabelSet) {
  MetricsRegistry r;
  r.DeclareHistogram("h", "H.", {1, 2});
  r.Observe("h", {{"model", "a"}}, 0.5);
  r.Observe("h", {{"model", "b"}}, 1.5);
  std::string text = r.Render();
  EXPECT_TRUE(Contains(text, "h_bucket{model=\"a\",le=\"1\"} 1\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{model=\"a\",le=\"2\"} 1\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{model=\"b\",le=\"1\"} 0\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{model=\"b\",le=\"2\"} 1\n")) << text;
  EXPECT_TRUE(Contains(text, "h_count{model=\"b\"} 1\n")) << text;
}

TEST(MetricsTest, BucketBoundsPrintAsWrittenByPeople) {
  MetricsRegistry r;
  r.DeclareHistogram("h", "H.", {0.01, 0.025, 0.1});
  r.Observe("h", {}, 0.05);
  std::string text = r.Render();
  // Bug: bounds are printed with %.17g (src/core/metrics.cc, Fmt), so 0.1 renders as
  // le="0.10000000000000001" and 0.025 as le="0.025000000000000001"; the orchestrator's
  // retrain_trigger_lag_seconds buckets are affected. Shortest round-trip formatting
  // (std::to_chars without a precision) gives "0.1".
  if (!Contains(text, "le=\"0.1\"")) {
    FAIL() << "bucket bounds printed with 17 significant digits:\n" << text;
  }
  EXPECT_TRUE(Contains(text, "h_bucket{le=\"0.01\"} 0\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{le=\"0.025\"} 0\n")) << text;
  EXPECT_TRUE(Contains(text, "h_bucket{le=\"0.1\"} 1\n")) << text;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  MetricsRegistry r;
  r.DeclareCounter("c", "C.");
  r.Add("c", {{"path", "a\"b\\c\nd"}});
  EXPECT_TRUE(Contains(r.Render(), "c{path=\"a\\\"b\\\\c\\nd\"} 1\n")) << r.Render();
}

TEST(MetricsTest, FractionalValuesAndRedeclaration) {
  MetricsRegistry r;
  r.DeclareGauge("g", "G.");
  r.DeclareGauge("g", "G.");  // a no-op
  r.Set("g", {}, 1764138610.25);
  EXPECT_EQ(r.Render(), "# HELP g G.\n# TYPE g gauge\ng 1764138610.25\n");
}

TEST(MetricsTest, ConcurrentAddsAreNotLost) {
  MetricsRegistry r;
  r.DeclareCounter("c", "C.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i) r.Add("c", {{"k", "v"}});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.Value("c", {{"k", "v"}}), 8000);
}

}  // namespace
}  // namespace retrain
