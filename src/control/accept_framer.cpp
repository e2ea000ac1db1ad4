#include "control/accept_framer.hpp"

namespace asup::control {

void AcceptFramer::keep_tail(std::string_view piece) {
  partial_total_ += piece.size();
  if (piece.size() >= max_line_) {
    partial_.assign(piece.substr(piece.size() - max_line_));
    return;
  }
  partial_.append(piece);
  if (partial_.size() > max_line_) partial_.erase(0, partial_.size() - max_line_);
}

void AcceptFramer::feed(std::string_view chunk,
                        const std::function<void(std::string_view)>& on_line,
                        const std::function<void(std::size_t)>& on_stale) {
  if (partial_total_ > 0 && !chunk.empty() && chunk.front() == '{') {
    on_stale(partial_total_);
    partial_.clear();
    partial_total_ = 0;
  }
  while (!chunk.empty()) {
    auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      keep_tail(chunk);
      return;
    }
    std::string_view piece = chunk.substr(0, nl);
    chunk.remove_prefix(nl + 1);
    if (partial_total_ == 0) {
      on_line(piece.size() > max_line_ ? piece.substr(piece.size() - max_line_) : piece);
      continue;
    }
    keep_tail(piece);
    std::string line = std::move(partial_);
    partial_.clear();
    partial_total_ = 0;
    on_line(line);
  }
}

}  // namespace asup::control
