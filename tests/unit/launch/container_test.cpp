// Real containers, as root: asup-init started by the spawner in fresh namespaces.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "container_fixture.hpp"
#include "core/fs.hpp"

using namespace asup;
using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

std::set<std::string> numeric_entries(const std::string& ls_output) {
  std::set<std::string> out;
  for (const auto& l : lines(ls_output)) {
    if (!l.empty() && std::all_of(l.begin(), l.end(), ::isdigit)) out.insert(l);
  }
  return out;
}

// The mountinfo line for `mount_point` in a container's /proc/self/mountinfo dump.
std::string mountinfo_line(const std::string& mountinfo, const std::string& mount_point) {
  std::string found;
  for (const auto& l : lines(mountinfo)) {
    if (l.find(" " + mount_point + " ") != std::string::npos) found = l;  // the top-most
  }
  return found;
}

void check_nothing_mounted(const TempRoot& root) {
  INFO("mounts left under " << root.dir());
  CHECK(mounts_under(root.dir()).empty());
}

}  // namespace

TEST_CASE("a container runs echo and exits 0", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  std::string dir;
  {
    TempRoot root;
    dir = root.dir();
    auto r = run(root, root.spec({"echo", "hi"}));
    CHECK(r.started == "started 2");
    CHECK(r.out == "hi\n");
    CHECK(r.exit_code == 0);
    REQUIRE(r.exit_json);
    CHECK(r.exit_json->rfind("{\"exit_code\":0,\"signal\":0,\"finished_at\":", 0) == 0);
    check_nothing_mounted(root);
  }
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("a container's exit code and exit.json", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"sh", "-c", "exit 3"}));
  CHECK(r.exit_code == 3);
  REQUIRE(r.exit_json);
  auto json = *r.exit_json;
  CHECK(json.find("\"exit_code\":3,") != std::string::npos);
  CHECK(json.find("\"signal\":0,") != std::string::npos);
  auto at = json.find("\"finished_at\":");
  REQUIRE(at != std::string::npos);
  long long nanos = std::atoll(json.c_str() + at + 14);
  long long now = static_cast<long long>(::time(nullptr)) * 1000000000LL;
  CHECK(nanos > now - 60 * 1000000000LL);
  CHECK(nanos <= now + 1000000000LL);
  check_nothing_mounted(root);
}

TEST_CASE("a missing command exits 127 with Docker's message", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"nosuchcmd", "arg"}));
  CHECK(r.started == "error 127 exec: \"nosuchcmd\": executable file not found in $PATH");
  CHECK(r.exit_code == 127);
  REQUIRE(r.exit_json);
  CHECK(r.exit_json->find("\"exit_code\":127,") != std::string::npos);

  auto abs = run(root, root.spec({"/bin/nosuchcmd"}));
  CHECK(abs.started == "error 127 exec: \"/bin/nosuchcmd\": no such file or directory");
  CHECK(abs.exit_code == 127);
  check_nothing_mounted(root);
}

TEST_CASE("a non-executable file exits 126", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"/notexec"}));
  CHECK(r.started == "error 126 exec: \"/notexec\": permission denied");
  CHECK(r.exit_code == 126);
  CHECK(r.out.empty());
  check_nothing_mounted(root);
}

TEST_CASE("the container has its own hostname, /dev and pid namespace", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;

  auto host = run(root, root.spec({"hostname"}));
  CHECK(host.out == "box1\n");
  auto etc = run(root, root.spec({"cat", "/etc/hostname"}));
  CHECK(etc.out == "box1\n");

  auto procs = run(root, root.spec({"ls", "/proc"}));
  CHECK(numeric_entries(procs.out) == std::set<std::string>{"1", "2"});

  auto ps = run(root, root.spec({"ps"}));
  auto ps_lines = lines(ps.out);
  REQUIRE(ps_lines.size() == 3);  // header, init, ps
  CHECK(ps_lines[1].find("asup-init") != std::string::npos);
  CHECK(ps_lines[1].find(" 1 ") != std::string::npos);
  CHECK(ps_lines[2].find(" 2 ") != std::string::npos);

  auto dev = run(root, root.spec({"sh", "-c",
                                  "test -c /dev/null && test -c /dev/urandom && "
                                  "test -L /dev/ptmx && test -d /dev/pts && test -d /dev/shm && "
                                  "echo fine > /dev/null && ls /dev"}));
  CHECK(dev.exit_code == 0);
  auto names = lines(dev.out);
  std::set<std::string> got(names.begin(), names.end());
  for (const char* n : {"null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm",
                        "mqueue", "fd", "stdin", "stdout", "stderr"}) {
    INFO(n);
    CHECK(got.count(n) == 1);
  }
  check_nothing_mounted(root);
}

