// Writing a model file: atomically where the path is a file, through symbolic links, keeping
// the old file's permissions (docs/format.md, "Writing").
#include "file_writing.hpp"

#include <densekit/errors.hpp>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace densekit {
namespace {

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// What a save of `path` writes: the file its symbolic links lead to, if it is one. Writing through
// the link updates the file it names, as any program writing to the path does; renaming over the
// link would replace it with a copy and leave the file it named stale. A dangling link's target
// is created.
std::string link_target(const std::string& path) {
  std::string current = path;
  for (int hops = 0; hops < 40; ++hops) {  // Linux's own limit on links followed in a path
    struct stat st;
    if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    std::string target(256, '\0');
    for (;;) {
      const ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
      if (n < 0) return current;  // gone meanwhile: the write reports what is there then
      if (static_cast<size_t>(n) < target.size()) {
        target.resize(static_cast<size_t>(n));
        break;
      }
      target.resize(target.size() * 2);
    }
    current = target[0] == '/' ? target : parent_dir(current) + "/" + target;
  }
  throw IOError("Cannot write the model file '" + path + "': too many levels of symbolic links");
}

// How the temporary files of a save of `path` begin: the file's name, cut so that the
// temporary name still fits in a directory entry (255 bytes) when the name itself is long.
std::string temporary_prefix(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 200) name.resize(200);
  return name + ".tmp-";
}

// Removes temporary files an earlier save of `path` left behind when its process was killed
// (their writer's pid no longer exists).
void remove_stale_temporaries(const std::string& path) {
  const std::string dir = parent_dir(path);
  const std::string prefix = temporary_prefix(path);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

// Writes all of `bytes` to `fd`: 0, or the errno of the failure.
int write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    done += static_cast<size_t>(w);
  }
  return 0;
}

}  // namespace

// A temporary file in the target's directory, flushed and fsynced, renamed over the target: the
// path holds the old file or the whole new one, never a part. The new file keeps the old one's
// permissions (and its owner, where this process may set it): a private model stays private.
// A device, a pipe or a socket at the path is written in place, as there is no file to replace.
void write_atomic(const std::string& path, const std::string& bytes) {
  auto fail = [&](int error) { throw IOError("Cannot write the model file '" + path + "': " + std::strerror(error)); };
  const std::string target = link_target(path);
  struct stat old;
  const bool exists = ::stat(target.c_str(), &old) == 0;
  if (exists && !S_ISREG(old.st_mode) && !S_ISDIR(old.st_mode)) {
    const int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail(errno);
    const int error = write_all(fd, bytes);
    if (::close(fd) != 0 && !error) fail(errno);
    if (error) fail(error);
    return;
  }
  static std::atomic<unsigned> counter{0};
  const std::string tmp = parent_dir(target) + "/" + temporary_prefix(target) + std::to_string(::getpid()) + "-" +
                          std::to_string(counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  auto discard = [&](int error) {
    ::unlink(tmp.c_str());
    fail(error);
  };
  if (exists && S_ISREG(old.st_mode)) {
    // The owner first: changing it may clear set-id bits, which the mode then restores.
    if (old.st_uid != ::geteuid() || old.st_gid != ::getegid()) (void)!::fchown(fd, old.st_uid, old.st_gid);
    if (::fchmod(fd, old.st_mode & 07777) != 0) {
      const int error = errno;
      ::close(fd);
      discard(error);
    }
  }
  if (const int error = write_all(fd, bytes)) {
    ::close(fd);
    discard(error);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    discard(error);
  }
  if (::close(fd) != 0) discard(errno);
  if (::rename(tmp.c_str(), target.c_str()) != 0) discard(errno);
  const int dir = ::open(parent_dir(target).c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // the rename itself survives a crash
    ::close(dir);
  }
  remove_stale_temporaries(target);
}

}  // namespace densekit
