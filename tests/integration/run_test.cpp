// asupctl run, attached: output, exit codes, engine errors, and what the workload sees of
// its own container (namespaces, hostname, environment, user, mounts, devices).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("run prints the workload's output and exits with its code", "[integration][run]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "echo", "hello"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "hello\n");
  CHECK(r.err == "");

  r = d.run({"run", "--rm", "busybox", "sh", "-c", "exit 3"});
  INFO(r);
  CHECK(r.code == 3);

  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");

  // Arguments reach the workload as they were given: no re-splitting on spaces.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo \"$#:$1\"", "sh", "a b  c"});
  INFO(r);
  CHECK(r.out == "1:a b  c\n");

  // Output is passed through byte for byte.
  r = d.run({"run", "--rm", "busybox", "printf", "\\000\\377\\n"});
  INFO(r);
  CHECK(r.out == std::string("\0\xff\n", 3));

  // A request far larger than a pipe's atomic write: a 100 KB environment value.
  r = d.run({"run", "--rm", "-e", "BIG=" + std::string(100000, 'b'), "busybox", "sh", "-c",
             "echo ${#BIG}"});
  INFO(r);
  CHECK(r.out == "100000\n");

  // Death by a signal is 128+N.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "kill -TERM $$"});
  INFO(r);
  CHECK(r.code == 143);

  // The image's Cmd runs when none is given: sh with no stdin exits 0.
  r = d.run({"run", "--rm", "busybox"});
  INFO(r);
  CHECK(r.code == 0);

  // --rm removes the container once it has exited.
  CHECK(eventually([&] { return trim(d.run({"ps", "-aq"}).out).empty(); }, 5));
}

TEST_CASE("run reports engine errors with Docker's exit codes", "[integration][run][errors]") {
  Daemon d;
  SECTION("unknown image: 125") {
    auto r = d.run({"run", "--rm", "--pull", "never", "nosuchimage:latest", "true"});
    INFO(r);
    CHECK(r.code == 125);
    CHECK_THAT(r.err, Contains("No such image"));
    CHECK(r.out == "");
    CHECK(lines(r.err).size() == 1);
  }
  SECTION("unknown image that cannot be pulled: 125, after Docker's notice") {
    // Nothing listens on port 1 of loopback.
    auto r = d.run({"run", "--rm", "127.0.0.1:1/nosuchimage:latest", "true"});
    INFO(r);
    CHECK(r.code == 125);
    auto err = lines(r.err);
    REQUIRE(err.size() >= 2);
    CHECK(err.front() == "Unable to find image '127.0.0.1:1/nosuchimage:latest' locally");
    CHECK_THAT(err.back(), Contains("127.0.0.1:1"));
    CHECK(r.out == "");
  }
  SECTION("command not found: 127") {
    auto r = d.run({"run", "--rm", "busybox", "nosuchcmd"});
    INFO(r);
    CHECK(r.code == 127);
    CHECK_THAT(r.err, Contains("executable file not found"));
  }
  SECTION("absolute path that does not exist: 127") {
    auto r = d.run({"run", "--rm", "busybox", "/no/such/file"});
    INFO(r);
    CHECK(r.code == 127);
    CHECK(r.err != "");
  }
  SECTION("not executable: 126") {
    auto r = d.run({"run", "--rm", "busybox", "/etc/passwd"});
    INFO(r);
    CHECK(r.code == 126);
    CHECK(r.err != "");
  }
  SECTION("a directory: 126") {
    auto r = d.run({"run", "--rm", "busybox", "/tmp"});
    INFO(r);
    CHECK(r.code == 126);
  }
  SECTION("the failed containers are not left running") {
    d.run({"run", "--name", "broken", "busybox", "nosuchcmd"});
    auto j = d.inspect("broken");
    CHECK(j["State"]["Status"] == "exited");
    CHECK(j["State"]["ExitCode"] == 127);
    CHECK(trim(d.run({"ps", "-q"}).out) == "");
  }
}

