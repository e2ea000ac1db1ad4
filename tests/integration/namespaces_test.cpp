// Docker's namespace flags through real containers: --pid, --ipc, --uts, --cgroupns and
// --domainname as a user checks them (/proc, /dev/shm, hostname, /proc/self/cgroup), --link
// with real traffic, the kept-only flags in inspect, and every refusal in one line with
// nothing left behind.
#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;
using nlohmann::json;

namespace {

std::string host_link(const std::string& path) {
  char buf[256];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

std::string out_of(Daemon& d, const std::vector<std::string>& args) {
  auto r = d.run(args);
  INFO(r);
  REQUIRE(r.code == 0);
  return trim(r.out);
}

// Whether a process whose command line holds `marker` runs anywhere on the host.
bool host_process_with(const std::string& marker) {
  DIR* proc = ::opendir("/proc");
  if (!proc) return false;
  bool found = false;
  while (auto* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string cmdline = read_text(std::string("/proc/") + e->d_name + "/cmdline");
    for (auto& ch : cmdline)
      if (ch == '\0') ch = ' ';
    if (contains(cmdline, marker) && std::string(e->d_name) != std::to_string(::getpid())) {
      found = true;
      break;
    }
  }
  ::closedir(proc);
  return found;
}

}  // namespace

TEST_CASE("flag --pid host shows the host's processes: a child left behind ends with the container",
          "[namespaces][integration]") {
  Daemon d;
  // PID 1 of the host's namespace is the host's init, not asup-init.
  const std::string host_init = trim(read_text("/proc/1/comm"));
  CHECK(out_of(d, {"run", "--rm", "--pid", "host", "busybox", "cat", "/proc/1/comm"}) == host_init);
  CHECK(out_of(d, {"run", "--rm", "busybox", "cat", "/proc/1/comm"}) != host_init);
  CHECK(out_of(d, {"run", "--rm", "--pid", "host", "busybox", "readlink", "/proc/self/ns/pid"}) ==
        host_link("/proc/self/ns/pid"));

  // Without a namespace of its own nothing kills a background child when init ends: asupd
  // ends the whole group, as Docker's runtime does.
  auto id = d.run_detached(
      {"--pid", "host", "busybox", "sh", "-c", "sleep 98765 </dev/null >/dev/null 2>&1 & exit 3"});
  REQUIRE(d.wait_status(id, "exited"));
  CHECK(d.inspect(id)["State"]["ExitCode"] == 3);
  CHECK(eventually([] { return !host_process_with("sleep 98765"); }, 10));
  CHECK(d.inspect(id)["HostConfig"]["PidMode"] == "host");
}

TEST_CASE("flag --pid container:X shares X's processes: X must run", "[namespaces][integration]") {
  Daemon d;
  auto x = d.run_detached({"--name", "owner", "busybox", "sleep", "4242"});
  auto ps = out_of(d, {"run", "--rm", "--pid", "container:owner", "busybox", "ps", "-o", "args"});
  CHECK(contains(ps, "sleep 4242"));
  CHECK(out_of(d, {"run", "--rm", "--pid", "container:owner", "busybox", "readlink",
                   "/proc/self/ns/pid"}) ==
        out_of(d, {"exec", "owner", "readlink", "/proc/self/ns/pid"}));
  auto y = out_of(d, {"create", "--pid", "container:owner", "busybox", "true"});
  CHECK(d.inspect(y)["HostConfig"]["PidMode"] == "container:" + x);
  REQUIRE(d.run({"stop", "-t", "1", "owner"}).code == 0);
  auto start = d.try_run({"start", y});
  INFO(start);
  CHECK(start.code != 0);
  CHECK_THAT(start.err, Contains("container " + x + " is not running"));
  d.check_run_refused({"--pid", "container:nope", "busybox", "true"}, "No such container: nope");
}

TEST_CASE("flag --ipc: shareable /dev/shm and SysV namespace joined by container:X, none, host",
          "[namespaces][integration]") {
  Daemon d;
  auto x = d.run_detached({"--name", "donor", "--ipc", "shareable", "busybox", "sh", "-c",
                           "echo shared > /dev/shm/f && echo ready && exec sleep 1000"});
  REQUIRE(d.wait_logs(x, "ready"));
  CHECK(out_of(d, {"run", "--rm", "--ipc", "container:donor", "busybox", "cat", "/dev/shm/f"}) ==
        "shared");
  CHECK(out_of(d, {"run", "--rm", "--ipc", "container:donor", "busybox", "readlink",
                   "/proc/self/ns/ipc"}) ==
        out_of(d, {"exec", "donor", "readlink", "/proc/self/ns/ipc"}));
  // A write through the joiner is seen by the donor: one tmpfs.
  REQUIRE(d.run({"run", "--rm", "--ipc", "container:donor", "busybox", "sh", "-c",
                 "echo back > /dev/shm/g"})
              .code == 0);
  CHECK(out_of(d, {"exec", "donor", "cat", "/dev/shm/g"}) == "back");
  CHECK(d.inspect(x)["HostConfig"]["IpcMode"] == "shareable");

  auto priv = d.run_detached({"--name", "private", "busybox", "sleep", "1000"});
  CHECK(d.inspect(priv)["HostConfig"]["IpcMode"] == "private");
  auto r = d.try_run({"run", "--rm", "--ipc", "container:private", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("non-shareable IPC (hint: use IpcMode:shareable for the donor "
                             "container)"));

  CHECK(out_of(d, {"run", "--rm", "--ipc", "none", "busybox", "sh", "-c",
                   "grep -c ' /dev/shm ' /proc/self/mountinfo || true"}) == "0");
  CHECK(out_of(d, {"run", "--rm", "--ipc", "host", "busybox", "readlink", "/proc/self/ns/ipc"}) ==
        host_link("/proc/self/ns/ipc"));
  d.check_run_refused({"--ipc", "host", "--sysctl", "kernel.shmmax=65536", "busybox", "true"},
                      "not allowed in host ipc namespace");

  // The shareable tmpfs goes with its container: no mount left in the run root.
  REQUIRE(d.run({"rm", "-f", "donor"}).code == 0);
  CHECK(mounts_matching("/proc/self/mountinfo", [&](const std::string& m) {
          return contains(m, d.run_root());
        }).empty());
}

TEST_CASE("flags --uts host, --domainname and --cgroupns", "[namespaces][integration]") {
  Daemon d;
  char host[65] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(out_of(d, {"run", "--rm", "--uts", "host", "busybox", "hostname"}) == host);
  d.check_run_refused({"--uts", "host", "-h", "box", "busybox", "true"},
                      "conflicting options: hostname and the UTS mode");

  auto id = out_of(d, {"create", "--domainname", "example.org", "busybox", "cat",
                       "/proc/sys/kernel/domainname"});
  CHECK(d.inspect(id)["Config"]["Domainname"] == "example.org");
  CHECK(out_of(d, {"start", "-a", id}) == "example.org");

  // Its own cgroup namespace sees its groups as "/"; the host's sees the full path.
  auto own = out_of(d, {"run", "--rm", "busybox", "grep", ":pids:", "/proc/self/cgroup"});
  CHECK(own.substr(own.rfind(':')) == ":/");
  auto hostns = out_of(
      d, {"run", "--rm", "--cgroupns", "host", "busybox", "grep", ":pids:", "/proc/self/cgroup"});
  CHECK(contains(hostns, d.cgroup_parent()));
}

TEST_CASE("flag --link: the alias in /etc/hosts, Docker's variables, traffic by alias",
          "[namespaces][integration]") {
  Daemon d;
  auto db = d.run_detached(
      {"--name", "db", "--expose", "5432", "-e", "SECRET=s3", "busybox", "sleep", "1000"});
  const std::string ip = d.inspect(db)["NetworkSettings"].value("IPAddress", "");
  REQUIRE(!ip.empty());
  auto r = d.run({"run", "--rm", "--name", "web", "--link", "db:database", "busybox", "sh", "-c",
                  "cat /etc/hosts; env; ping -c 1 -W 5 database >/dev/null && echo reached"});
  INFO(r);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, ip + "\tdatabase " + db.substr(0, 12) + " db\n"));
  CHECK(contains(r.out, "DATABASE_NAME=/web/database\n"));
  CHECK(contains(r.out, "DATABASE_PORT=tcp://" + ip + ":5432\n"));
  CHECK(contains(r.out, "DATABASE_PORT_5432_TCP_ADDR=" + ip + "\n"));
  CHECK(contains(r.out, "DATABASE_PORT_5432_TCP_PROTO=tcp\n"));
  CHECK(contains(r.out, "DATABASE_ENV_SECRET=s3\n"));
  CHECK(contains(r.out, "reached\n"));

