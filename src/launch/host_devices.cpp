#include "launch/host_devices.hpp"

#include <algorithm>
#include <string_view>

namespace asup::launch {

std::vector<DeviceNode> privileged_devices(std::vector<DeviceNode> nodes) {
  static constexpr std::string_view kSkippedDirs[] = {"/dev/pts/", "/dev/shm/", "/dev/mqueue/",
                                                      "/dev/fd/"};
  auto skipped = [](const DeviceNode& node) {
    if (node.path == "/dev/console") return true;
    return std::any_of(std::begin(kSkippedDirs), std::end(kSkippedDirs),
                       [&](std::string_view dir) { return node.path.rfind(dir, 0) == 0; });
  };
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), skipped), nodes.end());
  return nodes;
}

std::vector<DeviceNode> host_devices() {
  // A host without a single node under /dev has nothing to give: not an error.
  auto nodes = gather_devices(DeviceMapping{"/dev", "/dev", "rwm"});
  if (!nodes) return {};
  return privileged_devices(std::move(nodes).value());
}

}  // namespace asup::launch
