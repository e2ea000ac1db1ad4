// show_euid: prints "euid=N" for the security tests, which install a setuid-root copy in a
// container to see whether no_new_privs lets the kernel raise the effective uid. Linked
// statically: it is bind-mounted into images that have no libc.
#include <unistd.h>

#include <cstdio>

int main() {
  std::printf("euid=%u\n", static_cast<unsigned>(::geteuid()));
  return 0;
}
