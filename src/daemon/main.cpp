// asupd: parses options, takes the single-instance lock, then hands everything to the
// event loop: the control FIFO, signals, container pidfds and pipes.
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <unistd.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <cstdio>

#include "asup/protocol.hpp"
#include "control/fifo_server.hpp"
#include "control/router.hpp"
#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "launch/spawner.hpp"
#include "loop/event_loop.hpp"

namespace {

std::string sibling_path(const std::string& name) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return name;
  self[n] = 0;
  std::string dir(self);
  return dir.substr(0, dir.rfind('/') + 1) + name;
}

// The loop boundary: no exception may take the daemon, and every container and client
// with it, down. Handlers parse what they are given into typed values and the control
// channel catches at its own boundaries, so this is the last net, not the plan. Asio lets
// a handler's exception out of run() with the loop intact: log it and run on.
void run_guarded(asup::loop::EventLoop& loop) {
  for (;;) {
    try {
      loop.run();
      return;
    } catch (const std::exception& e) {
      spdlog::critical("event loop: a handler threw, carrying on: {}", e.what());
    } catch (...) {
      spdlog::critical("event loop: a handler threw an unknown exception, carrying on");
    }
  }
}

// One asupd per run root: the lock is held for the daemon's life (the fd survives the
// forks of --detach). Invalid: another asupd runs, and stderr says so.
asup::UniqueFd take_run_root(const asup::engine::DaemonOptions& options) {
  using namespace asup;
  if (auto r = fs::make_dirs(options.run_root, 0700); !r) {
    std::fprintf(stderr, "asupd: %s\n", r.error().describe().c_str());
    return {};
  }
  std::string lock_path = fs::join(options.run_root, protocol::kLockFile);
  UniqueFd lock{::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "asupd: another asupd is running with run root %s\n",
                 options.run_root.c_str());
    return {};
  }
  if (::access(options.init_path.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "asupd: asup-init not found at %s\n", options.init_path.c_str());
    return {};
  }
  return lock;
}

// Classic double fork: the caller gets its shell back once the FIFO exists. Returns, in
// the daemon, the fd that signals readiness (should start-up fail, it closes with the
// process and the waiting parent reports failure); in the parent, exits with the outcome.
int detach_from_terminal(const std::string& run_root) {
  using namespace asup;
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) ::_exit(1);
  pid_t pid = ::fork();
  if (pid < 0) ::_exit(1);
  if (pid > 0) {
    ::close(ready[1]);
    char c;
    ::_exit(::read(ready[0], &c, 1) == 1 ? 0 : 1);
  }
  ::close(ready[0]);
  ::setsid();
  if (::fork() > 0) ::_exit(0);
  int devnull = ::open("/dev/null", O_RDWR);
  ::dup2(devnull, 0);
  ::dup2(devnull, 1);
  ::close(devnull);
  auto log = spdlog::basic_logger_mt("asupd", fs::join(run_root, "asupd.log"));
  spdlog::set_default_logger(log);
  spdlog::flush_on(spdlog::level::info);
  int logfd = ::open(fs::join(run_root, "asupd.log").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (logfd >= 0) ::dup2(logfd, 2);
  return ready[1];
}

// SIGCHLD reaps strays, SIGHUP is noted, anything else stops the daemon and leaves the
// containers running.
asup::Status watch_signals(asup::loop::EventLoop& loop, asup::engine::Engine& engine,
                           asup::control::FifoServer& server) {
  return loop.watch_signals([&](const signalfd_siginfo& info) {
    switch (info.ssi_signo) {
      case SIGCHLD:
        engine.reap_strays();
        break;
      case SIGHUP:
        spdlog::info("SIGHUP: nothing to reload");
        break;
      default:
        spdlog::info("signal {}: shutting down, containers keep running", info.ssi_signo);
        server.stop();
        engine.shutdown();
        loop.stop();
    }
  });
}

int run(asup::engine::DaemonOptions options, bool detach) {
  using namespace asup;
  options.root = fs::absolute(options.root);
  options.run_root = fs::absolute(options.run_root);
  UniqueFd lock = take_run_root(options);
  if (!lock) return 1;
  int ready_fd = detach ? detach_from_terminal(options.run_root) : -1;

  if (auto r = loop::EventLoop::block_signals(); !r) {
    spdlog::error("{}", r.error().describe());
    return 1;
  }
  if (auto r = launch::raise_open_file_limit(); !r) spdlog::warn("{}", r.error().describe());
  loop::EventLoop loop;
  engine::Engine engine(loop, options);
  control::Router router(engine);
  if (auto r = engine.start(); !r) {
    spdlog::error("start: {}", r.error().describe());
    return 1;
  }
  control::FifoServer server(loop.io(), options.run_root,
                             [&](const std::shared_ptr<control::Session>& s,
                                 const control::Request& req) { router.route(s, req); });
  if (auto r = server.start(); !r) {
    spdlog::error("control FIFO: {}", r.error().describe());
    return 1;
  }
  if (auto r = watch_signals(loop, engine, server); !r) {
    spdlog::error("{}", r.error().describe());
    return 1;
  }
  spdlog::info("asupd ready: root {}, run root {}, loop on {}", options.root, options.run_root,
               loop.backend());
  if (ready_fd >= 0) {
    (void)!::write(ready_fd, "1", 1);
    ::close(ready_fd);
  }
  run_guarded(loop);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"asupd: the asup container supervisor"};
  asup::engine::DaemonOptions options;
  std::string level = "info";
  bool detach = false;
  app.add_option("--root", options.root, "Persistent state (images, containers)")
      ->capture_default_str();
  app.add_option("--run-root", options.run_root, "Runtime state (control FIFO, exit records)")
      ->capture_default_str();
  app.add_option("--log-level", level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--cgroup-parent", options.cgroup_parent, "Cgroup under which containers go")
      ->capture_default_str();
  app.add_option("--bridge", options.bridge, "Bridge of the default network (default asup0)");
  app.add_option("--subnet", options.subnet,
                 "Subnet of the default network (default 10.88.0.0/16; gateway: first address)");
  app.add_option("--init", options.init_path, "Path of asup-init (default: next to asupd)");
  app.add_option("--insecure-registry", options.insecure_registries,
                 "Registry (host[:port] or IPv4 CIDR) reached over plain HTTP; repeatable");
  app.add_option("--max-concurrent-downloads", options.max_concurrent_downloads,
                 "Layer downloads running at once, over all pulls")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_flag("--no-new-privileges", options.no_new_privileges,
               "Set no-new-privileges by default for new containers");
  app.add_flag("-d,--detach", detach, "Run in the background");
  CLI11_PARSE(app, argc, argv);
  if (options.init_path.empty()) options.init_path = sibling_path("asup-init");
  spdlog::set_level(spdlog::level::from_str(level));
  return run(options, detach);
}
