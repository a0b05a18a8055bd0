#pragma once
// Formats and names of MLflow's file store (internal to this adapter).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/error.h"
#include "tracking/tracker.h"

namespace retrain::mlflow_file {

// Limits MLflow applies (mlflow/utils/validation.py).
inline constexpr size_t kMaxKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxRunTagValueLength = 8000;
inline constexpr size_t kMaxExperimentTagValueLength = 5000;

// RunStatus codes as stored in a run's meta.yaml.
inline constexpr int kRunning = 1;
int RunStatusCode(RunEndStatus status);

// A metric/param/tag key MLflow accepts: alphanumerics, `_ - . / space :`, at most 250
// characters, and one that normalises to itself as a path (no leading or doubled `/`, no `.`
// or `..` segments). Errors: kInvalidArgument naming `what` and the key.
[[nodiscard]] Status ValidateKey(std::string_view key, std::string_view what);
// A relative artifact path: not empty, not absolute, no `.`/`..` segments.
[[nodiscard]] Status ValidateArtifactPath(std::string_view path);
// A registered model name (not empty, no `/`, not `.`/`..`) or alias (`[\w-]+`, not `latest`
// or `v<digits>`, at most 255 characters).
[[nodiscard]] Status ValidateModelName(std::string_view name);
[[nodiscard]] Status ValidateAlias(std::string_view alias);

// `value` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view value, size_t max);

// A metric value as Python's repr(float) writes it ("0.93", "1.0", "1e-05", "nan", "inf").
std::string FormatMetricValue(double value);
// The steps present in a metric file's "<ts> <value> [<step>]" lines.
std::set<int64_t> MetricSteps(std::string_view file_content);

// An 18-digit experiment id like MLflow's FileStore generates.
std::string NewExperimentId();
// A run id: 32 lower-case hex digits (uuid4().hex in MLflow).
std::string NewRunId();

}  // namespace retrain::mlflow_file
