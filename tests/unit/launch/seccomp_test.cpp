// The workload's seccomp filter in real containers, as root. Each refusal is checked
// against a run without the filter (spec.seccomp = false) where that shows it is the
// filter, not a missing capability, that refuses.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>

#include "container_fixture.hpp"
#include "core/fs.hpp"
#include "skip.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

LaunchSpec unconfined(LaunchSpec spec) {
  spec.seccomp = false;
  return spec;
}

std::string status_field(const std::string& status, const std::string& name) {
  for (const auto& l : lines(status)) {
    if (l.rfind(name + ":\t", 0) == 0) return l.substr(name.size() + 2);
  }
  return "<missing>";
}

}  // namespace

TEST_CASE("the workload runs under the seccomp filter", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"cat", "/proc/self/status"}));
  REQUIRE(r.exit_code == 0);
  CHECK(status_field(r.out, "Seccomp") == "2");  // SECCOMP_MODE_FILTER
  CHECK(status_field(r.out, "Seccomp_filters") == "1");
  CHECK(status_field(r.out, "NoNewPrivs") == "1");

  r = run(root, unconfined(root.spec({"cat", "/proc/self/status"})));
  REQUIRE(r.exit_code == 0);
  CHECK(status_field(r.out, "Seccomp") == "0");
}

TEST_CASE("the filter leaves no_new_privs to the spec", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"cat", "/proc/self/status"});
  spec.no_new_privs = false;
  auto r = run(root, spec);
  REQUIRE(r.exit_code == 0);
  CHECK(status_field(r.out, "Seccomp") == "2");
  CHECK(status_field(r.out, "NoNewPrivs") == "0");

  // Without no_new_privs a non-root user could not load a filter; it is loaded before the
  // user changes.
  spec.user = "app";
  r = run(root, spec);
  INFO(r.started << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(status_field(r.out, "Seccomp") == "2");
  CHECK(status_field(r.out, "Uid").rfind("1000\t", 0) == 0);
}

TEST_CASE("namespaces cannot be made or joined", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"unshare", "-n", "true"}));
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("Operation not permitted") != std::string::npos);

  // A user namespace needs no capability at all: only the filter stops this one.
  r = run(root, root.spec({"unshare", "-U", "true"}));
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("Operation not permitted") != std::string::npos);
  r = run(root, unconfined(root.spec({"unshare", "-U", "true"})));
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("mount fails with EPERM", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"mount", "-t", "tmpfs", "x", "/mnt"}));
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("permission denied") != std::string::npos);

  // The kernel looks the mount point up before it checks capabilities: without the filter
  // a missing one is ENOENT; the filter answers before the kernel gets that far.
  r = run(root, root.spec({"mount", "-t", "tmpfs", "x", "/nonexistent"}));
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("permission denied") != std::string::npos);
  r = run(root, unconfined(root.spec({"mount", "-t", "tmpfs", "x", "/nonexistent"})));
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("No such file or directory") != std::string::npos);
}

TEST_CASE("an ordinary workload is not disturbed by the filter", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"sh", "-c", "echo ok; ls /; sleep 0"}));
  INFO(r.started << r.err);
  CHECK(r.exit_code == 0);
  auto out = lines(r.out);
  REQUIRE_FALSE(out.empty());
  CHECK(out[0] == "ok");
  CHECK(std::find(out.begin(), out.end(), "bin") != out.end());
  CHECK(std::find(out.begin(), out.end(), "proc") != out.end());
  CHECK(r.err == "");

  // personality(PER_LINUX32) is one of the personas Docker allows.
  r = run(root, root.spec({"linux32", "uname", "-m"}));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "i686\n");
}

TEST_CASE("exec'ed commands run under the filter too", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  Container box{&root, root.spec({"sleep", "60"})};
  REQUIRE(box.start() == "started 2");

  auto exec = [&](std::vector<std::string> argv, bool seccomp) {
    LaunchSpec spec;
    spec.mode = Mode::Exec;
    spec.argv = std::move(argv);
    spec.env = {"PATH=/bin"};
    spec.seccomp = seccomp;
    SpawnOptions options;
    options.namespaces = 0;
    options.ns_pidfd = box.pidfd();
    options.state_dir_fd = -1;
    Container e{nullptr, spec, options};
    RunResult r;
    r.started = e.start();
    r.exit_code = e.wait();
    r.out = e.out();
    r.err = e.err();
    return r;
  };
  auto r = exec({"cat", "/proc/self/status"}, true);
  REQUIRE(r.exit_code == 0);
  CHECK(status_field(r.out, "Seccomp") == "2");
  r = exec({"unshare", "-U", "true"}, true);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("Operation not permitted") != std::string::npos);
  r = exec({"unshare", "-U", "true"}, false);
  INFO(r.err);
  CHECK(r.exit_code == 0);

  box.signal(SIGKILL);
  box.wait();
}

