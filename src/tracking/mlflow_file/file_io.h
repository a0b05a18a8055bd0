#pragma once
// Small crash-safe file helpers for the MLflow file store (internal to this adapter).
//
// Whole-file writes go to a temporary file in `temp_dir` (a directory MLflow never reads as a
// resource listing) and are renamed into place, so a reader sees the old or the new content,
// never a torn file. All functions return kUnavailable for I/O failures (disk full, permission)
// with the path in the message.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace retrain::mlflow_file {

namespace fs = std::filesystem;

// Creates `dir` and its parents when missing.
[[nodiscard]] Status EnsureDir(const fs::path& dir);

// Writes `content` to `path` atomically: temp file in `temp_dir` (same file system), fsync,
// rename. Parent directories of `path` are created.
[[nodiscard]] Status WriteFileAtomic(const fs::path& path, const std::string& content,
                                     const fs::path& temp_dir);

// The whole file, or nullopt when it does not exist.
[[nodiscard]] Result<std::optional<std::string>> ReadFileIfExists(const fs::path& path);

// Names of the direct subdirectories of `dir` (empty when `dir` is missing), sorted.
std::vector<std::string> ListSubdirs(const fs::path& dir);

// An exclusive advisory lock (flock) on a lock file, held until destruction. Serialises
// writers across processes that share one store (the orchestrator and its workers).
class FileLock {
 public:
  [[nodiscard]] static Result<FileLock> Acquire(const fs::path& lock_file);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// "file:///abs/path" or "/abs/path" -> "/abs/path"; nullopt for other schemes (s3://, ...).
std::optional<fs::path> LocalPathOfUri(const std::string& uri);
// "/abs/path" -> "file:///abs/path" (characters outside the URI-safe set percent-encoded).
std::string FileUriOfPath(const fs::path& path);

}  // namespace retrain::mlflow_file
