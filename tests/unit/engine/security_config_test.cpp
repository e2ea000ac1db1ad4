#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "engine/security_config.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

std::string config_error(const api::RunRequest& r, const std::string& network = "bridge") {
  auto s = make_security_config(r, network);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == 0);  // one line, no errno text after it
  return s.error().message;
}

api::RunRequest request() {
  api::RunRequest r;
  r.image = "busybox";
  return r;
}

}  // namespace

TEST_CASE("a request without security flags gets Docker's defaults", "[engine][security]") {
  auto s = make_security_config(request(), "bridge");
  REQUIRE(s);
  CHECK(s.value().capabilities == launch::kDockerDefaultCapabilities);
  CHECK_FALSE(s.value().no_new_privileges);
  CHECK(s.value().shm_size == 64 << 20);
  CHECK_FALSE(s.value().seccomp_unconfined);
  CHECK(s.value().seccomp_profile.empty());
}

TEST_CASE("security flags are checked into typed values", "[engine][security]") {
  auto r = request();
  r.cap_add = {"net_admin"};
  r.cap_drop = {"CAP_MKNOD"};
  r.security_opt = {"no-new-privileges=false", "seccomp=unconfined", "apparmor=x", "label=disable"};
  r.sysctls = {"net.ipv4.ip_forward=1", "kernel.sem=1 2 3 4", "net.ipv4.ip_forward=0"};
  r.ulimits = {"nofile=10:20", "nproc=5", "nofile=30:40"};
  r.shm_size = 1 << 20;
  r.userns = "host";
  auto s = make_security_config(r, "bridge");
  REQUIRE(s);
  const auto& c = s.value();
  CHECK(c.capabilities == ((launch::kDockerDefaultCapabilities | (1ULL << 12)) & ~(1ULL << 27)));
  CHECK(c.no_new_privileges == false);
  CHECK(c.seccomp_unconfined);
  CHECK(c.sysctls == std::map<std::string, std::string>{{"net.ipv4.ip_forward", "0"},
                                                        {"kernel.sem", "1 2 3 4"}});
  CHECK(c.ulimits == std::vector<api::Ulimit>{{"nofile", 30, 40}, {"nproc", 5, 5}});
  CHECK(c.shm_size == 1 << 20);
  CHECK(c.userns_mode == "host");

  auto again = security_from_json(to_json(c));
  CHECK(again.capabilities == c.capabilities);
  CHECK(again.no_new_privileges == c.no_new_privileges);
  CHECK(again.sysctls == c.sysctls);
  CHECK(again.ulimits == c.ulimits);
  CHECK(again.security_opt == c.security_opt);
  CHECK(again.shm_size == c.shm_size);
  CHECK(security_from_json(nlohmann::json::object()).capabilities ==
        launch::kDockerDefaultCapabilities);
}

TEST_CASE("bad security flags get Docker's errors", "[engine][security]") {
  auto r = request();
  r.cap_add = {"FOO"};
  CHECK(config_error(r) == "unknown capability: \"CAP_FOO\"");
  r = request();
  r.security_opt = {"nonsense"};
  CHECK(config_error(r) == "invalid --security-opt 1: \"nonsense\"");
  r.security_opt = {"no-new-privileges=maybe"};
  CHECK(config_error(r) == "invalid --security-opt 2: \"no-new-privileges=maybe\"");
  r.security_opt = {"seccomp={\"defaultAction\":\"SCMP_ACT_NOPE\"}"};
  CHECK(config_error(r).rfind("decoding seccomp profile failed: seccomp profile: defaultAction",
                              0) == 0);
  r = request();
  r.sysctls = {"vm.swappiness=1"};
  CHECK(config_error(r) == "sysctl 'vm.swappiness=1' is not allowed");
  r.sysctls = {"net.ipv4.ip_forward=1"};
  CHECK(config_error(r, "host") ==
        "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
  r = request();
  r.ulimits = {"nofile=2:1"};
  CHECK(config_error(r) == "ulimit soft limit must be less than or equal to hard limit: 2 > 1");
  r = request();
  r.shm_size = -1;
  CHECK(config_error(r) == "SHM size can not be less than 0");
  r = request();
  r.userns = "private";
  CHECK(config_error(r) == "--userns: invalid USER mode");
}

TEST_CASE("the launch spec gets the container's security settings", "[engine][security]") {
  auto r = request();
  r.cap_drop = {"ALL"};
  r.group_add = {"audio"};
  r.ulimits = {"nofile=1024:2048", "core=-1"};
  r.sysctls = {"net.ipv4.ip_forward=1"};
  r.read_only = true;
  auto s = make_security_config(r, "bridge");
  REQUIRE(s);

  launch::LaunchSpec spec;
  REQUIRE(apply_security(s.value(), true, spec));
  CHECK(spec.capabilities == 0);
  CHECK(spec.no_new_privs);  // asupd's default when the container does not say
  CHECK(spec.seccomp);
  CHECK(spec.seccomp_program.empty());  // the spawner's cached default for these caps
  CHECK(spec.extra_groups == std::vector<std::string>{"audio"});
  CHECK(spec.rlimits == std::vector<launch::Rlimit>{{RLIMIT_NOFILE, 1024, 2048},
                                                    {RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY}});
  CHECK(spec.sysctls == std::vector<std::string>{"net.ipv4.ip_forward=1"});
  CHECK(spec.read_only_root);

  launch::LaunchSpec exec;
  exec.mode = launch::Mode::Exec;
  REQUIRE(apply_security(s.value(), false, exec));
  CHECK_FALSE(exec.no_new_privs);
  CHECK(exec.sysctls.empty());  // the container's, written once
  CHECK_FALSE(exec.read_only_root);

  auto privileged = request();
  privileged.privileged = true;
  privileged.security_opt = {"no-new-privileges"};
  auto p = make_security_config(privileged, "bridge");
  REQUIRE(p);
  launch::LaunchSpec pspec;
  REQUIRE(apply_security(p.value(), false, pspec));
  CHECK_FALSE(pspec.seccomp);
  CHECK(pspec.no_new_privs);

  auto profile = request();
  profile.security_opt = {
      R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]})"};
  auto withprofile = make_security_config(profile, "bridge");
  REQUIRE(withprofile);
  launch::LaunchSpec prof;
  REQUIRE(apply_security(withprofile.value(), false, prof));
  CHECK(prof.seccomp);
  CHECK_FALSE(prof.seccomp_program.empty());
}