namespace {

// A 32-bit x86 program of a few bytes, written out by hand so the test needs no multilib
// toolchain: write(1, "ok\n", 3); r = unshare(CLONE_NEWUSER); exit(-r), i.e. 0 or errno.
std::string i386_unshare_program() {
  constexpr std::uint32_t kBase = 0x08048000;
  constexpr std::uint32_t kHeaders = 52 + 32;  // ELF header + one program header
  std::string code;
  auto u32 = [](std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto mov = [&](unsigned char opcode, std::uint32_t v) {  // mov reg, imm32
    code.push_back(static_cast<char>(opcode));
    u32(code, v);
  };
  auto int80 = [&] { code.append("\xcd\x80", 2); };
  constexpr unsigned char kEax = 0xb8, kEcx = 0xb9, kEdx = 0xba, kEbx = 0xbb;
  const std::uint32_t msg = kBase + kHeaders + 45;  // right after the code below
  mov(kEax, 4);                                     // write
  mov(kEbx, 1);
  mov(kEcx, msg);
  mov(kEdx, 3);
  int80();
  mov(kEax, 310);  // unshare (i386 numbering)
  mov(kEbx, CLONE_NEWUSER);
  int80();
  code.append("\xf7\xd8", 2);  // neg eax
  code.append("\x89\xc3", 2);  // mov ebx, eax
  mov(kEax, 1);                // exit
  int80();
  REQUIRE(code.size() == 45);
  code += "ok\n";

  const std::uint32_t size = kHeaders + static_cast<std::uint32_t>(code.size());
  std::string elf{
      "\x7f"
      "ELF\x01\x01\x01",
      7};
  elf.append(9, '\0');
  auto u16 = [&](std::uint16_t v) {
    elf.push_back(static_cast<char>(v & 0xff));
    elf.push_back(static_cast<char>(v >> 8));
  };
  u16(2);  // ET_EXEC
  u16(3);  // EM_386
  u32(elf, 1);
  u32(elf, kBase + kHeaders);  // entry
  u32(elf, 52);                // program headers
  u32(elf, 0);                 // no section headers
  u32(elf, 0);
  u16(52);
  u16(32);
  u16(1);
  u16(0);
  u16(0);
  u16(0);
  u32(elf, 1);  // PT_LOAD of the whole file
  u32(elf, 0);
  u32(elf, kBase);
  u32(elf, kBase);
  u32(elf, size);
  u32(elf, size);
  u32(elf, 5);  // r-x
  u32(elf, 0x1000);
  REQUIRE(elf.size() == kHeaders);
  return elf + code;
}

// Whether this kernel executes i386 programs at all: IA32 emulation can be compiled out or
// switched off at boot (ia32_emulation=false), and some hypervisors run no 32-bit code.
bool kernel_runs_i386(const std::string& program) {
  pid_t pid = ::fork();
  if (pid == 0) {
    // Where it runs, it runs here unconfined in a throwaway child: only its output goes.
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
    char* envp[] = {nullptr};
    ::execve(program.c_str(), argv, envp);
    ::_exit(errno == ENOEXEC ? 99 : 98);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 99);
}

}  // namespace

TEST_CASE("32-bit programs run, under the same rules", "[launch][root][seccomp]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  REQUIRE(fs::write_file(root.path("lower/unshare32"), i386_unshare_program(), 0755));
  ::chmod(root.path("lower/unshare32").c_str(), 0755);
  if (!kernel_runs_i386(root.path("lower/unshare32"))) {
    ASUP_SKIP("this kernel does not execute i386 programs (ENOEXEC)");
  }

  // Without the 32-bit architecture in the filter this program would die of SIGSYS on its
  // first system call; with only the native one denied, its unshare would succeed.
  auto r = run(root, root.spec({"/unshare32"}));
  INFO(r.started << r.err);
  CHECK(r.out == "ok\n");
  CHECK(r.exit_code == EPERM);

  r = run(root, unconfined(root.spec({"/unshare32"})));
  INFO(r.started << r.err);
  CHECK(r.out == "ok\n");
  CHECK(r.exit_code == 0);
}
