#include "term/detach_keys.hpp"

#include <array>

namespace asup::term {
namespace {

// "ctrl-@" is 0, "ctrl-a" 1 ... "ctrl-z" 26, then "ctrl-[" "ctrl-\" "ctrl-]" "ctrl-^" "ctrl-_".
int control_code(std::string_view key) {
  if (key.size() != 6 || key.substr(0, 5) != "ctrl-") return -1;
  char c = key[5];
  if (c == '@') return 0;
  if (c >= 'a' && c <= 'z') return c - 'a' + 1;
  static constexpr std::string_view kAfterZ = "[\\]^_";
  auto at = kAfterZ.find(c);
  return at == std::string_view::npos ? -1 : 27 + static_cast<int>(at);
}

}  // namespace

Result<std::string> parse_detach_keys(std::string_view keys) {
  std::string out;
  auto invalid = [&] {
    return fail(EINVAL, "Invalid detach keys (" + std::string(keys) + ") provided");
  };
  if (keys.empty()) return invalid();
  for (std::size_t start = 0;;) {
    auto comma = keys.find(',', start);
    auto key = keys.substr(start, comma == std::string_view::npos ? keys.npos : comma - start);
    if (key.size() == 1) {
      out += key[0];
    } else if (key == "DEL") {
      out += '\x7f';
    } else if (int code = control_code(key); code >= 0) {
      out += static_cast<char>(code);
    } else {
      return invalid();
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

DetachMatcher::Fed DetachMatcher::feed(std::string_view input) {
  Fed fed;
  for (char c : input) {
    if (sequence_.empty()) {
      fed.forward += c;
      continue;
    }
    if (c == sequence_[matched_]) {
      if (++matched_ == sequence_.size()) {
        fed.detach = true;
        matched_ = 0;
        return fed;
      }
      continue;
    }
    // The sequence broke: what was held back goes on, and this byte may start it anew.
    fed.forward.append(sequence_, 0, matched_);
    matched_ = 0;
    if (c == sequence_[0])
      matched_ = 1;
    else
      fed.forward += c;
  }
  return fed;
}

}  // namespace asup::term
