#include "engine/security_config.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "core/fs.hpp"
#include "launch/seccomp_json.hpp"
#include "launch/seccomp_program.hpp"

namespace asup::engine {
namespace {

// Go's strconv.ParseBool, which Docker applies to no-new-privileges=VALUE.
std::optional<bool> parse_go_bool(const std::string& text) {
  for (auto t : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == t) return true;
  for (auto f : {"0", "f", "F", "FALSE", "false", "False"})
    if (text == f) return false;
  return std::nullopt;
}

// One line, as Docker prints a daemon's error: no errno text appended.
Error plain(const Error& e) {
  return Error{0, e.message};
}

// The seccomp profile (JSON) as a program for a container holding `caps`.
Result<std::string> compile_profile(const std::string& json, launch::CapabilitySet caps) {
  auto profile = launch::parse_seccomp_profile(json, caps);
  if (!profile) return fail("decoding seccomp profile failed: " + profile.error().message);
  auto program = launch::compile_seccomp(profile.value());
  if (!program) return fail(program.error().wrap("compile the seccomp profile"));
  return program;
}

// The programs of the profiles containers start with, by profile and capability set: a
// restart or an exec reuses the compiled filter. Bounded: a few profiles are the norm,
// and a daemon that sees many just compiles again. Used on the loop's thread only.
Result<std::string> cached_profile(const std::string& json, launch::CapabilitySet caps) {
  static std::map<std::pair<std::string, launch::CapabilitySet>, std::string> cache;
  constexpr std::size_t kMaxProfiles = 16;
  auto key = std::pair{json, caps};
  if (auto hit = cache.find(key); hit != cache.end()) return hit->second;
  ASUP_TRY(auto program, compile_profile(json, caps));
  if (cache.size() >= kMaxProfiles) cache.clear();
  cache.emplace(std::move(key), program);
  return program;
}

// --security-opt as moby's daemon reads it: "no-new-privileges", "disable" (label), or
// KEY=VALUE (KEY:VALUE, the old spelling) for label, apparmor, seccomp, no-new-privileges.
Status apply_security_opt(const std::string& opt, SecurityConfig& s) {
  if (opt == "no-new-privileges") {
    s.no_new_privileges = true;
    return ok();
  }
  if (opt == "disable") return ok();
  auto sep = opt.find('=');
  if (sep == std::string::npos) sep = opt.find(':');
  if (sep == std::string::npos) return fail("invalid --security-opt 1: \"" + opt + "\"");
  const std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
  if (key == "label" || key == "apparmor") return ok();  // see security_warnings
  if (key == "no-new-privileges") {
    auto on = parse_go_bool(value);
    if (!on) return fail("invalid --security-opt 2: \"" + opt + "\"");
    s.no_new_privileges = *on;
    return ok();
  }
  if (key == "seccomp") {
    s.seccomp_unconfined = value == "unconfined";
    // "builtin" is Docker's name for its default profile.
    s.seccomp_profile = value == "unconfined" || value == "builtin" ? "" : value;
    return ok();
  }
  return fail("invalid --security-opt 2: \"" + opt + "\"");
}

Status add_sysctl(const std::string& entry, const std::string& network_mode,
                  const std::string& ipc_mode, SecurityConfig& s) {
  ASUP_TRY(api::check_sysctl(entry));
  const auto eq = entry.find('=');
  const std::string key = entry.substr(0, eq);
  // runc's rule: the host's network namespace is not the container's to change.
  if (network_mode == "host" && key.rfind("net.", 0) == 0)
    return fail("sysctl \"" + key + "\" not allowed in host network namespace");
  // And the host's IPC namespace (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*).
  if ((ipc_mode == "host" || ipc_mode.rfind("container:", 0) == 0) && key.rfind("net.", 0) != 0)
    return fail("sysctl \"" + key + "\" not allowed in host ipc namespace");
  s.sysctls[key] = entry.substr(eq + 1);
  return ok();
}

Status add_ulimit(const std::string& text, SecurityConfig& s) {
  ASUP_TRY(auto limit, api::parse_ulimit(text));
  auto same = std::find_if(s.ulimits.begin(), s.ulimits.end(),
                           [&](const api::Ulimit& u) { return u.name == limit.name; });
  if (same != s.ulimits.end())
    *same = limit;
  else
    s.ulimits.push_back(std::move(limit));
  return ok();
}

bool host_has_apparmor() {
  auto enabled = fs::read_file("/sys/module/apparmor/parameters/enabled");
  return enabled && !enabled.value().empty() && enabled.value()[0] == 'Y';
}

bool host_has_selinux() {
  return fs::exists("/sys/fs/selinux/enforce");
}

std::uint64_t rlimit_value(std::int64_t v) {
  return v < 0 ? static_cast<std::uint64_t>(RLIM_INFINITY) : static_cast<std::uint64_t>(v);
}

nlohmann::json or_null(const std::vector<std::string>& list) {
  return list.empty() ? nlohmann::json() : nlohmann::json(list);
}

}  // namespace

Result<SecurityConfig> make_security_config(const api::RunRequest& r,
                                            const std::string& network_mode) {
  SecurityConfig s;
  if (!r.userns.empty() && r.userns != "host") return fail("--userns: invalid USER mode");
  s.userns_mode = r.userns;
  s.cap_add = r.cap_add;
  s.cap_drop = r.cap_drop;
  s.privileged = r.privileged;
  auto caps = launch::resolve_capabilities(r.cap_add, r.cap_drop, r.privileged);
  if (!caps) return fail(plain(caps.error()));
  s.capabilities = caps.value();
  s.security_opt = r.security_opt;
  for (const auto& opt : r.security_opt) {
    ASUP_TRY(apply_security_opt(opt, s));
  }
  if (!s.seccomp_profile.empty() && !s.privileged && !s.seccomp_unconfined) {
    ASUP_TRY(compile_profile(s.seccomp_profile, s.capabilities));
  }
  s.read_only = r.read_only;
  s.group_add = r.group_add;
  for (const auto& entry : r.sysctls) {
    ASUP_TRY(add_sysctl(entry, network_mode, r.ipc, s));
  }
  for (const auto& text : r.ulimits) {
    ASUP_TRY(add_ulimit(text, s));
  }
  if (r.shm_size && *r.shm_size < 0) return fail("SHM size can not be less than 0");
  if (r.shm_size && *r.shm_size > 0) s.shm_size = *r.shm_size;
  return s;
}

std::vector<std::string> security_warnings(const api::RunRequest& r) {
  std::vector<std::string> out;
  for (const auto& opt : r.security_opt) {
    auto sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');
    if (sep == std::string::npos) continue;
    const std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
    if (key == "apparmor" && value != "unconfined")
      out.push_back("apparmor profile \"" + value + "\" ignored: " +
                    (host_has_apparmor() ? "asupd does not load AppArmor profiles"
                                         : "AppArmor is not enabled on this host"));
    if (key == "label" && value != "disable")
      out.push_back("label \"" + value + "\" ignored: " +
                    (host_has_selinux() ? "asupd does not apply SELinux labels"
                                        : "SELinux is not enabled on this host"));
  }
  return out;
}

Status apply_security(const SecurityConfig& s, bool default_no_new_privs,
                      launch::LaunchSpec& spec) {
  spec.capabilities = s.capabilities;
  spec.no_new_privs = s.no_new_privileges.value_or(default_no_new_privs);
  spec.seccomp = !s.privileged && !s.seccomp_unconfined;
  spec.seccomp_program.clear();
  if (spec.seccomp && !s.seccomp_profile.empty()) {
    ASUP_TRY(spec.seccomp_program, cached_profile(s.seccomp_profile, s.capabilities));
  }
  spec.extra_groups = s.group_add;
  spec.rlimits.clear();
  for (const auto& u : s.ulimits) {
    const int resource = api::ulimit_resource(u.name);
    if (resource < 0) continue;  // parsed at create: cannot happen
    spec.rlimits.push_back(
        {static_cast<std::uint32_t>(resource), rlimit_value(u.soft), rlimit_value(u.hard)});
  }
  if (spec.mode == launch::Mode::Container) {
    spec.sysctls.clear();
    for (const auto& [key, value] : s.sysctls) spec.sysctls.push_back(key + "=" + value);
    spec.read_only_root = s.read_only;
  }
  return ok();
}

std::vector<cgroup::DeviceRule> privileged_device_rules() {
  cgroup::DeviceRule all;
  all.allow = true;
  all.type = cgroup::DeviceType::All;
  all.access = cgroup::kDeviceAllAccess;
  return {all};
}

void add_security_view(const SecurityConfig& s, nlohmann::json& host) {
  host["CapAdd"] = or_null(s.cap_add);
  host["CapDrop"] = or_null(s.cap_drop);
  host["Privileged"] = s.privileged;
  host["SecurityOpt"] = or_null(s.security_opt);
  host["ReadonlyRootfs"] = s.read_only;
  host["GroupAdd"] = or_null(s.group_add);
  if (!s.sysctls.empty()) host["Sysctls"] = s.sysctls;
  nlohmann::json ulimits = nlohmann::json::array();
  for (const auto& u : s.ulimits)
    ulimits.push_back({{"Name", u.name}, {"Hard", u.hard}, {"Soft", u.soft}});
  host["Ulimits"] = ulimits;
  host["ShmSize"] = s.shm_size;
  host["UsernsMode"] = s.userns_mode;
}

nlohmann::json to_json(const SecurityConfig& s) {
  nlohmann::json ulimits = nlohmann::json::array();
  for (const auto& u : s.ulimits)
    ulimits.push_back({{"name", u.name}, {"soft", u.soft}, {"hard", u.hard}});
  nlohmann::json j{{"cap_add", s.cap_add},
                   {"cap_drop", s.cap_drop},
                   {"privileged", s.privileged},
                   {"security_opt", s.security_opt},
                   {"seccomp_unconfined", s.seccomp_unconfined},
                   {"seccomp_profile", s.seccomp_profile},
                   {"read_only", s.read_only},
                   {"group_add", s.group_add},
                   {"sysctls", s.sysctls},
                   {"ulimits", ulimits},
                   {"shm_size", s.shm_size},
                   {"userns_mode", s.userns_mode},
                   {"capabilities", s.capabilities}};
  if (s.no_new_privileges) j["no_new_privileges"] = *s.no_new_privileges;
  return j;
}

SecurityConfig security_from_json(const nlohmann::json& j) {
  SecurityConfig s;
  if (!j.is_object()) return s;
  // A value of the wrong type is left at its default rather than thrown on.
  auto read = [&](const char* key, auto& field) {
    auto it = j.find(key);
    if (it == j.end()) return;
    try {
      it->get_to(field);
    } catch (const nlohmann::json::exception&) {
    }
  };
  read("cap_add", s.cap_add);
  read("cap_drop", s.cap_drop);
  read("privileged", s.privileged);
  read("security_opt", s.security_opt);
  read("seccomp_unconfined", s.seccomp_unconfined);
  read("seccomp_profile", s.seccomp_profile);
  read("read_only", s.read_only);
  read("group_add", s.group_add);
  read("sysctls", s.sysctls);
  read("shm_size", s.shm_size);
  read("userns_mode", s.userns_mode);
  read("capabilities", s.capabilities);
  if (auto it = j.find("no_new_privileges"); it != j.end() && it->is_boolean())
    s.no_new_privileges = it->get<bool>();
  if (auto it = j.find("ulimits"); it != j.end() && it->is_array()) {
    for (const auto& u : *it) {
      if (!u.is_object()) continue;
      s.ulimits.push_back({u.value("name", ""), u.value("soft", std::int64_t{0}),
                           u.value("hard", std::int64_t{0})});
    }
  }
  return s;
}

}  // namespace asup::engine
