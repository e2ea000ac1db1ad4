// `-v` and the checks both flags share. The texts are Docker's, so that scripts matching
// on them keep working.
#include "volume/mount_spec.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include "volume/paths.hpp"

namespace asup::volume {
namespace {

constexpr std::array<std::string_view, 5> kRwModes = {"rw", "ro", "ro-non-recursive",
                                                      "ro-force-recursive", "rro"};
constexpr std::array<std::string_view, 6> kPropagations = {"private", "rprivate", "slave",
                                                           "rslave",  "shared",   "rshared"};
constexpr std::array<std::string_view, 3> kConsistencies = {"consistent", "cached", "delegated"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view word) {
  for (auto w : set)
    if (w == word) return true;
  return false;
}

std::vector<std::string> split(std::string_view text, char sep, size_t max_parts) {
  std::vector<std::string> out;
  size_t start = 0;
  while (out.size() + 1 < max_parts) {
    size_t at = text.find(sep, start);
    if (at == std::string_view::npos) break;
    out.emplace_back(text.substr(start, at - start));
    start = at + 1;
  }
  out.emplace_back(text.substr(start));
  return out;
}

// What the options of a mode string are, each kind counted (moby's linuxValidMountMode).
struct ModeWords {
  bool valid = true;
  bool read_only = false;
  bool nocopy = false;
  std::string propagation;
};

ModeWords read_mode(const std::string& mode) {
  ModeWords m;
  if (mode.empty()) return m;
  int rw = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
  for (const auto& o : split(mode, ',', std::string::npos)) {
    if (one_of(kRwModes, o)) {
      ++rw;
      m.read_only = o != "rw";
    } else if (o == "z" || o == "Z") {
      ++label;
    } else if (one_of(kPropagations, o)) {
      ++propagation;
      m.propagation = o;
    } else if (o == "nocopy") {
      ++copy;
      m.nocopy = true;
    } else if (one_of(kConsistencies, o)) {
      ++consistency;
    } else {
      m.valid = false;
    }
  }
  if (rw > 1 || label > 1 || propagation > 1 || copy > 1 || consistency > 1) m.valid = false;
  return m;
}

std::string type_quoted(MountType type) {
  return std::string{"\""} + mount_type_name(type) + "\"";
}

auto config_error(const MountSpec& spec, const std::string& why) {
  return fail(EINVAL, "invalid mount config for type " + type_quoted(spec.type) + ": " + why);
}

Status check_absolute(const MountSpec& spec, const std::string& path) {
  if (!path.empty() && path.front() == '/') return ok();
  return config_error(spec, "invalid mount path: '" + path + "' mount path must be absolute");
}

Status check_bind(const MountSpec& spec, bool check_source_exists) {
  if (spec.source.empty()) return config_error(spec, "field Source must not be empty");
  if (!spec.propagation.empty() && !one_of(kPropagations, spec.propagation))
    return config_error(spec, "invalid propagation mode: " + spec.propagation);
  // A shared bind would carry the container's mounts back into the host: asup-init keeps
  // the container's mount tree out of every host peer group, so it cannot be honoured.
  if (spec.propagation == "shared" || spec.propagation == "rshared")
    return config_error(spec, "bind propagation " + spec.propagation +
                                  " is not supported: use slave or rslave to see the host's "
                                  "later mounts");
  ASUP_TRY(check_absolute(spec, spec.source));
  if (!check_source_exists) return ok();
  struct stat st;
  if (::stat(spec.source.c_str(), &st) == 0) return ok();
  if (errno != ENOENT) return fail_errno("stat " + spec.source);
  return config_error(spec, "bind source path does not exist: " + spec.source);
}

}  // namespace

const char* mount_type_name(MountType type) {
  switch (type) {
    case MountType::bind:
      return "bind";
    case MountType::volume:
      return "volume";
    case MountType::tmpfs:
      return "tmpfs";
  }
  return "volume";
}

Status validate_mount(const MountSpec& spec, bool check_bind_source) {
  if (spec.target.empty()) return config_error(spec, "field Target must not be empty");
  if (clean_path(spec.target) == "/")
    return config_error(spec, "invalid specification: destination can't be '/'");
  ASUP_TRY(check_absolute(spec, spec.target));
  const bool volume_opts = !spec.volume_labels.empty() || !spec.volume_options.empty() ||
                           !spec.volume_driver.empty() || !spec.copy_data;
  const bool bind_opts = !spec.propagation.empty();
  switch (spec.type) {
    case MountType::bind:
      if (volume_opts) return config_error(spec, "field VolumeOptions must not be specified");
      return check_bind(spec, check_bind_source);
    case MountType::volume:
      if (bind_opts) return config_error(spec, "field BindOptions must not be specified");
      if (spec.read_only && spec.source.empty())
        return config_error(spec, "must not set ReadOnly mode when using anonymous volumes");
      return ok();
    case MountType::tmpfs:
      if (bind_opts) return config_error(spec, "field BindOptions must not be specified");
      if (!spec.source.empty()) return config_error(spec, "field Source must not be specified");
      return ok();
  }
  return ok();
}

Result<MountSpec> parse_volume_flag(const std::string& text) {
  auto invalid_spec = [&] { return fail(EINVAL, "invalid volume specification: '" + text + "'"); };
  auto arr = split(text, ':', 4);
  if (arr[0].empty() || arr.size() > 3) return invalid_spec();
  MountSpec spec;
  if (arr.size() == 1) {
    spec.target = arr[0];
  } else {
    // "/foo:rw" names no volume: a destination and a mode only.
    if (arr.size() == 2 && read_mode(arr[1]).valid) return invalid_spec();
    spec.source = arr[0];
    spec.target = arr[1];
    if (arr.size() == 3) spec.mode = arr[2];
  }
  ModeWords mode = read_mode(spec.mode);
  if (!mode.valid) return fail(EINVAL, "invalid mode: " + spec.mode);
  spec.type =
      !spec.source.empty() && spec.source.front() == '/' ? MountType::bind : MountType::volume;
  spec.read_only = mode.read_only;
  spec.copy_data = !mode.nocopy;
  spec.propagation = mode.propagation;
  auto valid = validate_mount(spec, false);
  if (!valid) return fail(EINVAL, invalid_spec().error().message + ": " + valid.error().message);
  spec.target = clean_path(spec.target);
  if (spec.type == MountType::bind) {
    spec.source = clean_path(spec.source);
    if (spec.propagation.empty()) spec.propagation = "rprivate";
  }
  return spec;
}

std::string tmpfs_options(const MountSpec& spec) {
  std::string out;
  auto add = [&](const std::string& o) { out += (out.empty() ? "" : ",") + o; };
  if (spec.read_only) add("ro");
  if (spec.tmpfs_mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "mode=%o", static_cast<unsigned>(*spec.tmpfs_mode));
    add(buf);
  }
  if (spec.tmpfs_size > 0) {
    // The largest unit that divides the size, as Docker writes it.
    std::int64_t size = spec.tmpfs_size;
    std::string suffix;
    for (auto [s, div] : {std::pair{"g", 1LL << 30}, {"m", 1LL << 20}, {"k", 1LL << 10}}) {
      if (size % div == 0) {
        size /= div;
        suffix = s;
        break;
      }
    }
    add("size=" + std::to_string(size) + suffix);
  }
  return out;
}

}  // namespace asup::volume
