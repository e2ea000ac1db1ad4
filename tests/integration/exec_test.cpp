// Detached containers: run -d, ps in its three formats, and exec into every namespace and
// the cgroup of a running container.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "harness.hpp"

using namespace asup::it;
using Catch::Contains;

TEST_CASE("run -d prints the id and ps lists the container", "[integration][ps]") {
  Daemon d;
  std::string id = d.run_detached({"--name", "sleeper", "busybox", "sleep", "1000"});
  CHECK(is_hex_id(id));

  auto r = d.run({"ps"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  for (auto header : {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"})
    CHECK_THAT(rows[0], Contains(header));
  CHECK(rows[0].rfind("CONTAINER ID", 0) == 0);
  CHECK(rows[1].rfind(id.substr(0, 12), 0) == 0);
  CHECK_THAT(rows[1], Contains("sleeper"));
  CHECK_THAT(rows[1], Contains("Up "));
  CHECK_THAT(rows[1], Contains("busybox"));

  r = d.run({"ps", "-q"});
  INFO(r);
  CHECK(r.out == id.substr(0, 12) + "\n");

  r = d.run({"ps", "--format", "json"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto json_rows = lines(r.out);
  REQUIRE(json_rows.size() == 1);
  auto row = nlohmann::json::parse(json_rows[0], nullptr, false);
  REQUIRE(row.is_object());
  CHECK(row["ID"] == id.substr(0, 12));
  CHECK(row["Names"] == "sleeper");
  CHECK(row["State"] == "running");

  auto j = d.inspect(id);
  CHECK(j["Id"] == id);
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["State"]["Running"] == true);
  CHECK(j["State"]["Pid"].get<int>() > 0);
  CHECK(process_alive(j["State"]["Pid"].get<int>()));
  CHECK(j["Name"] == "/sleeper");

  // An exited container shows in ps -a only, with its code.
  std::string done = d.run_detached({"busybox", "sh", "-c", "exit 6"});
  REQUIRE(d.wait_status(done, "exited"));
  r = d.run({"ps", "-q"});
  CHECK_THAT(r.out, !Contains(done.substr(0, 12)));
  r = d.run({"ps", "-a"});
  INFO(r);
  CHECK_THAT(r.out, Contains(done.substr(0, 12)));
  CHECK_THAT(r.out, Contains("Exited (6)"));
  CHECK(lines(d.run({"ps", "-aq"}).out).size() == 2);

  auto state = d.inspect(done)["State"];
  std::regex rfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$)");
  INFO(state.dump());
  std::string started = state["StartedAt"], finished = state["FinishedAt"];
  CHECK(std::regex_match(started, rfc3339));
  CHECK(std::regex_match(finished, rfc3339));
  CHECK(started.substr(0, 19) <= finished.substr(0, 19));
  CHECK(state["Running"] == false);
  CHECK(state["Pid"] == 0);
  CHECK(std::regex_match(d.inspect(done)["Created"].get<std::string>(), rfc3339));
}

TEST_CASE("exec runs in the container's namespaces and cgroup", "[integration][exec]") {
  Daemon d;
  std::string id = d.run_detached({"-h", "inside", "busybox", "sleep", "1000"});

  auto r = d.run({"exec", id, "cat", "/etc/hostname"});
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "inside\n");
  r = d.run({"exec", id, "hostname"});
  CHECK(r.out == "inside\n");

  // The container's processes, not the host's: init as 1, the sleeper as 2.
  r = d.run({"exec", id, "ps", "-o", "pid,args"});
  INFO(r);
  REQUIRE(r.code == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() >= 3);
  CHECK(rows.size() <= 5);
  bool init_is_1 = false, sleeper_is_2 = false;
  for (auto& row : rows) {
    auto t = trim(row);
    if (t.rfind("1 ", 0) == 0 && contains(t, "asup-init")) init_is_1 = true;
    if (t.rfind("2 ", 0) == 0 && contains(t, "sleep 1000")) sleeper_is_2 = true;
  }
  CHECK(init_is_1);
  CHECK(sleeper_is_2);
  CHECK_THAT(r.out, !Contains("asupd"));

  r = d.run({"exec", id, "ls", "/sys/class/net"});
  CHECK(r.out == "eth0\nlo\n");

  // The exec'd process sees the container's root filesystem, not the host's.
  r = d.run({"exec", id, "sh", "-c", "echo mark > /tmp/mark"});
  CHECK(r.code == 0);
  r = d.run({"exec", id, "cat", "/tmp/mark"});
  CHECK(r.out == "mark\n");
  CHECK(read_text("/tmp/mark") != "mark\n");

  r = d.run({"exec", id, "sh", "-c", "exit 5"});
  INFO(r);
  CHECK(r.code == 5);
  r = d.run({"exec", id, "nosuchcmd"});
  INFO(r);
  CHECK(r.code == 127);
  CHECK(r.err != "");
  r = d.run({"exec", "-w", "/tmp", id, "pwd"});
  CHECK(r.out == "/tmp\n");
  r = d.run({"exec", "-e", "X=1", id, "env"});
  INFO(r);
  CHECK_THAT(r.out, Contains("X=1\n"));
  CHECK_THAT(r.out, Contains("PATH="));
  r = d.run({"exec", "-u", "33", id, "id", "-u"});
  CHECK(r.out == "33\n");
  r = d.run({"exec", "-u", "www-data", id, "sh", "-c", "id -u; id -g"});
  CHECK(r.out == "33\n33\n");
  r = d.run({"exec", "-u", "nosuch", id, "true"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("nosuch"));
  r = d.run({"exec", "-w", "relative", id, "pwd"});
  CHECK(r.code != 0);
  r = d.run({"exec", "-i", id, "cat"}, "piped through\n");
  INFO(r);
  CHECK(r.code == 0);
  CHECK(r.out == "piped through\n");
  // Without -i the command gets no stdin.
  r = d.run({"exec", id, "cat"}, "not passed\n", 20);
  CHECK(r.code == 0);
  CHECK(r.out == "");

  // Same cgroups as the container's init, as seen from inside...
  auto own = d.run({"exec", id, "cat", "/proc/self/cgroup"});
  auto init = d.run({"exec", id, "cat", "/proc/1/cgroup"});
  INFO(own);
  INFO(init);
  CHECK(own.code == 0);
  CHECK(own.out == init.out);
  // ...and on the host the exec'd process is listed in the container's groups.
  auto exec_sleep_in = [&](const std::string& controller) {
    for (auto& pid : lines(read_text(d.cgroup_dir(controller, id) + "/cgroup.procs")))
      if (read_text("/proc/" + pid + "/cmdline") == std::string("sleep\0"
                                                                "3\0",
                                                                8))
        return true;
    return false;
  };
  std::string procs_file = d.cgroup_dir("pids", id) + "/cgroup.procs";
  auto before = lines(read_text(procs_file)).size();
  CHECK(before == 2);
  auto bg = d.spawn({"exec", id, "sleep", "3"});
  CHECK(eventually([&] { return exec_sleep_in("pids"); }, 5));
  CHECK(exec_sleep_in("memory"));
  CHECK(exec_sleep_in("cpu"));
  CHECK(bg.wait(20));
  CHECK(bg.result().code == 0);
  CHECK(eventually([&] { return lines(read_text(procs_file)).size() == before; }, 5));
}

TEST_CASE("exec into a container that is not running is refused", "[integration][exec]") {
  Daemon d;
  std::string id = d.run_detached({"busybox", "true"});
  REQUIRE(d.wait_status(id, "exited"));
  auto r = d.run({"exec", id, "true"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("not running"));

  r = d.run({"exec", "nosuchcontainer", "true"});
  INFO(r);
  CHECK(r.code != 0);
  CHECK_THAT(r.err, Contains("No such container"));
}
