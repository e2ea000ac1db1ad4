// The resolv.conf a container gets, from the host's and the container's --dns flags, as
// Docker writes it: on the default bridge the host's resolvers (or --dns) themselves; on a
// user network the embedded resolver at 127.0.0.11, which relays to them from asupd's own
// namespace.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "network/net_options.hpp"

namespace asup::network {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

// The nameserver, search (and domain) and options lines of a resolv.conf; the rest ignored.
ResolvConf parse_resolv_conf(std::string_view text);

// Where the container's resolver questions go.
enum class ResolverKind {
  kHost,      // the default bridge: the host's (or --dns) nameservers, loopback ones dropped
  kEmbedded,  // user networks: 127.0.0.11
};

// The file's content. The search domains and options are --dns-search and --dns-option
// when given, else the host's; the embedded resolver adds Docker's `ndots:0` unless an
// ndots option is there already.
std::string container_resolv_conf(const ResolvConf& host, const NetOptions& options,
                                  ResolverKind kind);

// The IPv4 nameservers a user network's embedded resolver relays to: --dns when given,
// else the host's (loopback ones included: the relay runs in asupd's namespace).
std::vector<std::string> upstream_nameservers(const ResolvConf& host, const NetOptions& options);

}  // namespace asup::network
