#include "init/user.hpp"

#include <cerrno>

#include "core/fs.hpp"
#include "core/strings.hpp"

namespace asup::init {
namespace {

constexpr unsigned long kMaxId = 0x7fffffff;

std::optional<unsigned long> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v > kMaxId) return std::nullopt;
  return v;
}

// Calls f(fields) for each entry line of a passwd/group style file.
template <class F>
void for_each_entry(const std::optional<std::string>& file, F&& f) {
  if (!file) return;
  for (auto line : split(*file, '\n')) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (f(split(line, ':'))) return;
  }
}

struct PasswdEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::string home;
};

// First match wins, as in runc.
std::optional<PasswdEntry> find_user(const std::optional<std::string>& passwd,
                                     std::string_view name, std::optional<unsigned long> uid) {
  std::optional<PasswdEntry> found;
  for_each_entry(passwd, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 4) return false;
    auto entry_uid = parse_id(f[2]);
    auto entry_gid = parse_id(f[3]);
    if (!entry_uid || !entry_gid) return false;
    if (uid ? *entry_uid != *uid : f[0] != name) return false;
    found = PasswdEntry{std::string{f[0]}, static_cast<uid_t>(*entry_uid),
                        static_cast<gid_t>(*entry_gid), f.size() > 5 ? std::string{f[5]} : ""};
    return true;
  });
  return found;
}

}  // namespace

Result<ExecUser> resolve_user(std::string_view spec, const std::optional<std::string>& passwd,
                              const std::optional<std::string>& group) {
  std::string_view user_arg = spec, group_arg;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    user_arg = spec.substr(0, colon);
    group_arg = spec.substr(colon + 1);
  }
  auto uid_arg = parse_id(user_arg);
  auto gid_arg = parse_id(group_arg);

  ExecUser user;
  // An empty user means root: still looked up, for its home and groups.
  auto entry =
      find_user(passwd, user_arg, user_arg.empty() ? std::optional<unsigned long>{0} : uid_arg);
  std::string matched_name;
  if (entry) {
    user.uid = entry->uid;
    user.gid = entry->gid;
    if (!entry->home.empty()) user.home = entry->home;
    matched_name = entry->name;
  } else if (!user_arg.empty()) {
    if (!uid_arg)
      return fail("unable to find user " + std::string{user_arg} +
                  ": no matching entries in passwd file");
    user.uid = static_cast<uid_t>(*uid_arg);
  }

  if (!group_arg.empty()) {
    std::optional<gid_t> found;
    for_each_entry(group, [&](const std::vector<std::string_view>& f) {
      if (f.size() < 3) return false;
      auto gid = parse_id(f[2]);
      if (!gid) return false;
      if (gid_arg ? *gid != *gid_arg : f[0] != group_arg) return false;
      found = static_cast<gid_t>(*gid);
      return true;
    });
    if (found) {
      user.gid = *found;
    } else if (gid_arg) {
      user.gid = static_cast<gid_t>(*gid_arg);
    } else {
      return fail("unable to find group " + std::string{group_arg} +
                  ": no matching entries in group file");
    }
  } else if (!matched_name.empty()) {
    for_each_entry(group, [&](const std::vector<std::string_view>& f) {
      if (f.size() < 4) return false;
      auto gid = parse_id(f[2]);
      if (!gid) return false;
      for (auto member : split(f[3], ',')) {
        if (member == matched_name) {
          user.groups.push_back(static_cast<gid_t>(*gid));
          break;
        }
      }
      return false;
    });
  }
  return user;
}

namespace {

Result<std::optional<std::string>> read_optional(const std::string& path) {
  auto text = fs::read_file(path);
  if (text) return std::optional<std::string>{std::move(text).value()};
  if (text.error().code == ENOENT) return std::optional<std::string>{};
  return fail(text.error());
}

}  // namespace

Result<ExecUser> resolve_user(std::string_view spec) {
  ASUP_TRY(auto passwd, read_optional("/etc/passwd"));
  ASUP_TRY(auto group, read_optional("/etc/group"));
  return resolve_user(spec, passwd, group);
}

Status add_groups(ExecUser& user, const std::vector<std::string>& entries,
                  const std::optional<std::string>& group) {
  for (const auto& entry : entries) {
    auto number = parse_id(entry);
    std::optional<gid_t> found;
    for_each_entry(group, [&](const std::vector<std::string_view>& f) {
      if (f.size() < 3) return false;
      auto gid = parse_id(f[2]);
      if (!gid || (f[0] != entry && (!number || *gid != *number))) return false;
      found = static_cast<gid_t>(*gid);
      return true;
    });
    if (!found && number) found = static_cast<gid_t>(*number);
    if (!found)
      return fail("Unable to find group " + entry + ": no matching entries in group file");
    bool seen = false;
    for (gid_t g : user.groups) seen = seen || g == *found;
    if (!seen) user.groups.push_back(*found);
  }
  return ok();
}

Status add_groups(ExecUser& user, const std::vector<std::string>& entries) {
  if (entries.empty()) return ok();
  ASUP_TRY(auto group, read_optional("/etc/group"));
  return add_groups(user, entries, group);
}

}  // namespace asup::init
