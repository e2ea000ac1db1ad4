// Docker's detach keys (--detach-keys, default "ctrl-p,ctrl-q"): a comma-separated list of
// single characters, "ctrl-@" ... "ctrl-_" (codes 0-31) and "DEL", typed in order to leave
// an attached container running. The client watches its input for the sequence; bytes of
// a partial match are held back and sent on if the sequence breaks, as Docker does.
#pragma once

#include <string>
#include <string_view>

#include "asup/result.hpp"

namespace asup::term {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// The bytes of the sequence, or Docker's error ("Invalid detach keys (X) provided").
Result<std::string> parse_detach_keys(std::string_view keys);

class DetachMatcher {
 public:
  explicit DetachMatcher(std::string sequence) : sequence_(std::move(sequence)) {}

  struct Fed {
    std::string forward;  // what goes to the container now
    bool detach = false;  // the whole sequence was typed: the client detaches
  };
  // Input as read; after a detach the rest of `input` is dropped.
  Fed feed(std::string_view input);

 private:
  std::string sequence_;
  std::size_t matched_ = 0;  // bytes of sequence_ held back
};

}  // namespace asup::term
