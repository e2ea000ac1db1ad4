// Report lines to asupd on fds::kReport ("ready", "started PID", "error CODE MESSAGE").
#pragma once

#include <string_view>

#include "asup/result.hpp"

namespace asup::init {

// Writes `line` plus a newline; a vanished daemon (EPIPE) is not an error for init.
void report(std::string_view line);
// Closes the report pipe: asupd sees EOF once nothing more will come.
void close_report();
// "error CODE MESSAGE" then exit(code). Newlines in the message become spaces so a report
// is always one line.
[[noreturn]] void fail_with(int code, std::string_view message);
// A setup failure: error 125 with "<operation> <path>: <strerror>".
[[noreturn]] void fail_setup(const Error& error);

}  // namespace asup::init
