#include <catch2/catch.hpp>

#include "engine/top.hpp"

using namespace asup;
using namespace asup::engine;

TEST_CASE("ps output is narrowed to the container's pids, the command kept whole",
          "[engine][top]") {
  const std::string out =
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 17:33 ?        00:00:03 /sbin/init splash\n"
      "root         200       1  0 17:40 ?        00:00:00 sleep 100 --flag  x\n"
      "root         201     200  0 17:40 ?        00:00:00 sh\n";
  auto top = parse_ps_output(out, {200, 201});
  REQUIRE(top);
  CHECK(top.value().titles ==
        std::vector<std::string>{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"});
  REQUIRE(top.value().processes.size() == 2);
  CHECK(top.value().processes[0].back() == "sleep 100 --flag x");
  CHECK(top.value().processes[1][1] == "201");
  CHECK_FALSE(parse_ps_output("USER COMMAND\nroot x\n", {1}));
}

TEST_CASE("ps options may rename only pid to PID", "[engine][top]") {
  CHECK(validate_ps_args({"-o", "pid,args"}));
  CHECK(validate_ps_args({"aux"}));
  CHECK(validate_ps_args({"-o", "pid=PID"}));
  auto bad = validate_ps_args({"-o", "user=PID"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "specifying \"user=PID\" is not allowed");
}
