// Frames the bytes read from the accept FIFO (RUN_ROOT/asupd.fifo) into hello candidates.
//
// Any root process may write anything there, and a writer that leaves bytes without a
// newline must not cost the next client its hello. What makes recovery possible:
// - A client writes its hello in one write() of at most PIPE_BUF bytes, so it lands in the
//   FIFO whole, never interleaved with another writer's bytes (pipe(7)).
// - The daemon reads with a buffer at least as large as the FIFO, so one read takes every
//   write queued so far whole: a hello never straddles two reads.
// - A hello is one JSON object: it starts with '{' and ends with '\n'.
// Hence two rules:
// 1. A read that starts with '{' starts a new write. A fragment left over from earlier
//    reads can only be a stray write without a newline (a hello is never split across
//    reads), so it is dropped instead of being glued in front of the new hello.
// 2. Within one read, a stray write and a hello can still arrive back to back
//    ("garbage{...}\n"): the line is handed on whole, and find_hello() looks for the hello
//    at each '{'. Since a hello is a suffix of its line, a line longer than any hello
//    keeps only its last max_line bytes instead of being skipped: the daemon's memory
//    stays bounded and a hello at its end survives.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace asup::control {

class AcceptFramer {
 public:
  explicit AcceptFramer(std::size_t max_line) : max_line_(max_line) {}
  // `chunk` is exactly what one read returned. Calls on_line(line) for each complete line
  // (without its '\n', cut to its last max_line bytes) and on_stale(n) when n bytes of an
  // unterminated fragment are dropped by rule 1.
  void feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line,
            const std::function<void(std::size_t)>& on_stale);

 private:
  void keep_tail(std::string_view piece);

  std::size_t max_line_;
  std::string partial_;
  std::size_t partial_total_ = 0;  // bytes of the fragment, including what keep_tail cut
};

}  // namespace asup::control
