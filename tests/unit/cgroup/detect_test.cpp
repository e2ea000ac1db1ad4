#include <catch2/catch.hpp>

#include "cgroup/cgroup.hpp"
#include "core/fs.hpp"
#include "test_support.hpp"

using namespace asup;
using namespace asup::cgroup;

TEST_CASE("detect picks the backend the host's /sys/fs/cgroup calls for", "[cgroup]") {
  auto manager = detect("asup-detect-test");
  if (test::mounted_as("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
    REQUIRE(manager);
    CHECK(manager.value()->version() == "v2");
  } else if (fs::is_directory("/sys/fs/cgroup/memory")) {
    REQUIRE(manager);
    CHECK(manager.value()->version() == "v1");
  } else {
    CHECK_FALSE(manager);
  }
  // Detection creates nothing.
  CHECK_FALSE(fs::exists("/sys/fs/cgroup/asup-detect-test"));
  CHECK_FALSE(fs::exists("/sys/fs/cgroup/memory/asup-detect-test"));
}
