// Capture on a real loop and real pipes: every byte reaches the log in order, EOF is
// reported once, and a writer waits on its full pipe while the attached client is behind.
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "fake_caller.hpp"
#include "logs/capture.hpp"
#include "temp_dir.hpp"

using namespace asup;
using namespace asup::logs;
using asup::testing::FakeCaller;
using asup::testing::TempDir;

namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  return {UniqueFd{fds[0]}, UniqueFd{fds[1]}};
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::shared_ptr<ContainerLog> make_log(const TempDir& dir) {
  auto log = ContainerLog::create("0123456789abcdef", dir / "log", 64 << 20);
  REQUIRE(log);
  return std::move(log).value();
}

}  // namespace

TEST_CASE("capture reads a pipe into the log until EOF", "[logs][capture]") {
  TempDir dir;
  auto log = make_log(dir);
  auto follower = std::make_shared<FakeCaller>(1);
  log->replay(follower, -1, true);
  boost::asio::io_context io;
  CaptureSet captures(io);
  auto out = make_pipe(), err = make_pipe();
  int eofs = 0;
  captures.start(log, std::move(out.read), Stream::Stdout, [&] { ++eofs; });
  captures.start(log, std::move(err.read), Stream::Stderr, [&] { ++eofs; });
  write_all(out.write.get(), "to stdout\n");
  io.run_one();
  write_all(err.write.get(), "to stderr\n");
  out.write.reset();
  err.write.reset();
  io.run();
  CHECK(eofs == 2);
  CHECK(follower->output == "to stdout\nto stderr\n");
  CHECK(follower->streams == std::vector<std::string>{"stdout", "stderr"});
}

TEST_CASE("capture of a removed container's pipe stops without reporting EOF", "[logs][capture]") {
  TempDir dir;
  auto log = make_log(dir);
  boost::asio::io_context io;
  CaptureSet captures(io);
  auto pipe = make_pipe();
  bool eof = false;
  captures.start(log, std::move(pipe.read), Stream::Stdout, [&] { eof = true; });
  log.reset();
  pipe.write.reset();
  io.run();
  CHECK_FALSE(eof);
}

TEST_CASE("capture waits while the attached client is behind: the writer waits on its pipe",
          "[logs][capture]") {
  TempDir dir;
  auto log = make_log(dir);
  auto attached = std::make_shared<FakeCaller>(1, true);
  log->attach(attached);
  boost::asio::io_context io;
  CaptureSet captures(io);
  auto pipe = make_pipe();
  bool eof = false;
  captures.start(log, std::move(pipe.read), Stream::Stdout, [&] { eof = true; });
  const std::string data(6 << 20, 'x');
  std::thread writer([&, fd = std::move(pipe.write)] { write_all(fd.get(), data); });
  // The loop runs out of work once capture waits for the client: nothing is left to do
  // until it reads.
  io.run();
  CHECK_FALSE(eof);
  CHECK(attached->queued >= kAttachedBacklog);
  CHECK(attached->queued < kAttachedBacklog + kReadBuffer);
  while (!eof) {
    attached->drain();
    io.restart();
    io.run();
  }
  writer.join();
  CHECK(attached->output == data);
}
