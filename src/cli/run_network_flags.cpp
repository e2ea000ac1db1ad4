#include "cli/run_network_flags.hpp"

namespace asup::cli {

void add_network_flags(CLI::App& cmd, NetworkFlags& f) {
  cmd.add_option("--add-host", f.add_hosts,
                 "Add a custom host-to-IP mapping (host:ip, or host:host-gateway)")
      ->allow_extra_args(false);
  cmd.add_option("--dns", f.dns, "Set custom DNS servers")->allow_extra_args(false);
  cmd.add_option("--dns-search", f.dns_search, "Set custom DNS search domains")
      ->allow_extra_args(false);
  cmd.add_option("--dns-option", f.dns_options, "Set DNS options")->allow_extra_args(false);
  cmd.add_option("--mac-address", f.mac_address, "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
  cmd.add_option("--expose", f.expose, "Expose a port or a range of ports")
      ->allow_extra_args(false);
}

void add_network_options(const NetworkFlags& f, api::RunRequest& req) {
  req.add_hosts = f.add_hosts;
  req.dns = f.dns;
  req.dns_search = f.dns_search;
  req.dns_options = f.dns_options;
  req.mac_address = f.mac_address;
  req.expose = f.expose;
}

}  // namespace asup::cli
