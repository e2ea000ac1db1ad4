// Executing an update plan on a live group: the group keeps running on the old values
// until each write lands, so a write that fails half-way must not leave a mix.
#pragma once

#include <string>
#include <vector>

#include "asup/result.hpp"
#include "cgroup/plan.hpp"

namespace asup::cgroup {

// One setting of a plan and the directory of the group it goes to.
struct LiveWrite {
  Setting setting;
  std::string dir;
  bool create = false;  // a plain directory (a test fixture): the file is created
};

// Writes each setting in order, after reading the value it replaces. When one fails, the
// files written before it get their previous values back, newest first (the reverse order
// is also the one the kernel accepts for v1's memory and memsw pair), and its error is
// returned; a failed restore is added to the message. A memory limit below the group's
// usage fails with memory::below_usage's error on both versions (memory.hpp says how).
// Optional settings whose file is missing are skipped.
Status apply_live(Version version, const std::vector<LiveWrite>& writes);

}  // namespace asup::cgroup