TEST_CASE("Docker's masked and read-only kernel paths", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"cat", "/proc/self/mountinfo"}));
  REQUIRE(r.exit_code == 0);
  auto sys = mountinfo_line(r.out, "/proc/sys");
  REQUIRE_FALSE(sys.empty());
  CHECK(sys.find(" ro,") != std::string::npos);
  if (fs::exists("/proc/sysrq-trigger")) {  // absent without CONFIG_MAGIC_SYSRQ
    auto sysrq = mountinfo_line(r.out, "/proc/sysrq-trigger");
    REQUIRE_FALSE(sysrq.empty());
    CHECK(sysrq.find(" ro,") != std::string::npos);
  }
  auto sysfs = mountinfo_line(r.out, "/sys");
  CHECK(sysfs.find(" ro,") != std::string::npos);
  auto proc = mountinfo_line(r.out, "/proc");
  CHECK(proc.find("nosuid,nodev,noexec") != std::string::npos);

  // Which of Docker's masked paths exist depends on the kernel's configuration.
  std::vector<std::string> masked_files;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/interrupts"}) {
    if (!fs::exists(path)) continue;
    INFO(path);
    CHECK_FALSE(mountinfo_line(r.out, path).empty());
    masked_files.push_back(path);
  }
  for (const char* path : {"/proc/acpi", "/sys/firmware"}) {
    if (!fs::exists(path)) continue;
    INFO(path);
    auto line = mountinfo_line(r.out, path);
    CHECK(line.find(" ro,") != std::string::npos);
    CHECK(line.find(" - tmpfs ") != std::string::npos);
  }
  if (!masked_files.empty()) {
    std::vector<std::string> argv = {"cat"};
    argv.insert(argv.end(), masked_files.begin(), masked_files.end());
    auto masked = run(root, root.spec(argv));
    CHECK(masked.exit_code == 0);
    CHECK(masked.out.empty());
  }
  check_nothing_mounted(root);
}

TEST_CASE("the workload runs as the requested user", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto as = [&](const std::string& user, std::vector<std::string> argv) {
    LaunchSpec spec = root.spec(std::move(argv));
    spec.user = user;
    return run(root, spec);
  };

  CHECK(as("app", {"id", "-u"}).out == "1000\n");
  CHECK(as("", {"id", "-G"}).out == "0 10\n");
  CHECK(as("app", {"id", "-G"}).out == "1000 50\n");
  CHECK(as("app:root", {"id", "-G"}).out == "0\n");
  CHECK(as("1000:65534", {"id", "-g"}).out == "65534\n");
  CHECK(as("4321", {"sh", "-c", "id -u; id -g; echo $HOME"}).out == "4321\n0\n/\n");
  CHECK(as("app", {"sh", "-c", "echo $HOME"}).out == "/home/app\n");
  CHECK(as("0:staff", {"id", "-g"}).out == "50\n");

  auto unknown = as("nosuchuser", {"true"});
  CHECK(unknown.started ==
        "error 125 unable to find user nosuchuser: no matching entries in passwd file");
  CHECK(unknown.exit_code == 125);
  auto unknown_group = as("app:nogroup2", {"true"});
  CHECK(unknown_group.started ==
        "error 125 unable to find group nogroup2: no matching entries in group file");
  check_nothing_mounted(root);
}

