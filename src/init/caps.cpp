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

}  // namespace

Status limit_capabilities(std::uint64_t mask) {
  // cap_max_bits() is what the running kernel knows, so capabilities newer than this
  // libcap are handled too; bits past it in the mask are not capabilities at all.
  const cap_value_t max = static_cast<cap_value_t>(cap_max_bits());
  std::vector<cap_value_t> kept;
  for (cap_value_t cap = 0; cap < max; ++cap) {
    if (in_mask(mask, cap)) {
      kept.push_back(cap);
      continue;
    }
    if (cap_drop_bound(cap) != 0) return fail_errno("drop capability " + cap_label(cap));
  }

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
