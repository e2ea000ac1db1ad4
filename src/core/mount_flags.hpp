// mount(8)'s flag words ("ro", "nosuid", "noatime", "bind", ...) as MS_* flags: what
// --tmpfs options and a volume's `-o o=...` share. A word that is not one is the file
// system's own data ("size=64m", "mode=1777").
#pragma once

#include <cstdint>
#include <string_view>

namespace asup::mount_flags {

// Applies `word` to `flags` (setting and clearing as mount(8) does: "noatime" clears
// relatime and strictatime); false, with `flags` untouched, when it is not a flag word.
bool apply(std::string_view word, std::uint64_t& flags);

}  // namespace asup::mount_flags
