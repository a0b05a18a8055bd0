#include "trainer/dataset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

namespace retrain {
namespace {

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

uint64_t Finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// 0 / 1 for a valid label, -1 otherwise.
int ParseLabel(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number()) {
    const double d = v.get<double>();
    if (d == 0.0) return 0;
    if (d == 1.0) return 1;
  }
  return -1;
}

}  // namespace

bool InHoldout(std::string_view cursor, double holdout_fraction) {
  if (holdout_fraction <= 0.0) return false;
  if (holdout_fraction >= 1.0) return true;
  // Top 53 bits as a fraction in [0, 1).
  const double u = static_cast<double>(Finalize(Fnv1a64(cursor)) >> 11) * 0x1.0p-53;
  return u < holdout_fraction;
}

void DatasetBuilder::Add(const FeedRecord& record) {
  const bool hash = options_.split == HoldoutSplit::kHash;
  Row row;
  row.holdout = hash && InHoldout(record.cursor, options_.holdout_fraction);
  row.by_order = !hash;
  row.landed_ms = record.landed_at_ms;
  AddRow(record.payload_json, std::move(row));
}

void DatasetBuilder::AddPayload(std::string_view payload_json, bool holdout) {
  Row row;
  row.holdout = holdout;
  AddRow(payload_json, std::move(row));
}

void DatasetBuilder::AddRow(std::string_view payload_json, Row row) {
  ++stats_.records_read;
  nlohmann::json payload = nlohmann::json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) {
    ++stats_.skipped_bad_payload;
    return;
  }
  const auto label_it = payload.find("label");
  const int label = label_it == payload.end() ? -1 : ParseLabel(*label_it);
  if (label < 0) {
    ++stats_.skipped_no_label;
    return;
  }
  row.label = static_cast<float>(label);
  for (const auto& [key, value] : payload.items()) {
    if (key == "label" || !value.is_number()) continue;
    auto [it, inserted] = index_.try_emplace(key, static_cast<uint32_t>(names_.size()));
    if (inserted) names_.push_back(key);
    cells_.emplace_back(it->second, static_cast<float>(value.get<double>()));
    ++row.cells;
  }
  if (label == 1) ++stats_.positives;
  ++(row.holdout ? stats_.holdout_rows : stats_.train_rows);
  rows_.push_back(std::move(row));
  if (options_.max_rows > 0 && static_cast<int64_t>(rows_.size()) > options_.max_rows) {
    const Row& oldest = rows_.front();
    --(oldest.holdout ? stats_.holdout_rows : stats_.train_rows);
    if (oldest.label == 1.0f) --stats_.positives;
    ++stats_.dropped_by_limit;
    cells_.erase(cells_.begin(), cells_.begin() + oldest.cells);
    rows_.pop_front();
  }
}

Dataset DatasetBuilder::Finish() {
  // The newest round(fraction x n) of the rows added in feed order form the holdout.
  int64_t ordered = 0;
  for (const Row& row : rows_) ordered += row.by_order ? 1 : 0;
  const double f = std::clamp(options_.holdout_fraction, 0.0, 1.0);
  int64_t newest = std::llround(f * static_cast<double>(ordered));
  for (auto it = rows_.rbegin(); it != rows_.rend() && newest > 0; ++it) {
    if (!it->by_order) continue;
    it->holdout = true;
    --newest;
    --stats_.train_rows;
    ++stats_.holdout_rows;
  }
  for (const Row& row : rows_) {
    if (!row.landed_ms) continue;
    if (!stats_.first_landed_ms) stats_.first_landed_ms = row.landed_ms;
    stats_.last_landed_ms = row.landed_ms;
  }
  Dataset out;
  // Column of each first-appearance index once the names are sorted.
  std::vector<uint32_t> order(names_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return names_[a] < names_[b]; });
  std::vector<uint32_t> column(names_.size());
  for (uint32_t c = 0; c < order.size(); ++c) {
    column[order[c]] = c;
    out.feature_names.push_back(names_[order[c]]);
  }
  const size_t cols = out.feature_names.size();
  const float kMissing = std::numeric_limits<float>::quiet_NaN();
  for (Matrix* m : {&out.train, &out.holdout}) m->cols = cols;
  out.train.values.reserve(static_cast<size_t>(stats_.train_rows) * cols);
  out.holdout.values.reserve(static_cast<size_t>(stats_.holdout_rows) * cols);
  // Oldest first, releasing each row as it is copied, so the sparse rows and the dense matrices
  // are not both held in full.
  while (!rows_.empty()) {
    const Row& row = rows_.front();
    Matrix& m = row.holdout ? out.holdout : out.train;
    const size_t base = m.values.size();
    m.values.resize(base + cols, kMissing);
    for (uint32_t k = 0; k < row.cells; ++k) {
      const auto [index, value] = cells_.front();
      m.values[base + column[index]] = value;
      cells_.pop_front();
    }
    m.labels.push_back(row.label);
    ++m.rows;
    rows_.pop_front();
  }
  out.stats = stats_;
  *this = DatasetBuilder(options_);
  return out;
}

}  // namespace retrain

namespace retrain {

FeatureSummary SummarizeFeatures(const Dataset& data, int bins) {
  FeatureSummary out;
  const size_t cols = data.feature_names.size();
  out.records = static_cast<int64_t>(data.train.rows + data.holdout.rows);
  std::vector<double> column;
  column.reserve(data.train.rows + data.holdout.rows);
  for (size_t c = 0; c < cols; ++c) {
    column.clear();
    for (const Matrix* m : {&data.train, &data.holdout}) {
      for (size_t r = 0; r < m->rows; ++r) column.push_back(m->values[r * cols + c]);
    }
    out.features.emplace(data.feature_names[c], SummarizeValues(column, bins));
  }
  return out;
}

}  // namespace retrain
