// The v2 device filter as instructions: its shape, and — run through a small interpreter
// of the instructions it uses — the same verdicts as the rules it was compiled from.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>
#include <optional>

#include "cgroup/device_filter.hpp"
#include "cgroup/devices.hpp"

using namespace asup::cgroup;

namespace {

constexpr auto kChar = DeviceType::Char;
constexpr auto kBlock = DeviceType::Block;

// Runs `prog` on one request as the kernel would, for the instructions the compiler
// emits; anything else, a jump out of the program or running off its end fails the test.
int run(const std::vector<bpf_insn>& prog, std::uint32_t type, std::uint32_t access,
        std::uint32_t major, std::uint32_t minor) {
  bpf_cgroup_dev_ctx ctx{(access << 16) | type, major, minor};
  const auto* bytes = reinterpret_cast<const unsigned char*>(&ctx);
  std::uint64_t reg[11] = {};
  std::size_t pc = 0;
  for (int steps = 0; steps < 10000; ++steps) {
    REQUIRE(pc < prog.size());
    const bpf_insn& i = prog[pc++];
    std::uint32_t imm = static_cast<std::uint32_t>(i.imm);
    std::uint64_t imm64 = static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
    auto jump = [&](bool taken) {
      if (taken) pc += static_cast<std::size_t>(i.off);
      REQUIRE(i.off >= 0);  // forward only: no loops
    };
    switch (i.code) {
      case BPF_LDX | BPF_W | BPF_MEM: {
        REQUIRE(i.src_reg == 1);
        REQUIRE(i.off >= 0);
        REQUIRE(static_cast<std::size_t>(i.off) + 4 <= sizeof ctx);
        std::uint32_t v;
        std::memcpy(&v, bytes + i.off, 4);
        reg[i.dst_reg] = v;
        break;
      }
      case BPF_ALU | BPF_AND | BPF_K:
        reg[i.dst_reg] = static_cast<std::uint32_t>(reg[i.dst_reg]) & imm;
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        reg[i.dst_reg] = static_cast<std::uint32_t>(reg[i.dst_reg]) >> imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_X:
        reg[i.dst_reg] = reg[i.src_reg];
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[i.dst_reg] = imm64;
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        jump(reg[i.dst_reg] != imm64);
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        jump(reg[i.dst_reg] == imm64);
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int>(reg[0]);
      default:
        FAIL("unexpected instruction code " << int(i.code) << " at " << pc - 1);
    }
  }
  FAIL("the program did not end");
  return -1;
}

std::uint32_t kernel_access(std::uint8_t a) {
  return ((a & kDeviceMknod) ? BPF_DEVCG_ACC_MKNOD : 0) |
         ((a & kDeviceRead) ? BPF_DEVCG_ACC_READ : 0) |
         ((a & kDeviceWrite) ? BPF_DEVCG_ACC_WRITE : 0);
}

// Every request of a small grid that touches each rule's numbers and their neighbours.
void check_same_verdicts(const std::vector<DeviceRule>& rules) {
  auto prog = compile_device_filter(rules);
  std::vector<std::uint32_t> majors = {0, 1, 5, 7, 10, 136, 4095};
  std::vector<std::uint32_t> minors = {0, 1, 3, 5, 200, 1 << 19};
  for (const auto& r : rules) {
    if (r.major) majors.push_back(*r.major), majors.push_back(*r.major + 1);
    if (r.minor) minors.push_back(*r.minor), minors.push_back(*r.minor + 1);
  }
  for (auto type : {kChar, kBlock})
    for (std::uint8_t access = 1; access <= kDeviceAllAccess; ++access)
      for (auto major : majors)
        for (auto minor : minors) {
          bool expected = devices::permits(rules, type, major, minor, access);
          std::uint32_t t = type == kBlock ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
          INFO(char(type) << " " << major << ":" << minor << " access " << int(access));
          REQUIRE(run(prog, t, kernel_access(access), major, minor) == (expected ? 1 : 0));
        }
}

}  // namespace