TEST_CASE("the workload gets Docker's capabilities and no_new_privs", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto status_field = [](const std::string& status, const std::string& name) {
    for (const auto& l : lines(status)) {
      if (l.rfind(name + ":", 0) == 0) {
        auto v = l.substr(name.size() + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
    return std::string{};
  };
  // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
  // SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
  const std::string docker_default = "00000000a80425fb";

  auto r = run(root, root.spec({"cat", "/proc/self/status"}));
  CHECK(status_field(r.out, "CapBnd") == docker_default);
  CHECK(status_field(r.out, "CapEff") == docker_default);
  CHECK(status_field(r.out, "CapPrm") == docker_default);
  CHECK(status_field(r.out, "CapInh") == "0000000000000000");
  CHECK(status_field(r.out, "CapAmb") == "0000000000000000");
  CHECK(status_field(r.out, "NoNewPrivs") == "1");

  LaunchSpec app = root.spec({"cat", "/proc/self/status"});
  app.user = "app";
  app.no_new_privs = false;
  auto a = run(root, app);
  CHECK(status_field(a.out, "CapBnd") == docker_default);
  CHECK(status_field(a.out, "CapEff") == "0000000000000000");
  CHECK(status_field(a.out, "CapPrm") == "0000000000000000");
  CHECK(status_field(a.out, "NoNewPrivs") == "0");
  check_nothing_mounted(root);
}

TEST_CASE("the working directory is created when missing", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"pwd"});
  spec.workdir = "/srv/app/data";
  auto r = run(root, spec);
  CHECK(r.out == "/srv/app/data\n");
  CHECK(r.exit_code == 0);
  check_nothing_mounted(root);
}

TEST_CASE("the environment is exactly the spec's", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"sh", "-c", "echo \"$LANG|$HOME|$PATH|$FOO\""});
  spec.env = {"PATH=/bin", "LANG=C.UTF-8", "HOME=/custom", "FOO=a b"};
  CHECK(run(root, spec).out == "C.UTF-8|/custom|/bin|a b\n");
  check_nothing_mounted(root);
}

TEST_CASE("SIGTERM to init reaches the workload", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  Container c{&root, root.spec({"sh", "-c",
                                "trap 'exit 7' TERM; echo armed; while true; do sleep 0.1; done"})};
  REQUIRE(c.start() == "started 2");
  // init leads its own session, away from the process group of whoever spawned it.
  CHECK(::getsid(c.pid()) == c.pid());
  CHECK(::getpgid(c.pid()) == c.pid());
  c.wait_for_output("armed\n");
  c.signal(SIGTERM);
  CHECK(c.wait() == 7);
  REQUIRE(c.exit_json());
  CHECK(c.exit_json()->find("\"exit_code\":7,\"signal\":0,") != std::string::npos);
  check_nothing_mounted(root);
}

TEST_CASE("a workload killed by a signal exits 128+N", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  auto r = run(root, root.spec({"sh", "-c", "kill -9 $$"}));
  CHECK(r.exit_code == 137);
  REQUIRE(r.exit_json);
  CHECK(r.exit_json->find("\"exit_code\":137,\"signal\":9,") != std::string::npos);
  check_nothing_mounted(root);
}

TEST_CASE("init reaps orphans and the workload's exit ends the container", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  // The background sleeps become init's children when sh exits; init must not wait for them.
  auto r = run(root, root.spec({"sh", "-c", "sleep 30 & sleep 30 & echo spawned; exit 4"}));
  CHECK(r.out == "spawned\n");
  CHECK(r.exit_code == 4);
  check_nothing_mounted(root);
}

TEST_CASE("closing the barrier aborts before the workload runs", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  Container c{&root, root.spec({"touch", "/ran"})};
  REQUIRE(c.next_report() == "ready");
  c.abort_barrier();
  CHECK(c.next_report() == "");
  CHECK(c.wait() == 125);
  CHECK_FALSE(c.exit_json());
  CHECK_FALSE(fs::exists(root.path("upper/ran")));
  check_nothing_mounted(root);
}

TEST_CASE("a failing mount reports error 125 and leaves nothing mounted", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  LaunchSpec spec = root.spec({"true"});
  MountOp bad;
  bad.kind = MountKind::Mount;
  bad.source = "none";
  bad.target = "/proc";
  bad.fstype = "nosuchfs";
  spec.mounts.push_back(bad);
  auto r = run(root, spec);
  CHECK(r.started == "error 125 mount nosuchfs on /proc: No such device");
  CHECK(r.exit_code == 125);

  LaunchSpec relative = root.spec({"true"});
  relative.mounts.push_back(parse_tmpfs("/x").value());
  relative.mounts.back().target = "x";
  auto rel = run(root, relative);
  CHECK(rel.started ==
        "error 125 invalid container path \"x\" (must be absolute): Invalid argument");
  check_nothing_mounted(root);
}

