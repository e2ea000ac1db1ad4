#include "network/hosts_file.hpp"

#include <spdlog/spdlog.h>
#include <set>

#include "core/fs.hpp"
#include "network/ipam.hpp"

namespace asup::network {
namespace {

const char* kHostsHeader =
    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

// The peers of `a` on its user networks, one line each, sorted and without repeats.
std::set<std::string> peer_lines(const Attachment& a, const Attachments& all) {
  std::set<std::string> lines;
  for (auto& e : a.endpoints) {
    if (e.network_name == "bridge") continue;
    for (const Attachment* other : all) {
      if (other == &a) continue;
      for (auto& oe : other->endpoints) {
        if (oe.network_id != e.network_id) continue;
        std::string names = other->name;
        for (auto& alias : oe.aliases) names += " " + alias;
        names += " " + other->container_id.substr(0, 12);
        lines.insert(format_ipv4(oe.address) + "\t" + names + "\n");
      }
    }
  }
  return lines;
}

}  // namespace

std::string hosts_content(const Attachment& a, const Attachments& all) {
  std::string out = kHostsHeader;
  if (a.mode == "host") {
    auto host = fs::read_file("/etc/hosts");
    return (host ? host.value() : out) + a.extra_hosts;
  }
  // --add-host entries come before the container's own, as in Docker's file.
  out += a.extra_hosts;
  if (a.endpoints.empty()) return out + "127.0.1.1\t" + a.hostname + "\n";
  for (auto& e : a.endpoints) out += format_ipv4(e.address) + "\t" + a.hostname + "\n";
  for (auto& line : peer_lines(a, all)) out += line;
  return out;
}

void refresh_peer_hosts(const std::vector<Endpoint>& touched, const Attachment* self,
                        const Attachments& all) {
  std::set<std::string> nets;
  for (auto& e : touched)
    if (e.network_name != "bridge") nets.insert(e.network_id);
  if (nets.empty()) return;
  for (const Attachment* other : all) {
    if (other == self || other->endpoints.empty()) continue;
    bool shares = false;
    for (auto& oe : other->endpoints) shares = shares || nets.count(oe.network_id);
    if (!shares) continue;
    // In place: the file is bind-mounted by inode, a rename would not be seen inside.
    if (auto r = fs::write_file(other->hosts_file, hosts_content(*other, all)); !r)
      spdlog::warn("container {}: {}", other->container_id.substr(0, 12), r.error().describe());
  }
}

}  // namespace asup::network
