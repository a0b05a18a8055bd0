#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format (version 0.0.4). Thread-safe: one mutex guards all series; updates are
// a map lookup and an add.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace retrain {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Declares a metric (help text, type) before use; re-declaring is a no-op.
  void DeclareCounter(const std::string& name, const std::string& help);
  void DeclareGauge(const std::string& name, const std::string& help);
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<double> buckets);

  void Add(const std::string& name, const Labels& labels, double delta = 1.0);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  // The whole registry in Prometheus text format.
  std::string Render() const;

  // Current value of a counter or gauge series (0 when absent); for tests.
  double Value(const std::string& name, const Labels& labels) const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string help;
    std::string type;  // counter | gauge | histogram
    std::vector<double> buckets;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
  };
  mutable std::mutex mu_;  // guards families_
  std::map<std::string, Family> families_;
};

}  // namespace retrain
