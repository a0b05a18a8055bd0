#pragma once
// Evaluation metrics for a binary classifier. `labels` are 0 or 1 (anything > 0.5 counts as 1);
// `scores` / `probabilities` are the model's outputs, one per label. All functions are pure.

#include <optional>
#include <span>

namespace retrain {

// Area under the ROC curve, exact: the Mann-Whitney statistic with tied scores given their
// average rank, i.e. P(score of a random positive > score of a random negative) + 0.5 * P(tie).
// nullopt when the sizes differ, a score is NaN, or either class is absent (AUC is undefined).
std::optional<double> Auc(std::span<const float> scores, std::span<const float> labels);

// Mean binary cross-entropy with probabilities clipped into [eps, 1 - eps].
// nullopt when the sizes differ or there are no rows.
std::optional<double> LogLoss(std::span<const float> probabilities, std::span<const float> labels,
                              double eps = 1e-15);

// Fraction of rows whose prediction (probability > threshold, as XGBoost's `error` metric)
// equals the label. nullopt when the sizes differ or there are no rows.
std::optional<double> Accuracy(std::span<const float> probabilities, std::span<const float> labels,
                               double threshold = 0.5);

// F1 score of the positive class, 2TP / (2TP + FP + FN), with the prediction as for Accuracy
// (probability > threshold). nullopt when the sizes differ, there are no rows, or there is
// neither a positive label nor a positive prediction (F1 is 0/0).
std::optional<double> F1(std::span<const float> probabilities, std::span<const float> labels,
                         double threshold = 0.5);

}  // namespace retrain
