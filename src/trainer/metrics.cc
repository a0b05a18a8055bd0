#include "trainer/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace retrain {
namespace {
bool IsPositive(float label) { return label > 0.5f; }
}  // namespace

std::optional<double> Auc(std::span<const float> scores, std::span<const float> labels) {
  if (scores.size() != labels.size()) return std::nullopt;
  const size_t n = scores.size();
  for (float s : scores) {
    if (std::isnan(s)) return std::nullopt;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });

  double positives = 0;
  double positive_rank_sum = 0;  // 1-based ranks, ties averaged
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (IsPositive(labels[order[k]])) {
        positives += 1;
        positive_rank_sum += average_rank;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  const double u = positive_rank_sum - positives * (positives + 1) / 2.0;
  return u / (positives * negatives);
}

std::optional<double> LogLoss(std::span<const float> probabilities, std::span<const float> labels,
                              double eps) {
  if (probabilities.size() != labels.size() || probabilities.empty()) return std::nullopt;
  double sum = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    const double p = std::clamp(static_cast<double>(probabilities[i]), eps, 1.0 - eps);
    sum += IsPositive(labels[i]) ? -std::log(p) : -std::log(1.0 - p);
  }
  return sum / static_cast<double>(probabilities.size());
}

std::optional<double> Accuracy(std::span<const float> probabilities, std::span<const float> labels,
                               double threshold) {
  if (probabilities.size() != labels.size() || probabilities.empty()) return std::nullopt;
  size_t correct = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    const bool predicted = static_cast<double>(probabilities[i]) > threshold;
    if (predicted == IsPositive(labels[i])) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(probabilities.size());
}

std::optional<double> F1(std::span<const float> probabilities, std::span<const float> labels,
                         double threshold) {
  if (probabilities.size() != labels.size() || probabilities.empty()) return std::nullopt;
  size_t true_positives = 0;
  size_t mistakes = 0;  // false positives + false negatives
  for (size_t i = 0; i < probabilities.size(); ++i) {
    const bool predicted = static_cast<double>(probabilities[i]) > threshold;
    const bool actual = IsPositive(labels[i]);
    if (predicted && actual) ++true_positives;
    if (predicted != actual) ++mistakes;
  }
  const size_t denominator = 2 * true_positives + mistakes;
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(2 * true_positives) / static_cast<double>(denominator);
}

}  // namespace retrain