TEST_CASE("run: a memory hog over -m is OOM-killed with 137 and OOMKilled",
          "[integration][run][limits]") {
  Daemon d;
  auto r = d.run({"run", "--name", "hog", "-m", "16m", "busybox", "sh", "-c",
                  "a=xxxxxxxxxxxxxxxx; while true; do a=\"$a$a\"; done"},
                 "", 120);
  INFO(r);
  CHECK(r.code == 137);
  auto j = d.inspect("hog");
  INFO(j.dump(2));
  CHECK(j["State"]["OOMKilled"] == true);
  CHECK(j["State"]["ExitCode"] == 137);
  CHECK(j["HostConfig"]["Memory"] == 16 * 1024 * 1024);

  // A container that exits normally under a limit is not OOM-killed.
  r = d.run({"run", "--name", "calm", "-m", "16m", "busybox", "true"});
  CHECK(r.code == 0);
  CHECK(d.inspect("calm")["State"]["OOMKilled"] == false);
}

TEST_CASE("run: the workload has its own pid namespace under asup-init",
          "[integration][run][namespaces]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "ls", "/proc"});
  INFO(r);
  REQUIRE(r.code == 0);
  std::set<std::string> pids;
  for (auto& entry : lines(r.out))
    if (!entry.empty() && std::all_of(entry.begin(), entry.end(), ::isdigit)) pids.insert(entry);
  CHECK(pids == std::set<std::string>{"1", "2"});

  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo $$"});
  INFO(r);
  CHECK(r.out == "2\n");

  r = d.run({"run", "--rm", "busybox", "cat", "/proc/1/cmdline"});
  INFO(r);
  CHECK_THAT(r.out, Contains("asup-init"));

  // ps sees init, the shell and itself, nothing of the host.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "ps -o pid,comm; true"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() >= 2);
  std::set<int> seen;
  for (std::size_t i = 1; i < rows.size(); ++i) seen.insert(std::stoi(trim(rows[i])));
  CHECK(seen.count(1) == 1);
  CHECK(seen.count(2) == 1);
  CHECK(*seen.rbegin() <= 3);
  CHECK(rows.size() <= 4);

  // Separate ipc and uts namespaces from the host.
  r = d.run({"run", "--rm", "busybox", "sh", "-c",
             "for n in ipc uts net cgroup mnt; do readlink /proc/self/ns/$n; done"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto ns = lines(r.out);
  REQUIRE(ns.size() == 5);
  char buf[256];
  const char* names[] = {"ipc", "uts", "net", "cgroup", "mnt"};
  for (int i = 0; i < 5; ++i) {
    std::string path = std::string("/proc/self/ns/") + names[i];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    REQUIRE(n > 0);
    INFO(names[i]);
    CHECK(ns[i] != std::string(buf, static_cast<std::size_t>(n)));
  }
}

TEST_CASE("run: the cgroup namespace is rooted at the container's own groups",
          "[integration][run][namespaces]") {
  Daemon d;
  auto r = d.run({"run", "--name", "cg", "busybox", "cat", "/proc/self/cgroup"});
  INFO(r);
  REQUIRE(r.code == 0);
  int checked = 0;
  for (auto& line : lines(r.out)) {
    auto controllers = line.substr(line.find(':') + 1);
    controllers = controllers.substr(0, controllers.find(':'));
    if (controllers != "memory" && controllers != "pids" && controllers != "cpu") continue;
    INFO(line);
    CHECK(line.substr(line.rfind(':')) == ":/");
    ++checked;
  }
  CHECK(checked == 3);
  // Nothing of the host's cgroup paths or of the daemon's naming shows inside.
  CHECK_THAT(r.out, !Contains(d.cgroup_parent()));
  CHECK_THAT(r.out, !Contains(".."));
}

TEST_CASE("run: hostname from -h, default from the id, and in /etc/hostname",
          "[integration][run]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "-h", "box", "busybox", "hostname"});
  INFO(r);
  CHECK(r.out == "box\n");
  r = d.run({"run", "--rm", "--hostname", "box", "busybox", "cat", "/etc/hostname"});
  INFO(r);
  CHECK(r.out == "box\n");
  r = d.run({"run", "--rm", "-h", "box", "busybox", "cat", "/etc/hosts"});
  INFO(r);
  CHECK_THAT(r.out, Contains("box"));
  CHECK_THAT(r.out, Contains("localhost"));

  r = d.run({"run", "--name", "plain", "busybox", "sh", "-c", "hostname; cat /etc/hostname"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto j = d.inspect("plain");
  std::string id = j["Id"];
  CHECK(r.out == id.substr(0, 12) + "\n" + id.substr(0, 12) + "\n");
  CHECK(j["Config"]["Hostname"] == id.substr(0, 12));
  CHECK(j["Name"] == "/plain");

  r = d.run({"run", "--rm", "busybox", "cat", "/etc/resolv.conf"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("nameserver"));
}

TEST_CASE("run: environment, working directory and user", "[integration][run]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "-e", "FOO=bar", "busybox", "sh", "-c", "echo $FOO"});
  INFO(r);
  CHECK(r.out == "bar\n");

  std::string env_file = d.dir() + "/env.list";
  std::ofstream(env_file) << "# a comment\nA=1\n\nB=two words\n";
  r = d.run({"run", "--rm", "--env-file", env_file, "-e", "C=3", "busybox", "sh", "-c",
             "echo \"$A|$B|$C\""});
  INFO(r);
  CHECK(r.out == "1|two words|3\n");

  // The image's PATH is there; the host's environment is not.
  ::setenv("ASUP_IT_LEAK", "leaked", 1);
  r = d.run({"run", "--rm", "busybox", "env"});
  ::unsetenv("ASUP_IT_LEAK");
  INFO(r);
  CHECK_THAT(r.out, Contains("PATH=/"));
  CHECK_THAT(r.out, !Contains("ASUP_IT_LEAK"));
  CHECK_THAT(r.out, !Contains("ASUP_RUN_ROOT"));

  r = d.run({"run", "--rm", "-w", "/tmp", "busybox", "pwd"});
  INFO(r);
  CHECK(r.out == "/tmp\n");
  r = d.run({"run", "--rm", "-w", "/newdir/sub", "busybox", "sh", "-c", "pwd; touch f && echo ok"});
  INFO(r);
  CHECK(r.out == "/newdir/sub\nok\n");

  r = d.run({"run", "--rm", "busybox", "sh", "-c", "id -u; id -g"});
  INFO(r);
  CHECK(r.out == "0\n0\n");
  r = d.run({"run", "--rm", "-u", "33", "busybox", "id", "-u"});
  INFO(r);
  CHECK(r.out == "33\n");
  r = d.run({"run", "--rm", "-u", "www-data", "busybox", "sh", "-c", "id -u; id -g"});
  INFO(r);
  CHECK(r.out == "33\n33\n");
  r = d.run({"run", "--rm", "-u", "65534:33", "busybox", "sh", "-c", "id -u; id -g"});
  INFO(r);
  CHECK(r.out == "65534\n33\n");
  r = d.run({"run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "touch /root/x"});
  INFO(r);
  CHECK(r.code != 0);

  r = d.run({"run", "--rm", "-u", "nosuch", "busybox", "true"});
  INFO(r);
  CHECK(r.code == 125);
  CHECK_THAT(r.err, Contains("nosuch"));
}

TEST_CASE("run: entrypoint, bind mounts and tmpfs", "[integration][run][mounts]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "--entrypoint", "echo", "busybox", "hi"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "hi\n");
  // --entrypoint clears the image's Cmd.
  r = d.run({"run", "--rm", "--entrypoint", "echo", "busybox"});
  INFO(r);
  CHECK(r.out == "\n");

  std::string host = d.dir() + "/vol";
  REQUIRE(::mkdir(host.c_str(), 0755) == 0);
  std::ofstream(host + "/fromhost") << "h\n";
  r = d.run({"run", "--rm", "-v", host + ":/data", "busybox", "sh", "-c",
             "cat /data/fromhost && echo c > /data/fromctr"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "h\n");
  CHECK(read_text(host + "/fromctr") == "c\n");

  r = d.run({"run", "--rm", "-v", host + ":/data:ro", "busybox", "sh", "-c",
             "cat /data/fromhost; echo x > /data/rofile"});
  INFO(r);
  CHECK(r.out == "h\n");
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("Read-only file system"));
  CHECK_FALSE(std::ifstream(host + "/rofile").good());

  r = d.run({"run", "--rm", "--tmpfs", "/scratch", "busybox", "sh", "-c",
             "grep ' /scratch ' /proc/mounts && echo x > /scratch/f && cat /scratch/f"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("tmpfs /scratch tmpfs"));
  CHECK_THAT(r.out, Contains("x\n"));

  // A single file can be bind-mounted; a missing host directory is created, as Docker does.
  std::ofstream(host + "/single") << "one file\n";
  r = d.run(
      {"run", "--rm", "-v", host + "/single:/etc/single:ro", "busybox", "cat", "/etc/single"});
  INFO(r);
  CHECK(r.out == "one file\n");
  std::string missing = d.dir() + "/created-by-run";
  r = d.run({"run", "--rm", "-v", missing + ":/data", "busybox", "touch", "/data/x"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(is_directory(missing));

  // Nothing of the container's mounts shows on the host.
  CHECK(mounts_matching("/proc/self/mountinfo", [&](const std::string& p) {
          return p.rfind(d.dir(), 0) == 0;
        }).empty());
}

TEST_CASE("run: its own network namespace, a minimal /dev, read-only /sys",
          "[integration][run][namespaces]") {
  Daemon d;
  auto r = d.run({"run", "--rm", "busybox", "ls", "/sys/class/net"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "eth0\nlo\n");
  r = d.run({"run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "lo\n");

  r = d.run({"run", "--rm", "busybox", "ls", "/dev"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto entries = lines(r.out);
  std::set<std::string> dev(entries.begin(), entries.end());
  for (auto name :
       {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue"}) {
    INFO(name);
    CHECK(dev.count(name) == 1);
  }
  CHECK(dev.count("sda") == 0);
  CHECK(dev.count("mem") == 0);

  r = d.run({"run", "--rm", "busybox", "sh", "-c",
             "test -c /dev/null && echo x > /dev/null && head -c 5 /dev/zero | wc -c && "
             "head -c 5 /dev/urandom | wc -c && (echo x > /dev/full) 2>/dev/null || echo full"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "5\n5\nfull\n");

  r = d.run({"run", "--rm", "busybox", "sh", "-c",
             "awk '$2 == \"/sys\" { print $4 }' /proc/mounts; touch /sys/x"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK(r.out.rfind("ro", 0) == 0);

  // The root filesystem itself is writable, and a write stays in this container.
  r = d.run({"run", "--rm", "busybox", "sh", "-c", "echo changed > /etc/motd && cat /etc/motd"});
  INFO(r);
  CHECK(r.out == "changed\n");
  r = d.run({"run", "--rm", "busybox", "cat", "/etc/motd"});
  CHECK(r.out != "changed\n");
}

TEST_CASE("run -i passes stdin to the workload", "[integration][run]") {
  Daemon d;
  auto r = d.run({"run", "-i", "--rm", "busybox", "cat"}, "abc");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "abc");

  std::string big(300000, 'z');
  r = d.run({"run", "-i", "--rm", "busybox", "wc", "-c"}, big);
  INFO(r);
  CHECK(trim(r.out) == "300000");

  // Without -i, stdin is not connected: cat sees EOF at once.
  r = d.run({"run", "--rm", "busybox", "cat"}, "ignored", 20);
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "");
}

TEST_CASE("an unknown flag is refused in Docker's words, never taken for an image",
          "[integration][cli]") {
  Daemon d;
  for (auto cmd : {"run", "create"}) {
    auto r = d.try_run({cmd, "--read-only-nope", "busybox", "true"});
    INFO(r);
    CHECK(r.code == 125);
    CHECK(contains(r.err, "unknown flag: --read-only-nope"));
    CHECK(contains(r.err, std::string("See 'asupctl ") + cmd + " --help'."));
  }
  auto shorthand = d.try_run({"run", "-Z", "busybox", "true"});
  CHECK(shorthand.code == 125);
  CHECK(contains(shorthand.err, "unknown shorthand flag: 'Z' in -Z"));
  auto ps = d.try_run({"ps", "--bogus"});
  CHECK(ps.code == 125);
  CHECK(contains(ps.err, "unknown flag: --bogus"));
  CHECK(trim(d.run({"ps", "-a", "-q"}).out).empty());  // nothing was created

  auto version = d.run({"version"});
  CHECK(contains(version.out, "Client:"));
  CHECK(contains(version.out, "Server:"));
  CHECK(contains(version.out, "Cgroup Version:"));
  CHECK(contains(d.run({"--version"}).out, "asupctl version "));
  CHECK(contains(d.run({"help", "run"}).out, "Create and run a container"));
}

TEST_CASE("labels, --cidfile, --init, -a and --log-opt as Docker takes them",
          "[integration][cli][labels]") {
  Daemon d;
  const std::string label_file = d.dir() + "/labels";
  {
    std::ofstream out(label_file);
    out << "# a comment\n\nfrom.file=yes\nshared=file\n";
  }
  const std::string cidfile = d.dir() + "/cid";
  auto r = d.run({"run",         "-d",         "-l",      "app=web",      "--label",
                  "shared=flag", "-l",         "bare",    "--label-file", label_file,
                  "--cidfile",   cidfile,      "--init",  "--log-opt",    "max-size=64k",
                  "--log-opt",   "max-file=3", "busybox", "sleep",        "3600"});
  REQUIRE(r.code == 0);
  const std::string id = trim(r.out);
  CHECK(read_text(cidfile) == id);
  auto info = d.inspect(id);
  auto labels = info["Config"]["Labels"];
  CHECK(labels["app"] == "web");
  CHECK(labels["bare"] == "");
  CHECK(labels["from.file"] == "yes");
  CHECK(labels["shared"] == "flag");  // the flags come after the file
  CHECK(info["LogRing"]["SizeBytes"] == 65536);

  // The id file is someone's already: nothing is created.
  auto again = d.try_run({"create", "--cidfile", cidfile, "busybox", "true"});
  CHECK(again.code == 125);
  CHECK(contains(again.err, "Container ID file found"));
  auto bad_opt = d.try_run({"run", "--log-opt", "nope=1", "busybox", "true"});
  CHECK(bad_opt.code == 125);
  CHECK(contains(bad_opt.err, "unknown log opt 'nope'"));
  // --log-driver: the ring by either of Docker's names; none keeps nothing to read.
  auto local = d.run({"run", "--rm", "--log-driver", "local", "busybox", "echo", "kept"});
  CHECK(local.out == "kept\n");
  auto none =
      d.run({"run", "--name", "unlogged", "--log-driver", "none", "busybox", "echo", "seen"});
  CHECK(none.out == "seen\n");
  CHECK(d.inspect("unlogged")["HostConfig"]["LogConfig"]["Type"] == "none");
  auto unread = d.try_run({"logs", "unlogged"});
  CHECK(unread.code == 1);
  CHECK(contains(unread.err, "configured logging driver does not support reading"));
  auto bad_driver = d.try_run({"run", "--log-driver", "syslog", "busybox", "true"});
  CHECK(bad_driver.code == 125);
  CHECK(contains(bad_driver.err, "logger: no log driver named 'syslog' is registered"));
  auto bad_none_opt =
      d.try_run({"run", "--log-driver", "none", "--log-opt", "nope=1", "busybox", "true"});
  CHECK(bad_none_opt.code == 125);
  CHECK(contains(bad_none_opt.err, "unknown log opt 'nope' for none log driver"));
  CHECK(d.run({"rm", "unlogged"}).code == 0);
  auto bad_stream = d.try_run({"run", "-a", "stdweird", "busybox", "true"});
  CHECK(bad_stream.code == 125);
  CHECK(contains(bad_stream.err, "valid streams are STDIN, STDOUT and STDERR"));
  auto both = d.try_run({"run", "-d", "-a", "stdout", "busybox", "true"});
  CHECK(both.code == 125);
  CHECK(contains(both.err, "Conflicting options: -a and -d"));
  CHECK(d.run({"ps", "-a", "-q"}).out == id.substr(0, 12) + "\n");

  // -a stdout: only stdout is shown; the log keeps both.
  auto out_only = d.run({"run", "--name", "streams", "-a", "stdout", "busybox", "sh", "-c",
                         "echo out; echo err >&2"});
  CHECK(out_only.out == "out\n");
  CHECK(out_only.err.empty());
  auto logs = d.run({"logs", "streams"});
  CHECK(logs.out == "out\n");
  CHECK(logs.err == "err\n");
  CHECK(d.run({"rm", "-f", id, "streams"}).code == 0);
}
