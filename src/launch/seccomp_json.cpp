// The field names and semantics follow Docker's profile format (moby's
// api/types/seccomp): unknown fields are ignored, as Docker's decoder does, so a
// profile written for a newer Docker still loads; a known field of the wrong type is an
// error.
#include "launch/seccomp_json.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

#include "launch/seccomp_program.hpp"

namespace asup::launch {
namespace {

using nlohmann::json;

auto bad(const std::string& where, const std::string& cause) {
  return fail(EINVAL, "seccomp profile: " + where + ": " + cause);
}

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

// A member of `object` or nullptr when absent (or null, which Docker's decoder treats
// the same way).
const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> string_at(const json& value, const std::string& where) {
  if (!value.is_string()) return bad(where, "not a string");
  return value.get<std::string>();
}

Result<std::uint64_t> number_at(const json& value, const std::string& where) {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<long long>() >= 0))
    return bad(where, "not a non-negative integer");
  return value.get<std::uint64_t>();
}

Result<std::vector<std::string>> strings_at(const json* value, const std::string& where) {
  std::vector<std::string> out;
  if (!value) return out;
  if (!value->is_array()) return bad(where, "not an array");
  for (std::size_t i = 0; i < value->size(); ++i) {
    ASUP_TRY(std::string s, string_at((*value)[i], where + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

// The errno of an SCMP_ACT_ERRNO action: errnoRet, else EPERM, as Docker answers.
Result<SeccompAction> action_at(const json& object, const char* action_key, const char* ret_key,
                                const std::string& prefix) {
  const json* name_value = member(object, action_key);
  if (!name_value) return bad(prefix + action_key, "missing");
  ASUP_TRY(std::string name, string_at(*name_value, prefix + action_key));
  std::optional<std::uint64_t> ret;
  if (const json* r = member(object, ret_key)) {
    ASUP_TRY(std::uint64_t v, number_at(*r, prefix + ret_key));
    ret = v;
  }
  struct Known {
    const char* name;
    SeccompActionKind kind;
  };
  static constexpr Known kKnown[] = {
      {"SCMP_ACT_ALLOW", SeccompActionKind::Allow},
      {"SCMP_ACT_ERRNO", SeccompActionKind::Errno},
      {"SCMP_ACT_KILL", SeccompActionKind::KillThread},
      {"SCMP_ACT_KILL_THREAD", SeccompActionKind::KillThread},
      {"SCMP_ACT_KILL_PROCESS", SeccompActionKind::KillProcess},
      {"SCMP_ACT_TRAP", SeccompActionKind::Trap},
      {"SCMP_ACT_LOG", SeccompActionKind::Log},
      {"SCMP_ACT_TRACE", SeccompActionKind::Trace},
  };
  for (const auto& k : kKnown) {
    if (name != k.name) continue;
    const bool takes_value =
        k.kind == SeccompActionKind::Errno || k.kind == SeccompActionKind::Trace;
    if (ret && !takes_value)
      return bad(prefix + ret_key, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
    // The kernel caps errno values at 4095 (MAX_ERRNO); the trace message is 16 bits.
    const std::uint64_t limit = k.kind == SeccompActionKind::Errno ? 4095 : 0xffff;
    if (ret && *ret > limit)
      return bad(prefix + ret_key, std::to_string(*ret) + " is out of range");
    std::uint32_t value = 0;
    if (k.kind == SeccompActionKind::Errno) value = ret ? static_cast<std::uint32_t>(*ret) : EPERM;
    if (k.kind == SeccompActionKind::Trace && ret) value = static_cast<std::uint32_t>(*ret);
    return SeccompAction{k.kind, value};
  }
  if (name == "SCMP_ACT_NOTIFY")
    return bad(prefix + action_key, "SCMP_ACT_NOTIFY is not supported (no seccomp agent)");
  return bad(prefix + action_key, "unknown action " + in_quotes(name));
}

Result<ArgCondition> condition_at(const json& arg, const std::string& where) {
  if (!arg.is_object()) return bad(where, "not an object");
  ArgCondition c;
  if (const json* v = member(arg, "index")) {
    ASUP_TRY(std::uint64_t index, number_at(*v, where + ".index"));
    // seccomp_data holds six arguments.
    if (index > 5)
      return bad(where + ".index", std::to_string(index) + " is past the sixth argument");
    c.index = static_cast<unsigned>(index);
  }
  if (const json* v = member(arg, "value")) {
    ASUP_TRY(c.value, number_at(*v, where + ".value"));
  }
  if (const json* v = member(arg, "valueTwo")) {
    ASUP_TRY(c.value_two, number_at(*v, where + ".valueTwo"));
  }
  const json* op = member(arg, "op");
  if (!op) return bad(where + ".op", "missing");
  ASUP_TRY(std::string name, string_at(*op, where + ".op"));
  static constexpr std::pair<const char*, ArgOp> kOps[] = {
      {"SCMP_CMP_NE", ArgOp::NotEqual},           {"SCMP_CMP_LT", ArgOp::Less},
      {"SCMP_CMP_LE", ArgOp::LessOrEqual},        {"SCMP_CMP_EQ", ArgOp::Equal},
      {"SCMP_CMP_GE", ArgOp::GreaterOrEqual},     {"SCMP_CMP_GT", ArgOp::Greater},
      {"SCMP_CMP_MASKED_EQ", ArgOp::MaskedEqual},
  };
  for (const auto& [known, value] : kOps) {
    if (name == known) {
      c.op = value;
      return c;
    }
  }
  return bad(where + ".op", "unknown operator " + in_quotes(name));
}

// "4.8": Docker's minKernel is a major and a minor version.
Result<std::pair<unsigned, unsigned>> kernel_version_at(const json& value,
                                                        const std::string& where) {
  ASUP_TRY(std::string text, string_at(value, where));
  unsigned major = 0, minor = 0;
  const char* end = text.data() + text.size();
  auto m = std::from_chars(text.data(), end, major);
  if (m.ec == std::errc{} && m.ptr != end && *m.ptr == '.') {
    auto n = std::from_chars(m.ptr + 1, end, minor);
    if (n.ec == std::errc{} && n.ptr == end && n.ptr != m.ptr + 1) return std::pair{major, minor};
  }
  return bad(where, "invalid kernel version " + in_quotes(text) + " (want MAJOR.MINOR)");
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// A capability this table does not know is one the container does not hold: a profile
// written for a newer kernel still loads.
bool holds(CapabilitySet caps, const std::string& name) {
  auto cap = parse_capability(name);
  return cap && has_capability(caps, cap.value());
}

// What includes/excludes say: whether their condition holds on this host for `caps`.
struct Filter {
  std::vector<std::string> arches, caps;
  std::optional<std::pair<unsigned, unsigned>> min_kernel;
};

Result<Filter> filter_at(const json* value, const std::string& where) {
  Filter f;
  if (!value) return f;
  if (!value->is_object()) return bad(where, "not an object");
  ASUP_TRY(f.arches, strings_at(member(*value, "arches"), where + ".arches"));
  ASUP_TRY(f.caps, strings_at(member(*value, "caps"), where + ".caps"));
  if (const json* k = member(*value, "minKernel")) {
    ASUP_TRY(auto version, kernel_version_at(*k, where + ".minKernel"));
    f.min_kernel = version;
  }
  return f;
}

bool kernel_at_least(const SeccompHost& host, std::pair<unsigned, unsigned> v) {
  return std::pair{host.kernel_major, host.kernel_minor} >= v;
}

// moby's rule: excluded when the arch is listed, any listed capability is held, or the
// kernel is at least minKernel; included only when the arch is listed, every listed
// capability is held and the kernel is at least minKernel (each where given).
bool applies(const Filter& includes, const Filter& excludes, CapabilitySet caps,
             const SeccompHost& host) {
  if (contains(excludes.arches, host.arch)) return false;
  for (const auto& c : excludes.caps) {
    if (holds(caps, c)) return false;
  }
  if (excludes.min_kernel && kernel_at_least(host, *excludes.min_kernel)) return false;
  if (!includes.arches.empty() && !contains(includes.arches, host.arch)) return false;
  for (const auto& c : includes.caps) {
    if (!holds(caps, c)) return false;
  }
  if (includes.min_kernel && !kernel_at_least(host, *includes.min_kernel)) return false;
  return true;
}

// One entry of syscalls[]: the rule, or nothing when its includes/excludes leave it out.
Result<std::optional<SeccompRule>> rule_at(const json& entry, const std::string& where,
                                           CapabilitySet caps, const SeccompHost& host) {
  if (!entry.is_object()) return bad(where, "not an object");
  SeccompRule rule;
  ASUP_TRY(rule.names, strings_at(member(entry, "names"), where + ".names"));
  if (const json* name = member(entry, "name")) {
    if (!rule.names.empty()) return bad(where, "use either \"name\" or \"names\"");
    ASUP_TRY(std::string single, string_at(*name, where + ".name"));
    rule.names.push_back(std::move(single));
  }
  if (rule.names.empty()) return bad(where + ".names", "no system call named");
  ASUP_TRY(rule.action, action_at(entry, "action", "errnoRet", where + "."));
  if (const json* args = member(entry, "args")) {
    if (!args->is_array()) return bad(where + ".args", "not an array");
    for (std::size_t i = 0; i < args->size(); ++i) {
      ASUP_TRY(ArgCondition c,
               condition_at((*args)[i], where + ".args[" + std::to_string(i) + "]"));
      rule.args.push_back(c);
    }
  }
  ASUP_TRY(Filter includes, filter_at(member(entry, "includes"), where + ".includes"));
  ASUP_TRY(Filter excludes, filter_at(member(entry, "excludes"), where + ".excludes"));
  if (!applies(includes, excludes, caps, host)) return std::optional<SeccompRule>{};
  return std::optional<SeccompRule>{std::move(rule)};
}

// Docker's GOARCH names and libseccomp's for the same architecture.
std::string seccomp_arch_of(const std::string& go_arch) {
  static constexpr std::pair<const char*, const char*> kArches[] = {
      {"amd64", "SCMP_ARCH_X86_64"},    {"386", "SCMP_ARCH_X86"},
      {"arm64", "SCMP_ARCH_AARCH64"},   {"arm", "SCMP_ARCH_ARM"},
      {"s390x", "SCMP_ARCH_S390X"},     {"s390", "SCMP_ARCH_S390"},
      {"ppc64le", "SCMP_ARCH_PPC64LE"}, {"riscv64", "SCMP_ARCH_RISCV64"},
  };
  for (const auto& [go, scmp] : kArches) {
    if (go_arch == go) return scmp;
  }
  return "";
}

Status check_arch(const std::string& name, const std::string& where) {
  if (seccomp_arch_token(name) == 0) return bad(where, "unknown architecture " + in_quotes(name));
  return ok();
}

// `architectures`, or the archMap entry of this host's architecture with its companions.
Result<std::vector<std::string>> architectures_at(const json& doc, const SeccompHost& host) {
  ASUP_TRY(auto listed, strings_at(member(doc, "architectures"), "architectures"));
  for (std::size_t i = 0; i < listed.size(); ++i) {
    ASUP_TRY(check_arch(listed[i], "architectures[" + std::to_string(i) + "]"));
  }
  const json* map = member(doc, "archMap");
  if (!map) return listed;
  if (!listed.empty()) return bad("archMap", "use either \"architectures\" or \"archMap\"");
  if (!map->is_array()) return bad("archMap", "not an array");
  const std::string native = seccomp_arch_of(host.arch);
  for (std::size_t i = 0; i < map->size(); ++i) {
    const std::string where = "archMap[" + std::to_string(i) + "]";
    const json& entry = (*map)[i];
    if (!entry.is_object()) return bad(where, "not an object");
    const json* arch = member(entry, "architecture");
    if (!arch) return bad(where + ".architecture", "missing");
    ASUP_TRY(std::string name, string_at(*arch, where + ".architecture"));
    if (name != native) continue;
    ASUP_TRY(auto subs, strings_at(member(entry, "subArchitectures"), where + ".subArchitectures"));
    listed.push_back(name);
    for (std::size_t j = 0; j < subs.size(); ++j) {
      ASUP_TRY(check_arch(subs[j], where + ".subArchitectures[" + std::to_string(j) + "]"));
    }
    listed.insert(listed.end(), subs.begin(), subs.end());
  }
  return listed;
}

}  // namespace

Result<SeccompProfile> parse_seccomp_profile(std::string_view text, CapabilitySet caps,
                                             const SeccompHost& host) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return fail(EINVAL, "seccomp profile: invalid JSON at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object()) return fail(EINVAL, "seccomp profile: not a JSON object");
  SeccompProfile profile;
  ASUP_TRY(profile.default_action, action_at(doc, "defaultAction", "defaultErrnoRet", ""));
  ASUP_TRY(profile.architectures, architectures_at(doc, host));
  const json* syscalls = member(doc, "syscalls");
  if (syscalls && !syscalls->is_array()) return bad("syscalls", "not an array");
  for (std::size_t i = 0; syscalls && i < syscalls->size(); ++i) {
    ASUP_TRY(auto rule, rule_at((*syscalls)[i], "syscalls[" + std::to_string(i) + "]", caps, host));
    if (rule) profile.rules.push_back(std::move(*rule));
  }
  return profile;
}

}  // namespace asup::launch
