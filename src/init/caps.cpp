#include "init/caps.hpp"

#include <sys/capability.h>

#include <cerrno>
#include <string>
#include <vector>

namespace asup::init {
namespace {

std::string cap_label(cap_value_t cap) {
  char* name = cap_to_name(cap);
  std::string out = name ? name : std::to_string(cap);
  cap_free(name);
  return out;
}

bool in_mask(std::uint64_t mask, cap_value_t cap) {
  return cap < 64 && (mask >> cap) & 1;
}

// cap_max_bits() is what the running kernel knows, so capabilities newer than this libcap
// are handled too; bits past it in the mask are not capabilities at all.
cap_value_t known_capabilities() {
  return static_cast<cap_value_t>(cap_max_bits());
}

}  // namespace

Status limit_bounding_set(std::uint64_t mask) {
  for (cap_value_t cap = 0; cap < known_capabilities(); ++cap) {
    if (in_mask(mask, cap)) continue;
    if (cap_drop_bound(cap) != 0) return fail_errno("drop capability " + cap_label(cap));
  }
  return ok();
}

Status limit_capabilities(std::uint64_t mask) {
  cap_t current = cap_get_proc();
  if (!current) return fail_errno("cap_get_proc");
  std::vector<cap_value_t> kept;
  for (cap_value_t cap = 0; cap < known_capabilities(); ++cap) {
    cap_flag_value_t held = CAP_CLEAR;
    if (in_mask(mask, cap) && cap_get_flag(current, cap, CAP_PERMITTED, &held) == 0 &&
        held == CAP_SET)
      kept.push_back(cap);
  }
  cap_free(current);

  cap_t caps = cap_init();
  if (!caps) return fail_errno("cap_init");
  int rc = 0;
  if (!kept.empty()) {
    const int n = static_cast<int>(kept.size());
    rc = cap_set_flag(caps, CAP_PERMITTED, n, kept.data(), CAP_SET);
    if (rc == 0) rc = cap_set_flag(caps, CAP_EFFECTIVE, n, kept.data(), CAP_SET);
  }
  if (rc == 0) rc = cap_set_proc(caps);
  int err = errno;
  cap_free(caps);
  if (rc != 0) return fail(err, "set capabilities");

  if (cap_reset_ambient() != 0 && errno != EINVAL) return fail_errno("clear ambient capabilities");
  return ok();
}

}  // namespace asup::init
