// A container's mount as the user asked for it: `-v`/`--volume` and `--mount` parsed into
// one typed value with Docker's rules and error texts (moby's volume/mounts linux parser,
// the CLI's opts/mount.go). Pure, apart from parse_mount_flag's check that a bind source
// exists, which Docker's daemon makes for --mount and not for -v.
//
// The engine keeps them in a container's config (engine::ContainerMount) and turns them
// into the launch code's binds and tmpfs mounts at each start (engine/container_volumes.cpp):
// a bind's source or a volume's _data, and tmpfs_options for a tmpfs. `propagation` is kept
// and shown; every bind is private, Docker's default (rprivate).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "asup/result.hpp"

namespace asup::volume {

enum class MountType { bind, volume, tmpfs };

// "bind", "volume", "tmpfs": Docker's names, as inspect's Mounts[].Type shows them.
const char* mount_type_name(MountType type);

struct MountSpec {
  MountType type = MountType::volume;
  // bind: the host path (absolute, cleaned); volume: the name, "" for an anonymous
  // volume; tmpfs: "".
  std::string source;
  std::string target;  // absolute, cleaned, never "/"
  bool read_only = false;
  // bind only: "rprivate" unless given (shared, slave, private and their r-forms).
  std::string propagation;
  // volume only: fill an empty volume from the image's content at `target` (false with
  // `nocopy` / `volume-nocopy`).
  bool copy_data = true;
  // volume only, from --mount: what to create the volume with on first use.
  std::map<std::string, std::string> volume_labels;
  std::map<std::string, std::string> volume_options;
  std::string volume_driver;  // "" = local
  // tmpfs only, from --mount.
  std::int64_t tmpfs_size = 0;  // bytes, 0 = the kernel's default
  std::optional<mode_t> tmpfs_mode;
  // -v only: the mode text as given ("ro,z"), which inspect shows as Mounts[].Mode.
  std::string mode;

  bool anonymous() const { return type == MountType::volume && source.empty(); }
  bool operator==(const MountSpec&) const = default;
};

// `-v`: "/host:/ctr[:opts]" (bind), "name:/ctr[:opts]" (named volume), "/ctr" (anonymous
// volume). opts: rw|ro (and ro-non-recursive, ro-force-recursive, rro), z|Z (accepted,
// ignored: no SELinux here), a propagation mode, nocopy; at most one of each kind.
// Errors as Docker's: "invalid volume specification: '/a:/b:bad'", "invalid mode: bad".
// Volume names are checked when the volume is created (Store::create), as Docker does.
Result<MountSpec> parse_volume_flag(const std::string& text);

// `--mount type=bind|volume|tmpfs,source=..,target=..,readonly,...` (CSV, so a value may
// be quoted). Keys: type, source|src, target|destination|dst, readonly|ro[=bool],
// bind-propagation, volume-nocopy[=bool], volume-label=K=V, volume-opt=K=V,
// volume-driver, tmpfs-size, tmpfs-mode, consistency (ignored), bind-nonrecursive
// (refused: not supported). Then validated as Docker's daemon does, which includes that a
// bind source exists.
Result<MountSpec> parse_mount_flag(const std::string& text);

// Docker's checks of a parsed mount (moby's validateMountConfig): target set, absolute
// and not "/", bind source set and absolute (and existing with `check_bind_source`),
// options only of the mount's own type, no read-only anonymous volume.
Status validate_mount(const MountSpec& spec, bool check_bind_source);

// A tmpfs mount's options as Docker turns them into mount data: "mode=1777,size=64m".
std::string tmpfs_options(const MountSpec& spec);

}  // namespace asup::volume
