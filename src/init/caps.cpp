#include "init/caps.hpp"

#include <sys/capability.h>

#include <cerrno>
#include <string>

namespace asup::init {
namespace {

// moby's oci/caps/defaults.go.
constexpr cap_value_t kDefaultCaps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};
constexpr int kDefaultCount = sizeof kDefaultCaps / sizeof kDefaultCaps[0];

bool is_default(cap_value_t cap) {
  for (cap_value_t c : kDefaultCaps) {
    if (c == cap) return true;
  }
  return false;
}

std::string cap_label(cap_value_t cap) {
  char* name = cap_to_name(cap);
  std::string out = name ? name : std::to_string(cap);
  cap_free(name);
  return out;
}

}  // namespace

Status limit_capabilities() {
  // cap_max_bits() is what the running kernel knows, so capabilities newer than this
  // libcap are dropped too.
  const cap_value_t max = static_cast<cap_value_t>(cap_max_bits());
  for (cap_value_t cap = 0; cap < max; ++cap) {
    if (is_default(cap)) continue;
    if (cap_drop_bound(cap) != 0) return fail_errno("drop capability " + cap_label(cap));
  }

  cap_t caps = cap_init();
  if (!caps) return fail_errno("cap_init");
  int rc = cap_set_flag(caps, CAP_PERMITTED, kDefaultCount, kDefaultCaps, CAP_SET);
  if (rc == 0) rc = cap_set_flag(caps, CAP_EFFECTIVE, kDefaultCount, kDefaultCaps, CAP_SET);
  if (rc == 0) rc = cap_set_proc(caps);
  int err = errno;
  cap_free(caps);
  if (rc != 0) return fail(err, "set capabilities");

  if (cap_reset_ambient() != 0 && errno != EINVAL) return fail_errno("clear ambient capabilities");
  return ok();
}

}  // namespace asup::init
