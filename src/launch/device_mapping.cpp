#include "launch/device_mapping.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

#include "launch/mount_plan.hpp"

namespace asup::launch {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}

// Docker's rule for PERMS: r, w and m each at most once, nothing else, not empty.
bool valid_mode(const std::string& mode) {
  if (mode.empty()) return false;
  for (std::size_t i = 0; i < mode.size(); ++i) {
    if (mode[i] != 'r' && mode[i] != 'w' && mode[i] != 'm') return false;
    if (mode.find(mode[i], i + 1) != std::string::npos) return false;
  }
  return true;
}

// Docker prints Go's errno texts, which are strerror's in lower case.
std::string errno_text(int code) {
  std::string text = std::strerror(code);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

Error gathering_error(const DeviceMapping& m, const std::string& reason) {
  return Error{0, "error gathering device information while adding custom device \"" +
                      m.path_on_host + "\": " + reason};
}

// The node at `host_path` (not followed), or nothing when it is not a device node.
Result<std::optional<DeviceNode>> node_at(const std::string& host_path,
                                          const std::string& permissions) {
  struct stat st;
  if (::lstat(host_path.c_str(), &st) != 0) return fail_errno("lstat " + host_path);
  if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode)) return std::optional<DeviceNode>{};
  DeviceNode node;
  node.block = S_ISBLK(st.st_mode);
  node.major = ::major(st.st_rdev);
  node.minor = ::minor(st.st_rdev);
  node.mode = st.st_mode & 07777;
  node.uid = st.st_uid;
  node.gid = st.st_gid;
  node.permissions = permissions;
  return std::optional<DeviceNode>{std::move(node)};
}

// Every device node below `dir`, symlinks not followed (as filepath.Walk, which Docker
// uses); entries that cannot be read are skipped, as Docker skips them.
std::vector<DeviceNode> nodes_below(const std::string& dir, const std::string& container_dir,
                                    const std::string& permissions) {
  std::vector<DeviceNode> out;
  std::error_code ec;
  namespace sfs = std::filesystem;
  auto options = sfs::directory_options::skip_permission_denied;
  for (sfs::recursive_directory_iterator it(dir, options, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string path = it->path().string();
    auto node = node_at(path, permissions);
    if (!node || !node.value()) continue;
    node.value()->path = clean_absolute(container_dir + "/" + path.substr(dir.size()));
    out.push_back(std::move(*node.value()));
  }
  std::sort(out.begin(), out.end(),
            [](const DeviceNode& a, const DeviceNode& b) { return a.path < b.path; });
  return out;
}

}  // namespace

Result<DeviceMapping> parse_device(const std::string& text) {
  auto parts = split(text, ':');
  if (parts.size() > 3 || parts[0].empty())
    return fail(EINVAL, "invalid device specification: " + text);
  DeviceMapping m;
  m.path_on_host = parts[0];
  m.path_in_container = parts[0];
  if (parts.size() >= 2) {
    if (valid_mode(parts[1])) {
      m.cgroup_permissions = parts[1];
    } else if (!parts[1].empty()) {
      m.path_in_container = parts[1];
    }
  }
  if (parts.size() == 3) m.cgroup_permissions = parts[2];
  if (!valid_mode(m.cgroup_permissions))
    return fail(EINVAL, "invalid device mode: " + m.cgroup_permissions);
  for (const auto* path : {&m.path_on_host, &m.path_in_container})
    if (path->front() != '/') return fail(EINVAL, *path + " is not an absolute path");
  if (clean_absolute(m.path_in_container) == "/")
    return fail(EINVAL, "invalid device specification: " + text);
  return m;
}

Result<std::vector<DeviceNode>> gather_devices(const DeviceMapping& m) {
  std::string host = m.path_on_host;
  // A link (/dev/disk/by-id/...) stands for the node it names; the container gets the
  // node at its own path.
  char resolved[PATH_MAX];
  struct stat lst;
  if (::lstat(host.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode) &&
      ::realpath(host.c_str(), resolved))
    host = resolved;

  auto node = node_at(host, m.cgroup_permissions);
  if (!node) return fail(gathering_error(m, errno_text(node.error().code)));
  std::string container = clean_absolute(m.path_in_container);
  if (node.value()) {
    node.value()->path = container;
    return std::vector<DeviceNode>{std::move(*node.value())};
  }
  struct stat st;
  if (::stat(host.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    auto nodes = nodes_below(host, container, m.cgroup_permissions);
    if (!nodes.empty()) return nodes;
  }
  return fail(gathering_error(m, "not a device node"));
}

}  // namespace asup::launch
