// Start-to-exit latency of `true` in a full container (overlay, all namespaces, the whole
// mount plan), measured through the spawner. Hidden: run with `unit_launch "[bench]"`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "container_fixture.hpp"

using namespace asup::launch;
using namespace asup::launch::testing;

namespace {

void measure(const char* label, std::uint64_t namespaces, bool seccomp = true) {
  TempRoot root;
  LaunchSpec spec = root.spec({"true"});
  spec.seccomp = seccomp;
  SpawnOptions options;
  options.namespaces = namespaces;
  std::vector<double> ms;
  for (int i = 0; i < 200; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Container c{&root, spec, options};
    REQUIRE(c.start().rfind("started", 0) == 0);
    REQUIRE(c.wait() == 0);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  WARN(label << ": spawn -> exit of `true`: p50 " << ms[ms.size() / 2] << " ms, p99 "
             << ms[ms.size() * 99 / 100] << " ms");
  CHECK(mounts_under(root.dir()).empty());
}

}  // namespace

TEST_CASE("container start latency", "[.][bench][root]") {
  ASUP_REQUIRE_ROOT();
  measure("all namespaces", kContainerNamespaces);
  measure("no network namespace", kContainerNamespaces & ~std::uint64_t{CLONE_NEWNET});
  measure("no network namespace, no seccomp filter",
          kContainerNamespaces & ~std::uint64_t{CLONE_NEWNET}, false);
}
