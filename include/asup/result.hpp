// Errors are values: every fallible function returns asup::Result<T>. The error
// carries the errno (0 when none applies) and a message naming the operation and
// the path; callers add context on the way up with Error::wrap.
#pragma once

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace asup {

struct Error {
  int code = 0;         // errno, or 0 for errors that are not system errors
  std::string message;  // "mount overlay on /x/merged"

  // "mount overlay on /x/merged: No such device"
  std::string describe() const {
    if (code == 0) return message;
    return message + ": " + std::strerror(code);
  }
  // Prepends context: wrap("start container abc") -> "start container abc: <message>"
  Error wrap(const std::string& context) const { return Error{code, context + ": " + message}; }
};

template <class T>
using Result = boost::outcome_v2::result<T, Error, boost::outcome_v2::policy::terminate>;
using Status = Result<void>;

inline auto fail(int code, std::string message) {
  return boost::outcome_v2::failure(Error{code, std::move(message)});
}
inline auto fail(std::string message) {
  return fail(0, std::move(message));
}
// For the line right after a failed system call: captures errno.
inline auto fail_errno(std::string operation) {
  return fail(errno, std::move(operation));
}
inline auto fail(Error e) {
  return boost::outcome_v2::failure(std::move(e));
}

inline Status ok() {
  return boost::outcome_v2::success();
}

}  // namespace asup

// ASUP_TRY(auto x, expr) / ASUP_TRY(expr): return the error of expr if it failed.
#define ASUP_TRY BOOST_OUTCOME_TRY