  auto web = out_of(d, {"create", "--name", "web2", "--link", "db", "busybox", "true"});
  CHECK(d.inspect(web)["HostConfig"]["Links"] == json::array({"/db:/web2/db"}));
  REQUIRE(d.run({"stop", "-t", "1", "db"}).code == 0);
  auto start = d.try_run({"start", web});
  INFO(start);
  CHECK(start.code != 0);
  CHECK_THAT(start.err, Contains("Cannot link to a non running container: /db AS /web2/db"));
  d.check_run_refused({"--link", "nope:db", "busybox", "true"},
                      "could not get container for nope: No such container: nope");
  d.check_run_refused({"--network", "host", "--link", "db", "busybox", "true"},
                      "host type networking can't be used with links");
}

TEST_CASE("flags --annotation and --runtime are kept and shown by inspect",
          "[namespaces][integration]") {
  Daemon d;
  auto id = out_of(d, {"create", "--annotation", "org.example/team=infra", "--annotation", "flag",
                       "--runtime", "runc", "busybox", "true"});
  auto host = d.inspect(id)["HostConfig"];
  CHECK(host["Annotations"] == json({{"org.example/team", "infra"}, {"flag", ""}}));
  CHECK(host["Runtime"] == "runc");
  CHECK(d.inspect(out_of(d, {"create", "busybox", "true"}))["HostConfig"]["Runtime"] == "runc");
}

