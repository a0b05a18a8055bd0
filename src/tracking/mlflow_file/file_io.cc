#include "tracking/mlflow_file/file_io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/ids.h"
#include "core/strings.h"

namespace retrain::mlflow_file {

namespace {

std::unexpected<Error> IoError(const std::string& what, const fs::path& path, int err) {
  return Fail(ErrorCode::kUnavailable,
              "could not " + what + " " + path.string() + ": " + std::strerror(err));
}

Status WriteAll(int fd, const std::string& content, const fs::path& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Status EnsureDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("create directory", dir, ec.value());
  return {};
}

Status WriteFileAtomic(const fs::path& path, const std::string& content, const fs::path& temp_dir) {
  if (auto s = EnsureDir(path.parent_path()); !s) return s;
  if (auto s = EnsureDir(temp_dir); !s) return s;
  fs::path temp = temp_dir / (".tmp-" + path.filename().string() + "-" + RandomHex(6));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", temp, errno);
  Status written = WriteAll(fd, content, temp);
  if (written && ::fsync(fd) != 0) written = IoError("sync", temp, errno);
  ::close(fd);
  if (written && ::rename(temp.c_str(), path.c_str()) != 0)
    written = IoError("rename", path, errno);
  if (!written) ::unlink(temp.c_str());
  return written;
}

Result<std::optional<std::string>> ReadFileIfExists(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
    return IoError("open", path, errno);
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

std::vector<std::string> ListSubdirs(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<FileLock> FileLock::Acquire(const fs::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open lock file", lock_file, errno);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return IoError("lock", lock_file, err);
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

std::optional<fs::path> LocalPathOfUri(const std::string& uri) {
  std::string_view v(uri);
  if (v.starts_with("file://")) {
    v.remove_prefix(7);
    // file://localhost/abs or file:///abs
    if (v.starts_with("localhost/")) v.remove_prefix(9);
    if (!v.starts_with("/")) return std::nullopt;
    return fs::path(PercentDecodeLenient(v));
  }
  if (v.starts_with("file:/")) return fs::path(PercentDecodeLenient(v.substr(5)));
  if (v.starts_with("/")) return fs::path(std::string(v));
  return std::nullopt;
}

std::string FileUriOfPath(const fs::path& path) {
  return "file://" + PercentEncode(path.string(), "/");
}

}  // namespace retrain::mlflow_file
