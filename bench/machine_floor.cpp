// What the kernel alone costs on this machine for the steps every container start takes,
// with no engine involved: the floor under any engine's start latency and burst rate.
//
//   machine_floor [--exec PATH] [-n 50]
//
// Prints a JSON object of medians: fork+exit+wait, fork+execve(PATH)+wait (a static
// program is fairest: asup-init is one), a page fault on fresh anonymous memory, a trivial
// system call, a pipe round trip between two processes on different CPUs, and
// unshare(2) of a network namespace and of the mount, pid, UTS and IPC namespaces in a
// child (creation, exit and the synchronous part of the teardown).
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Median over n samples of fn's duration in ms.
double sample(int n, const std::function<void()>& fn) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    double t0 = now_ms();
    fn();
    v.push_back(now_ms() - t0);
  }
  return median(v);
}

void in_child(const std::function<void()>& fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    fn();
    ::_exit(0);
  }
  int status;
  ::waitpid(pid, &status, 0);
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

}  // namespace

int main(int argc, char** argv) {
  std::string exec_path = "/bin/true";
  int n = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--exec") == 0) exec_path = argv[i + 1];
    if (std::strcmp(argv[i], "-n") == 0) n = std::max(1, std::atoi(argv[i + 1]));
  }
  nlohmann::json out;
  out["fork_exit_wait_ms"] = sample(n, [] { in_child([] {}); });
  out["exec"] = exec_path;
  out["fork_exec_wait_ms"] = sample(n, [&] {
    in_child([&] {
      // asup-init run bare only complains and exits: its output is not the point.
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      char* args[] = {const_cast<char*>(exec_path.c_str()), nullptr};
      char* envp[] = {nullptr};
      ::execve(exec_path.c_str(), args, envp);
    });
  });

  constexpr std::size_t kPages = 4096;
  long page = ::sysconf(_SC_PAGESIZE);
  std::vector<double> faults;
  for (int i = 0; i < 5; ++i) {
    auto* mem = static_cast<char*>(
        ::mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    double t0 = now_ms();
    for (std::size_t p = 0; p < kPages; ++p) mem[p * page] = 1;
    faults.push_back((now_ms() - t0) * 1e3 / kPages);
    ::munmap(mem, kPages * page);
  }
  out["page_fault_us"] = median(faults);

  constexpr int kCalls = 100000;
  double t0 = now_ms();
  for (int i = 0; i < kCalls; ++i) ::syscall(SYS_getppid);
  out["syscall_us"] = (now_ms() - t0) * 1e3 / kCalls;

  int ping[2], pong[2];
  if (::pipe(ping) == 0 && ::pipe(pong) == 0) {
    constexpr int kTrips = 500;
    pid_t echo = ::fork();
    if (echo == 0) {
      pin(1);
      char c;
      for (int i = 0; i < kTrips; ++i)
        if (::read(ping[0], &c, 1) != 1 || ::write(pong[1], &c, 1) != 1) break;
      ::_exit(0);
    }
    pin(0);
    char c = 0;
    t0 = now_ms();
    for (int i = 0; i < kTrips; ++i)
      if (::write(ping[1], &c, 1) != 1 || ::read(pong[0], &c, 1) != 1) break;
    out["pipe_round_trip_cross_cpu_us"] = (now_ms() - t0) * 1e3 / kTrips;
    ::waitpid(echo, nullptr, 0);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &all);
    ::sched_setaffinity(0, sizeof all, &all);
  }

  if (::geteuid() == 0) {
    out["fork_unshare_net_exit_ms"] = sample(n, [] { in_child([] { ::unshare(CLONE_NEWNET); }); });
    out["fork_unshare_mnt_pid_uts_ipc_exit_ms"] = sample(n, [] {
      in_child([] { ::unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC); });
    });
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
