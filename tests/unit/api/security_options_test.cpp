#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "api/security_options.hpp"

using namespace asup::api;

namespace {

std::string ulimit_error(const std::string& text) {
  auto r = parse_ulimit(text);
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("ulimit values of --ulimit parse as Docker's", "[api][security]") {
  CHECK(parse_ulimit("nofile=1024:2048").value() == Ulimit{"nofile", 1024, 2048});
  CHECK(parse_ulimit("nproc=512").value() == Ulimit{"nproc", 512, 512});
  CHECK(parse_ulimit("core=-1:-1").value() == Ulimit{"core", -1, -1});
  CHECK(parse_ulimit("memlock=100:-1").value() == Ulimit{"memlock", 100, -1});
  CHECK(ulimit_resource("nofile") == RLIMIT_NOFILE);
  CHECK(ulimit_resource("stack") == RLIMIT_STACK);
  CHECK(ulimit_resource("files") == -1);
}

TEST_CASE("bad --ulimit values get Docker's errors", "[api][security]") {
  CHECK(ulimit_error("nofile") == "invalid ulimit argument: nofile");
  CHECK(ulimit_error("nofiles=1") == "invalid ulimit type: nofiles");
  CHECK(ulimit_error("nofile=x") == "strconv.ParseInt: parsing \"x\": invalid syntax");
  CHECK(ulimit_error("nofile=1:y") == "strconv.ParseInt: parsing \"y\": invalid syntax");
  CHECK(ulimit_error("nofile=") == "strconv.ParseInt: parsing \"\": invalid syntax");
  CHECK(ulimit_error("nofile=1:2:3") ==
        "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`");
  CHECK(ulimit_error("nofile=2048:1024") ==
        "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024");
}

TEST_CASE("only namespaced sysctls are allowed", "[api][security]") {
  for (auto ok : {"net.ipv4.ip_forward=1", "net.core.somaxconn=1024", "kernel.shmmax=65536",
                  "kernel.sem=250 32000 100 128", "fs.mqueue.msg_max=100", "kernel.msgmax=1",
                  "kernel.shm_rmid_forced=1", "net.ipv4.ip_local_port_range=1024 65000"}) {
    INFO(ok);
    CHECK(check_sysctl(ok));
  }
  for (auto bad : {"kernel.hostname=x", "vm.swappiness=10", "net.ipv4.ip_forward", "=1",
                   "fs.file-max=10", "kernel.msgmaxx=1", "net.=1"}) {
    INFO(bad);
    auto r = check_sysctl(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == std::string{"sysctl '"} + bad + "' is not allowed");
  }
}
