// The hello line a client writes on RUN_ROOT/asupd.fifo, parsed into typed values in one
// place (docs/protocol.md, "Connecting"). Nothing downstream reads the raw JSON: a hello
// whose fields have the wrong type or name paths outside the clients dir is refused here.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::control {

struct Hello {
  int version = 0;  // the client's protocol version ("hello")
  pid_t pid = 0;    // the client's pid: only a claim until Session verifies it
  // The client's private dir: one name directly under the clients dir.
  std::string dir;
  // The FIFOs' names inside `dir`.
  std::string requests;
  std::string replies;
};

// Parses one hello line; `clients_dir` is the absolute path of RUN_ROOT/clients, which
// both FIFO paths must lie directly inside (as clients_dir/DIR/NAME, one DIR for both).
Result<Hello> parse_hello(std::string_view line, std::string_view clients_dir);

// Like parse_hello, but when the line as a whole is not a hello, tries it again from each
// later '{': bytes that some writer left without a newline end up glued in front of the
// next client's hello (see AcceptFramer), and the hello itself always starts with '{'.
Result<Hello> find_hello(std::string_view line, std::string_view clients_dir);

}  // namespace asup::control
