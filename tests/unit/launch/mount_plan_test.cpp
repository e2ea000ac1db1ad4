#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "core/fs.hpp"
#include "launch/mount_plan.hpp"

using namespace asup::launch;

namespace {

// Index of the first op of `kind` on `target`, or -1.
long find_op(const std::vector<MountOp>& ops, MountKind kind, const std::string& target) {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == kind && ops[i].target == target) return static_cast<long>(i);
  }
  return -1;
}

const MountOp& op_at(const std::vector<MountOp>& ops, long i) {
  REQUIRE(i >= 0);
  return ops[static_cast<std::size_t>(i)];
}

RootfsLayout base_layout() {
  RootfsLayout l;
  l.lower_dirs = {"/layers/top", "/layers/base"};
  l.upper_dir = "/c/upper";
  l.work_dir = "/c/work";
  l.merged_dir = "/c/merged";
  return l;
}

}  // namespace

TEST_CASE("parse_tmpfs follows Docker's --tmpfs", "[launch][plan]") {
  auto plain = parse_tmpfs("/run");
  REQUIRE(plain);
  CHECK(plain.value().kind == MountKind::Mount);
  CHECK(plain.value().fstype == "tmpfs");
  CHECK(plain.value().target == "/run");
  CHECK(plain.value().flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
  CHECK(plain.value().data.empty());

  auto opts = parse_tmpfs("/scratch/:size=64m,exec,mode=1777,ro");
  REQUIRE(opts);
  CHECK(opts.value().target == "/scratch");
  CHECK(opts.value().flags == (MS_NOSUID | MS_NODEV | MS_RDONLY));
  CHECK(opts.value().data == "size=64m,mode=1777");

  CHECK_FALSE(parse_tmpfs("run"));
  CHECK_FALSE(parse_tmpfs("/"));
  CHECK_FALSE(parse_tmpfs("/run:size=1m,,exec"));
  CHECK(parse_tmpfs("run").error().message.find("path must be absolute") != std::string::npos);
}

TEST_CASE("the container mount plan starts with the overlay root", "[launch][plan]") {
  auto ops = build_container_mounts(base_layout());
  REQUIRE_FALSE(ops.empty());
  const MountOp& root = ops.front();
  CHECK(root.kind == MountKind::Mount);
  CHECK(root.host_target);
  CHECK(root.fstype == "overlay");
  CHECK(root.target == "/c/merged");
  CHECK(root.data ==
        "lowerdir=/layers/top:/layers/base,upperdir=/c/upper,workdir=/c/work,index=off");
  // Only the overlay is a host path; everything else lands inside the root.
  for (std::size_t i = 1; i < ops.size(); ++i) {
    INFO("op " << i << " target " << ops[i].target);
    CHECK_FALSE(ops[i].host_target);
    CHECK(ops[i].target.front() == '/');
  }
}

TEST_CASE("the container mount plan builds /proc, /sys and /dev like Docker", "[launch][plan]") {
  auto ops = build_container_mounts(base_layout());

  auto proc = find_op(ops, MountKind::Mount, "/proc");
  CHECK(find_op(ops, MountKind::MakeDir, "/proc") < proc);
  CHECK(op_at(ops, proc).fstype == "proc");
  CHECK(op_at(ops, proc).flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));

  auto sys = find_op(ops, MountKind::Mount, "/sys");
  CHECK(op_at(ops, sys).fstype == "sysfs");
  CHECK(op_at(ops, sys).flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));

  auto dev = find_op(ops, MountKind::Mount, "/dev");
  CHECK(op_at(ops, dev).fstype == "tmpfs");
  CHECK((op_at(ops, dev).flags & MS_NOSUID) != 0);
  CHECK((op_at(ops, dev).flags & MS_NODEV) == 0);  // device nodes must work in it
  CHECK(op_at(ops, dev).data == "mode=755,size=65536k");
  CHECK(proc < sys);
  CHECK(sys < dev);

  struct Expected {
    const char* path;
    unsigned major, minor;
  };
  for (auto [path, major, minor] : {Expected{"/dev/null", 1, 3}, Expected{"/dev/zero", 1, 5},
                                    Expected{"/dev/full", 1, 7}, Expected{"/dev/random", 1, 8},
                                    Expected{"/dev/urandom", 1, 9}, Expected{"/dev/tty", 5, 0}}) {
    INFO(path);
    auto i = find_op(ops, MountKind::MakeDevice, path);
    CHECK(i > dev);
    CHECK(op_at(ops, i).mode == (S_IFCHR | 0666));
    CHECK(op_at(ops, i).major == major);
    CHECK(op_at(ops, i).minor == minor);
  }

  auto pts = find_op(ops, MountKind::Mount, "/dev/pts");
  CHECK(pts > dev);
  CHECK(op_at(ops, pts).fstype == "devpts");
  CHECK(op_at(ops, pts).data == "newinstance,ptmxmode=0666,mode=0620,gid=5");
  CHECK(op_at(ops, find_op(ops, MountKind::Symlink, "/dev/ptmx")).source == "pts/ptmx");

  auto shm = find_op(ops, MountKind::Mount, "/dev/shm");
  CHECK(shm > dev);
  CHECK(op_at(ops, shm).flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
  CHECK(op_at(ops, shm).data == "mode=1777,size=65536k");
  CHECK(op_at(ops, find_op(ops, MountKind::Mount, "/dev/mqueue")).fstype == "mqueue");

  CHECK(op_at(ops, find_op(ops, MountKind::Symlink, "/dev/fd")).source == "/proc/self/fd");
  CHECK(op_at(ops, find_op(ops, MountKind::Symlink, "/dev/stdin")).source == "/proc/self/fd/0");
  CHECK(op_at(ops, find_op(ops, MountKind::Symlink, "/dev/stdout")).source == "/proc/self/fd/1");
  CHECK(op_at(ops, find_op(ops, MountKind::Symlink, "/dev/stderr")).source == "/proc/self/fd/2");

  // Docker's masked and read-only paths come last.
  auto kcore = find_op(ops, MountKind::Mask, "/proc/kcore");
  auto sysctl = find_op(ops, MountKind::ReadOnly, "/proc/sys");
  CHECK(kcore > shm);
  CHECK((op_at(ops, sysctl).flags & MS_RDONLY) != 0);
  CHECK(find_op(ops, MountKind::ReadOnly, "/proc/sysrq-trigger") >= 0);
  CHECK(ops.back().kind == MountKind::ReadOnly);
}

