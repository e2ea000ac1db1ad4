// io_uring_probe: tries io_uring_setup, which Docker's default seccomp profile denies, and
// prints "io_uring: ok" or "io_uring: <error>". Linked statically for busybox images.
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main() {
  io_uring_params params{};
  long fd = ::syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) {
    std::printf("io_uring: %s\n", std::strerror(errno));
    return 1;
  }
  ::close(static_cast<int>(fd));
  std::printf("io_uring: ok\n");
  return 0;
}
