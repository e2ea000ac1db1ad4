#include "cgroup/control_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <charconv>
#include <unordered_set>

#include "core/fs.hpp"

namespace asup::cgroup {

bool is_cgroupfs(const std::string& path) {
  struct statfs st;
  if (::statfs(path.c_str(), &st) != 0) return false;
  return st.f_type == CGROUP_SUPER_MAGIC || st.f_type == CGROUP2_SUPER_MAGIC;
}

Status write_control_file(const std::string& path, std::string_view value, bool create) {
  return write_control_values(path, {value}, create);
}

Status write_control_values(const std::string& path, const std::vector<std::string_view>& values,
                            bool create) {
  int flags = O_WRONLY | O_CLOEXEC;
  if (create) flags |= O_CREAT | O_TRUNC;
  UniqueFd fd{::open(path.c_str(), flags, 0644)};
  if (!fd) return fail_errno("open " + path);
  for (auto value : values) {
    for (;;) {
      ssize_t n = ::write(fd.get(), value.data(), value.size());
      if (n == static_cast<ssize_t>(value.size())) break;
      if (n < 0 && errno == EINTR) continue;
      if (n >= 0) return fail(EIO, "write \"" + std::string(value) + "\" to " + path + " (short)");
      return fail_errno("write \"" + std::string(value) + "\" to " + path);
    }
  }
  return ok();
}

Result<std::vector<pid_t>> read_procs(const std::string& path) {
  ASUP_TRY(auto text, fs::read_file(path));
  std::vector<pid_t> pids;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    pid_t pid = 0;
    auto [next, ec] = std::from_chars(p, end, pid);
    if (ec != std::errc{}) return fail(EINVAL, "parse " + path);
    pids.push_back(pid);
    p = next;
    while (p < end && (*p == '\n' || *p == ' ')) ++p;
  }
  return pids;
}

Result<std::int64_t> read_number(const std::string& path) {
  ASUP_TRY(auto text, fs::read_file(path));
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || (ptr != text.data() + text.size() && *ptr != '\n'))
    return fail(EINVAL, "parse a number in " + path);
  return n;
}

std::optional<std::int64_t> keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ' ')
      continue;
    std::string_view value = line.substr(key.size() + 1);
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{}) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

Status kill_listed_processes(const std::vector<std::string>& procs_files) {
  // Bounds the walk against a group that forks faster than it is killed; each round
  // kills everything it saw, and a killed process can no longer fork (copy_process
  // fails when a fatal signal is pending), so real workloads converge in a few rounds.
  constexpr int kMaxRounds = 100;
  std::unordered_set<pid_t> signalled;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool listed_any = false;
    bool fresh = false;
    for (const auto& file : procs_files) {
      auto pids = read_procs(file);
      if (!pids) {
        if (pids.error().code == ENOENT) continue;  // the group is already gone
        return fail(pids.error());
      }
      for (pid_t pid : pids.value()) {
        listed_any = true;
        // A process listed again is signalled again: its pid may have been reused by a
        // newcomer forked before the previous signal landed.
        if (::kill(pid, SIGKILL) != 0 && errno != ESRCH)
          return fail_errno("kill " + std::to_string(pid) + " listed in " + file);
        if (signalled.insert(pid).second) fresh = true;
      }
    }
    if (!listed_any || !fresh) return ok();
  }
  return fail(EAGAIN, "kill processes of " + (procs_files.empty() ? "" : procs_files.front()) +
                          ": new processes keep appearing");
}

Status remove_group_dir(const std::string& path, bool kernel_files) {
  if (!kernel_files) return fs::remove_tree(path);
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return fail_errno("rmdir " + path);
  return ok();
}

}  // namespace asup::cgroup