TEST_CASE("the plan binds /etc files only when asupd provides them", "[launch][plan]") {
  auto none = build_container_mounts(base_layout());
  CHECK(find_op(none, MountKind::Bind, "/etc/hostname") < 0);

  RootfsLayout l = base_layout();
  l.hostname_file = "/run/asup/c/hostname";
  l.hosts_file = "/run/asup/c/hosts";
  l.resolv_conf_file = "/run/asup/c/resolv.conf";
  auto ops = build_container_mounts(l);
  for (auto [target, source] : {std::pair{"/etc/hostname", "/run/asup/c/hostname"},
                                std::pair{"/etc/hosts", "/run/asup/c/hosts"},
                                std::pair{"/etc/resolv.conf", "/run/asup/c/resolv.conf"}}) {
    INFO(target);
    auto make = find_op(ops, MountKind::MakeFile, target);
    auto bind = find_op(ops, MountKind::Bind, target);
    CHECK(make >= 0);
    CHECK(make < bind);
    CHECK(op_at(ops, bind).source == source);
    CHECK(op_at(ops, bind).flags == 0);
  }
}

TEST_CASE("the plan mounts volumes then tmpfs", "[launch][plan]") {
  char dir_template[] = "/tmp/asup-plan-XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  std::string dir = dir_template;
  std::string file = dir + "/config.ini";
  REQUIRE(asup::fs::write_file(file, "x=1\n"));

  RootfsLayout l = base_layout();
  l.volumes = {VolumeMount{dir, "/data", true}, VolumeMount{file, "/etc/app.ini", false}};
  l.tmpfs = {"/run", "/scratch:size=1m"};
  auto ops = build_container_mounts(l);
  REQUIRE(asup::fs::remove_tree(dir));

  auto data_dir = find_op(ops, MountKind::MakeDir, "/data");
  auto data = find_op(ops, MountKind::Bind, "/data");
  CHECK(data_dir >= 0);
  CHECK(data_dir < data);
  CHECK(op_at(ops, data).source == dir);
  CHECK(op_at(ops, data).flags == (MS_REC | MS_RDONLY));

  auto ini_file = find_op(ops, MountKind::MakeFile, "/etc/app.ini");
  auto ini = find_op(ops, MountKind::Bind, "/etc/app.ini");
  CHECK(ini_file >= 0);
  CHECK(find_op(ops, MountKind::MakeDir, "/etc/app.ini") < 0);
  CHECK(ini_file < ini);
  CHECK(op_at(ops, ini).flags == MS_REC);
  CHECK(data < ini);  // in the order given

  auto run = find_op(ops, MountKind::Mount, "/run");
  auto scratch = find_op(ops, MountKind::Mount, "/scratch");
  CHECK(ini < run);
  CHECK(run < scratch);
  CHECK(find_op(ops, MountKind::MakeDir, "/run") < run);
  CHECK(op_at(ops, run).flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
  CHECK(op_at(ops, scratch).data == "size=1m");
  CHECK(scratch < find_op(ops, MountKind::Mask, "/proc/kcore"));
}

TEST_CASE("an invalid tmpfs entry stays in the plan and cannot pass silently", "[launch][plan]") {
  RootfsLayout l = base_layout();
  l.tmpfs = {"relative"};
  auto ops = build_container_mounts(l);
  auto bad = find_op(ops, MountKind::Mount, "relative");
  CHECK(bad >= 0);
  CHECK(find_op(ops, MountKind::MakeDir, "relative") < 0);
}

TEST_CASE("mounts over /, /proc, /sys, /dev and the nodes in /dev are refused", "[launch][plan]") {
  for (const char* target :
       {"/proc", "/sys", "/dev", "/proc/self", "/proc/sys", "/proc/1/root", "/proc/sysrq-trigger",
        "/dev/pts", "/dev/pts/0", "/dev/null", "/dev/ptmx", "/dev/console", "/dev/fd"}) {
    INFO(target);
    auto volume = check_mount_destination(target);
    REQUIRE_FALSE(volume);
    CHECK(volume.error().message.find("invalid mount destination \"" + std::string(target)) !=
          std::string::npos);
    CHECK_FALSE(parse_tmpfs(target));
    CHECK_FALSE(parse_tmpfs(std::string(target) + ":size=1m"));
  }
  // A path spelled around the check is cleaned before it is checked.
  CHECK_FALSE(check_mount_destination(clean_absolute("/proc/")));
  CHECK_FALSE(check_mount_destination(clean_absolute("//proc")));
  CHECK_FALSE(check_mount_destination(clean_absolute("/etc/../proc")));
  CHECK_FALSE(parse_tmpfs("/sys/"));
  // What runc allows, and what Docker users mount into /dev and under /sys.
  for (const char* target :
       {"/proc/cpuinfo", "/proc/meminfo", "/proc/uptime", "/dev/shm", "/dev/mqueue", "/dev/snd",
        "/sys/fs/cgroup", "/process", "/devices", "/system"}) {
    INFO(target);
    CHECK(check_mount_destination(target));
  }
}