TEST_CASE("the device filter reads the request, then decides, then exits", "[cgroup][devices]") {
  auto prog = compile_device_filter(devices::default_rules());
  REQUIRE(prog.size() > 8);
  // Prologue: type, access, major and minor loaded from the context.
  for (std::size_t i : {0u, 2u, 4u, 5u}) {
    CHECK(prog[i].code == (BPF_LDX | BPF_W | BPF_MEM));
    CHECK(prog[i].src_reg == 1);
  }
  CHECK(prog[0].off == offsetof(bpf_cgroup_dev_ctx, access_type));
  CHECK(prog[4].off == offsetof(bpf_cgroup_dev_ctx, major));
  CHECK(prog[5].off == offsetof(bpf_cgroup_dev_ctx, minor));
  // The default verdict last: deny.
  CHECK(prog[prog.size() - 2].code == (BPF_ALU64 | BPF_MOV | BPF_K));
  CHECK(prog[prog.size() - 2].dst_reg == 0);
  CHECK(prog[prog.size() - 2].imm == 0);
  CHECK(prog.back().code == (BPF_JMP | BPF_EXIT));
  // Every jump lands inside the program, forward.
  for (std::size_t i = 0; i < prog.size(); ++i) {
    if (BPF_CLASS(prog[i].code) != BPF_JMP || BPF_OP(prog[i].code) == BPF_EXIT) continue;
    INFO("insn " << i);
    CHECK(prog[i].off >= 0);
    CHECK(i + 1 + static_cast<std::size_t>(prog[i].off) < prog.size());
  }
  // One exit per rule after the deny of everything, and the final one.
  std::size_t exits = 0;
  for (const auto& i : prog) exits += i.code == (BPF_JMP | BPF_EXIT);
  CHECK(exits == devices::default_rules().size());
}

TEST_CASE("rules before the last type-all rule are left out", "[cgroup][devices]") {
  DeviceRule allow_all{true, DeviceType::All, std::nullopt, std::nullopt, kDeviceAllAccess};
  DeviceRule deny_all{};
  auto null = devices::allow(kChar, 1, 3, kDeviceAllAccess);
  auto zero = devices::allow(kChar, 1, 5, kDeviceAllAccess);
  CHECK(compile_device_filter({null, deny_all, zero}).size() ==
        compile_device_filter({deny_all, zero}).size());
  // An allow of everything makes the default verdict 1.
  auto open = compile_device_filter({deny_all, null, allow_all});
  CHECK(open.size() == 8);
  CHECK(open[6].imm == 1);
  // No rules at all: nothing is allowed.
  CHECK(run(compile_device_filter({}), BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 0);
}

TEST_CASE("the device filter decides as the rules do", "[cgroup][devices]") {
  SECTION("Docker's defaults") {
    check_same_verdicts(devices::default_rules());
  }
  SECTION("defaults plus --device rules with partial access") {
    auto rules = devices::default_rules();
    rules.push_back(devices::allow(kBlock, 7, 0, kDeviceRead));
    rules.push_back(devices::allow(kBlock, 7, 1, kDeviceRead | kDeviceWrite));
    rules.push_back(devices::allow(kChar, 4, 64, kDeviceMknod | kDeviceWrite));
    check_same_verdicts(rules);
  }
  SECTION("wildcards and partial denies") {
    std::vector<DeviceRule> rules = {
        DeviceRule{true, DeviceType::All, std::nullopt, std::nullopt, kDeviceAllAccess},
        DeviceRule{false, kBlock, std::nullopt, std::nullopt, kDeviceWrite},
        DeviceRule{false, kChar, 1, std::nullopt, kDeviceRead | kDeviceMknod},
        DeviceRule{true, kChar, std::nullopt, 3, kDeviceRead},
        DeviceRule{true, kBlock, 8, std::nullopt, kDeviceWrite | kDeviceMknod},
    };
    check_same_verdicts(rules);
  }
}
