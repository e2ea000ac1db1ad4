// Names and resolvers of containers: the /etc/hostname, /etc/hosts and /etc/resolv.conf a
// run gets, the embedded DNS resolver of user networks (one dns::Server per running
// container, listening at 127.0.0.11 inside its namespace and answering from the engine's
// live state), and --network container:X, whose container lives in X's namespace and
// shares its files.
#include <sys/stat.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cctype>

#include "core/fs.hpp"
#include "dns/netns_sockets.hpp"
#include "engine/engine.hpp"
#include "network/ipam.hpp"
#include "network/resolv_conf.hpp"

namespace asup::engine {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// User networks have the embedded resolver; the default bridge, none and host do not
// (Docker's rule), nor does a container in another's namespace (it has that one's).
bool uses_embedded_dns(const std::string& mode) {
  return network::has_addresses(mode) && mode != "bridge";
}

// Whether `other`'s endpoint `e` answers to `name`: its container name, an alias it has on
// that network, or its short id.
bool answers_to(const Instance& other, const network::Endpoint& e, std::string_view name) {
  if (same_name(other.config.name, name)) return true;
  if (name.size() == 12 && other.config.id.compare(0, 12, name) == 0) return true;
  return std::any_of(e.aliases.begin(), e.aliases.end(),
                     [&](const std::string& alias) { return same_name(alias, name); });
}

}  // namespace

// The host's resolv.conf, read again only when it changed (a stat per start).
const network::ResolvConf& Engine::host_resolv() {
  struct stat st {};
  std::int64_t stamp = 0;
  if (::stat("/etc/resolv.conf", &st) == 0)
    stamp = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec +
            static_cast<std::int64_t>(st.st_ino) * 7 + st.st_size;
  if (stamp != host_resolv_stamp_ || stamp == 0) {
    host_resolv_stamp_ = stamp;
    auto text = fs::read_file("/etc/resolv.conf");
    host_resolv_ = network::parse_resolv_conf(text ? text.value() : "");
  }
  return host_resolv_;
}

// host-gateway: the default bridge's gateway, as Docker's daemon defaults it.
std::string Engine::host_gateway() const {
  return network::format_ipv4(network_->networks().default_network().spec.gateway);
}

Status Engine::join_network_container(ContainerConfig& config) {
  const std::string target = network::shared_netns_container(config.network_mode);
  if (target.empty() && config.network_mode.rfind("container:", 0) != 0) return ok();
  if (target.empty()) return fail("no container specified to join network");
  auto found = find(target);
  if (!found) return fail(found.error().message);  // Docker's "No such container: X"
  Instance* other = found.value();
  if (other->config.id == config.id) return fail("cannot join own network");
  // X in another's namespace itself: that one's namespace and files are the ones to share.
  const std::string owner = network::shared_netns_container(other->config.network_mode);
  if (!owner.empty()) {
    auto it = containers_.find(owner);
    if (it != containers_.end()) other = it->second.get();
  }
  config.network_mode = "container:" + other->config.id;
  // Docker: the same host name as the namespace's owner (--hostname is refused with it).
  config.hostname = other->config.hostname;
  return ok();
}

Result<Instance*> Engine::network_container(const Instance& c) {
  const std::string target = network::shared_netns_container(c.config.network_mode);
  auto it = containers_.find(target);
  if (it == containers_.end() || it->second->removing) return fail("No such container: " + target);
  Instance& other = *it->second;
  if (!other.running() || !other.watch)
    return fail("cannot join network namespace of a non running container: container " +
                other.config.name + " is " + to_string(other.state.status));
  return &other;
}

Status Engine::use_network_container(const Instance& c, launch::RootfsLayout& layout) {
  if (network::shared_netns_container(c.config.network_mode).empty()) return ok();
  ASUP_TRY(auto* other, network_container(c));
  // Its files, bind-mounted as they are: the names it knows are the names this one knows.
  layout.hostname_file = fs::join(other->run_dir, "hostname");
  layout.hosts_file = other->attachment.hosts_file;
  layout.resolv_conf_file = fs::join(other->run_dir, "resolv.conf");
  return ok();
}

