#include "template/tabwriter.hpp"

#include <algorithm>
#include <vector>

namespace asup::tmpl {
namespace {

struct Cell {
  std::string_view text;
  std::size_t width;  // in characters
};
using Line = std::vector<Cell>;

std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

class Writer {
 public:
  Writer(std::vector<Line> lines, std::size_t minwidth, std::size_t padding)
      : lines_(std::move(lines)), minwidth_(minwidth), padding_(padding) {}

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // A line's cells but its last belong to columns; column `c` of lines [from, to) is a
  // block where every line has a tab-terminated cell c. Elastic tabstops: each block is
  // sized, then the columns right of it within the block, recursively.
  void format(std::size_t from, std::size_t to) {
    std::size_t column = widths_.size();
    std::size_t line = from;
    while (line < to) {
      if (column + 1 >= lines_[line].size()) {
        ++line;
        continue;
      }
      write_lines(from, line);
      from = line;
      std::size_t width = minwidth_;
      for (; line < to && column + 1 < lines_[line].size(); ++line)
        width = std::max(width, lines_[line][column].width + padding_);
      widths_.push_back(width);
      format(from, line);
      widths_.pop_back();
      from = line;
    }
    write_lines(from, to);
  }

  void write_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const Line& cells = lines_[i];
      for (std::size_t j = 0; j < cells.size(); ++j) {
        out_ += cells[j].text;
        if (j < widths_.size() && widths_[j] > cells[j].width)
          out_.append(widths_[j] - cells[j].width, ' ');
      }
      if (i + 1 < lines_.size()) out_ += '\n';
    }
  }

  std::vector<Line> lines_;
  std::size_t minwidth_, padding_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

}  // namespace

std::string tabwrite(std::string_view text, std::size_t minwidth, std::size_t padding) {
  std::vector<Line> lines;
  std::size_t start = 0;
  for (;;) {
    auto end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    Line cells;
    std::size_t cell_start = 0;
    for (std::size_t tab; (tab = line.find('\t', cell_start)) != std::string_view::npos;
         cell_start = tab + 1) {
      auto cell = line.substr(cell_start, tab - cell_start);
      cells.push_back({cell, width_of(cell)});
    }
    auto last = line.substr(cell_start);
    cells.push_back({last, width_of(last)});
    lines.push_back(std::move(cells));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return Writer(std::move(lines), minwidth, padding).run();
}

}  // namespace asup::tmpl
