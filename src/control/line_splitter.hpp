// Splits a byte stream into '\n'-terminated lines with a bound on line length. An
// oversized line is reported once and its bytes skipped up to the next newline, so a
// hostile or broken client cannot make the daemon buffer without limit.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace asup::control {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}
  // Calls on_line(line) for each complete line (without '\n'), on_oversized() for each line
  // longer than the bound.
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line,
            const std::function<void()>& on_oversized);

 private:
  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;
};

}  // namespace asup::control
