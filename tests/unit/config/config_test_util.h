#pragma once
// Helpers shared by the configuration tests.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>

#include "../temp_dir.h"
#include "config/config.h"

namespace retrain::testing {

inline std::string ShippedConfigPath() {
  return std::string(RETRAIN_SOURCE_DIR) + "/ml/config/mlflow_retraining.yaml";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1-based number of the first line of `text` containing `needle` (0 when absent).
inline int LineOf(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return 0;
}

inline Result<Config> ParseText(const std::string& yaml,
                                const std::map<std::string, std::string>& env = {}) {
  ConfigInputs in;
  in.env = env;
  return ParseConfig(yaml, "test.yaml", in);
}

// Expects `yaml` to be refused as invalid_config with a message containing every part.
inline void ExpectConfigError(const std::string& yaml, std::initializer_list<std::string> parts,
                              const std::map<std::string, std::string>& env = {}) {
  auto r = ParseText(yaml, env);
  ASSERT_FALSE(r.has_value()) << "accepted:\n" << yaml;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
  EXPECT_EQ(r.error().api_code, "invalid_config") << r.error().message;
  for (const auto& p : parts) {
    EXPECT_NE(r.error().message.find(p), std::string::npos)
        << "message lacks '" << p << "': " << r.error().message;
  }
}

}  // namespace retrain::testing
