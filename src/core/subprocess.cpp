#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "asup/unique_fd.hpp"
#include "core/syscalls.hpp"

namespace asup::sys {
namespace {

std::mutex helpers_mutex;
std::set<pid_t> helpers;  // run_captured's children not yet reaped

std::vector<char*> c_strings(const std::vector<std::string>& list) {
  std::vector<char*> out;
  for (auto& s : list) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Both pipes to their end, whichever fills first.
void drain(int out_fd, int err_fd, Captured& c) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&c.out, &c.err};
  int open = 2;
  char buf[16384];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
}

}  // namespace

Result<Captured> run_captured(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    return fail(EINVAL, "run: program path is not absolute");
  auto args = c_strings(argv), envp = c_strings(env);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail_errno("pipe2");
  UniqueFd out_r{out[0]}, out_w{out[1]};
  if (::pipe2(err, O_CLOEXEC) != 0) return fail_errno("pipe2");
  UniqueFd err_r{err[0]}, err_w{err[1]};
  UniqueFd null{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  if (!null) return fail_errno("open /dev/null");

  int pidfd = -1;
  struct clone_args ca;
  std::memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_PIDFD;
  ca.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  ca.exit_signal = SIGCHLD;
  std::unique_lock registering(helpers_mutex);
  pid_t pid = clone3_raw(&ca);
  if (pid < 0) return fail_errno("clone3 " + argv[0]);
  if (pid == 0) {
    // A copy of a multi-threaded process: async-signal-safe calls only.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(null.get(), 0) < 0 || ::dup2(out_w.get(), 1) < 0 || ::dup2(err_w.get(), 2) < 0)
      ::_exit(127);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  helpers.insert(pid);
  registering.unlock();
  UniqueFd process{pidfd};
  out_w.reset();
  err_w.reset();
  Captured captured;
  drain(out_r.get(), err_r.get(), captured);
  siginfo_t info{};
  int waited;
  while ((waited = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(process.get()), &info,
                            WEXITED)) != 0 &&
         errno == EINTR) {
  }
  const int wait_errno = errno;
  {
    std::lock_guard l(helpers_mutex);
    helpers.erase(pid);
  }
  if (waited != 0) return fail(wait_errno, "wait for " + argv[0]);
  captured.exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  return captured;
}

bool is_helper_child(pid_t pid) {
  std::lock_guard l(helpers_mutex);
  return helpers.count(pid) != 0;
}

}  // namespace asup::sys
