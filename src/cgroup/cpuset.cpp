#include "cgroup/cpuset.hpp"

#include <charconv>

#include "cgroup/control_file.hpp"
#include "core/fs.hpp"

namespace asup::cgroup::cpuset {
namespace {

// The kernel has no more than a few thousand CPUs or nodes; the bound keeps a typo such as
// "0-4000000000" from building a huge set.
constexpr unsigned kMaxNumber = 1u << 16;

std::optional<unsigned> number(std::string_view text) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || n >= kMaxNumber)
    return std::nullopt;
  return n;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

Result<std::set<unsigned>> parse_list(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::set<unsigned> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    std::size_t dash = item.find('-');
    auto first = number(item.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : number(item.substr(dash + 1));
    if (!first || !last || *last < *first)
      return fail(EINVAL, "invalid list item \"" + std::string(item) + "\"");
    for (unsigned n = *first; n <= *last; ++n) out.insert(n);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return fail(EINVAL, "invalid list: it ends with a comma");
  }
  return out;
}

std::vector<Setting> settings(Version version, const std::optional<std::string>& cpus,
                              const std::optional<std::string>& mems, bool for_update) {
  std::vector<Setting> out;
  if (!cpus && !mems) return out;
  const bool both = version == Version::V1 && !for_update;
  std::string c{kController};
  auto add = [&](std::string_view file, const std::optional<std::string>& value) {
    if (value)
      out.push_back({c, std::string{file}, *value});
    else if (both)
      out.push_back({c, std::string{file}, "", false, /*inherit=*/true});
  };
  add(kCpus, cpus);
  add(kMems, mems);
  return out;
}

Result<std::string> inherited_value(const std::string& group_dir, std::string_view file,
                                    const std::string& hierarchy_root, bool create) {
  std::string parent = group_dir.substr(0, group_dir.rfind('/'));
  auto text = fs::read_file(fs::join(parent, file));
  // A plain directory has the file only once it was written: missing is empty there.
  if (!text && !(create && text.error().code == ENOENT)) return fail(text.error());
  std::string value = text ? trimmed(std::move(text).value()) : std::string();
  if (!value.empty() || parent.size() <= hierarchy_root.size()) return value;
  ASUP_TRY(value, inherited_value(parent, file, hierarchy_root, create));
  ASUP_TRY(write_control_file(fs::join(parent, file), value, create));
  return value;
}

}  // namespace asup::cgroup::cpuset
