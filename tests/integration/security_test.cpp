// Docker's security flags through real containers: what a user would check with
// /proc/self/status, mount, touch, a setuid binary, ulimit, df, sysctl and id; bad values
// refused in one line with rc 125 and nothing left behind.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "harness.hpp"
#include "network_support.hpp"
#include "skip.hpp"

using namespace asup::it;
using Catch::Contains;

namespace {

// "CapEff:\t00000000a80425fb" -> "00000000a80425fb"
std::string status_field(const std::string& status, const std::string& name) {
  for (auto& line : lines(status)) {
    if (line.rfind(name + ":", 0) == 0) return trim(line.substr(name.size() + 1));
  }
  return "";
}

std::string hex_mask(unsigned long long mask) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", mask);
  return text;
}

// Every capability this kernel has, as far as this host's own bounding set lets them
// reach a container (a privileged container's CapBnd and CapEff).
std::string all_caps_mask() {
  unsigned last =
      static_cast<unsigned>(std::stoul(trim(read_text("/proc/sys/kernel/cap_last_cap"))));
  unsigned long long all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  unsigned long long host =
      std::stoull(status_field(read_text("/proc/self/status"), "CapBnd"), nullptr, 16);
  return hex_mask(all & host);
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// A setuid-root copy of show_euid in a directory of its own under the daemon's temp dir,
// to bind into a container at /suid.
std::string setuid_helper_dir(const Daemon& d) {
  const std::string dir = d.dir() + "/suid";
  ::mkdir(dir.c_str(), 0755);
  auto copy = run_tool({"/bin/cp", test_helpers_dir() + "/show_euid", dir + "/show_euid"});
  REQUIRE(copy.code == 0);
  REQUIRE(::chown((dir + "/show_euid").c_str(), 0, 0) == 0);
  REQUIRE(::chmod((dir + "/show_euid").c_str(), 04755) == 0);
  return dir;
}

std::string caps_of(Daemon& d, const std::vector<std::string>& flags) {
  std::vector<std::string> args{"run", "--rm"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"busybox", "cat", "/proc/self/status"});
  auto r = d.run(args);
  INFO(r);
  REQUIRE(r.code == 0);
  return status_field(r.out, "CapEff") + " " + status_field(r.out, "CapBnd");
}

}  // namespace

TEST_CASE("containers get Docker's capability sets", "[integration][security]") {
  Daemon d;
  const std::string dflt = "00000000a80425fb";
  CHECK(caps_of(d, {}) == dflt + " " + dflt);
  // NET_ADMIN is capability 12.
  CHECK(caps_of(d, {"--cap-add", "NET_ADMIN"}) == "00000000a80435fb 00000000a80435fb");
  CHECK(caps_of(d, {"--cap-drop", "chown", "--cap-drop", "CAP_KILL"}) ==
        "00000000a80425da 00000000a80425da");
  CHECK(caps_of(d, {"--cap-drop", "ALL", "--cap-add", "CHOWN"}) ==
        "0000000000000001 0000000000000001");
  const std::string all = all_caps_mask();
  CHECK(caps_of(d, {"--privileged"}) == all + " " + all);
  CHECK(caps_of(d, {"--cap-add", "ALL"}) == all + " " + all);
}