TEST_CASE("volumes, read-only volumes and tmpfs", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  REQUIRE(fs::make_dirs(root.path("vol")));
  REQUIRE(fs::write_file(root.path("vol/marker"), "from the host\n"));
  REQUIRE(fs::write_file(root.path("single.conf"), "conf\n"));

  RootfsLayout layout = root.layout();
  layout.volumes = {VolumeMount{root.path("vol"), "/data", false},
                    VolumeMount{root.path("vol"), "/data-ro", true},
                    VolumeMount{root.path("single.conf"), "/etc/deep/single.conf", true}};
  layout.tmpfs = {"/scratch:size=1m,mode=0700"};
  auto r = run(root, root.spec({"sh", "-c",
                                "cat /data/marker /etc/deep/single.conf; "
                                "echo new > /data/written && echo rw-ok; "
                                "touch /data-ro/x 2>/dev/null || echo ro-refused; "
                                "touch /scratch/x && echo tmpfs-ok; "
                                "stat -c %a /scratch; cat /proc/self/mountinfo"},
                               layout));
  auto out = lines(r.out);
  REQUIRE(out.size() > 6);
  CHECK(out[0] == "from the host");
  CHECK(out[1] == "conf");
  CHECK(out[2] == "rw-ok");
  CHECK(out[3] == "ro-refused");
  CHECK(out[4] == "tmpfs-ok");
  CHECK(out[5] == "700");
  CHECK(mountinfo_line(r.out, "/scratch").find("nosuid,nodev,noexec") != std::string::npos);
  CHECK(mountinfo_line(r.out, "/data-ro").find(" ro,") != std::string::npos);
  auto written = fs::read_file(root.path("vol/written"));
  REQUIRE(written);
  CHECK(written.value() == "new\n");
  check_nothing_mounted(root);
}

TEST_CASE("a symlink to / in the image cannot send a volume to the host", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  // A unique name: if resolution escaped, this directory would appear in the host's "/".
  std::string name = "asup-escape-" + root.dir().substr(root.dir().rfind('-') + 1);
  REQUIRE_FALSE(fs::exists("/" + name));
  REQUIRE(fs::make_dirs(root.path("vol")));
  REQUIRE(fs::write_file(root.path("vol/marker"), "inside\n"));

  RootfsLayout layout = root.layout();
  layout.volumes = {VolumeMount{root.path("vol"), "/evil/" + name, false}};
  auto r = run(root, root.spec({"cat", "/" + name + "/marker"}, layout));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "inside\n");
  CHECK_FALSE(fs::exists("/" + name));
  // The mount point was made inside the container's root (its upper dir).
  CHECK(fs::is_directory(root.path("upper/" + name)));
  if (fs::exists("/" + name)) ::rmdir(("/" + name).c_str());
  check_nothing_mounted(root);
}

TEST_CASE("a dangling image symlink is followed inside the root", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  // Like Debian's /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf, but pointing
  // at an absolute host-looking path.
  std::string host_target = root.path("host-side");
  REQUIRE(::symlink(host_target.c_str(), root.path("lower/etc/hosts").c_str()) == 0);
  REQUIRE(fs::write_file(root.path("hosts"), "127.0.0.1 localhost\n"));
  RootfsLayout layout = root.layout();
  layout.hosts_file = root.path("hosts");
  auto r = run(root, root.spec({"cat", "/etc/hosts"}, layout));
  CHECK(r.out == "127.0.0.1 localhost\n");
  CHECK_FALSE(fs::exists(host_target));
  CHECK(fs::exists(root.path("upper") + host_target));
  check_nothing_mounted(root);
}

TEST_CASE("the workload inherits only stdio, and init keeps the log holds", "[launch][root]") {
  ASUP_REQUIRE_ROOT();
  TempRoot root;
  SpawnOptions opts;
  opts.hold_output = true;
  opts.stdout_on_low_fd = true;
  Container c{&root, root.spec({"sh", "-c", "ls /proc/self/fd; echo --; ls /proc/1/fd"}), opts};
  REQUIRE(c.start() == "started 2");
  CHECK(c.wait() == 0);
  auto out = c.out();
  auto split = out.find("--\n");
  REQUIRE(split != std::string::npos);
  // ls's own directory fd is 3.
  CHECK(numeric_entries(out.substr(0, split)) == std::set<std::string>{"0", "1", "2", "3"});
  // 3 is init's signalfd.
  CHECK(numeric_entries(out.substr(split + 3)) ==
        std::set<std::string>{"0", "1", "2", "3", "6", "7", "8"});
  check_nothing_mounted(root);
}
