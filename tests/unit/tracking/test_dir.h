#pragma once
// A fresh temporary directory per test, removed afterwards.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/ids.h"

namespace retrain::testing {

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() / ("retrain-tracking-" + RandomHex(8))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace retrain::testing