TEST_CASE("flags naming what this host has not are refused in Docker's words",
          "[namespaces][integration]") {
  Daemon d;
  d.check_run_refused({"--pid", "pod", "busybox", "true"}, "--pid: invalid PID mode");
  d.check_run_refused({"--ipc", "weird", "busybox", "true"}, "--ipc: invalid IPC mode");
  d.check_run_refused({"--uts", "private", "busybox", "true"}, "--uts: invalid UTS mode");
  d.check_run_refused({"--cgroupns", "shared", "busybox", "true"},
                      "--cgroupns: invalid CGROUP mode");
  d.check_run_refused({"--uts", "host", "--domainname", "x.org", "busybox", "true"},
                      "unable to set domainname without a private UTS namespace");
  d.check_run_refused({"--runtime", "crun", "busybox", "true"},
                      "unknown or invalid runtime name: crun");
  d.check_run_refused({"--storage-opt", "size=1G", "busybox", "true"},
                      "--storage-opt is supported only for overlay over xfs with 'pquota' mount "
                      "option");
  d.check_run_refused({"--gpus", "all", "busybox", "true"},
                      "could not select device driver \"\" with capabilities: [[gpu]]");
  d.check_run_refused({"--isolation", "hyperv", "busybox", "true"},
                      "Invalid isolation: \"hyperv\" - linux only supports 'default'");
  d.check_run_refused({"--ip6", "fe80::zz", "busybox", "true"}, "invalid IPv6 address: fe80::zz");
  d.check_run_refused({"--ip6", "2001:db8::5", "busybox", "true"}, "IPv6");
  d.check_run_refused({"--link-local-ip", "169.254.1.1", "busybox", "true"}, "link-local");
  d.check_run_refused({"--volume-driver", "nfs", "busybox", "true"},
                      "error looking up volume plugin nfs: plugin \"nfs\" not found");
  // The accepted spellings of the same flags.
  CHECK(d.run({"run", "--rm", "--isolation", "default", "--volume-driver", "local", "--runtime",
               "asup", "--cgroupns", "private", "--ipc", "private", "busybox", "true"})
            .code == 0);
}
