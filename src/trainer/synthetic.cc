#include "trainer/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace retrain {
namespace {

constexpr double kPi = 3.14159265358979323846;

// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator with a fully specified output.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1].
  double UniformOpen() { return 1.0 - Uniform(); }
  // Standard normal by Box-Muller (one value per call; the sine partner is discarded).
  double Normal(double mean, double stddev) {
    const double u1 = UniformOpen();
    const double u2 = Uniform();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }
  double Exponential(double mean) { return -mean * std::log(UniformOpen()); }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Index drawn with probability proportional to weights[i] (weights sum to `total` > 0).
  size_t Pick(const std::vector<double>& weights, double total) {
    double u = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (u < weights[i]) return i;
      u -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  uint64_t state_;
};

uint64_t Mix(uint64_t a, uint64_t b) {
  SplitMix64 m(a ^ (b * 0xD6E8FEB86659FD93ULL));
  m.Next();
  return m.Next();
}

double Clamp(double v, double lo, double hi) { return std::min(hi, std::max(lo, v)); }
double RoundTo(double v, double scale) { return std::round(v * scale) / scale; }
double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

const std::vector<std::pair<std::string, double>>& DefaultMix() {
  static const std::vector<std::pair<std::string, double>> kMix = SyntheticOptions{}.entity_mix;
  return kMix;
}

bool UsableMix(const std::vector<std::pair<std::string, double>>& mix) {
  if (mix.empty()) return false;
  double total = 0;
  for (const auto& [name, w] : mix) {
    if (name.empty() || !std::isfinite(w) || w < 0) return false;
    total += w;
  }
  return total > 0;
}

struct Features {
  double confidence, severity, source_reputation, age_hours, ioc_count, sighting_count, tlp_level,
      network_degree;
};

Features DrawFeatures(SplitMix64& rng, const std::string& type, double drift) {
  const bool malware = type == "malware";
  const bool actor = type == "threat-actor";
  const bool indicator = type == "indicator";
  Features f{};
  f.confidence = std::round(Clamp(rng.Normal(60.0 - 12.0 * drift, 20.0), 0.0, 100.0));
  const double severity_mean = malware ? 6.5 : actor ? 5.8 : indicator ? 4.6 : 5.0;
  f.severity = std::round(Clamp(rng.Normal(severity_mean + drift, 2.0), 1.0, 10.0));
  f.source_reputation = RoundTo(Clamp(rng.Normal(0.65 - 0.2 * drift, 0.2), 0.0, 1.0), 1000.0);
  f.age_hours = RoundTo(rng.Exponential(48.0 * (1.0 + drift)), 10.0);
  f.ioc_count = 1.0 + std::floor(rng.Exponential(malware ? 8.0 : 4.0));
  f.sighting_count = std::floor(rng.Exponential(8.0 + 4.0 * drift));
  static const std::vector<double> kTlpWeights = {0.3, 0.4, 0.2, 0.1};
  f.tlp_level = static_cast<double>(rng.Pick(kTlpWeights, 1.0));
  f.network_degree = std::floor(std::exp(rng.Normal(actor ? 2.0 : 1.2, 0.8))) + 1.0;
  return f;
}

// The logit of a record being a confirmed threat: a blend of two linear models of the
// standardised features (base and drifted), each with one interaction term.
double Logit(const Features& f, double drift) {
  const double c = (f.confidence - 55.0) / 20.0;
  const double v = (f.severity - 5.3) / 2.0;
  const double r = (f.source_reputation - 0.6) / 0.2;
  const double a = (std::log1p(f.age_hours) - 3.4) / 1.1;
  const double k = (std::log1p(f.ioc_count) - 1.7) / 0.7;
  const double g = (std::log1p(f.sighting_count) - 1.9) / 0.9;
  const double t = f.tlp_level - 1.1;
  const double n = (std::log1p(f.network_degree) - 1.6) / 0.6;
  const double base =
      1.4 * c + 0.9 * v + 1.2 * r - 0.8 * a + 0.6 * k + 0.7 * g + 0.3 * t + 0.5 * n + 0.8 * c * r;
  const double drifted =
      0.4 * c + 1.3 * v + 0.5 * r - 0.3 * a + 1.0 * k + 0.2 * g + 0.6 * t + 1.1 * n - 0.6 * v * a;
  return (1.0 - drift) * base + drift * drifted;
}

std::string RecordName(const std::string& type, int64_t index) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(index));
  return type + "-" + digits;
}

}  // namespace