TEST_CASE("mounting needs --privileged, which also lifts seccomp and the read-only /sys",
          "[integration][security]") {
  Daemon d;
  auto denied = d.try_run(
      {"run", "--rm", "busybox", "sh", "-c", "mkdir -p /mnt/t && mount -t tmpfs none /mnt/t"});
  INFO(denied);
  CHECK(denied.code != 0);

  auto r = d.run({"run", "--rm", "--privileged", "busybox", "sh", "-c",
                  "mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted; "
                  "grep Seccomp: /proc/self/status; grep ' /sys ' /proc/mounts; "
                  "echo 1 > /proc/sys/net/ipv4/ip_forward && echo sysctl-written"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("mounted\n"));
  CHECK_THAT(r.out, Contains("Seccomp:\t0"));
  CHECK_THAT(r.out, Contains("sysfs rw"));
  CHECK_THAT(r.out, Contains("sysctl-written"));

  auto plain = d.run({"run", "--rm", "busybox", "sh", "-c",
                      "grep Seccomp: /proc/self/status; grep ' /sys ' /proc/mounts"});
  CHECK_THAT(plain.out, Contains("Seccomp:\t2"));
  CHECK_THAT(plain.out, Contains("sysfs ro"));
}

TEST_CASE("a privileged container sees the host's devices", "[integration][security]") {
  std::string node;
  for (auto candidate : {"/dev/kmsg", "/dev/loop-control", "/dev/fuse", "/dev/vda", "/dev/sda"}) {
    struct stat st;
    if (::stat(candidate, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
      node = candidate;
      break;
    }
  }
  if (node.empty()) {
    ASUP_SKIP("no host device node to look for");
  }
  Daemon d;
  auto r = d.try_run({"run", "--rm", "busybox", "ls", node});
  CHECK(r.code != 0);
  r = d.run({"run", "--rm", "--privileged", "busybox", "ls", node});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(trim(r.out) == node);
}

TEST_CASE("read-only root: --read-only makes / read-only and leaves tmpfs and /dev/shm writable",
          "[integration][security]") {
  Daemon d;
  auto r = d.try_run({"run", "--rm", "--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c",
                      "touch /x; echo touch=$?; touch /tmp/y && echo tmp-ok; "
                      "touch /dev/shm/z && echo shm-ok"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Contains("touch: /x: Read-only file system"));
  CHECK_THAT(r.out, Contains("touch=1\n"));
  CHECK_THAT(r.out, Contains("tmp-ok\n"));
  CHECK_THAT(r.out, Contains("shm-ok\n"));

  auto rw = d.run({"run", "--rm", "busybox", "sh", "-c", "touch /x && echo ok"});
  CHECK(trim(rw.out) == "ok");
}

TEST_CASE("a setuid binary raises the euid unless no-new-privileges is set",
          "[integration][security]") {
  Daemon d;
  const std::string bind = setuid_helper_dir(d) + ":/suid:ro";
  auto euid = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> args{"run", "--rm", "-u", "1000", "-v", bind};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "/suid/show_euid"});
    auto r = d.run(args);
    INFO(r);
    CHECK(r.code == 0);
    return trim(r.out);
  };
  CHECK(euid({}) == "euid=0");  // Docker's default: no_new_privs off
  CHECK(euid({"--security-opt", "no-new-privileges"}) == "euid=1000");
  CHECK(euid({"--security-opt", "no-new-privileges=true"}) == "euid=1000");
  CHECK(euid({"--security-opt", "no-new-privileges:false"}) == "euid=0");

  // An exec carries the container's setting.
  const std::string id =
      d.run_detached({"--security-opt", "no-new-privileges", "-v", bind, "busybox", "sleep", "60"});
  auto r = d.run({"exec", "-u", "1000", id, "/suid/show_euid"});
  CHECK(trim(r.out) == "euid=1000");
  d.run({"rm", "-f", id});
}

TEST_CASE("asupd --no-new-privileges makes it the default", "[integration][security]") {
  Daemon::Options options;
  options.daemon_args = {"--no-new-privileges"};
  Daemon d(options);
  const std::string bind = setuid_helper_dir(d) + ":/suid:ro";
  auto r = d.run({"run", "--rm", "-u", "1000", "-v", bind, "busybox", "/suid/show_euid"});
  CHECK(trim(r.out) == "euid=1000");
  r = d.run({"run", "--rm", "-u", "1000", "-v", bind, "--security-opt", "no-new-privileges=false",
             "busybox", "/suid/show_euid"});
  CHECK(trim(r.out) == "euid=0");
}

TEST_CASE("a seccomp profile file is applied: unconfined lifts the default",
          "[integration][security]") {
  Daemon d;
  const std::string profile = write_file(d.dir() + "/no-mkdir.json",
                                         R"({"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]})");
  auto r = d.try_run({"run", "--rm", "--security-opt", "seccomp=" + profile, "busybox", "sh", "-c",
                      "mkdir /made; echo mkdir=$?; touch /touched && echo touch-ok"});
  INFO(r);
  CHECK_THAT(r.err, Contains("Operation not permitted"));
  CHECK_THAT(r.out, Contains("mkdir=1\n"));
  CHECK_THAT(r.out, Contains("touch-ok\n"));

  // io_uring is outside Docker's default profile; unconfined lets it through.
  const std::string helpers = test_helpers_dir() + ":/helpers:ro";
  r = d.try_run({"run", "--rm", "-v", helpers, "busybox", "/helpers/io_uring_probe"});
  CHECK(trim(r.out) == "io_uring: Operation not permitted");
  r = d.try_run({"run", "--rm", "-v", helpers, "--security-opt", "seccomp=unconfined", "busybox",
                 "/helpers/io_uring_probe"});
  INFO(r);
  CHECK(trim(r.out) == "io_uring: ok");
  r = d.run({"run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep",
             "Seccomp:", "/proc/self/status"});
  CHECK_THAT(r.out, Contains("Seccomp:\t0"));
}

