// create, start, restart, rename, update: a container's life beyond its first run. A
// container keeps its id, name, filesystem (the upper dir), log ring and, where still
// free, its address across runs; each run gets a fresh cgroup, pipes and network wiring.
#include <spdlog/spdlog.h>

#include "asup/protocol.hpp"
#include "core/fs.hpp"
#include "engine/engine.hpp"
#include "engine/naming.hpp"
#include "engine/resource_checks.hpp"
#include "engine/signals.hpp"

namespace asup::engine {

void Engine::create(const CallerPtr& s, const api::CreateRequest& req) {
  std::int64_t received = monotonic_ns();
  auto request = check_run_request(req);
  if (!request) return s->send_error(protocol::kExitEngineError, request.error().message);
  auto warnings = fit_run_limits(request.value(), host_);
  if (!warnings) return s->send_error(protocol::kExitEngineError, warnings.error().message);
  for (auto& w : security_warnings(request.value())) warnings.value().push_back(std::move(w));
  // Tells `asupctl create` to pull and ask again, as for run.
  if (auto image = images_->resolve(request.value().image); !image)
    return s->reply(api::Error{protocol::kExitEngineError, image.error().describe(), true});
  auto created = create_container(request.value(), received, true);
  if (!created) return s->send_error(protocol::kExitEngineError, created.error().describe());
  populate_volumes(*created.value(), [this, s, id = created.value()->config.id,
                                      warnings = warnings.value()](Status populated) {
    if (!populated) {
      discard_container(id);
      return s->send_error(protocol::kExitEngineError, populated.error().describe());
    }
    send_warnings(*s, warnings);
    s->reply(api::IdResult{id});
  });
}

void Engine::manual_start(Instance& c, const StartOptions& how,
                          std::function<void(std::optional<std::string>)> done) {
  c.state.restart_count = 0;
  c.state.manually_stopped = false;
  c.restart_delay = std::chrono::milliseconds{0};
  after_teardown(c.config.id, [this, id = c.config.id, how, done = std::move(done)] {
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second->removing) return done("No such container: " + id);
    Instance& c = *it->second;
    if (!c.at_rest()) return done(std::nullopt);  // someone else started it meanwhile
    if (auto r = start_container(c, how); !r) {
      c.state.error = r.error().describe();
      if (auto p = persist_state(c); !p) spdlog::warn("{}", p.error().describe());
      return done(r.error().describe());
    }
    c.on_started.push_back([done](const std::optional<api::Exit>& failure) {
      if (!failure) return done(std::nullopt);
      done(failure->message.value_or("exit code " + std::to_string(failure->exit_code)));
    });
  });
}

void Engine::start(const CallerPtr& s, const api::StartRequest& req) {
  if (req.attach) {
    if (req.ids.size() != 1)
      return s->send_error(1, "you cannot start and attach multiple containers at once");
    auto found = find(req.ids[0]);
    if (!found) return s->send_error(1, found.error().message);
    Instance& c = *found.value();
    if (c.paused()) return s->send_error(1, "cannot start a paused container, try unpause instead");
    s->reply(api::Attached{c.config.id, c.config.tty});
    if (!c.at_rest()) {
      // Running already: start leaves it be and -a attaches, as Docker's client does.
      c.log->attach(s);
      return;
    }
    StartOptions how{s, true, req.interactive, req.tty_rows, req.tty_cols, false};
    manual_start(c, how, [s](std::optional<std::string> error) {
      if (error) s->send_error(1, *error);
    });
    return;
  }
  for_each_named(s, req.ids, [this](Instance& c, Reporter report) {
    if (c.paused())
      return report(
          api::Outcome::failure("", "cannot start a paused container, try unpause instead"));
    if (!c.at_rest()) return report(api::Outcome{});  // running or restarting: nothing to do
    manual_start(c, StartOptions{}, [report](std::optional<std::string> error) {
      report(error ? api::Outcome::failure("", *error) : api::Outcome{});
    });
  });
}

void Engine::restart(const CallerPtr& s, const api::RestartRequest& req) {
  auto parsed = parse_optional_signal(req.signal);
  if (!parsed) return s->send_error(1, parsed.error().message);
  for_each_named(
      s, req.ids,
      [this, timeout = req.timeout, asked = parsed.value()](Instance& c, Reporter report) {
        stop_container(c, timeout, asked, [this, id = c.config.id, report] {
          auto it = containers_.find(id);
          if (it == containers_.end() || it->second->removing)
            return report(api::Outcome::failure("", "No such container: " + id));
          manual_start(*it->second, StartOptions{}, [report](std::optional<std::string> error) {
            report(error ? api::Outcome::failure("", *error) : api::Outcome{});
          });
        });
      });
}

void Engine::rename(const CallerPtr& s, const api::RenameRequest& req) {
  auto found = find(req.id);
  if (!found) return s->send_error(1, found.error().message);
  Instance& c = *found.value();
  auto name = parse_container_name(req.name);
  if (!name) return s->send_error(1, name.error().message);
  if (name.value() == c.config.name)
    return s->send_error(1, "Renaming a container with the same name as its current name");
  if (auto taken = name_in_use(name.value()))
    return s->send_error(1, "Error when allocating new name: Conflict. The container name \"/" +
                                name.value() + "\" is already in use by container \"" + *taken +
                                "\". You have to remove (or rename) that container to be able "
                                "to reuse that name.");
  ContainerConfig renamed = c.config;
  renamed.name = name.value();
  if (auto r = fs::write_file_atomic(fs::join(c.dir, "config.json"), to_json(renamed).dump()); !r)
    return s->send_error(1, r.error().describe());
  c.config = std::move(renamed);
  c.attachment.name = c.config.name;
  // Its peers on user networks know it by its name: their hosts files follow.
  if (c.running()) {
    (void)fs::write_file(c.attachment.hosts_file, hosts_content(c));
    refresh_peer_hosts(c);
  }
  s->reply(api::Done{});
}

void Engine::update(const CallerPtr& s, const api::UpdateRequest& req) {
  auto checked = update_limits(req, host_);
  if (!checked) return s->send_error(1, checked.error().message);
  std::optional<api::RestartPolicy> policy;
  if (req.restart) {
    auto parsed = api::parse_restart_policy(*req.restart);
    if (!parsed) return s->send_error(1, parsed.error().message);
    policy = parsed.value();
  }
  send_warnings(*s, checked.value().warnings);
  cgroup::Limits l = std::move(checked.value().limits);
  for_each_named(s, req.ids, [this, l, policy](Instance& c, Reporter report) {
    if (policy && !policy->none() && c.config.auto_remove)
      return report(api::Outcome::failure(
          "", "Restart policy cannot be updated because AutoRemove is enabled for the container"));
    // A live group changes first: what it refuses (a limit below the usage) changes nowhere.
    if (c.cgroup && c.launched) {
      if (auto r = c.cgroup->update(l); !r)
        return report(api::Outcome::failure("", r.error().describe()));
    }
    ContainerConfig updated = c.config;
    keep_updated_limits(l, updated.limits);
    if (policy) updated.restart = *policy;
    if (auto r = fs::write_file_atomic(fs::join(c.dir, "config.json"), to_json(updated).dump()); !r)
      return report(api::Outcome::failure("", r.error().describe()));
    c.config = std::move(updated);
    report(api::Outcome{});
  });
}

}  // namespace asup::engine
