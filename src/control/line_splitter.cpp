#include "control/line_splitter.hpp"

namespace asup::control {

void LineSplitter::feed(std::string_view bytes,
                        const std::function<void(std::string_view)>& on_line,
                        const std::function<void()>& on_oversized) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view piece = bytes.substr(0, nl);
    if (skipping_) {
      if (nl == std::string_view::npos) return;
      skipping_ = false;
    } else if (partial_.size() + piece.size() > max_line_) {
      partial_.clear();
      on_oversized();
      if (nl == std::string_view::npos) {
        skipping_ = true;
        return;
      }
    } else if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    } else if (partial_.empty()) {
      on_line(piece);
    } else {
      partial_.append(piece);
      std::string line = std::move(partial_);
      partial_.clear();
      on_line(line);
    }
    bytes.remove_prefix(nl + 1);
  }
}

}  // namespace asup::control
