#include "init/workload.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "asup/unique_fd.hpp"
#include "init/caps.hpp"
#include "init/console.hpp"
#include "init/seccomp.hpp"

namespace asup::init {
namespace {

// Docker's default when the image sets no PATH.
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Go-style error text ("permission denied"), as the messages Docker users know.
std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

struct ExecFailure {
  int code;
  std::string message;
};

// Runs in the forked child of single-threaded init, so allocating is safe here.
ExecFailure exec_command(const std::vector<std::string>& argv, char* const envp[],
                         std::string_view path_env) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string& name = argv[0];
  const std::string quoted = "exec: \"" + name + "\": ";

  if (name.find('/') != std::string::npos) {
    ::execve(name.c_str(), args.data(), envp);
    int err = errno;
    return {err == ENOENT || err == ENOTDIR ? 127 : 126, quoted + errno_text(err)};
  }
  // Like Go's exec.LookPath (which Docker uses): candidates that are missing or not
  // executable are skipped; the first one the kernel accepts runs.
  if (!name.empty()) {
    std::string_view dirs = path_env;
    for (;;) {
      auto colon = dirs.find(':');
      std::string_view dir = dirs.substr(0, colon);
      std::string candidate{dir.empty() ? std::string_view{"."} : dir};
      candidate += '/';
      candidate += name;
      ::execve(candidate.c_str(), args.data(), envp);
      int err = errno;
      if (err != ENOENT && err != ENOTDIR && err != EACCES && err != ENAMETOOLONG && err != ELOOP)
        return {126, quoted + errno_text(err)};
      if (colon == std::string_view::npos) break;
      dirs.remove_prefix(colon + 1);
    }
  }
  return {127, quoted + "executable file not found in $PATH"};
}

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child_fail(int status_fd, int code, const std::string& message) {
  write_all(status_fd, &code, sizeof code);
  write_all(status_fd, message.data(), message.size());
  ::_exit(code);
}

// --oom-score-adj. Lowering the score takes CAP_SYS_RESOURCE, which the workload may not
// keep: written while init's capabilities are still there.
Status set_oom_score_adj(std::int32_t value) {
  UniqueFd fd{::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC)};
  if (!fd) return fail_errno("open /proc/self/oom_score_adj");
  const std::string text = std::to_string(value);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail_errno("write " + text + " to /proc/self/oom_score_adj");
  return ok();
}

// --ulimit, set while init's CAP_SYS_RESOURCE still allows raising a hard limit.
Status set_rlimits(const std::vector<launch::Rlimit>& limits) {
  for (const auto& l : limits) {
    const rlimit value{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (::setrlimit(static_cast<__rlimit_resource_t>(l.resource), &value) != 0)
      return fail_errno("setrlimit " + std::to_string(l.resource));
  }
  return ok();
}

[[noreturn]] void child_main(int status_fd, const launch::LaunchSpec& spec, const ExecUser& user,
                             int console_slave, char* const envp[], std::string_view path_env) {
  // First, the pid the workload has in its own namespace: in exec mode init lives outside
  // the container's pid namespace and cannot learn it otherwise.
  pid_t self = ::getpid();
  write_all(status_fd, &self, sizeof self);

  // Dispositions are already the defaults (asup-init installs no handler, and the spawner
  // reset asupd's); only the mask init blocks everything with must go.
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::umask(022);
  if (console_slave >= 0) {
    if (auto r = become_terminal_session(console_slave); !r)
      child_fail(status_fd, 125, r.error().describe());
  }

  // The working directory may be readable only by root (or only by the user, on a
  // root-squashed volume): try before and after dropping privileges.
  const std::string& workdir = spec.workdir.empty() ? std::string{"/"} : spec.workdir;
  bool in_workdir = ::chdir(workdir.c_str()) == 0;

  if (auto r = set_rlimits(spec.rlimits); !r) child_fail(status_fd, 125, r.error().describe());
  // Loaded while init's full capabilities still allow it without no_new_privs; everything
  // after this point (setuid, chdir, prctl, execve) is allowed by the filter.
  if (spec.seccomp) {
    if (auto r = load_seccomp_program(spec.seccomp_program); !r)
      child_fail(status_fd, 125, r.error().describe());
  }
  if (spec.oom_score_adj) {
    if (auto r = set_oom_score_adj(*spec.oom_score_adj); !r)
      child_fail(status_fd, 125, r.error().describe());
  }
  if (auto r = limit_bounding_set(spec.capabilities); !r)
    child_fail(status_fd, 125, r.error().describe());
  if (::setgroups(user.groups.size(), user.groups.data()) != 0)
    child_fail(status_fd, 125, "setgroups: " + errno_text(errno));
  if (::setgid(user.gid) != 0)
    child_fail(status_fd, 125, "setgid " + std::to_string(user.gid) + ": " + errno_text(errno));
  if (::setuid(user.uid) != 0)
    child_fail(status_fd, 125, "setuid " + std::to_string(user.uid) + ": " + errno_text(errno));
  // After the switch, which needed CAP_SETGID and CAP_SETUID whatever the mask says.
  if (auto r = limit_capabilities(spec.capabilities); !r)
    child_fail(status_fd, 125, r.error().describe());
  if (!in_workdir && ::chdir(workdir.c_str()) != 0)
    child_fail(status_fd, 126, "chdir to cwd (\"" + workdir + "\"): " + errno_text(errno));
  if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    child_fail(status_fd, 125, "set no_new_privs: " + errno_text(errno));

  auto failure = exec_command(spec.argv, envp, path_env);
  child_fail(status_fd, failure.code, failure.message);
}

}  // namespace

Result<WorkloadStart> start_workload(const launch::LaunchSpec& spec, const ExecUser& user,
                                     int console_slave) {
  if (spec.argv.empty()) return fail(EINVAL, "start workload: no command given");

  // The environment, with HOME from passwd when the spec has none (as runc does).
  std::vector<std::string> env = spec.env;
  std::string_view path_env = kDefaultPath;
  bool has_home = false;
  for (const auto& e : env) {
    if (e.rfind("HOME=", 0) == 0) has_home = true;
  }
  if (!has_home) env.push_back("HOME=" + user.home);
  std::vector<char*> envp;
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
    if (e.rfind("PATH=", 0) == 0) path_env = std::string_view{e}.substr(5);
  }
  envp.push_back(nullptr);

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno("pipe2 workload status");
  UniqueFd status_read{p[0]}, status_write{p[1]};
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork workload");
  if (pid == 0) child_main(status_write.get(), spec, user, console_slave, envp.data(), path_env);
  status_write.reset();

  // EOF without a failure record: execve closed the CLOEXEC pipe, the workload runs.
  std::string bytes;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(status_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }

  WorkloadStart start;
  start.pid = pid;
  if (bytes.size() < sizeof(pid_t)) {
    start.failure_code = 125;
    start.failure = "workload exited before exec";
    return start;
  }
  std::memcpy(&start.visible_pid, bytes.data(), sizeof(pid_t));
  bytes.erase(0, sizeof(pid_t));
  if (bytes.size() >= sizeof(int)) {
    std::memcpy(&start.failure_code, bytes.data(), sizeof(int));
    start.failure = bytes.substr(sizeof(int));
  }
  return start;
}

}  // namespace asup::init
