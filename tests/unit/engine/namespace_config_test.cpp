#include <catch2/catch.hpp>

#include <sched.h>

#include "engine/host_features.hpp"
#include "engine/namespace_config.hpp"

using namespace asup;
using namespace asup::engine;

namespace {

std::string refusal(const api::RunRequest& r) {
  auto ns = make_namespace_config(r);
  REQUIRE_FALSE(ns);
  CHECK(ns.error().code == 0);
  return ns.error().message;
}

constexpr std::uint64_t kAll =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;

}  // namespace

TEST_CASE("namespace modes default to Docker's and make every namespace", "[engine][namespaces]") {
  auto ns = make_namespace_config(api::RunRequest{});
  REQUIRE(ns);
  CHECK(ns.value().pid_mode.empty());
  CHECK(ns.value().ipc_mode == "private");
  CHECK(ns.value().cgroupns_mode == "private");
  CHECK(ns.value().runtime == "runc");
  CHECK(ns.value().shm_source() == ShmSource::own);
  CHECK(own_namespaces(ns.value(), "bridge") == kAll);
}

TEST_CASE("host and container modes leave their namespace out", "[engine][namespaces]") {
  api::RunRequest r;
  r.pid = "host";
  r.ipc = "container:abc";
  r.uts = "host";
  r.cgroupns = "host";
  auto ns = make_namespace_config(r);
  REQUIRE(ns);
  CHECK(ns.value().ipc_container() == "abc");
  CHECK(ns.value().shm_source() == ShmSource::container);
  CHECK(own_namespaces(ns.value(), "host") == static_cast<std::uint64_t>(CLONE_NEWNS));
  r = {};
  r.pid = "container:x";
  r.ipc = "shareable";
  ns = make_namespace_config(r);
  REQUIRE(ns);
  CHECK(ns.value().pid_container() == "x");
  CHECK(ns.value().shm_source() == ShmSource::shared);
  CHECK(own_namespaces(ns.value(), "container:y") ==
        (kAll & ~static_cast<std::uint64_t>(CLONE_NEWPID | CLONE_NEWNET)));
}

TEST_CASE("bad namespace modes are refused with the docker CLI's texts", "[engine][namespaces]") {
  api::RunRequest r;
  r.pid = "container:";
  CHECK(refusal(r) == "--pid: invalid PID mode");
  r = {};
  r.ipc = "shared";
  CHECK(refusal(r) == "--ipc: invalid IPC mode");
  r = {};
  r.uts = "private";
  CHECK(refusal(r) == "--uts: invalid UTS mode");
  r = {};
  r.cgroupns = "x";
  CHECK(refusal(r) == "--cgroupns: invalid CGROUP mode");
  r = {};
  r.uts = "host";
  r.hostname = "box";
  CHECK(refusal(r) == "conflicting options: hostname and the UTS mode");
  r = {};
  r.runtime = "kata";
  CHECK(refusal(r) == "unknown or invalid runtime name: kata");
  r = {};
  r.annotations = {"=x"};
  CHECK(refusal(r) == "invalid annotation '=x': empty name");
}

TEST_CASE("namespace settings survive config.json", "[engine][namespaces]") {
  api::RunRequest r;
  r.pid = "host";
  r.ipc = "none";
  r.domainname = "example.org";
  r.annotations = {"a=b", "c"};
  auto ns = make_namespace_config(r);
  REQUIRE(ns);
  auto back = namespaces_from_json(to_json(ns.value()));
  CHECK(back.pid_mode == "host");
  CHECK(back.ipc_mode == "none");
  CHECK(back.domainname == "example.org");
  CHECK(back.annotations == std::map<std::string, std::string>{{"a", "b"}, {"c", ""}});
  nlohmann::json host;
  add_namespace_view(back, host);
  CHECK(host["IpcMode"] == "none");
  CHECK(host["Annotations"]["a"] == "b");
}

TEST_CASE("what this host has not is refused, the local spellings accepted",
          "[engine][namespaces]") {
  api::RunRequest r;
  CHECK(check_host_features(r));
  r.isolation = "default";
  r.volume_driver = "local";
  CHECK(check_host_features(r));
  r.gpus = "all";
  CHECK(check_host_features(r).error().message ==
        "could not select device driver \"\" with capabilities: [[gpu]]");
  r = {};
  r.ip6 = "nope";
  CHECK(check_host_features(r).error().message == "invalid IPv6 address: nope");
}
