#include "cli/run_host_flags.hpp"

namespace asup::cli {

void add_host_flags(CLI::App& cmd, HostFlags& f) {
  cmd.add_option("--pid", f.pid, "PID namespace to use (host, container:NAME)");
  cmd.add_option("--ipc", f.ipc,
                 "IPC mode to use (private, shareable, none, host, container:NAME)");
  cmd.add_option("--uts", f.uts, "UTS namespace to use (host)");
  cmd.add_option("--cgroupns", f.cgroupns,
                 "Cgroup namespace to use (host|private): private, its own (the default); "
                 "host, the host's");
  cmd.add_option("--domainname", f.domainname, "Container NIS domain name");
  cmd.add_option("--annotation", f.annotations,
                 "Add an annotation to the container (kept, shown by inspect)")
      ->allow_extra_args(false);
  cmd.add_option("--runtime", f.runtime, "Runtime to use for this container (runc, asup)");
  cmd.add_option("--link", f.links, "Add link to another container (NAME[:ALIAS])")
      ->allow_extra_args(false);
  cmd.add_option("--volume-driver", f.volume_driver, "Optional volume driver for the container");
  cmd.add_option("--storage-opt", f.storage_opt, "Storage driver options for the container")
      ->allow_extra_args(false);
  cmd.add_option("--gpus", f.gpus, "GPU devices to add to the container ('all' to pass all GPUs)");
  cmd.add_option("--isolation", f.isolation, "Container isolation technology (default)");
  cmd.add_option("--ip6", f.ip6, "IPv6 address (e.g., 2001:db8::33)");
  cmd.add_option("--link-local-ip", f.link_local_ips, "Container IPv4/IPv6 link-local addresses")
      ->allow_extra_args(false);
}

void add_host_options(const HostFlags& f, api::RunRequest& req) {
  req.pid = f.pid;
  req.ipc = f.ipc;
  req.uts = f.uts;
  req.cgroupns = f.cgroupns;
  req.domainname = f.domainname;
  req.annotations = f.annotations;
  req.runtime = f.runtime;
  req.links = f.links;
  req.volume_driver = f.volume_driver;
  req.storage_opt = f.storage_opt;
  req.gpus = f.gpus;
  req.isolation = f.isolation;
  req.ip6 = f.ip6;
  req.link_local_ips = f.link_local_ips;
}

}  // namespace asup::cli
