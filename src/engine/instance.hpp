// A container as the running daemon holds it: its persisted config and state plus the
// live kernel objects (pidfd watch, pipes, cgroup) and the clients attached to it.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/caller.hpp"
#include "cgroup/cgroup.hpp"
#include "dns/server.hpp"
#include "engine/container.hpp"
#include "engine/health.hpp"
#include "engine/stdin_writer.hpp"
#include "logs/container_log.hpp"
#include "loop/event_loop.hpp"
#include "network/attachment.hpp"

namespace asup::engine {

// When each launch stage ended (CLOCK_MONOTONIC ns; 0 = not reached), from the request's
// arrival to the workload's execve: the stage breakdown `inspect` shows.
struct StartStages {
  std::int64_t request = 0;  // the run request was read
  std::int64_t image = 0;    // image resolved, config merged
  std::int64_t rootfs = 0;   // container dirs, hosts/resolv.conf, state, address planned
  std::int64_t cgroup = 0;   // cgroup created with its limits
  std::int64_t clone = 0;    // clone3 done, asup-init running
  std::int64_t network = 0;  // veth, address, routes, DNAT in place
  std::int64_t ready = 0;    // asup-init mounted the rootfs and the barrier opened
  std::int64_t started = 0;  // asup-init reported the workload's execve
};
std::int64_t monotonic_ns();

struct Instance {
  explicit Instance(ContainerConfig c) : config(std::move(c)) {}

  ContainerConfig config;
  ContainerState state;
  StartStages stages;
  std::string dir;      // ROOT/containers/ID: config, state, rootfs dirs, log ring file
  std::string run_dir;  // RUN_ROOT/containers/ID: exit.json written by asup-init

  std::unique_ptr<loop::PidfdWatch> watch;  // owns the pidfd of asup-init
  bool own_child = false;  // started by this asupd (so waitid reaps it) or re-adopted
  std::unique_ptr<cgroup::Group> cgroup;
  std::unique_ptr<boost::asio::posix::stream_descriptor> report;
  std::string report_buffer;
  UniqueFd barrier;
  // Where input requests go: the pty master (-t), or the write end of a detached -i
  // container's stdin pipe, which keeps that stdin open.
  std::shared_ptr<StdinWriter> stdin_writer;
  // -t: the terminal's size before the workload starts, from the request.
  std::uint32_t tty_rows = 0, tty_cols = 0;

  // Its output, and the clients reading it live (run attached, logs -f); made with the
  // container or when asupd loads it, held here alone: replays and captures of a removed
  // container find it gone.
  std::shared_ptr<logs::ContainerLog> log;

  // Outstanding reasons not to finalise yet: the process, stdout, stderr, the report pipe.
  int pending = 0;
  bool exit_seen = false;
  int wait_status_code = -1;            // from waitid, when we are the parent
  std::optional<int> code_from_report;  // "error CODE ..." from asup-init
  // run -d, start: told once the workload was exec'ed (nullopt) or could not be (its Exit).
  using StartWaiter = std::function<void(const std::optional<api::Exit>&)>;
  std::vector<StartWaiter> on_started;
  std::vector<std::function<void()>> on_finished;
  // A process of this run is out there (from clone3, or re-adopted) and finish() has not
  // recorded its end yet.
  bool launched = false;
  // stop, or kill with the stop signal or SIGKILL: its restart policy does not bring this
  // run back (Docker's ExitOnNext).
  bool exit_on_next = false;
  // The policy's wait before the next start, doubled each time (restart_policy.cpp).
  std::unique_ptr<boost::asio::steady_timer> restart_timer;
  std::chrono::milliseconds restart_delay{0};
  std::unique_ptr<boost::asio::steady_timer> kill_timer;
  bool removing = false;
  // asupd sent SIGKILL, which kills asup-init itself before it can record anything: the
  // status of a re-adopted container (not asupd's child) when nothing else tells it.
  bool sigkill_sent = false;
  // What the network stage knows of the container: its request, endpoints and ports.
  network::Attachment attachment;
  // The embedded DNS resolver inside its namespace, on a user network while it runs.
  std::unique_ptr<dns::Server> resolver;
  // Its health checks while it runs (health.cpp); null without a check or before its start.
  std::unique_ptr<HealthMonitor> health;

  // Docker's State.Running: its process runs, frozen or not.
  bool running() const {
    return state.status == RunState::Running || state.status == RunState::Paused;
  }
  bool paused() const { return state.status == RunState::Paused; }
  bool restarting() const { return state.status == RunState::Restarting; }
  // Nothing runs, nothing is on its way: created and never started, or exited (finish()
  // sets Exited only once the process, its pipes and its report are all done).
  bool at_rest() const {
    return !launched && (state.status == RunState::Created || state.status == RunState::Exited);
  }
  // A new run of the same container: what the last one left is forgotten.
  void begin_run();
};

}  // namespace asup::engine
