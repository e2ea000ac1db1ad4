#include "core/pipes.hpp"

#include <fcntl.h>

#include <cstdlib>

#include "core/fs.hpp"

namespace asup {
namespace {

int pipe_max_size() {
  static const int size = [] {
    auto text = fs::read_file("/proc/sys/fs/pipe-max-size");
    return text ? std::atoi(text.value().c_str()) : 0;
  }();
  return size;
}

}  // namespace

void grow_pipe(int fd) {
  int max = pipe_max_size();
  if (max > 0 && ::fcntl(fd, F_GETPIPE_SZ) < max) (void)::fcntl(fd, F_SETPIPE_SZ, max);
}

}  // namespace asup
