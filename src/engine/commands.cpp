// Requests that act on containers: run, logs, stop, kill, rm, wait.
#include <fcntl.h>
#include <sys/wait.h>

#include <spdlog/spdlog.h>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "core/syscalls.hpp"
#include "engine/engine.hpp"
#include "engine/resource_checks.hpp"
#include "engine/signals.hpp"
#include "launch/spawner.hpp"
#include "logs/details.hpp"

namespace asup::engine {
namespace {

// Collects one outcome per container and replies once every one is in.
// Results keep the order the user named the containers in.
struct BatchReply {
  BatchReply(CallerPtr s, std::size_t n) : caller(std::move(s)), outstanding(n) {
    result.results.resize(n);
  }
  CallerPtr caller;
  api::OutcomesResult result;
  std::size_t outstanding;

  void add(std::size_t index, api::Outcome item) {
    result.results[index] = std::move(item);
    if (--outstanding == 0) caller->reply(result);
  }
};

}  // namespace

void Engine::run(const CallerPtr& s, const api::RunRequest& req) {
  std::int64_t received = monotonic_ns();
  auto request = check_run_request(req);
  if (!request) {
    s->send_error(protocol::kExitEngineError, request.error().message);
    return;
  }
  auto warnings = fit_run_limits(request.value(), host_);
  if (!warnings) return s->send_error(protocol::kExitEngineError, warnings.error().message);
  for (auto& w : security_warnings(request.value())) warnings.value().push_back(std::move(w));
  // Tells `asupctl run --pull missing` to pull and ask again.
  if (auto image = images_->resolve(request.value().image); !image) {
    s->reply(api::Error{protocol::kExitEngineError, image.error().describe(), true});
    return;
  }
  auto created = create_container(request.value(), received, false);
  if (!created) return s->send_error(protocol::kExitEngineError, created.error().describe());
  const std::string id = created.value()->config.id;
  const bool detach = request.value().detach;
  StartOptions how{s, !detach, request.value().interactive && !detach, 0, 0, true};
  // The image's content goes into new volumes before the first start (on the worker pool
  // when there is any to copy; at once otherwise).
  populate_volumes(
      *created.value(), [this, s, id, detach, how, warnings = warnings.value()](Status populated) {
        auto it = containers_.find(id);
        if (it == containers_.end())
          return s->send_error(protocol::kExitEngineError, "No such container: " + id);
        Instance& c = *it->second;
        if (!populated) {
          discard_container(id);
          return s->send_error(protocol::kExitEngineError, populated.error().describe());
        }
        if (auto started = start_container(c, how); !started) {
          discard_container(id);
          return s->send_error(protocol::kExitEngineError, started.error().describe());
        }
        if (detach) {
          c.on_started.push_back([s, id](const std::optional<api::Exit>& failure) {
            if (failure) return s->send_error(failure->exit_code, failure->message.value_or(""));
            s->reply(api::IdResult{id});
          });
        }
        send_warnings(*s, warnings);
        s->reply(api::Created{id});
      });
}

void Engine::logs(const CallerPtr& s, const api::LogsRequest& req) {
  auto found = find(req.id);
  if (!found) {
    s->send_error(1, found.error().message);
    return;
  }
  // Docker's answer: such a container's output is seen while attached, and kept nowhere.
  if (found.value()->config.log_driver == "none") {
    s->send_error(1, "configured logging driver does not support reading");
    return;
  }
  Instance& c = *found.value();
  if (req.details)
    s->reply(api::Notice{.details =
                             logs::log_details(c.config.labels, c.config.env, c.config.log_opts)});
  c.log->replay(s, req.tail, req.follow, {req.since, req.until});
  if (req.follow && req.until > 0) end_follow_at(c.log, s, req.until);
}

void Engine::end_follow_at(const std::shared_ptr<logs::ContainerLog>& log, const CallerPtr& s,
                           std::int64_t until_ns) {
  // `logs -f --until` ends at that time even when the container writes nothing more. A
  // follower that is still replaying sees the time has passed when it catches up.
  const std::int64_t wait_ns = until_ns - logs::realtime_ns();
  if (wait_ns <= 0) return;
  auto timer =
      std::make_shared<boost::asio::steady_timer>(loop_.io(), std::chrono::nanoseconds(wait_ns));
  timer->async_wait([timer, weak_log = std::weak_ptr(log),
                     weak_caller = std::weak_ptr(s)](const boost::system::error_code& ec) {
    auto log = weak_log.lock();
    auto caller = weak_caller.lock();
    if (!ec && log && caller) log->end_follow(caller->serial());
  });
}

Status Engine::signal(Instance& c, int sig) {
  if (!c.watch || c.exit_seen)
    return fail(EINVAL, "container " + c.config.id.substr(0, 12) + " is not running");
  if (sig == SIGKILL) c.sigkill_sent = true;
  return sys::pidfd_send_signal(c.watch->fd(), sig);
}

void Engine::kill(const CallerPtr& s, const api::KillRequest& req) {
  auto sig = parse_signal(req.signal);
  if (!sig) {
    s->send_error(1, sig.error().message);
    return;
  }
  api::OutcomesResult result;
  for (auto& q : req.ids) {
    auto c = find(q);
    if (!c) {
      result.results.push_back(api::Outcome::failure(q, c.error().message));
      continue;
    }
    result.results.push_back(kill_one(*c.value(), q, sig.value()));
  }
  s->reply(result);
}

api::Outcome Engine::kill_one(Instance& c, const std::string& name, int sig) {
  const bool running = c.running() || c.restarting();
  if (!running || (!c.restarting() && (!c.watch || c.exit_seen)))
    return api::Outcome::failure(name, "cannot kill container: " + name + ": container " +
                                           c.config.id.substr(0, 12) + " is not running");
  // Docker: a kill is a stop by the user; with SIGKILL or the stop signal (any signal when
  // the container has none) its policy does not restart it, and a paused one is thawed.
  c.state.manually_stopped = true;
  int stop_signal = 0;
  if (!c.config.stop_signal.empty())
    if (auto parsed = parse_signal(c.config.stop_signal)) stop_signal = parsed.value();
  if (sig == SIGKILL || stop_signal == 0 || sig == stop_signal) c.exit_on_next = true;
  if (c.restarting()) {
    if (c.exit_on_next) cancel_restart(c);
    return api::Outcome::success(name);
  }
  auto r = signal(c, sig);
  if (r && c.exit_on_next && c.paused()) thaw(c);
  return r ? api::Outcome::success(name) : api::Outcome::failure(name, r.error().describe());
}

void Engine::for_each_named(const CallerPtr& s, const std::vector<std::string>& ids,
                            const std::function<void(Instance&, Reporter)>& act) {
  if (ids.empty()) {
    s->reply(api::OutcomesResult{});
    return;
  }
  auto batch = std::make_shared<BatchReply>(s, ids.size());
  for (std::size_t index = 0; index < ids.size(); ++index) {
    Reporter report = [batch, index, name = ids[index]](api::Outcome item) {
      item.name = name;
      batch->add(index, std::move(item));
    };
    auto found = find(ids[index]);
    if (!found)
      report(api::Outcome::failure(ids[index], found.error().message));
    else
      act(*found.value(), std::move(report));
  }
}

void Engine::stop_container(Instance& c, std::optional<std::int64_t> timeout_asked,
                            std::optional<int> asked, std::function<void()> done) {
  c.state.manually_stopped = true;
  if (cancel_restart(c) || c.at_rest()) {
    if (c.state.status == RunState::Exited) (void)persist_state(c);
    done();
    return;
  }
  c.exit_on_next = true;
  health_stopped(c);  // as Docker: no probe runs while the container stops
  when_finished(c, std::move(done));
  if (!c.watch || c.exit_seen) return;  // on its way out already
  int sig = SIGTERM;
  if (asked) {
    sig = *asked;
  } else if (!c.config.stop_signal.empty()) {
    if (auto parsed = parse_signal(c.config.stop_signal)) sig = parsed.value();
  }
  const std::int64_t timeout = timeout_asked.value_or(c.config.stop_timeout.value_or(10));
  // 0: no grace at all. Negative: the signal, then as long as the container takes.
  (void)signal(c, timeout == 0 ? SIGKILL : sig);
  // A paused container acts on the signal once thawed, as under Docker.
  if (c.paused()) thaw(c);
  if (timeout <= 0) return;
  c.kill_timer =
      std::make_unique<boost::asio::steady_timer>(loop_.io(), std::chrono::seconds(timeout));
  std::string id = c.config.id;
  c.kill_timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = containers_.find(id);
    if (it != containers_.end() && !it->second->exit_seen) (void)signal(*it->second, SIGKILL);
  });
  when_finished(c, [this, id] {
    auto it = containers_.find(id);
    if (it != containers_.end() && it->second->kill_timer) it->second->kill_timer->cancel();
  });
}