TEST_CASE("limits: --ulimit, --shm-size and --sysctl are what the workload sees",
          "[integration][security]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "--ulimit", "nofile=1024:2048", "busybox", "sh", "-c",
                  "ulimit -n; ulimit -Hn"});
  CHECK(r.out == "1024\n2048\n");

  auto shm_kb = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> args{"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"busybox", "sh", "-c", "df -k /dev/shm | tail -1"});
    auto out = d.run(args).out;
    // "shm  131072  0  131072  0% /dev/shm": the second column.
    char size[32] = {};
    std::sscanf(out.c_str(), "%*s %31s", size);
    return std::string{size};
  };
  CHECK(shm_kb({}) == "65536");
  CHECK(shm_kb({"--shm-size", "128m"}) == "131072");

  // A new network namespace starts from the host's values: both settings are tried, and
  // the host's own value stays as it was.
  const std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");
  r = d.run({"run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=65536",
             "busybox", "sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax"});
  CHECK(r.out == "1\n65536\n");
  r = d.run({"run", "--rm", "--sysctl", "net.ipv4.ip_forward=0", "busybox", "cat",
             "/proc/sys/net/ipv4/ip_forward"});
  CHECK(r.out == "0\n");
  CHECK(read_text("/proc/sys/net/ipv4/ip_forward") == host_forward);
  auto plain = d.run({"run", "--rm", "busybox", "cat", "/proc/sys/kernel/shmmax"});
  CHECK(plain.out != "65536\n");
}

TEST_CASE("extra groups: --group-add adds groups by name or number", "[integration][security]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "--group-add", "audio", "--group-add", "1234", "busybox", "id"});
  CHECK_THAT(r.out, Contains("29(audio)"));
  CHECK_THAT(r.out, Contains("1234"));
  auto bad = d.try_run({"run", "--rm", "--group-add", "nosuch", "busybox", "id"});
  CHECK(bad.code != 0);
  CHECK_THAT(bad.err, Contains("Unable to find group nosuch"));
}

TEST_CASE("bad security flags are refused in one line, rc 125, nothing created",
          "[integration][security]") {
  Daemon d;
  const std::string bad_profile =
      write_file(d.dir() + "/bad.json", R"({"defaultAction": "SCMP_ACT_NOPE"})");
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--cap-add", "FOO"}, "unknown capability: \"CAP_FOO\""},
      {{"--cap-drop", "cap_bar"}, "unknown capability: \"CAP_BAR\""},
      {{"--security-opt", "foo"}, "Invalid --security-opt: \"foo\""},
      {{"--security-opt", "no-new-privileges=maybe"},
       "invalid --security-opt 2: \"no-new-privileges=maybe\""},
      {{"--security-opt", "mask=/x"}, "invalid --security-opt 2: \"mask=/x\""},
      {{"--security-opt", "seccomp=/nonexistent.json"},
       "opening seccomp profile (/nonexistent.json) failed: open /nonexistent.json: no such file "
       "or directory"},
      {{"--security-opt", "seccomp=" + bad_profile}, "decoding seccomp profile failed: "},
      {{"--sysctl", "kernel.hostname=x"},
       "invalid argument \"kernel.hostname=x\" for \"--sysctl\" flag: sysctl 'kernel.hostname=x' "
       "is not allowed"},
      {{"--network", "host", "--sysctl", "net.ipv4.ip_forward=1"},
       "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"},
      {{"--ulimit", "nofile=abc"},
       "invalid argument \"nofile=abc\" for \"--ulimit\" flag: strconv.ParseInt: parsing \"abc\": "
       "invalid syntax"},
      {{"--ulimit", "nofile=2048:1024"},
       "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"},
      {{"--ulimit", "nofiles=1"}, "invalid ulimit type: nofiles"},
      {{"--shm-size", "lots"}, "invalid argument \"lots\" for \"--shm-size\" flag"},
      {{"--userns", "private"}, "--userns: invalid USER mode"},
  };
  for (const auto& c : cases) {
    for (const char* command : {"run", "create"}) {
      std::vector<std::string> args{command};
      args.insert(args.end(), c.flags.begin(), c.flags.end());
      args.insert(args.end(), {"busybox", "true"});
      auto r = d.try_run(args);
      INFO(r);
      CHECK(r.code == 125);
      CHECK(lines(r.err).size() == 1);
      CHECK_THAT(r.err, Contains(c.error));
    }
  }
  auto ps = d.run({"ps", "-a", "-q"});
  CHECK(ps.out.empty());
}