Status Engine::write_name_files(Instance& c, const launch::RootfsLayout& layout) {
  if (!network::shared_netns_container(c.config.network_mode).empty()) return ok();
  const auto& o = c.config.net_options;
  ASUP_TRY(auto links, link_hosts(c));
  c.attachment.extra_hosts = network::extra_hosts_lines(o.extra_hosts, host_gateway()) + links;
  ASUP_TRY(fs::write_file(layout.hostname_file, c.config.hostname + "\n"));
  ASUP_TRY(fs::write_file(layout.hosts_file, hosts_content(c)));
  std::string resolv;
  const bool dns_flags = !o.dns.empty() || !o.dns_search.empty() || !o.dns_options.empty();
  if (c.config.network_mode == "host" && !dns_flags) {
    auto host = fs::read_file("/etc/resolv.conf");
    resolv = host ? host.value() : "";
  } else {
    auto kind = uses_embedded_dns(c.config.network_mode) ? network::ResolverKind::kEmbedded
                                                         : network::ResolverKind::kHost;
    resolv = network::container_resolv_conf(host_resolv(), o, kind);
  }
  return fs::write_file(layout.resolv_conf_file, resolv);
}

std::vector<std::uint32_t> Engine::resolve_peer(const std::string& id,
                                                std::string_view name) const {
  std::vector<std::uint32_t> out;
  auto asking = containers_.find(id);
  if (asking == containers_.end()) return out;
  for (auto& mine : asking->second->attachment.endpoints) {
    if (mine.network_name == "bridge") continue;
    for (auto& [other_id, other] : containers_) {
      if (other->removing) continue;
      for (auto& e : other->attachment.endpoints)
        if (e.network_id == mine.network_id && answers_to(*other, e, name) &&
            std::find(out.begin(), out.end(), e.address) == out.end())
          out.push_back(e.address);
    }
  }
  return out;
}

std::optional<std::string> Engine::resolve_address(const std::string& id,
                                                   std::uint32_t address) const {
  auto asking = containers_.find(id);
  if (asking == containers_.end()) return std::nullopt;
  for (auto& mine : asking->second->attachment.endpoints) {
    if (mine.network_name == "bridge") continue;
    for (auto& [other_id, other] : containers_)
      for (auto& e : other->attachment.endpoints)
        if (e.network_id == mine.network_id && e.address == address)
          return other->config.name + "." + e.network_name;
  }
  return std::nullopt;
}

void Engine::start_resolver(Instance& c, int pidfd) {
  if (!uses_embedded_dns(c.config.network_mode) || c.attachment.endpoints.empty()) return;
  dns::ServerConfig config;
  const std::string id = c.config.id;
  config.lookup = [this, id](std::string_view name) { return resolve_peer(id, name); };
  config.reverse = [this, id](std::uint32_t address) { return resolve_address(id, address); };
  // Only internal networks: nothing may leave, names of the outside world included (as
  // Docker's resolver does not forward for such a container).
  bool external = false;
  for (auto& e : c.attachment.endpoints) {
    auto* net = network_->networks().find_by_id(e.network_id);
    external = external || (net && !net->spec.internal);
  }
  if (external)
    for (auto& server : network::upstream_nameservers(host_resolv(), c.config.net_options))
      if (auto upstream = dns::parse_upstream(server)) config.upstreams.push_back(upstream.value());
  auto server = dns::start_in_netns(loop_.io(), pidfd, network_->home_netns(), std::move(config));
  // Without it names do not resolve, but the container runs: Docker carries on too.
  if (!server) {
    spdlog::warn("container {}: embedded DNS: {}", id.substr(0, 12), server.error().describe());
    return;
  }
  c.resolver = std::move(server).value();
}

}  // namespace asup::engine
