#pragma once
// Turns a window of feed records into a dense feature matrix with a train/holdout split.
//
// Features are the numeric fields (JSON numbers, not booleans) at the top level of each
// record's payload, other than `label`; the feature set is the union over the window, sorted by
// name. A record that lacks a feature gets NaN there, which XGBoost treats as missing. Strings,
// booleans, null, arrays and objects are ignored.
//
// `label` must be 0 or 1 (a JSON number equal to one of them) or true/false. Records whose label
// is absent or anything else, and records whose payload is not a JSON object, are counted and
// skipped.
//
// The holdout is, by default, the newest records: the last round(holdout_fraction x n) of the n
// usable records in feed order, so that a model is judged on the freshest data, as drift
// demands. With HoldoutSplit::kHash a record goes to the holdout when a 64-bit FNV-1a hash of its
// cursor, mixed by SplitMix64's finaliser, falls below holdout_fraction of the hash range. Either
// split depends only on the records, so it is the same in every run and for every champion
// compared on the same data.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/feature_summary.h"
#include "feed/feed_source.h"

namespace retrain {

// Rows of a dense matrix, row-major: values[r * cols + c]; one label per row.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;
  std::vector<float> labels;  // 0.0f or 1.0f
};

struct DatasetStats {
  int64_t records_read = 0;         // every record handed to Add
  int64_t skipped_no_label = 0;     // label absent or not 0/1/true/false
  int64_t skipped_bad_payload = 0;  // payload not a JSON object
  int64_t train_rows = 0;
  int64_t holdout_rows = 0;
  int64_t positives = 0;         // rows with label 1 (train and holdout)
  int64_t dropped_by_limit = 0;  // older usable rows left out by DatasetOptions::max_rows
  // Landing times of the oldest and newest rows kept (set by Finish, for records given to Add):
  // the training range the model was actually fitted and judged on.
  std::optional<int64_t> first_landed_ms;
  std::optional<int64_t> last_landed_ms;
  int64_t Used() const { return train_rows + holdout_rows; }
  int64_t Skipped() const { return skipped_no_label + skipped_bad_payload; }
};

struct Dataset {
  std::vector<std::string> feature_names;  // sorted; column c of both matrices
  Matrix train;
  Matrix holdout;
  DatasetStats stats;
};

enum class HoldoutSplit { kNewest, kHash };

struct DatasetOptions {
  double holdout_fraction = 0.2;  // in [0, 1]
  HoldoutSplit split = HoldoutSplit::kNewest;
  // Keep at most this many usable rows, the newest (0 = all): bounds memory for long training
  // ranges. Rows dropped this way leave the stats' train_rows.
  int64_t max_rows = 0;
};

// The distribution of every feature over all of `data`'s rows (training and holdout: the whole
// training range), for drift detection against later records (core/feature_summary.h).
FeatureSummary SummarizeFeatures(const Dataset& data, int bins = kFeatureSummaryBins);

// True when the record with this cursor belongs to the holdout for `holdout_fraction`.
bool InHoldout(std::string_view cursor, double holdout_fraction);

// Accumulates records one by one (as FeedSource::Scan hands them over) and builds the matrices
// at the end. Memory: 8 bytes per numeric field and about 32 per used record until Finish,
// which releases them while it fills the dense matrices. Not thread-safe.
class DatasetBuilder {
 public:
  explicit DatasetBuilder(DatasetOptions options = {}) : options_(options) {}

  // Takes one record, in feed order; never fails (unusable records are counted in the stats).
  // With kNewest the split is made by Finish, so stats() counts such rows as training until then.
  void Add(const FeedRecord& record);
  // Parses a payload the same way, with an explicit split decision (for tests and tools).
  void AddPayload(std::string_view payload_json, bool holdout);

  const DatasetStats& stats() const { return stats_; }

  // The matrices with the union of features in sorted order. Leaves the builder empty.
  Dataset Finish();

 private:
  // A used record; its `cells` cells are the next ones in cells_ (rows and cells in feed order,
  // so that dropping the oldest row pops the front of both).
  struct Row {
    uint32_t cells = 0;
    float label = 0;
    bool holdout = false;
    bool by_order = false;             // kNewest: Finish decides
    std::optional<int64_t> landed_ms;  // set for records given to Add
  };
  // Parses one payload into `row` (whose split fields the caller set) and keeps it, or counts
  // it as skipped; drops the oldest row beyond max_rows.
  void AddRow(std::string_view payload_json, Row row);
  DatasetOptions options_;
  DatasetStats stats_;
  std::vector<std::string> names_;                   // feature names in order of first appearance
  std::unordered_map<std::string, uint32_t> index_;  // name -> position in names_
  std::deque<Row> rows_;
  std::deque<std::pair<uint32_t, float>> cells_;  // (index into names_, value) of every row
};

}  // namespace retrain
