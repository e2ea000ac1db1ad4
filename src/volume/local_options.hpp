// The local driver's options (`volume create -o type=... -o device=... -o o=...`): checked
// at create as Docker's local driver does, and turned into the mount(2) call that puts
// the device on the volume's _data when a container first uses it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "asup/result.hpp"

namespace asup::volume {

using Options = std::map<std::string, std::string>;

// Keys type, device, o; type and device need each other and o needs both. Docker's texts:
// `invalid option: "x"`, `missing required option: "device"`, and for `size` (an xfs
// project quota) "quota size requested but no quota support".
Status validate_options(const Options& options);

// One mount(2) call as data.
struct LocalMount {
  std::string source;  // device: "tmpfs", "/srv/data", "/dev/sdb1"
  std::string fstype;  // "tmpfs", "none" for a bind, "ext4", ...
  unsigned long flags = 0;
  std::string data;  // what `o` holds beyond the flag words: "size=64m,uid=1000"

  bool bind() const;
  bool operator==(const LocalMount&) const = default;
};

// The mount for a volume's options; nullopt for a plain directory volume (no type). The
// flag words of `o` (ro, bind, rbind, nosuid, nodev, noexec, noatime, ...) become MS_*
// flags as mount(8) reads them; the rest is the file system's data.
std::optional<LocalMount> plan_local_mount(const Options& options);

// Executes the plan onto `target` (root only). A read-only bind needs a second,
// remounting call, which this makes.
Status perform_mount(const LocalMount& mount, const std::string& target);

}  // namespace asup::volume
