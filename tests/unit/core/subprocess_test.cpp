#include <catch2/catch.hpp>

#include "core/subprocess.hpp"

using namespace asup;

TEST_CASE("run_captured gives a program's output and exit code", "[core][subprocess]") {
  for (int i = 0; i < 50; ++i) {
    auto r = sys::run_captured({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {});
    INFO(i);
    REQUIRE(r);
    CHECK(r.value().out == "out\n");
    CHECK(r.value().err == "err\n");
    CHECK(r.value().exit_code == 3);
  }
  auto signalled = sys::run_captured({"/bin/sh", "-c", "kill -KILL $$"}, {});
  REQUIRE(signalled);
  CHECK(signalled.value().exit_code == 128 + 9);
  CHECK_FALSE(sys::run_captured({"sh"}, {}));
}

#include <sys/wait.h>

#include <atomic>
#include <thread>

TEST_CASE("run_captured keeps its status from a reaper of stray children", "[core][subprocess]") {
  std::atomic<bool> done{false};
  // What asupd's SIGCHLD safety net does: reap any child that exits with SIGCHLD.
  std::thread reaper([&] {
    while (!done) {
      siginfo_t info{};
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0 &&
          !sys::is_helper_child(info.si_pid))
        ::waitpid(info.si_pid, nullptr, WNOHANG);
    }
  });
  for (int i = 0; i < 200; ++i) {
    auto r = sys::run_captured({"/bin/sh", "-c", "exit 2"}, {});
    INFO(i);
    REQUIRE(r);
    CHECK(r.value().exit_code == 2);
  }
  done = true;
  reaper.join();
}
