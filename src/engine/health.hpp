// A running container's health checks: one timer per container with a check, armed for
// the next probe or for the timeout of the probe under way, so a container whose probe is
// not due costs the loop nothing. The probes are execs (Engine::launch_exec) whose output
// goes to a bounded buffer; the rules are health_state.hpp's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>

namespace asup::engine {

struct ProbeRun;  // health.cpp: one probe under way

struct HealthMonitor {
  explicit HealthMonitor(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  // Bumped each time the timer is armed or cancelled: a wait that was overtaken does
  // nothing when its handler runs.
  std::uint64_t serial = 0;
  std::shared_ptr<ProbeRun> probe;  // the probe under way; its result counts only while set
};

}  // namespace asup::engine
