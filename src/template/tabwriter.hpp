// Go's text/tabwriter as Docker's tables use it (minwidth 10, tabwidth 1, padding 3,
// padded with spaces): tab-terminated cells of contiguous lines form a column, each as wide
// as its widest cell plus the padding, and at least minwidth; the text after a line's last
// tab is not part of any column.
#pragma once

#include <string>
#include <string_view>

namespace asup::tmpl {

std::string tabwrite(std::string_view text, std::size_t minwidth = 10, std::size_t padding = 3);

}  // namespace asup::tmpl