const std::vector<std::string>& SyntheticFeatureNames() {
  static const std::vector<std::string> kNames = {
      "age_hours", "confidence",     "ioc_count",         "network_degree",
      "severity",  "sighting_count", "source_reputation", "tlp_level"};
  return kNames;
}

Status ValidateSyntheticOptions(const SyntheticOptions& options) {
  if (options.count < 0) {
    return Fail(ErrorCode::kInvalidArgument, "The record count must be zero or more, got " +
                                                 std::to_string(options.count) + ".");
  }
  if (options.start_index < 0) {
    return Fail(ErrorCode::kInvalidArgument, "The start index must be zero or more, got " +
                                                 std::to_string(options.start_index) + ".");
  }
  if (!(options.drift >= 0.0 && options.drift <= 1.0)) {
    return Fail(ErrorCode::kInvalidArgument,
                "The drift must be between 0 and 1, got " + std::to_string(options.drift) + ".");
  }
  if (!(options.label_noise >= 0.0 && options.label_noise <= 1.0)) {
    return Fail(ErrorCode::kInvalidArgument, "The label noise must be between 0 and 1, got " +
                                                 std::to_string(options.label_noise) + ".");
  }
  if (!UsableMix(options.entity_mix)) {
    return Fail(ErrorCode::kInvalidArgument,
                "The entity mix needs at least one named type with a finite, non-negative weight "
                "and a positive total.");
  }
  return {};
}

std::vector<SyntheticRecord> GenerateRecords(const SyntheticOptions& options) {
  const auto& mix = UsableMix(options.entity_mix) ? options.entity_mix : DefaultMix();
  const double drift = std::isfinite(options.drift) ? Clamp(options.drift, 0.0, 1.0) : 0.0;
  std::vector<double> weights;
  double total = 0;
  for (const auto& entry : mix) {
    weights.push_back(entry.second);
    total += entry.second;
  }
  const int64_t start = std::max<int64_t>(0, options.start_index);
  std::vector<SyntheticRecord> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(0, options.count)));
  for (int64_t i = 0; i < options.count; ++i) {
    const int64_t index = start + i;
    SplitMix64 rng(Mix(options.seed, static_cast<uint64_t>(index)));
    const std::string& type = mix[rng.Pick(weights, total)].first;
    const Features f = DrawFeatures(rng, type, drift);
    int label = rng.Bernoulli(Sigmoid(Logit(f, drift))) ? 1 : 0;
    if (options.label_noise > 0.0) {
      SplitMix64 noise(Mix(options.seed ^ 0x6E6F6973654C424CULL, static_cast<uint64_t>(index)));
      if (noise.Bernoulli(std::min(1.0, options.label_noise))) label = 1 - label;
    }
    const bool drop_sightings = rng.Bernoulli(0.03);
    const bool drop_degree = rng.Bernoulli(0.05);

    nlohmann::json p = nlohmann::json::object();
    p["confidence"] = static_cast<int64_t>(f.confidence);
    p["severity"] = static_cast<int64_t>(f.severity);
    p["source_reputation"] = f.source_reputation;
    p["age_hours"] = f.age_hours;
    p["ioc_count"] = static_cast<int64_t>(f.ioc_count);
    if (!drop_sightings) p["sighting_count"] = static_cast<int64_t>(f.sighting_count);
    p["tlp_level"] = static_cast<int64_t>(f.tlp_level);
    if (!drop_degree) p["network_degree"] = static_cast<int64_t>(f.network_degree);
    p["name"] = RecordName(type, index);
    p["label"] = label;
    out.push_back(SyntheticRecord{index, type, p.dump()});
  }
  return out;
}

}  // namespace retrain
