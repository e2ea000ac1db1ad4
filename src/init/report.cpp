#include "init/report.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "launch/launch_spec.hpp"

namespace asup::init {
namespace {

bool report_open = true;

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void report(std::string_view line) {
  if (!report_open) return;
  std::string out{line};
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  out += '\n';
  // One write of a short line: the daemon never sees half a report.
  write_all(launch::fds::kReport, out);
}

void close_report() {
  if (!report_open) return;
  ::close(launch::fds::kReport);
  report_open = false;
}

void fail_with(int code, std::string_view message) {
  std::string line = "error " + std::to_string(code) + " ";
  line += message;
  report(line);
  ::_exit(code);
}

void fail_setup(const Error& error) {
  fail_with(125, error.describe());
}

}  // namespace asup::init
