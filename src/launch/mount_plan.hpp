// Builds the list of mount operations for a container as data (unit-tested without
// root); asup-init executes it.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "launch/launch_spec.hpp"

namespace asup::launch {

struct VolumeMount {
  std::string host_path;       // absolute
  std::string container_path;  // absolute
  bool read_only = false;

  bool operator==(const VolumeMount&) const = default;
};

// Parses Docker's -v/--volume syntax "HOST:CONTAINER[:ro|rw]". Only bind mounts of
// absolute host paths; anything else is an error naming the cause.
Result<VolumeMount> parse_volume(const std::string& text);

struct RootfsLayout {
  std::vector<std::string> lower_dirs;  // image layers, top-most first
  std::string upper_dir;
  std::string work_dir;
  std::string merged_dir;  // becomes "/"
  std::vector<VolumeMount> volumes;
  std::vector<std::string> tmpfs;  // container paths ("/run" or "/run:size=64m")
  // Files asupd writes for the container and bind-mounts over /etc/...
  std::string hostname_file;
  std::string hosts_file;
  std::string resolv_conf_file;
};

// The overlay root, /proc, /sys (ro), /dev (tmpfs + null zero full random urandom tty,
// ptmx, /dev/pts newinstance, /dev/shm, /dev/mqueue, fd/stdin/stdout/stderr links),
// /etc/hostname, /etc/hosts, /etc/resolv.conf, then volumes and tmpfs mounts.
std::vector<MountOp> build_container_mounts(const RootfsLayout& layout);

}  // namespace asup::launch
