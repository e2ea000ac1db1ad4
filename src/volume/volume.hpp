// One volume as the store keeps it and `volume inspect` shows it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace asup::volume {

// The label Docker puts on the volumes it makes for `-v /path` and an image's VOLUME,
// which `volume prune` looks for when not told `all=true`.
inline constexpr const char* kAnonymousLabel = "com.docker.volume.anonymous";
inline constexpr const char* kLocalDriver = "local";

struct Volume {
  std::string name;
  std::string driver = kLocalDriver;
  std::map<std::string, std::string> labels;
  // The local driver's options: type, device, o (`-o type=tmpfs -o device=tmpfs -o
  // o=size=64m`); empty for a plain directory.
  std::map<std::string, std::string> options;
  std::int64_t created = 0;  // unix seconds
  bool anonymous = false;    // made for `-v /path` or VOLUME: `rm -v` and `--rm` remove it
  std::string mountpoint;    // ROOT/volumes/NAME/_data, what a container's mount binds

  bool operator==(const Volume&) const = default;
};

// Docker's CreatedAt: RFC 3339 in seconds, UTC ("2026-12-07T10:00:00Z").
std::string created_at(const Volume& v);

}  // namespace asup::volume