TEST_CASE("AppArmor and SELinux options are accepted with a warning", "[integration][security]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "--security-opt", "apparmor=docker-default", "--security-opt",
                  "label=type:svirt_t", "busybox", "echo", "ran"});
  CHECK(r.out == "ran\n");
  CHECK_THAT(r.err, Contains("WARNING: apparmor profile \"docker-default\" ignored"));
  CHECK_THAT(r.err, Contains("WARNING: label \"type:svirt_t\" ignored"));
  r = d.run({"run", "--rm", "--security-opt", "apparmor=unconfined", "--userns", "host", "busybox",
             "echo", "ran"});
  CHECK(r.out == "ran\n");
  CHECK(r.err.empty());
}

TEST_CASE("inspect shows the security settings, kept across asupd restarts",
          "[integration][security]") {
  Daemon d;
  auto created = d.run({"create",
                        "--cap-add",
                        "NET_ADMIN",
                        "--cap-drop",
                        "MKNOD",
                        "--read-only",
                        "--group-add",
                        "audio",
                        "--sysctl",
                        "net.ipv4.ip_forward=1",
                        "--ulimit",
                        "nofile=1024:2048",
                        "--shm-size",
                        "128m",
                        "--security-opt",
                        "no-new-privileges",
                        "busybox",
                        "sh",
                        "-c",
                        "grep CapEff /proc/self/status; ulimit -n; "
                        "cat /proc/sys/net/ipv4/ip_forward; touch /x"});
  const std::string id = trim(created.out);
  auto check_host_config = [&] {
    auto host = d.inspect(id)["HostConfig"];
    INFO(host.dump());
    CHECK(host["CapAdd"] == nlohmann::json::array({"NET_ADMIN"}));
    CHECK(host["CapDrop"] == nlohmann::json::array({"MKNOD"}));
    CHECK(host["Privileged"] == false);
    CHECK(host["ReadonlyRootfs"] == true);
    CHECK(host["SecurityOpt"] == nlohmann::json::array({"no-new-privileges"}));
    CHECK(host["GroupAdd"] == nlohmann::json::array({"audio"}));
    CHECK(host["Sysctls"] == nlohmann::json{{"net.ipv4.ip_forward", "1"}});
    CHECK(host["Ulimits"] ==
          nlohmann::json::parse(R"([{"Name":"nofile","Soft":1024,"Hard":2048}])"));
    CHECK(host["ShmSize"] == 128 << 20);
    CHECK(host["UsernsMode"] == "");
  };
  check_host_config();
  d.restart();
  check_host_config();

  // Started after the restart: everything is applied from config.json.
  auto r = d.try_run({"start", "-a", id});
  INFO(r);
  CHECK_THAT(r.out, Contains("CapEff:\t00000000a00435fb"));  // + NET_ADMIN, - MKNOD
  CHECK_THAT(r.out, Contains("1024\n1\n"));
  CHECK_THAT(r.err, Contains("Read-only file system"));

  auto plain = d.run_detached({"busybox", "sleep", "60"});
  auto host = d.inspect(plain)["HostConfig"];
  CHECK(host["CapAdd"].is_null());
  CHECK(host["Privileged"] == false);
  CHECK(host["ShmSize"] == 64 << 20);
  CHECK(host["Ulimits"] == nlohmann::json::array());
  d.run({"rm", "-f", plain});
}

TEST_CASE("exec runs with the container's capabilities", "[integration][security]") {
  Daemon d;
  const std::string id = d.run_detached({"--cap-drop", "ALL", "busybox", "sleep", "60"});
  auto r = d.run({"exec", id, "grep", "CapEff", "/proc/self/status"});
  CHECK(trim(r.out) == "CapEff:\t0000000000000000");
  d.run({"rm", "-f", id});
}
