#include "cgroup/device_filter.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace asup::cgroup {
namespace {

// Registers of the program: r1 holds the context on entry and is scratch afterwards.
constexpr std::uint8_t kR0 = 0, kCtx = 1, kScratch = 1, kType = 2, kAccess = 3, kMajor = 4,
                       kMinor = 5;

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
              std::int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_u32(std::uint8_t dst, std::int16_t offset) {
  return insn(BPF_LDX | BPF_W | BPF_MEM, dst, kCtx, offset, 0);
}
bpf_insn and32(std::uint8_t dst, std::int32_t imm) {
  return insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
}
bpf_insn rsh32(std::uint8_t dst, std::int32_t imm) {
  return insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov64_reg(std::uint8_t dst, std::uint8_t src) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn mov64_imm(std::uint8_t dst, std::int32_t imm) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
// Conditional jumps are emitted with a placeholder offset, patched once the block's
// length is known.
bpf_insn jump_if(std::uint8_t op, std::uint8_t dst, std::int32_t imm) {
  return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn exit_insn() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

std::int32_t kernel_type(DeviceType type) {
  return type == DeviceType::Block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

std::int32_t kernel_access(std::uint8_t access) {
  std::int32_t out = 0;
  if (access & kDeviceMknod) out |= BPF_DEVCG_ACC_MKNOD;
  if (access & kDeviceRead) out |= BPF_DEVCG_ACC_READ;
  if (access & kDeviceWrite) out |= BPF_DEVCG_ACC_WRITE;
  return out;
}

// One rule: each check that fails jumps past the block to the next (earlier) rule; a
// request that passes them all gets the rule's verdict.
void emit_rule(std::vector<bpf_insn>& out, const DeviceRule& rule) {
  std::size_t start = out.size();
  out.push_back(jump_if(BPF_JNE, kType, kernel_type(rule.type)));
  std::int32_t access = kernel_access(rule.access);
  if (access != kernel_access(kDeviceAllAccess)) {
    out.push_back(mov64_reg(kScratch, kAccess));
    if (rule.allow) {
      // An allow must cover every bit asked for: skip when any bit is outside it.
      out.push_back(and32(kScratch, ~access));
      out.push_back(jump_if(BPF_JNE, kScratch, 0));
    } else {
      // A deny applies when any of its bits is asked for.
      out.push_back(and32(kScratch, access));
      out.push_back(jump_if(BPF_JEQ, kScratch, 0));
    }
  }
  if (rule.major) out.push_back(jump_if(BPF_JNE, kMajor, static_cast<std::int32_t>(*rule.major)));
  if (rule.minor) out.push_back(jump_if(BPF_JNE, kMinor, static_cast<std::int32_t>(*rule.minor)));
  out.push_back(mov64_imm(kR0, rule.allow ? 1 : 0));
  out.push_back(exit_insn());
  // Every jump so far in this block skips it: to the instruction after its exit.
  std::size_t next = out.size();
  for (std::size_t i = start; i + 2 < next; ++i)
    if (BPF_CLASS(out[i].code) == BPF_JMP) out[i].off = static_cast<std::int16_t>(next - (i + 1));
}

// The verifier's last words: the line that says what it refused.
std::string last_line(const std::string& log) {
  std::string text = log.substr(0, log.find('\0'));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

}  // namespace

std::vector<bpf_insn> compile_device_filter(const std::vector<DeviceRule>& rules) {
  std::size_t first = 0;
  bool default_allow = false;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].type != DeviceType::All) continue;
    first = i + 1;
    default_allow = rules[i].allow;
  }
  std::vector<bpf_insn> out;
  // access_type is (access << 16) | type; major and minor follow it.
  out.push_back(load_u32(kType, offsetof(bpf_cgroup_dev_ctx, access_type)));
  out.push_back(and32(kType, 0xffff));
  out.push_back(load_u32(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)));
  out.push_back(rsh32(kAccess, 16));
  out.push_back(load_u32(kMajor, offsetof(bpf_cgroup_dev_ctx, major)));
  out.push_back(load_u32(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)));
  for (std::size_t i = rules.size(); i > first; --i) emit_rule(out, rules[i - 1]);
  out.push_back(mov64_imm(kR0, default_allow ? 1 : 0));
  out.push_back(exit_insn());
  return out;
}

Result<UniqueFd> load_device_filter(const std::vector<bpf_insn>& program) {
  // The verifier's log is asked for only when a load failed, to say why. The program
  // calls no helper, so no GPL-compatible license is needed.
  static constexpr char kLicense[] = "Apache-2.0";
  std::string log;
  for (int attempt = 0; attempt < 2; ++attempt) {
    union bpf_attr load {};
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<std::uint64_t>(program.data());
    load.insn_cnt = static_cast<std::uint32_t>(program.size());
    load.license = reinterpret_cast<std::uint64_t>(kLicense);
    if (attempt == 1) {
      log.assign(16384, '\0');
      load.log_buf = reinterpret_cast<std::uint64_t>(log.data());
      load.log_size = static_cast<std::uint32_t>(log.size());
      load.log_level = 1;
    }
    // BPF descriptors are close-on-exec from birth.
    long fd = ::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    if (fd >= 0) return UniqueFd{static_cast<int>(fd)};
    if (errno != EINVAL && errno != EACCES) break;  // not the verifier: its log says nothing
  }
  int code = errno;
  std::string message = "load the device filter (BPF_PROG_LOAD)";
  if (std::string refused = last_line(log); !refused.empty())
    message += ", the verifier says: " + refused;
  return fail(code, message);
}

Status attach_device_filter(int cgroup_fd, int program_fd, const std::string& where) {
  union bpf_attr attach {};
  attach.target_fd = static_cast<std::uint32_t>(cgroup_fd);
  attach.attach_bpf_fd = static_cast<std::uint32_t>(program_fd);
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return fail_errno("attach the device filter to " + where);
  return ok();
}

}  // namespace asup::cgroup
