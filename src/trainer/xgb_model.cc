#include "trainer/xgb_model.h"

#include <xgboost/c_api.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "trainer/dataset.h"

namespace retrain {
namespace {

std::unexpected<Error> XgbFail(ErrorCode code, const std::string& what) {
  const char* detail = XGBGetLastError();
  std::string message = what;
  if (detail != nullptr && *detail != '\0') message += ": " + std::string(detail);
  return Fail(code, message);
}

std::vector<const char*> CStrings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
}

template <typename T>
bool ParseInteger(const std::string& text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool ParseDouble(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

std::string FormatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::unexpected<Error> BadParam(const std::string& key, const std::string& value,
                                const std::string& expected) {
  return Fail(ErrorCode::kInvalidArgument, "Trainer parameter " + key + "=\"" + value +
                                               "\" is invalid: expected " + expected + ".");
}

}  // namespace

Result<TrainParams> ParseTrainParams(const std::map<std::string, std::string>& raw) {
  TrainParams p;
  for (const auto& [key, value] : raw) {
    if (key == "num_round") {
      if (!ParseInteger(value, p.num_round) || p.num_round < 1 || p.num_round > 100000) {
        return BadParam(key, value, "an integer from 1 to 100000");
      }
    } else if (key == "max_depth") {
      if (!ParseInteger(value, p.max_depth) || p.max_depth < 0 || p.max_depth > 64) {
        return BadParam(key, value, "an integer from 0 to 64");
      }
    } else if (key == "eta") {
      if (!ParseDouble(value, p.eta) || p.eta <= 0.0 || p.eta > 1.0) {
        return BadParam(key, value, "a number greater than 0 and at most 1");
      }
    } else if (key == "seed") {
      if (!ParseInteger(value, p.seed)) return BadParam(key, value, "a non-negative integer");
    } else if (key == "nthread") {
      if (!ParseInteger(value, p.nthread) || p.nthread < 0 || p.nthread > 1024) {
        return BadParam(key, value, "an integer from 0 to 1024");
      }
    } else {
      p.extra[key] = value;
    }
  }
  return p;
}

void DMatrix::Free::operator()(void* h) const { XGDMatrixFree(h); }
void Booster::Free::operator()(void* h) const { XGBoosterFree(h); }

Result<DMatrix> DMatrix::FromMatrix(const Matrix& m,
                                    const std::vector<std::string>& feature_names) {
  if (m.values.size() != m.rows * m.cols || (!m.labels.empty() && m.labels.size() != m.rows)) {
    return Fail(ErrorCode::kInvalidArgument, "The matrix's values or labels do not fit its shape.");
  }
  if (!feature_names.empty() && feature_names.size() != m.cols) {
    return Fail(ErrorCode::kInvalidArgument, "Got " + std::to_string(feature_names.size()) +
                                                 " feature names for " + std::to_string(m.cols) +
                                                 " columns.");
  }
  DMatrixHandle raw = nullptr;
  if (XGDMatrixCreateFromMat(m.values.data(), m.rows, m.cols, std::nanf(""), &raw) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not create a data matrix");
  }
  DMatrix out(raw, m.rows, m.cols);
  if (!m.labels.empty() &&
      XGDMatrixSetFloatInfo(raw, "label", m.labels.data(), m.labels.size()) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not set the labels");
  }
  if (!feature_names.empty()) {
    auto names = CStrings(feature_names);
    if (XGDMatrixSetStrFeatureInfo(raw, "feature_name", names.data(), names.size()) != 0) {
      return XgbFail(ErrorCode::kInvalidArgument, "XGBoost rejected the feature names");
    }
    out.feature_names_ = feature_names;
  }
  return out;
}

Result<Booster> Booster::Train(const DMatrix& train, const TrainParams& params) {
  if (train.rows() == 0) {
    return Fail(ErrorCode::kInvalidArgument, "There are no training rows.");
  }
  DMatrixHandle cache[] = {train.handle()};
  BoosterHandle raw = nullptr;
  if (XGBoosterCreate(cache, 1, &raw) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not create a booster");
  }
  Booster booster(raw);
  std::map<std::string, std::string> all = {
      {"objective", "binary:logistic"},
      {"eval_metric", "auc"},
      {"tree_method", "hist"},
      {"verbosity", "0"},
      {"max_depth", std::to_string(params.max_depth)},
      {"eta", FormatDouble(params.eta)},
      {"seed", std::to_string(params.seed)},
      {"nthread", std::to_string(params.nthread)},
  };
  for (const auto& [k, v] : params.extra) all[k] = v;
  for (const auto& [k, v] : all) {
    if (XGBoosterSetParam(raw, k.c_str(), v.c_str()) != 0) {
      return XgbFail(ErrorCode::kInvalidArgument, "XGBoost rejected parameter " + k + "=" + v);
    }
  }
  if (!train.feature_names().empty()) {
    auto names = CStrings(train.feature_names());
    if (XGBoosterSetStrFeatureInfo(raw, "feature_name", names.data(), names.size()) != 0) {
      return XgbFail(ErrorCode::kInvalidArgument, "XGBoost rejected the feature names");
    }
  }
  for (int round = 0; round < params.num_round; ++round) {
    if (XGBoosterUpdateOneIter(raw, round, train.handle()) != 0) {
      return XgbFail(ErrorCode::kInvalidArgument,
                     "XGBoost training failed in round " + std::to_string(round + 1));
    }
  }
  return booster;
}

Result<Booster> Booster::LoadJson(std::string_view json) {
  BoosterHandle raw = nullptr;
  if (XGBoosterCreate(nullptr, 0, &raw) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not create a booster");
  }
  Booster booster(raw);
  if (json.empty() || json.front() != '{') {
    return Fail(ErrorCode::kInvalidArgument, "The model text is not an XGBoost JSON model.");
  }
  if (XGBoosterLoadModelFromBuffer(raw, json.data(), json.size()) != 0) {
    return XgbFail(ErrorCode::kInvalidArgument, "XGBoost could not load the JSON model");
  }
  return booster;
}

Result<size_t> Booster::NumFeatures() const {
  bst_ulong n = 0;
  if (XGBoosterGetNumFeature(handle_.get(), &n) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not report the feature count");
  }
  return static_cast<size_t>(n);
}

Result<std::vector<float>> Booster::Predict(const DMatrix& data) const {
  auto features = NumFeatures();
  if (!features) return std::unexpected(features.error());
  if (*features != data.cols()) {
    return Fail(ErrorCode::kInvalidArgument, "The model expects " + std::to_string(*features) +
                                                 " features but the data has " +
                                                 std::to_string(data.cols()) + ".");
  }
  bst_ulong len = 0;
  const float* out = nullptr;
  if (XGBoosterPredict(handle_.get(), data.handle(), 0, 0, 0, &len, &out) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost prediction failed");
  }
  return std::vector<float>(out, out + len);
}

Result<std::string> Booster::SaveJson() const {
  bst_ulong len = 0;
  const char* out = nullptr;
  if (XGBoosterSaveModelToBuffer(handle_.get(), R"({"format": "json"})", &len, &out) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not save the model");
  }
  return std::string(out, len);
}

Result<std::vector<std::string>> Booster::FeatureNames() const {
  bst_ulong len = 0;
  const char** names = nullptr;
  if (XGBoosterGetStrFeatureInfo(handle_.get(), "feature_name", &len, &names) != 0) {
    return XgbFail(ErrorCode::kInternal, "XGBoost could not report the feature names");
  }
  return std::vector<std::string>(names, names + len);
}

std::string XgboostVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace retrain
