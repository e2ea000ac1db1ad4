// The engine's side of the network stage (network::Stage): which containers' attachments
// it works on. Every container holds one; the stage sees nothing else of it.
#include "engine/engine.hpp"
#include "network/hosts_file.hpp"

namespace asup::engine {

network::Attachments Engine::all_attachments() const {
  network::Attachments out;
  out.reserve(containers_.size());
  for (auto& [id, c] : containers_) out.push_back(&c->attachment);
  return out;
}

Status Engine::start_networks() {
  ASUP_TRY(network_, network::Stage::open(options_.root, options_.bridge, options_.subnet));
  return ok();
}

Status Engine::resume_networks() {
  // After load_containers: what the containers still running hold is what the networks hold.
  std::vector<network::Attachment*> running;
  for (auto& [id, c] : containers_) {
    // Their hosts files are rewritten when peers come and go: with their --add-host lines.
    c->attachment.extra_hosts =
        network::extra_hosts_lines(c->config.net_options.extra_hosts, host_gateway());
    if (c->running()) running.push_back(&c->attachment);
  }
  return network_->resume(running);
}

Status Engine::plan_network(Instance& c) {
  return network_->plan(c.attachment);
}

Status Engine::wire_network(Instance& c, int pidfd) {
  return network_->wire(c.attachment, c.state.pid, pidfd);
}

void Engine::release_network(Instance& c) {
  c.resolver.reset();
  network_->release(c.attachment, all_attachments());
}

std::string Engine::hosts_content(const Instance& c) const {
  return network::hosts_content(c.attachment, all_attachments());
}

void Engine::refresh_peer_hosts(const Instance& c) {
  network::refresh_peer_hosts(c.attachment.endpoints, &c.attachment, all_attachments());
}

}  // namespace asup::engine
