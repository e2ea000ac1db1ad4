#include "cli/run_security_flags.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/security_options.hpp"
#include "cli/run_flags.hpp"

namespace asup::cli {
namespace {

// Go's error texts are strerror's in lower case.
std::string errno_text(int code) {
  std::string text = std::strerror(code);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

Result<std::string> seccomp_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return fail("opening seccomp profile (" + path + ") failed: open " + path + ": " +
                errno_text(errno));
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded())
    return fail("compacting json for seccomp profile (" + path + ") failed: invalid JSON");
  return json.dump();
}

std::string invalid_argument(const std::string& value, const char* flag, const Error& e) {
  return "invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + e.message;
}

}  // namespace

Result<std::vector<std::string>> security_opts(const std::vector<std::string>& opts) {
  std::vector<std::string> out;
  for (const auto& opt : opts) {
    std::string key = opt, value;
    bool has_value = false;
    auto sep = opt.find('=');
    if (sep == std::string::npos && opt != "no-new-privileges") sep = opt.find(':');
    if (sep != std::string::npos) {
      key = opt.substr(0, sep);
      value = opt.substr(sep + 1);
      has_value = true;
    }
    if ((!has_value || value.empty()) && key != "no-new-privileges")
      return fail("Invalid --security-opt: \"" + opt + "\"");
    if (key == "seccomp" && value != "unconfined" && value != "builtin") {
      ASUP_TRY(auto json, seccomp_file(value));
      out.push_back("seccomp=" + json);
      continue;
    }
    out.push_back(opt);
  }
  return out;
}

void add_security_flags(CLI::App& cmd, SecurityFlags& f) {
  cmd.add_option("--cap-add", f.cap_add, "Add Linux capabilities")->allow_extra_args(false);
  cmd.add_option("--cap-drop", f.cap_drop, "Drop Linux capabilities")->allow_extra_args(false);
  cmd.add_flag("--privileged", f.privileged, "Give extended privileges to this container");
  cmd.add_option("--security-opt", f.security_opt,
                 "Security Options (no-new-privileges[=BOOL], seccomp=unconfined|PROFILE.json, "
                 "apparmor=..., label=...)")
      ->allow_extra_args(false);
  cmd.add_flag("--read-only", f.read_only, "Mount the container's root filesystem as read only");
  cmd.add_option("--group-add", f.group_add, "Add additional groups to join")
      ->allow_extra_args(false);
  cmd.add_option("--sysctl", f.sysctls, "Sysctl options")->allow_extra_args(false);
  cmd.add_option("--ulimit", f.ulimits, "Ulimit options")->allow_extra_args(false);
  cmd.add_option("--shm-size", f.shm_size, "Size of /dev/shm (default 64m)");
  cmd.add_option("--userns", f.userns, "User namespace to use (host)");
}

Status add_security(const SecurityFlags& f, api::RunRequest& req) {
  for (const auto& s : f.sysctls) {
    if (auto r = api::check_sysctl(s); !r) return fail(invalid_argument(s, "--sysctl", r.error()));
  }
  for (const auto& u : f.ulimits) {
    if (auto r = api::parse_ulimit(u); !r) return fail(invalid_argument(u, "--ulimit", r.error()));
  }
  if (!f.userns.empty() && f.userns != "host") return fail("--userns: invalid USER mode");
  if (!f.shm_size.empty()) {
    auto bytes = parse_size_flag(f.shm_size, "--shm-size");
    if (!bytes) return fail(bytes.error().message);
    req.shm_size = bytes.value();
  }
  ASUP_TRY(req.security_opt, security_opts(f.security_opt));
  req.cap_add = f.cap_add;
  req.cap_drop = f.cap_drop;
  req.privileged = f.privileged;
  req.read_only = f.read_only;
  req.group_add = f.group_add;
  req.sysctls = f.sysctls;
  req.ulimits = f.ulimits;
  req.userns = f.userns;
  return ok();
}

}  // namespace asup::cli
