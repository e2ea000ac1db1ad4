// Builds the list of mount operations for a container as data (unit-tested without
// root); asup-init executes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asup/result.hpp"
#include "launch/device_mapping.hpp"
#include "launch/launch_spec.hpp"

namespace asup::launch {

// A bind into the container: a -v/--mount bind's source or a volume's _data (the volume
// module parses the flags: volume/mount_spec.hpp).
struct VolumeMount {
  std::string host_path;       // absolute
  std::string container_path;  // absolute
  bool read_only = false;
  // Docker's bind propagation: "" and "rprivate" (the default), "private", "slave",
  // "rslave". (shared and rshared are refused when the container is created.)
  std::string propagation;

  bool operator==(const VolumeMount&) const = default;
};

// A user's mount (-v, --tmpfs) may not cover what the container's kernel interfaces hang
// on: "/", /proc, /sys, /dev themselves, anything inside /proc but the files lxcfs serves
// (runc's rule), and the nodes and directories asup-init makes in /dev. Without this check
// `-v X:/proc` or `--tmpfs /proc` leaves the container without procfs and hides the
// masked paths. `target` is absolute and clean.
Status check_mount_destination(const std::string& target);

// Lexical cleanup of an absolute path, like Go's filepath.Clean (what Docker applies to
// mount destinations): "//a/./b/../c/" -> "/a/c". ".." never climbs above "/".
std::string clean_absolute(std::string_view path);

// Parses Docker's --tmpfs syntax "/path" or "/path:opts" into the tmpfs Mount operation.
// opts are mount options ("size=64m,mode=1777,exec"); flag words (ro, rw, exec, noexec, suid,
// nosuid, dev, nodev, atime options, sync) become MS_* flags, the rest tmpfs data. The
// default is nosuid,nodev,noexec, as Docker's.
Result<MountOp> parse_tmpfs(const std::string& text);

// Where /dev/shm comes from (Docker's IpcMode).
enum class ShmMount {
  own,   // a tmpfs of shm_size, mounted in the container's namespace
  bind,  // shm_source, a host path: the host's /dev/shm or a tmpfs asupd shares
  none   // no /dev/shm
};

// tmpfs's size= as Docker writes it: kilobytes when whole ones ("65536k").
std::string size_option(std::int64_t bytes);

struct RootfsLayout {
  std::vector<std::string> lower_dirs;  // image layers, top-most first
  std::string upper_dir;
  std::string work_dir;
  std::string merged_dir;  // becomes "/"
  std::vector<VolumeMount> volumes;
  std::vector<std::string> tmpfs;   // container paths ("/run" or "/run:size=64m")
  std::vector<DeviceNode> devices;  // --device nodes (gather_devices)
  // Files asupd writes for the container and bind-mounts over /etc/...
  std::string hostname_file;
  std::string hosts_file;
  std::string resolv_conf_file;
  // --privileged: /sys read-write and none of Docker's masked or read-only paths (the
  // host's device nodes come in `devices`, host_devices.hpp).
  bool privileged = false;
  // --shm-size: /dev/shm's size in bytes; Docker's default is 64m.
  std::int64_t shm_size = std::int64_t{64} << 20;
  ShmMount shm = ShmMount::own;
  std::string shm_source;
};

// The overlay root, /proc, /sys (ro), /dev (tmpfs + null zero full random urandom tty,
// ptmx, /dev/pts newinstance, /dev/shm, /dev/mqueue, fd/stdin/stdout/stderr links),
// /etc/hostname, /etc/hosts, /etc/resolv.conf, then volumes and tmpfs mounts, the --device
// nodes (after every mount, as runc makes them, so none is hidden by one), and last
// Docker's masked and read-only /proc and /sys paths. Volumes and tmpfs entries are
// expected to be validated already (volume::parse_volume_flag, parse_tmpfs); an invalid tmpfs entry
// is kept with its raw text as target so that asup-init fails loudly instead of dropping it. Stats
// each volume's host path to create a directory or a file as its mount point.
std::vector<MountOp> build_container_mounts(const RootfsLayout& layout);

}  // namespace asup::launch