void Engine::stop(const CallerPtr& s, const api::StopRequest& req) {
  auto parsed = parse_optional_signal(req.signal);
  if (!parsed) return s->send_error(1, parsed.error().message);
  for_each_named(
      s, req.ids,
      [this, timeout = req.timeout, asked = parsed.value()](Instance& c, Reporter report) {
        stop_container(c, timeout, asked, [report] { report(api::Outcome{}); });
      });
}

void Engine::rm(const CallerPtr& s, const api::RmRequest& req) {
  bool force = req.force, volumes = req.volumes;
  for_each_named(s, req.ids, [this, force, volumes](Instance& c, Reporter report) {
    auto remove = [this, report, volumes, id = c.config.id] {
      remove_container(
          id,
          [report](Status r) {
            report(r ? api::Outcome{} : api::Outcome::failure("", r.error().describe()));
          },
          volumes);
    };
    if (c.at_rest()) {
      remove();
      return;
    }
    if (!force) {
      const char* what = c.restarting() ? "restarting" : c.paused() ? "paused" : "running";
      report(api::Outcome::failure("", "cannot remove container \"" + c.config.name +
                                           "\": container is " + what +
                                           ": stop the container before removing or force remove"));
      return;
    }
    c.exit_on_next = true;
    if (cancel_restart(c)) {
      remove();
      return;
    }
    c.removing = true;  // hidden from lookups; --rm must not remove it a second time
    when_finished(c, remove);
    (void)signal(c, SIGKILL);
    if (c.paused()) thaw(c);
  });
}

void Engine::wait(const CallerPtr& s, const api::WaitRequest& req) {
  for_each_named(s, req.ids, [this](Instance& c, Reporter report) {
    when_finished(c, [this, report, id = c.config.id] {
      auto it = containers_.find(id);
      api::Outcome outcome;
      outcome.exit_code = it == containers_.end() ? 0 : it->second->state.exit_code;
      report(outcome);
    });
  });
}

}  // namespace asup::engine
