// One exec'd command as asupd follows it (asup-init in exec mode): its report pipe, its
// exit code, its terminal if it has one, and what its launcher wants done at the end. An
// exec for a client and a health probe both run through Engine::launch_exec with one.
#pragma once

#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <functional>
#include <memory>
#include <string>

#include "asup/unique_fd.hpp"

namespace asup::engine {

struct ExecConsole;  // exec.cpp

struct ExecState {
  std::string error;
  int code = -1;
  bool exited = false, report_done = false, console_done = true;
  std::string buffer;
  std::unique_ptr<boost::asio::posix::stream_descriptor> report;
  UniqueFd barrier;  // with a terminal: opened once asupd holds the master
  std::shared_ptr<ExecConsole> console;
  // Set by whoever launches it: asup-init said "console" (with its pidfd), and the end.
  std::function<void(const std::shared_ptr<ExecState>&, int init_pidfd)> on_console;
  std::function<void(ExecState&)> on_end;

  pid_t pid = -1;      // asup-init's, until the end
  bool ended = false;  // on_end ran

  bool over() const { return exited && report_done && console_done; }

  void read_report(const std::shared_ptr<ExecState>& self, std::function<void()> done,
                   std::function<void()> on_console) {
    boost::asio::async_read_until(
        *report, boost::asio::dynamic_buffer(buffer), '\n',
        [self, done, on_console](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            self->report_done = true;
            done();
            return;
          }
          std::string line = self->buffer.substr(0, n - 1);
          self->buffer.erase(0, n);
          // "error CODE MESSAGE"
          if (line.rfind("error ", 0) == 0) {
            auto sp = line.find(' ', 6);
            if (sp != std::string::npos) self->error = line.substr(sp + 1);
          }
          if (line == "console") on_console();
          self->read_report(self, done, on_console);
        });
  }
};

}  // namespace asup::engine
