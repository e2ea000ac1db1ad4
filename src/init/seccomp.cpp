#include "init/seccomp.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace asup::init {

Status load_seccomp_program(std::string_view program) {
  if (program.empty() || program.size() % sizeof(sock_filter) != 0 ||
      program.size() / sizeof(sock_filter) > USHRT_MAX)
    return fail(EINVAL, "seccomp: malformed program in the launch spec");
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.size() / sizeof(sock_filter));
  // The kernel copies the program in; the cast only satisfies the struct's type.
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()));
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    return fail_errno("seccomp: load filter");
  return ok();
}

}  // namespace asup::init
