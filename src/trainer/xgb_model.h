#pragma once
// RAII wrappers over the XGBoost C API (libxgboost, 1.7+). Every C call's return code is
// checked; a failure becomes an Error whose message carries XGBGetLastError's text
// (kInvalidArgument for bad parameters or model text, kInternal otherwise).
//
// Thread safety: a DMatrix or Booster may be used by one thread at a time. XGBoost keeps its
// last error per thread, so different objects may be used from different threads.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain {

struct Matrix;

// Training parameters. Anything in `extra` is passed to XGBoost unchanged (e.g. "subsample").
struct TrainParams {
  int num_round = 50;
  int max_depth = 4;
  double eta = 0.3;
  uint64_t seed = 0;
  int nthread = 1;  // 1 keeps training deterministic
  std::map<std::string, std::string> extra;
};

// Reads parameters from a map of strings (keys: num_round, max_depth, eta, seed, nthread; any
// other key goes to `extra`). Missing keys keep their defaults. Errors: kInvalidArgument naming
// the key and value when a value is not a number or out of range (num_round 1..100000,
// max_depth 0..64, eta in (0, 1], nthread 0..1024, seed >= 0).
[[nodiscard]] Result<TrainParams> ParseTrainParams(const std::map<std::string, std::string>& raw);

// A dense XGBoost data matrix. NaN cells are missing values.
class DMatrix {
 public:
  // Copies `m` (rows x cols floats and the labels) into XGBoost; names the columns when
  // `feature_names` is non-empty (then it must have m.cols entries: kInvalidArgument otherwise).
  [[nodiscard]] static Result<DMatrix> FromMatrix(const Matrix& m,
                                                  const std::vector<std::string>& feature_names);
  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  void* handle() const { return handle_.get(); }

 private:
  struct Free {
    void operator()(void* h) const;
  };
  DMatrix(void* h, size_t rows, size_t cols) : handle_(h), rows_(rows), cols_(cols) {}
  std::unique_ptr<void, Free> handle_;
  size_t rows_ = 0;
  size_t cols_ = 0;
  std::vector<std::string> feature_names_;
};

// A gradient-boosted tree model with objective binary:logistic.
class Booster {
 public:
  // Trains `params.num_round` rounds on `train` (which must carry labels). The model keeps the
  // matrix's feature names.
  // Errors: kInvalidArgument for rejected parameters or an empty matrix; kInternal otherwise.
  [[nodiscard]] static Result<Booster> Train(const DMatrix& train, const TrainParams& params);

  // Loads a model saved by SaveJson (or by any XGBoost >= 1.0 as JSON).
  // Errors: kInvalidArgument when the text is not an XGBoost JSON model.
  [[nodiscard]] static Result<Booster> LoadJson(std::string_view json);

  // Probabilities of label 1, one per row of `data`. Errors: kInvalidArgument when the number
  // of columns differs from the model's; kInternal otherwise.
  [[nodiscard]] Result<std::vector<float>> Predict(const DMatrix& data) const;

  // The model as XGBoost JSON text (includes feature names when the training data had them).
  [[nodiscard]] Result<std::string> SaveJson() const;

  // The feature names stored in the model (empty when it was trained without names).
  [[nodiscard]] Result<std::vector<std::string>> FeatureNames() const;

  // The number of features the model expects.
  [[nodiscard]] Result<size_t> NumFeatures() const;

 private:
  struct Free {
    void operator()(void* h) const;
  };
  explicit Booster(void* h) : handle_(h) {}
  std::unique_ptr<void, Free> handle_;
};

// The linked XGBoost version, "major.minor.patch".
std::string XgboostVersion();

}  // namespace retrain
