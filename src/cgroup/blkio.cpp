#include "cgroup/blkio.hpp"

#include <algorithm>
#include <string>

namespace asup::cgroup::blkio {

std::int64_t io_weight_of(std::uint16_t weight) {
  std::int64_t w = std::clamp(weight, kMinWeight, kMaxWeight);
  return 1 + (w - kMinWeight) * 9999 / (kMaxWeight - kMinWeight);
}

std::vector<Setting> settings(Version version, std::uint16_t weight) {
  if (weight == 0) return {};
  std::string value = std::to_string(weight);
  if (version == Version::V1) {
    std::string c{kControllerV1};
    return {{c, std::string{kWeightV1}, value, /*optional=*/true},
            {c, std::string{kBfqWeightV1}, value, /*optional=*/true}};
  }
  std::string c{kControllerV2};
  return {{c, std::string{kWeightV2}, "default " + std::to_string(io_weight_of(weight)),
           /*optional=*/true},
          {c, std::string{kBfqWeightV2}, value, /*optional=*/true}};
}

namespace {

std::string numbers(const BlkioDevice& d) {
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

void add_lines(std::vector<Setting>& out, std::string_view file,
               const std::vector<BlkioDevice>& devices) {
  for (const auto& d : devices)
    out.push_back({std::string{kControllerV1}, std::string{file},
                   numbers(d) + " " + std::to_string(d.value)});
}

// io.max's line for each device any throttle names, in the order they are first named.
std::vector<Setting> io_max(const BlkioDeviceLimits& l) {
  struct Line {
    std::uint32_t major, minor;
    std::string keys;
  };
  std::vector<Line> lines;
  auto add = [&](const std::vector<BlkioDevice>& devices, const char* key) {
    for (const auto& d : devices) {
      auto it = std::find_if(lines.begin(), lines.end(), [&](const Line& line) {
        return line.major == d.major && line.minor == d.minor;
      });
      if (it == lines.end()) it = lines.insert(lines.end(), Line{d.major, d.minor, ""});
      it->keys += std::string(" ") + key + "=" + (d.value ? std::to_string(d.value) : "max");
    }
  };
  add(l.read_bps, "rbps");
  add(l.write_bps, "wbps");
  add(l.read_iops, "riops");
  add(l.write_iops, "wiops");
  std::vector<Setting> out;
  for (const auto& line : lines)
    out.push_back({std::string{kControllerV2}, std::string{kMaxV2},
                   std::to_string(line.major) + ":" + std::to_string(line.minor) + line.keys});
  return out;
}

}  // namespace

std::vector<Setting> device_settings(Version version, const BlkioDeviceLimits& l) {
  std::vector<Setting> out;
  if (version == Version::V1) {
    std::string c{kControllerV1};
    for (const auto& d : l.weight) {
      std::string value = numbers(d) + " " + std::to_string(d.value);
      out.push_back({c, std::string{kWeightDeviceV1}, value, /*optional=*/true});
      out.push_back({c, std::string{kBfqWeightDeviceV1}, value, /*optional=*/true});
    }
    add_lines(out, kReadBpsV1, l.read_bps);
    add_lines(out, kWriteBpsV1, l.write_bps);
    add_lines(out, kReadIopsV1, l.read_iops);
    add_lines(out, kWriteIopsV1, l.write_iops);
    return out;
  }
  std::string c{kControllerV2};
  for (const auto& d : l.weight) {
    auto weight = static_cast<std::uint16_t>(std::min<std::uint64_t>(d.value, kMaxWeight));
    out.push_back({c, std::string{kWeightV2},
                   numbers(d) + " " + std::to_string(io_weight_of(weight)),
                   /*optional=*/true});
    out.push_back({c, std::string{kBfqWeightV2}, numbers(d) + " " + std::to_string(d.value),
                   /*optional=*/true});
  }
  for (auto& s : io_max(l)) out.push_back(std::move(s));
  return out;
}

}  // namespace asup::cgroup::blkio
